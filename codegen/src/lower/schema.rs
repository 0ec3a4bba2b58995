//! Schemas to types: named types for components and inline objects, `TypeRef`s for uses.

use super::Lowerer;
use super::all_of::merge_all_of;
use super::shape::{Shape, classify};
use super::{exactly_one, field_doc};
use crate::error::{Error, ptr};
use crate::ir::{
    AliasDef, Discriminator, EnumDef, Field, IntEnumDef, NewtypeDef, StructDef, TypeDef, TypeRef, UnionDef,
    Variant,
};
use crate::names::{self, Scope};
use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

/// How deep inline schemas may nest.
pub(crate) const MAX_DEPTH: usize = 40;

/// Our custom format for zone-less UTC timestamps (`2013-11-18T11:20:24`).
pub const NAIVE_DATE_TIME: &str = "naive-date-time";

/// Lowers a schema that has a name of its own (a component, or an inline object given one).
pub(crate) fn lower_named(
    cx: &mut Lowerer<'_>,
    name: &str,
    schema: &ReferenceOr<Schema>,
    pointer: &str,
) -> Result<(), Error> {
    let schema = match schema {
        ReferenceOr::Reference { reference } => {
            let target = cx.ref_name(reference, pointer)?;
            let def = AliasDef { name: name.to_owned(), doc: None, target: TypeRef::Named(target) };
            cx.types.insert(name.to_owned(), TypeDef::Alias(def));
            return Ok(());
        }
        ReferenceOr::Item(schema) => schema,
    };
    let doc = doc_of(schema);
    let def = match classify(cx, schema) {
        Shape::StringEnum(values) => TypeDef::Enum(enum_def(name, doc, values)),
        Shape::IntEnum(values) => TypeDef::IntEnum(int_enum_def(name, doc, values)),
        Shape::PlainString => TypeDef::Newtype(NewtypeDef { name: name.to_owned(), doc }),
        Shape::Struct(object) => TypeDef::Struct(struct_def(
            cx,
            name,
            doc,
            object.properties,
            object.required,
            object.additional,
            pointer,
        )?),
        Shape::SameAs(member, index) | Shape::ScalarAllOf(Some((member, index))) => {
            return lower_named(cx, name, member, &ptr(pointer, &["allOf", &index.to_string()]));
        }
        Shape::ScalarAllOf(None) => {
            TypeDef::Alias(AliasDef { name: name.to_owned(), doc, target: TypeRef::Json })
        }
        Shape::MergedAllOf(all_of) => {
            let mut props = IndexMap::new();
            let mut required = Vec::new();
            let mut additional = None;
            merge_all_of(cx, all_of, &ptr(pointer, &["allOf"]), &mut props, &mut required, &mut additional)?;
            TypeDef::Struct(struct_def(cx, name, doc, &props, &required, additional.as_ref(), pointer)?)
        }
        Shape::SingleMember(member, key) => {
            let target = type_of(cx, member, name, &ptr(pointer, &[key, "0"]))?;
            TypeDef::Alias(AliasDef { name: name.to_owned(), doc, target })
        }
        Shape::Union(parts, key) => {
            let mut def = union_def(cx, name, doc, parts, &ptr(pointer, &[key]))?;
            def.discriminator = discriminator(cx, schema, &def, pointer)?;
            TypeDef::Union(def)
        }
        Shape::Primitive => {
            let target = primitive(cx, schema, name, pointer)?;
            TypeDef::Alias(AliasDef { name: name.to_owned(), doc, target })
        }
    };
    let def = match def {
        TypeDef::Struct(def) => TypeDef::Struct(exactly_one::apply(cx, def, &schema.schema_data, pointer)?),
        other => other,
    };
    cx.types.insert(name.to_owned(), def);
    Ok(())
}

