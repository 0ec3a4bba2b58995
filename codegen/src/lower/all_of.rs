//! allOf: members merged into one struct (properties, required names, additional
//! properties; unions among the members contribute every alternative's properties), and the
//! checks that decide whether an allOf is a struct at all.

use super::Lowerer;
use super::schema::MAX_DEPTH;
use crate::error::{Error, ptr};
use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type};

pub(super) fn merge_all_of(
    cx: &Lowerer<'_>,
    parts: &[ReferenceOr<Schema>],
    pointer: &str,
    props: &mut IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &mut Vec<String>,
    additional: &mut Option<AdditionalProperties>,
) -> Result<(), Error> {
    // The pointer grows with every level, references included: a cycle of allOf members
    // (`A: allOf [B, …]`, `B: allOf [A, …]`) ends here instead of overflowing the stack.
    let levels = ["/allOf/", "/oneOf/", "/anyOf/"].iter().map(|k| pointer.matches(k).count()).sum::<usize>();
    if levels > MAX_DEPTH {
        return Err(Error::unsupported(pointer, "allOf members nest too deep to merge (a cycle?)"));
    }
    for (i, part) in parts.iter().enumerate() {
        let part_ptr = ptr(pointer, &[&i.to_string()]);
        let resolved;
        let schema = match part {
            ReferenceOr::Reference { reference } => {
                resolved = cx.resolve_schema(reference, &part_ptr)?;
                &resolved
            }
            ReferenceOr::Item(s) => s,
        };
        if is_annotation(schema) {
            continue;
        }
        let (p, r, a) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (&o.properties, &o.required, &o.additional_properties),
            SchemaKind::Any(any) => {
                if !any.all_of.is_empty() {
                    merge_all_of(cx, &any.all_of, &ptr(&part_ptr, &["allOf"]), props, required, additional)?;
                }
                merge_alternatives(cx, &any.one_of, &ptr(&part_ptr, &["oneOf"]), props, additional)?;
                merge_alternatives(cx, &any.any_of, &ptr(&part_ptr, &["anyOf"]), props, additional)?;
                (&any.properties, &any.required, &any.additional_properties)
            }
            SchemaKind::AllOf { all_of } => {
                merge_all_of(cx, all_of, &ptr(&part_ptr, &["allOf"]), props, required, additional)?;
                continue;
            }
            SchemaKind::OneOf { one_of: alternatives } | SchemaKind::AnyOf { any_of: alternatives } => {
                let key =
                    if matches!(schema.schema_kind, SchemaKind::OneOf { .. }) { "oneOf" } else { "anyOf" };
                merge_alternatives(cx, alternatives, &ptr(&part_ptr, &[key]), props, additional)?;
                continue;
            }
            _ => {
                return Err(Error::unsupported(
                    part_ptr,
                    "allOf members must be objects (or references to objects) to be merged into one struct",
                ));
            }
        };
        for (key, value) in p {
            match props.get(key) {
                Some(existing) if existing != value => {
                    // Later members refine earlier ones (a base's `string` becomes an enum):
                    // the last definition wins, and the field's docs say so.
                    let at = ptr(&part_ptr, &["properties", key]);
                    props.insert(key.clone(), with_conflict_note(value, &at));
                }
                Some(_) => {}
                None => {
                    props.insert(key.clone(), value.clone());
                }
            }
        }
        for key in r {
            if !required.contains(key) {
                required.push(key.clone());
            }
        }
        if a.is_some() {
            additional.clone_from(a);
        }
    }
    Ok(())
}

/// A `oneOf`/`anyOf` among allOf members (`allOf: [Base, {oneOf: [A, B]}]`): one struct
/// cannot be either A or B, so it gets the properties of every alternative, none of them
/// required. Alternatives that only require properties (`anyOf: [{required: [a]}, …]`) add
/// nothing.
fn merge_alternatives(
    cx: &Lowerer<'_>,
    alternatives: &[ReferenceOr<Schema>],
    pointer: &str,
    props: &mut IndexMap<String, ReferenceOr<Box<Schema>>>,
    additional: &mut Option<AdditionalProperties>,
) -> Result<(), Error> {
    if alternatives.is_empty() {
        return Ok(());
    }
    merge_all_of(cx, alternatives, pointer, props, &mut Vec::new(), additional)
}

/// `schema` with a doc note that an earlier allOf member defined the property differently.
fn with_conflict_note(schema: &ReferenceOr<Box<Schema>>, at: &str) -> ReferenceOr<Box<Schema>> {
    let note =
        format!("The allOf members define this property differently; the last definition ({at}) is used.");
    let mut item = match schema {
        ReferenceOr::Item(s) => (**s).clone(),
        ReferenceOr::Reference { reference } => Schema {
            schema_data: Default::default(),
            schema_kind: SchemaKind::AllOf {
                all_of: vec![ReferenceOr::Reference { reference: reference.clone() }],
            },
        },
    };
    item.schema_data.description = Some(match item.schema_data.description.take() {
        Some(d) => format!("{d}\n\n{note}"),
        None => note,
    });
    ReferenceOr::Item(Box::new(item))
}

/// A schema that only annotates (`description`, `nullable`, `readOnly`, …) and has no type of its own.
fn is_annotation(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Any(any) => {
            any.typ.is_none()
                && any.properties.is_empty()
                && any.items.is_none()
                && any.additional_properties.is_none()
                && any.enumeration.is_empty()
                && any.one_of.is_empty()
                && any.all_of.is_empty()
                && any.any_of.is_empty()
                && any.not.is_none()
                && any.format.is_none()
        }
        _ => false,
    }
}

/// Whether an allOf member is (or may be) an object whose properties merge into a struct.
/// A reference that does not resolve counts as one, so that merging reports it.
pub(super) fn object_like(cx: &Lowerer<'_>, member: &ReferenceOr<Schema>) -> bool {
    let resolved;
    let schema = match member {
        ReferenceOr::Reference { reference } => match cx.resolve_schema(reference, "") {
            Ok(schema) => {
                resolved = schema;
                &resolved
            }
            Err(_) => return true,
        },
        ReferenceOr::Item(schema) => schema,
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(_)) | SchemaKind::AllOf { .. } => true,
        SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } | SchemaKind::Not { .. } => true,
        SchemaKind::Any(any) => any.typ.as_deref().is_none_or(|t| t == "object") && !is_annotation(schema),
        SchemaKind::Type(_) => false,
    }
}

/// The members of an allOf that carry a type (references, or schemas that are more than annotations).
pub(super) fn typed_members(parts: &[ReferenceOr<Schema>]) -> Vec<&ReferenceOr<Schema>> {
    parts
        .iter()
        .filter(|p| match p {
            ReferenceOr::Reference { .. } => true,
            ReferenceOr::Item(s) => !is_annotation(s),
        })
        .collect()
}
