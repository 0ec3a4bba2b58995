//! Docs for a struct field whose schema has no description: what the schema says about the
//! value (its type, format, example, nullability, who sets it), never its own name again.

use crate::ir::TypeRef;
use openapiv3::{Schema, SchemaData, SchemaKind, Type, VariantOrUnknownOrEmpty};

use super::schema::doc_of;

/// The longest example quoted in a doc line.
const MAX_EXAMPLE: usize = 60;

/// Doc text for a field without a description. `referenced` is the schema a `$ref`
/// property points at: its own description (first paragraph) says what the value is.
pub(crate) fn fallback(
    ty: &TypeRef,
    data: &SchemaData,
    inline: Option<&Schema>,
    referenced: Option<&Schema>,
) -> String {
    let mut text = referenced
        .and_then(doc_of)
        .map(|d| d.split("\n\n").next().unwrap_or_default().trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| {
            format!("{}; not described by the API document.", capitalise(&describe(ty, inline)))
        });
    if !text.ends_with(['.', ')', '!', '?']) {
        text.push('.');
    }
    if let Some(example) = data.example.as_ref().map(|e| e.to_string()).filter(|e| e.len() <= MAX_EXAMPLE) {
        text.push_str(&format!(" Example: `{}`.", example.replace('`', "'")));
    }
    if data.nullable {
        text.push_str(" May be `null`.");
    }
    if data.read_only {
        text.push_str(" Set by the server, never sent.");
    } else if data.write_only {
        text.push_str(" Sent only, never returned.");
    }
    text
}

/// "a URL", "a list of [`Tag`]", ...: the value, in a few words.
fn describe(ty: &TypeRef, schema: Option<&Schema>) -> String {
    match ty {
        TypeRef::String => match schema.map(|s| &s.schema_kind) {
            Some(SchemaKind::Type(Type::String(s))) => match &s.format {
                VariantOrUnknownOrEmpty::Unknown(f) if f == "uri" || f == "url" => "a URL".to_owned(),
                VariantOrUnknownOrEmpty::Unknown(f) if f == "email" => "an email address".to_owned(),
                VariantOrUnknownOrEmpty::Unknown(f) => format!("a string of format `{f}`"),
                _ if !s.enumeration.is_empty() => {
                    let values: Vec<String> =
                        s.enumeration.iter().flatten().map(|v| format!("`{v}`")).collect();
                    format!("one of {}", values.join(", "))
                }
                _ => "a string".to_owned(),
            },
            _ => "a string".to_owned(),
        },
        TypeRef::Bool => "`true` or `false`".to_owned(),
        TypeRef::I32 | TypeRef::I64 => "a whole number".to_owned(),
        TypeRef::F32 | TypeRef::F64 => "a number".to_owned(),
        TypeRef::Timestamp => "a UTC date and time, sent without a zone".to_owned(),
        TypeRef::DateTime => "a date and time (RFC 3339)".to_owned(),
        TypeRef::Date => "a calendar date".to_owned(),
        TypeRef::Json => "any JSON value".to_owned(),
        TypeRef::JsonObject => "a JSON object".to_owned(),
        TypeRef::Bytes => "binary data".to_owned(),
        TypeRef::Named(name) => format!("of type `{name}`"),
        TypeRef::Boxed(inner) => describe(inner, None),
        TypeRef::Vec(inner) => format!("a list of {}", plural(inner)),
        TypeRef::Map(inner) => format!("a map from names to {}", plural(inner)),
    }
}

/// The values of a list or map, in a few words.
fn plural(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => format!("`{name}` values"),
        TypeRef::Boxed(inner) => plural(inner),
        other => format!("values, each {}", describe(other, None)),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