/// The type of a schema where it is used (a property, a parameter, a body).
/// Inline objects, enums and unions get a named type called after `context`.
pub(crate) fn type_of(
    cx: &mut Lowerer<'_>,
    schema: &ReferenceOr<Schema>,
    context: &str,
    pointer: &str,
) -> Result<TypeRef, Error> {
    let schema = match schema {
        ReferenceOr::Reference { reference } => return cx.ref_type(reference, pointer),
        ReferenceOr::Item(schema) => schema,
    };
    // `allOf: [{$ref: X}]` (or `oneOf`/`anyOf` with one member) is the usual way to give a
    // reference a description or `nullable`: it means X itself.
    if let SchemaKind::AllOf { all_of: parts }
    | SchemaKind::OneOf { one_of: parts }
    | SchemaKind::AnyOf { any_of: parts } = &schema.schema_kind
        && let [ReferenceOr::Reference { reference }] = parts.as_slice()
    {
        return cx.ref_type(reference, pointer);
    }
    let shape = classify(cx, schema);
    match shape {
        // An allOf of one real member and annotations is that member's type; so is a
        // oneOf/anyOf of one member.
        Shape::SameAs(member, index) => {
            return type_of(cx, member, context, &ptr(pointer, &["allOf", &index.to_string()]));
        }
        Shape::SingleMember(member, key) => return type_of(cx, member, context, &ptr(pointer, &[key, "0"])),
        _ => {}
    }
    if shape.needs_name() {
        // Inline schemas nest as deep as the document does, except through allOf, which copies
        // the members' properties in: a cycle there would expand forever.
        if cx.depth >= MAX_DEPTH {
            return Err(Error::unsupported(
                pointer,
                format!(
                    "inline schemas nest more than {MAX_DEPTH} levels deep (an allOf cycle?); name them in components"
                ),
            ));
        }
        // A `$ref` elsewhere may point at this very schema (`#/components/schemas/X/properties/y`):
        // one type for both, whichever comes first. (A schema met twice at one place without
        // any reference to it, such as a path item's shared parameter, still gets a type per use.)
        let key = format!("#{pointer}");
        if let Some(name) = cx.pointer_names.get(&key) {
            return Ok(TypeRef::Named(name.clone()));
        }
        let name = cx.scope.claim(names::type_name(context));
        cx.inline_names.entry(key).or_insert_with(|| name.clone());
        cx.depth += 1;
        let lowered = lower_named(cx, &name, &ReferenceOr::Item(schema.clone()), pointer);
        cx.depth -= 1;
        if let Err(error) = lowered {
            cx.degrade(error, "the value is `serde_json::Value`")?;
            cx.types.remove(&name);
            return Ok(TypeRef::Json);
        }
        return Ok(TypeRef::Named(name));
    }
    primitive(cx, schema, context, pointer)
}

/// Same as [`type_of`] for the boxed schemas that `openapiv3` uses inside objects and arrays.
pub(crate) fn type_of_boxed(
    cx: &mut Lowerer<'_>,
    schema: &ReferenceOr<Box<Schema>>,
    context: &str,
    pointer: &str,
) -> Result<TypeRef, Error> {
    type_of(cx, &unbox(schema), context, pointer)
}

pub(crate) fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference: reference.clone() },
        ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
    }
}

/// Scalars, arrays and maps: types that need no name of their own.
fn primitive(cx: &mut Lowerer<'_>, schema: &Schema, context: &str, pointer: &str) -> Result<TypeRef, Error> {
    Ok(match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => match &s.format {
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
            VariantOrUnknownOrEmpty::Unknown(f) if f == NAIVE_DATE_TIME => TypeRef::Timestamp,
            VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Bytes,
            // byte (base64), binary, password, uuid, uri and unknown formats: the base type.
            _ => TypeRef::String,
        },
        SchemaKind::Type(Type::Integer(i)) => match &i.format {
            VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
            _ => TypeRef::I64,
        },
        SchemaKind::Type(Type::Number(n)) => match &n.format {
            VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => TypeRef::F32,
            _ => TypeRef::F64,
        },
        SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
        SchemaKind::Type(Type::Array(a)) => {
            let item = match &a.items {
                Some(items) => {
                    type_of_boxed(cx, items, &format!("{context}Item"), &ptr(pointer, &["items"]))?
                }
                None => TypeRef::Json,
            };
            TypeRef::Vec(Box::new(item))
        }
        SchemaKind::Type(Type::Object(o)) => map_of(cx, o.additional_properties.as_ref(), context, pointer)?,
        SchemaKind::Any(any) => {
            if let Some(items) = &any.items {
                let item = type_of_boxed(cx, items, &format!("{context}Item"), &ptr(pointer, &["items"]))?;
                TypeRef::Vec(Box::new(item))
            } else if any.additional_properties.is_some() || any.typ.as_deref() == Some("object") {
                map_of(cx, any.additional_properties.as_ref(), context, pointer)?
            } else {
                match any.typ.as_deref() {
                    Some("string") => TypeRef::String,
                    Some("integer") => TypeRef::I64,
                    Some("number") => TypeRef::F64,
                    Some("boolean") => TypeRef::Bool,
                    _ => TypeRef::Json,
                }
            }
        }
        SchemaKind::Not { .. } => {
            return Err(Error::unsupported(pointer, "`not` schemas cannot be expressed as a Rust type"));
        }
        SchemaKind::AllOf { .. } | SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => TypeRef::Json,
    })
}

