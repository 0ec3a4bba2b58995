//! The generator never panics: mutated and random documents give `Ok` or an `Error`.
//!
//! Each case takes one of our documents, applies a few random mutations anywhere in its
//! JSON tree (delete a member, replace a value with a random one, rename a key, point a
//! `$ref` elsewhere) and generates from the result.

use proptest::prelude::*;
use serde_json::Value;

const SEEDS: &[&str] = &[
    include_str!("../../spec/conversocial-v1.3.yaml"),
    include_str!("../../tests/fixtures/naming.yaml"),
    include_str!("../../tests/fixtures/shapes.yaml"),
    include_str!("../../tests/fixtures/params.yaml"),
];

fn seeds() -> Vec<Value> {
    SEEDS.iter().map(|s| serde_yaml::from_str(s).expect("seed parses")).collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    Replace(Value),
    RenameKey(String),
    Retarget(String),
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z#/{}_-]{0,12}".prop_map(Value::from),
        Just(Value::from("#/components/schemas/Nope")),
        Just(Value::from("object")),
        Just(Value::from("array")),
        Just(Value::from("string")),
    ]
}

fn random_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                "[a-z$]{1,8}|type|items|properties|\\$ref|enum|allOf|oneOf",
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        random_value().prop_map(Mutation::Replace),
        "[a-zA-Z0-9 _{}/-]{0,10}".prop_map(Mutation::RenameKey),
        prop_oneof![
            Just("#/components/schemas/Account".to_owned()),
            Just("#/components/parameters/PageSize".to_owned()),
            Just("#/paths".to_owned()),
            Just("other.yaml#/x".to_owned()),
            "#/[a-z/]{0,20}",
        ]
        .prop_map(Mutation::Retarget),
    ]
}

/// Applies `m` at the node numbered `target` in a depth-first walk.
fn apply(v: &mut Value, target: &mut usize, m: &Mutation) -> bool {
    let children: Vec<String> = match v {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
        _ => Vec::new(),
    };
    for key in children {
        if *target == 0 {
            match (v, m) {
                (Value::Object(map), Mutation::Delete) => {
                    map.remove(&key);
                }
                (Value::Array(items), Mutation::Delete) => {
                    items.remove(key.parse().unwrap_or(0));
                }
                (Value::Object(map), Mutation::Replace(new)) => {
                    map.insert(key, new.clone());
                }
                (Value::Array(items), Mutation::Replace(new)) => {
                    items[key.parse().unwrap_or(0)] = new.clone();
                }
                (Value::Object(map), Mutation::RenameKey(name)) => {
                    if let Some(old) = map.remove(&key) {
                        map.insert(name.clone(), old);
                    }
                }
                (Value::Object(map), Mutation::Retarget(r)) => {
                    map.insert("$ref".into(), Value::from(r.clone()));
                }
                _ => {}
            }
            return true;
        }
        *target -= 1;
        let child = match v {
            Value::Object(map) => map.get_mut(&key),
            Value::Array(items) => items.get_mut(key.parse::<usize>().unwrap_or(0)),
            _ => None,
        };
        if let Some(child) = child
            && apply(child, target, m)
        {
            return true;
        }
    }
    false
}

fn count(v: &Value) -> usize {
    match v {
        Value::Object(map) => map.values().map(|c| 1 + count(c)).sum(),
        Value::Array(items) => items.iter().map(|c| 1 + count(c)).sum(),
        _ => 0,
    }
}

/// A panic caught inside the loader is an error for the user, but a failure here.
fn no_internal_panic(result: Result<codegen::Generated, codegen::Error>) -> Result<(), TestCaseError> {
    match result {
        Err(e) => prop_assert!(!e.to_string().contains(codegen::load::INTERNAL), "{e}"),
        Ok(generated) => {
            for w in &generated.warnings {
                prop_assert!(!w.to_string().contains(codegen::load::INTERNAL), "{w}");
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_never_panic(
        seed in 0..SEEDS.len(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..6),
    ) {
        let mut doc = seeds().swap_remove(seed);
        for (at, m) in &mutations {
            let mut target = at.index(count(&doc).max(1));
            apply(&mut doc, &mut target, m);
        }
        // Both loaders, JSON and YAML, strict and working around broken corners. Any
        // outcome is fine; a panic fails the test.
        for strict in [false, true] {
            let options = codegen::Options { source: "fuzz".into(), command: "test".into(), strict, features: true, crate_name: "x".into() };
            let json = serde_json::to_string(&doc).expect("serialises");
            no_internal_panic(codegen::generate(&json, &options))?;
            let yaml = serde_yaml::to_string(&doc).expect("serialises");
            no_internal_panic(codegen::generate(&yaml, &options))?;
        }
    }

    #[test]
    fn edited_yaml_text_never_panics(
        seed in 0..SEEDS.len(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0..3usize, "[\\[\\]{}:,?*&!|>'\"#%@ \n\t-]{1,3}|\\PC{1,3}"),
            1..8,
        ),
    ) {
        // Text-level damage the value-level mutations cannot make: broken indentation,
        // stray flow or block indicators, anchors and aliases, cut-off scalars.
        let mut text = SEEDS[seed].to_owned();
        for (at, kind, piece) in &edits {
            let mut pos = at.index(text.len().max(1));
            while pos > 0 && !text.is_char_boundary(pos) {
                pos -= 1;
            }
            match kind {
                0 => text.insert_str(pos, piece),
                1 => {
                    let mut end = (pos + piece.len() * 7).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(pos..end, "");
                }
                _ => text.truncate(pos),
            }
        }
        let options = codegen::Options { source: "fuzz.yaml".into(), command: "test".into(), strict: false, features: true, crate_name: "x".into() };
        no_internal_panic(codegen::generate(&text, &options))?;
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let options = codegen::Options { source: "fuzz.yaml".into(), command: "test".into(), strict: false, features: true, crate_name: "x".into() };
        let _ = codegen::generate(&text, &options);
    }
}
