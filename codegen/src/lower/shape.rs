//! What a schema becomes, decided once: both a component (`lower_named`) and an inline use
//! (`type_of`) classify a schema here, so the two cannot disagree on which schemas get a
//! named type of their own.

use super::Lowerer;
use super::all_of::{object_like, typed_members};
use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

/// The shape of one schema, as far as the choice of Rust type goes.
pub(crate) enum Shape<'s> {
    /// `type: string` with `enum`: an enum that keeps unknown values.
    StringEnum(&'s [Option<String>]),
    /// `type: integer` with `enum`.
    IntEnum(&'s [Option<i64>]),
    /// An object with properties: a struct.
    Struct(ObjectParts<'s>),
    /// `allOf` of one typed member among annotations (`description`, `nullable`): that
    /// member itself, at index `.1` of the `allOf`.
    SameAs(&'s ReferenceOr<Schema>, usize),
    /// `allOf` of scalar members only (`[{$ref: Id}, {type: string}]`): the first typed
    /// member's type, at the given index (none: any JSON value).
    ScalarAllOf(Option<(&'s ReferenceOr<Schema>, usize)>),
    /// `allOf` with object members: their properties merged into one struct.
    MergedAllOf(&'s [ReferenceOr<Schema>]),
    /// `oneOf`/`anyOf` (the keyword is `.1`) of several members: an enum per member.
    Union(&'s [ReferenceOr<Schema>], &'static str),
    /// `oneOf`/`anyOf` (the keyword is `.1`) of one member: that member's type.
    SingleMember(&'s ReferenceOr<Schema>, &'static str),
    /// A string without format or enum: a newtype when it has a name of its own (a
    /// component), `String` where it is used inline.
    PlainString,
    /// Scalars, arrays, maps, `not` and empty unions: no name of their own.
    Primitive,
}

/// The parts of an object schema that make a struct.
pub(crate) struct ObjectParts<'s> {
    pub(crate) properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
    pub(crate) required: &'s [String],
    pub(crate) additional: Option<&'s AdditionalProperties>,
}

impl Shape<'_> {
    /// Whether an inline schema of this shape gets a named type (called after where it is
    /// used). Components always have a name.
    pub(crate) fn needs_name(&self) -> bool {
        match self {
            Shape::StringEnum(_)
            | Shape::IntEnum(_)
            | Shape::Struct(_)
            | Shape::ScalarAllOf(_)
            | Shape::MergedAllOf(_)
            | Shape::Union(..) => true,
            Shape::SameAs(..) | Shape::SingleMember(..) | Shape::PlainString | Shape::Primitive => false,
        }
    }
}

/// Classifies a schema (not a reference: callers resolve or name those first).
pub(crate) fn classify<'s>(cx: &Lowerer<'_>, schema: &'s Schema) -> Shape<'s> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => Shape::StringEnum(&s.enumeration),
        SchemaKind::Type(Type::String(s)) if matches!(s.format, VariantOrUnknownOrEmpty::Empty) => {
            Shape::PlainString
        }
        SchemaKind::Type(Type::Integer(i)) if !i.enumeration.is_empty() => Shape::IntEnum(&i.enumeration),
        SchemaKind::Type(Type::Object(o)) if !o.properties.is_empty() => Shape::Struct(ObjectParts {
            properties: &o.properties,
            required: &o.required,
            additional: o.additional_properties.as_ref(),
        }),
        SchemaKind::Any(any) if !any.properties.is_empty() => Shape::Struct(ObjectParts {
            properties: &any.properties,
            required: &any.required,
            additional: any.additional_properties.as_ref(),
        }),
        SchemaKind::AllOf { all_of } => {
            let typed = typed_members(all_of);
            let index_of = |member: &ReferenceOr<Schema>| {
                all_of.iter().position(|m| std::ptr::eq(m, member)).unwrap_or_default()
            };
            match typed.as_slice() {
                [only] => Shape::SameAs(only, index_of(only)),
                _ if !all_of.iter().any(|m| object_like(cx, m)) => {
                    Shape::ScalarAllOf(typed.first().map(|first| (*first, index_of(first))))
                }
                _ => Shape::MergedAllOf(all_of),
            }
        }
        SchemaKind::OneOf { one_of: parts } => union_shape(parts, "oneOf"),
        SchemaKind::AnyOf { any_of: parts } => union_shape(parts, "anyOf"),
        SchemaKind::Type(_) | SchemaKind::Any(_) | SchemaKind::Not { .. } => Shape::Primitive,
    }
}

fn union_shape<'s>(parts: &'s [ReferenceOr<Schema>], key: &'static str) -> Shape<'s> {
    match parts {
        [] => Shape::Primitive,
        [only] => Shape::SingleMember(only, key),
        _ => Shape::Union(parts, key),
    }
}