fn map_of(
    cx: &mut Lowerer<'_>,
    additional: Option<&AdditionalProperties>,
    context: &str,
    pointer: &str,
) -> Result<TypeRef, Error> {
    Ok(match additional {
        Some(AdditionalProperties::Schema(s)) => {
            let value = type_of(cx, s, &format!("{context}Value"), &ptr(pointer, &["additionalProperties"]))?;
            TypeRef::Map(Box::new(value))
        }
        _ => TypeRef::JsonObject,
    })
}

fn struct_def(
    cx: &mut Lowerer<'_>,
    name: &str,
    doc: Option<String>,
    properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &[String],
    additional: Option<&AdditionalProperties>,
    pointer: &str,
) -> Result<StructDef, Error> {
    let mut entries: Vec<(&String, &ReferenceOr<Box<Schema>>)> = properties.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut scope = Scope::default();
    let mut fields = Vec::with_capacity(entries.len());
    for (wire, prop) in entries {
        let prop_ptr = ptr(pointer, &["properties", wire]);
        let ty = type_of_boxed(cx, prop, &format!("{name}{}", names::type_name(wire)), &prop_ptr)?;
        let (data, doc) = match prop {
            ReferenceOr::Item(s) => {
                let doc =
                    field_doc(s).unwrap_or_else(|| field_doc::fallback(&ty, &s.schema_data, Some(s), None));
                (s.schema_data.clone(), doc)
            }
            // Broken references were reported by `type_of` above.
            ReferenceOr::Reference { reference } => {
                let target = cx.resolve_schema(reference, &prop_ptr).ok();
                let data = target.as_ref().map(|s| s.schema_data.clone()).unwrap_or_default();
                let doc = field_doc::fallback(&ty, &data, None, target.as_ref());
                (data, doc)
            }
        };
        fields.push(Field {
            name: scope.claim(names::safe_snake(wire)),
            wire: wire.clone(),
            doc: Some(doc),
            ty,
            required: required.iter().any(|r| r == wire),
            nullable: data.nullable,
            read_only: data.read_only,
            write_only: data.write_only,
        });
    }
    let additional = match additional {
        Some(AdditionalProperties::Schema(s)) => {
            Some(type_of(cx, s, &format!("{name}Value"), &ptr(pointer, &["additionalProperties"]))?)
        }
        _ => None,
    };
    Ok(StructDef { name: name.to_owned(), doc, fields, additional, choices: Vec::new() })
}

fn enum_def(name: &str, doc: Option<String>, values: &[Option<String>]) -> EnumDef {
    let mut scope = Scope::with_reserved(&["Unknown"]);
    let mut variants = Vec::new();
    for value in values.iter().flatten() {
        // A value listed twice (JSON Schema asks for unique values, without requiring them)
        // is one variant.
        if variants.iter().any(|v: &Variant| &v.wire == value) {
            continue;
        }
        variants.push(Variant { name: scope.claim(names::variant_name(value)), wire: value.clone() });
    }
    EnumDef { name: name.to_owned(), doc, variants }
}

