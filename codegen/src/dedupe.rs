//! One type for each shape: structurally identical string enums and structs are generated
//! once, and every other name becomes `pub type Name = Canonical;`.
//!
//! Large documents repeat the same inline schema under many names (GitHub's description has
//! 3,108 string enums with 530 distinct value lists: `read`/`write` alone 722 times). Every
//! copy costs the compiler its impls and derives; an alias costs nothing. Names stay stable:
//! each name the document gives still exists, with its own docs.
//!
//! Identical means the same variants (Rust names and wire values) for an enum, and for a
//! struct the same fields (names, wire names, types, requiredness, docs) once the types
//! they name are themselves resolved to their canonical names; that resolution is repeated
//! until nothing more merges. The canonical type is the first name in sorted order, so the
//! result is deterministic. Types that carry impls of their own elsewhere (paginated
//! responses, the `Page` impls) are left alone.

use crate::ir::{AliasDef, Api, EnumDef, Field, StructDef, TypeDef, TypeRef};
use std::collections::{BTreeMap, HashMap};

/// Replaces every structurally identical copy of a string enum or struct with an alias of
/// the first (in name order).
pub fn dedupe(api: &mut Api) {
    merge(api, |_, def| match def {
        TypeDef::Enum(e) => Some(enum_key(e)),
        _ => None,
    });
    // Merging structs can make more structs identical (their fields now name the same
    // type); repeat until a round merges nothing. Each round merges at least one type, so
    // this ends; the bound only guards against a mistake.
    for _ in 0..api.types.len() {
        let paged: Vec<String> = api.pages.keys().cloned().collect();
        let merged = merge(api, |types, def| match def {
            TypeDef::Struct(s) if !paged.contains(&s.name) => Some(struct_key(types, s)),
            _ => None,
        });
        if merged == 0 {
            break;
        }
    }
}

/// Groups the types `key` gives a key for, and turns all but the first of each group into
/// an alias of the first. Returns how many became aliases.
fn merge(api: &mut Api, key: impl Fn(&BTreeMap<String, TypeDef>, &TypeDef) -> Option<String>) -> usize {
    let mut first: HashMap<String, String> = HashMap::new();
    let mut replace: Vec<(String, String)> = Vec::new();
    for (name, def) in &api.types {
        let Some(k) = key(&api.types, def) else { continue };
        match first.get(&k) {
            Some(canonical) => replace.push((name.clone(), canonical.clone())),
            None => {
                first.insert(k, name.clone());
            }
        }
    }
    for (name, canonical) in &replace {
        if let Some(def) = api.types.get_mut(name) {
            let doc = doc_of(def);
            *def = TypeDef::Alias(AliasDef {
                name: name.clone(),
                doc,
                target: TypeRef::Named(canonical.clone()),
            });
        }
    }
    replace.len()
}

fn doc_of(def: &TypeDef) -> Option<String> {
    match def {
        TypeDef::Struct(d) => d.doc.clone(),
        TypeDef::Enum(d) => d.doc.clone(),
        TypeDef::Newtype(d) => d.doc.clone(),
        TypeDef::Alias(d) => d.doc.clone(),
        TypeDef::Union(d) => d.doc.clone(),
        TypeDef::IntEnum(d) => d.doc.clone(),
        TypeDef::Responses(_) => None,
    }
}

fn enum_key(def: &EnumDef) -> String {
    let mut key = String::from("enum");
    for v in &def.variants {
        push_part(&mut key, &v.name);
        push_part(&mut key, &v.wire);
    }
    key
}

fn struct_key(types: &BTreeMap<String, TypeDef>, def: &StructDef) -> String {
    let mut key = String::from("struct");
    for f in &def.fields {
        field_key(types, f, &mut key);
    }
    if let Some(t) = &def.additional {
        push_part(&mut key, "+");
        push_part(&mut key, &type_key(types, t));
    }
    for choice in &def.choices {
        push_part(&mut key, "choice");
        push_part(&mut key, &choice.name);
        push_part(&mut key, &choice.enum_name);
        for f in &choice.variants {
            field_key(types, f, &mut key);
        }
    }
    key
}

fn field_key(types: &BTreeMap<String, TypeDef>, f: &Field, key: &mut String) {
    push_part(key, &f.name);
    push_part(key, &f.wire);
    push_part(key, f.doc.as_deref().unwrap_or(""));
    push_part(key, &type_key(types, &f.ty));
    let flags = [f.required, f.nullable, f.read_only, f.write_only];
    push_part(key, &flags.map(|b| if b { '1' } else { '0' }).iter().collect::<String>());
}

/// Each part length-prefixed, so no two different lists of parts give the same key.
fn push_part(key: &mut String, part: &str) {
    key.push_str(&part.len().to_string());
    key.push(':');
    key.push_str(part);
}

/// The type with every named type followed through aliases to the type that is emitted.
fn type_key(types: &BTreeMap<String, TypeDef>, t: &TypeRef) -> String {
    match t {
        TypeRef::Named(name) => format!("N({})", resolve(types, name)),
        TypeRef::Vec(inner) => format!("V({})", type_key(types, inner)),
        TypeRef::Map(inner) => format!("M({})", type_key(types, inner)),
        TypeRef::Boxed(inner) => format!("B({})", type_key(types, inner)),
        other => format!("{other:?}"),
    }
}

/// Follows a chain of aliases to a named type; stops at anything else (and after as many
/// steps as there are types, should a document make aliases refer to each other).
fn resolve<'a>(types: &'a BTreeMap<String, TypeDef>, mut name: &'a str) -> &'a str {
    for _ in 0..=types.len() {
        match types.get(name) {
            Some(TypeDef::Alias(AliasDef { target: TypeRef::Named(next), .. })) => name = next,
            _ => break,
        }
    }
    name
}
