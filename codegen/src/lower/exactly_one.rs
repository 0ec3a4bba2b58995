//! `x-exactly-one-of` on an object schema: properties of which exactly one is sent become
//! one field of an enum type, so a value with none or two of them cannot be built.
//!
//! ```yaml
//! x-exactly-one-of:
//!   scope: [account, channel]   # field name: the properties, two or more
//! ```

use openapiv3::SchemaData;

use super::Lowerer;
use crate::error::{Error, ptr};
use crate::ir::{Choice, StructDef};
use crate::names;

/// The extension's name.
pub const X_EXACTLY_ONE_OF: &str = "x-exactly-one-of";

/// `def` with the groups of `x-exactly-one-of` (if any) moved out of its fields into
/// [`Choice`]s. A malformed extension is an error naming its pointer; unless strict, the
/// struct is kept as it was with a warning.
pub(crate) fn apply(
    cx: &mut Lowerer<'_>,
    def: StructDef,
    data: &SchemaData,
    pointer: &str,
) -> Result<StructDef, Error> {
    let Some(ext) = data.extensions.get(X_EXACTLY_ONE_OF) else { return Ok(def) };
    let at = ptr(pointer, &[X_EXACTLY_ONE_OF]);
    match choices(cx, &def, ext, &at) {
        Ok(groups) => Ok(split(def, groups)),
        Err(error) => {
            cx.degrade(error, format!("{X_EXACTLY_ONE_OF} ignored: {} keeps its optional fields", def.name))?;
            Ok(def)
        }
    }
}

/// A group: field name, enum name, wire names.
type Group = (String, String, Vec<String>);

/// Reads and checks the extension against the struct's properties.
fn choices(
    cx: &mut Lowerer<'_>,
    def: &StructDef,
    ext: &serde_json::Value,
    at: &str,
) -> Result<Vec<Group>, Error> {
    let shape = || {
        Error::invalid(
            at,
            format!("{X_EXACTLY_ONE_OF} must map a field name to a list of two or more property names"),
        )
    };
    let map = ext.as_object().filter(|m| !m.is_empty()).ok_or_else(shape)?;
    let mut taken: Vec<&str> = Vec::new();
    let mut groups = Vec::new();
    for (group, members) in map {
        let wires: Vec<&str> = members.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
        if wires.len() < 2 || members.as_array().is_some_and(|m| m.len() != wires.len()) {
            return Err(shape());
        }
        for wire in &wires {
            if !def.fields.iter().any(|f| f.wire == *wire) {
                return Err(Error::invalid(
                    ptr(at, &[group]),
                    format!("{} has no property {wire:?}", def.name),
                ));
            }
            if taken.contains(wire) {
                return Err(Error::invalid(ptr(at, &[group]), format!("property {wire:?} is in two groups")));
            }
            taken.push(wire);
        }
        let field = names::safe_snake(group);
        let clash = def.fields.iter().any(|f| f.name == field && !wires.contains(&f.wire.as_str()))
            || groups.iter().any(|(name, _, _): &Group| *name == field);
        if clash {
            return Err(Error::invalid(
                ptr(at, &[group]),
                format!("{} already has a field named {field:?}", def.name),
            ));
        }
        let enum_name = cx.scope.claim(format!("{}{}", def.name, names::type_name(group)));
        groups.push((field, enum_name, wires.into_iter().map(str::to_owned).collect()));
    }
    Ok(groups)
}

fn split(mut def: StructDef, groups: Vec<Group>) -> StructDef {
    for (name, enum_name, wires) in groups {
        let mut variants = Vec::with_capacity(wires.len());
        for wire in &wires {
            if let Some(i) = def.fields.iter().position(|f| f.wire == *wire) {
                variants.push(def.fields.remove(i));
            }
        }
        def.choices.push(Choice { name, enum_name, variants });
    }
    def
}
