//! Boxing: a struct that contains itself without indirection (directly or through other
//! structs) has infinite size, so one field on every such cycle becomes `Box<T>`.

use crate::ir::{TypeDef, TypeRef};
use std::collections::{BTreeMap, BTreeSet};

/// Boxes every struct field whose type leads back to the struct without passing through
/// a `Vec` or a map (which already allocate).
pub(crate) fn box_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let Some(TypeDef::Struct(def)) = types.get(&name) else { continue };
        let mut to_box = Vec::new();
        for (i, field) in def.fields.iter().enumerate() {
            if let Some(target) = direct_target(&field.ty)
                && reaches(types, target, &name, &mut BTreeSet::new())
            {
                to_box.push(i);
            }
        }
        if let Some(TypeDef::Struct(def)) = types.get_mut(&name) {
            for i in to_box {
                if let Some(field) = def.fields.get_mut(i) {
                    let inner = std::mem::replace(&mut field.ty, TypeRef::Json);
                    field.ty = TypeRef::Boxed(Box::new(inner));
                }
            }
        }
    }
}

/// The named type a field holds inline (no heap indirection), if any.
fn direct_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(n) => Some(n),
        _ => None,
    }
}

/// Whether `from` holds `goal` inline, following struct fields, aliases and unions
/// that are not boxed yet.
fn reaches(types: &BTreeMap<String, TypeDef>, from: &str, goal: &str, seen: &mut BTreeSet<String>) -> bool {
    if from == goal {
        return true;
    }
    if !seen.insert(from.to_owned()) {
        return false;
    }
    let next: Vec<&str> = match types.get(from) {
        Some(TypeDef::Struct(def)) => def.fields.iter().filter_map(|f| direct_target(&f.ty)).collect(),
        Some(TypeDef::Alias(def)) => direct_target(&def.target).into_iter().collect(),
        Some(TypeDef::Union(def)) => def.variants.iter().filter_map(|(_, t)| direct_target(t)).collect(),
        _ => Vec::new(),
    };
    next.into_iter().any(|n| reaches(types, n, goal, seen))
}
