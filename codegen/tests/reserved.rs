//! The generator's reserved method names cover every item of the runtime's `Client`:
//! generated operation methods live in `impl Client` blocks next to the runtime's own,
//! so an operation named like one of them must be renamed.

use codegen::lower::RESERVED_METHODS;
use std::path::Path;

/// Runtime types that generated code adds inherent `impl` blocks to.
const EXTENDED_TYPES: &[&str] = &["Client"];

#[test]
fn every_item_of_client_is_reserved() {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/src/runtime");
    let mut found = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&runtime)
        .expect("the runtime folder")
        .map(|e| e.expect("a runtime file").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a readable runtime file");
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        collect(&file.items, &path.display().to_string(), &mut found);
    }
    assert!(
        found.iter().any(|(_, name)| name == "execute"),
        "no `impl Client` found in {}",
        runtime.display()
    );
    let missing: Vec<String> = found
        .iter()
        .filter(|(_, name)| !RESERVED_METHODS.contains(&name.as_str()))
        .map(|(at, name)| format!("{name} ({at})"))
        .collect();
    assert!(
        missing.is_empty(),
        "add these runtime items to codegen::lower::RESERVED_METHODS (and to tests/fixtures/naming.yaml): {missing:?}"
    );
}

/// `(where, name)` of every associated item of an `impl` of an extended type, in modules too.
fn collect(items: &[syn::Item], at: &str, found: &mut Vec<(String, String)>) {
    for item in items {
        match item {
            syn::Item::Impl(block) => {
                let syn::Type::Path(ty) = &*block.self_ty else { continue };
                let Some(last) = ty.path.segments.last() else { continue };
                if !EXTENDED_TYPES.iter().any(|t| last.ident == t) {
                    continue;
                }
                for member in &block.items {
                    let name = match member {
                        syn::ImplItem::Fn(f) => f.sig.ident.to_string(),
                        syn::ImplItem::Const(c) => c.ident.to_string().to_lowercase(),
                        syn::ImplItem::Type(t) => t.ident.to_string(),
                        _ => continue,
                    };
                    found.push((at.to_owned(), name));
                }
            }
            syn::Item::Mod(module) => {
                if let Some((_, inner)) = &module.content {
                    collect(inner, at, found);
                }
            }
            _ => {}
        }
    }
}