fn union_def(
    cx: &mut Lowerer<'_>,
    name: &str,
    doc: Option<String>,
    parts: &[ReferenceOr<Schema>],
    pointer: &str,
) -> Result<UnionDef, Error> {
    let mut scope = Scope::default();
    let mut variants = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let part_ptr = ptr(pointer, &[&i.to_string()]);
        let ty = type_of(cx, part, &format!("{name}Variant{i}"), &part_ptr)?;
        let variant = match &ty {
            TypeRef::Named(n) => n.clone(),
            TypeRef::String => "String".to_owned(),
            TypeRef::I32 | TypeRef::I64 => "Integer".to_owned(),
            TypeRef::F32 | TypeRef::F64 => "Number".to_owned(),
            TypeRef::Bool => "Boolean".to_owned(),
            TypeRef::Vec(_) => "Array".to_owned(),
            TypeRef::Map(_) | TypeRef::JsonObject => "Object".to_owned(),
            TypeRef::Timestamp | TypeRef::DateTime => "DateTime".to_owned(),
            TypeRef::Date => "Date".to_owned(),
            TypeRef::Bytes => "Bytes".to_owned(),
            TypeRef::Json | TypeRef::Boxed(_) => "Value".to_owned(),
        };
        variants.push((scope.claim(variant), ty));
    }
    Ok(UnionDef { name: name.to_owned(), doc, variants, discriminator: None, query_value: false })
}

/// The discriminator of a union: its property and `(value, variant)` pairs, from the
/// `mapping` or else from the referenced schemas' names.
fn discriminator(
    cx: &Lowerer<'_>,
    schema: &Schema,
    def: &UnionDef,
    pointer: &str,
) -> Result<Option<Discriminator>, Error> {
    let Some(d) = &schema.schema_data.discriminator else { return Ok(None) };
    let mut pairs = Vec::new();
    for (variant, ty) in &def.variants {
        let TypeRef::Named(target) = ty else {
            // Inline members cannot be named by a discriminator: decode by trying each.
            return Ok(None);
        };
        let key = cx.component_names.iter().find(|(_, rust)| *rust == target).map(|(k, _)| k.clone());
        let mut values: Vec<String> = d
            .mapping
            .iter()
            .filter(|(_, reference)| {
                let r = reference.strip_prefix("#/components/schemas/").unwrap_or(reference);
                Some(super::unescape(r)) == key
            })
            .map(|(value, _)| value.clone())
            .collect();
        if values.is_empty() {
            match key {
                Some(k) => values.push(k),
                None => return Ok(None),
            }
        }
        for value in values {
            pairs.push((value, variant.clone()));
        }
    }
    if d.property_name.is_empty() {
        return Err(Error::invalid(ptr(pointer, &["discriminator"]), "propertyName is empty"));
    }
    Ok(Some(Discriminator { property: d.property_name.clone(), mapping: pairs }))
}

fn int_enum_def(name: &str, doc: Option<String>, values: &[Option<i64>]) -> IntEnumDef {
    let mut scope = Scope::with_reserved(&["Unknown"]);
    let mut variants: Vec<(String, i64)> = Vec::new();
    for value in values.iter().flatten() {
        if variants.iter().any(|(_, v)| v == value) {
            continue;
        }
        let raw = if *value < 0 { format!("minus {}", value.unsigned_abs()) } else { value.to_string() };
        variants.push((scope.claim(names::variant_name(&raw)), *value));
    }
    IntEnumDef { name: name.to_owned(), doc, variants }
}

/// A property's doc text: its description, plus its default value when it has one.
fn field_doc(schema: &Schema) -> Option<String> {
    let doc = doc_of(schema);
    match &schema.schema_data.default {
        Some(default) => {
            let default = format!("Default: `{default}`.");
            Some(match doc {
                Some(d) => format!("{d}\n\n{default}"),
                None => default,
            })
        }
        None => doc,
    }
}

/// Title, description and the inferred-ness of a schema, as doc text.
pub(crate) fn doc_of(schema: &Schema) -> Option<String> {
    let data = &schema.schema_data;
    match (&data.title, &data.description) {
        (Some(t), Some(d)) => Some(format!("{t}\n\n{d}")),
        (Some(t), None) => Some(t.clone()),
        (None, Some(d)) => Some(d.clone()),
        (None, None) => None,
    }
}
