//! Plain `cargo test` fails when `generated-client/src/generated/` is stale: the same check
//! as `cargo xtask codegen --check`, so nobody can forget to regenerate.

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn generated_client_matches_the_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let spec = std::fs::read_to_string(root.join("spec/conversocial-v1.3.yaml")).expect("spec");
    let options = codegen::Options {
        source: "spec/conversocial-v1.3.yaml".into(),
        command: "cargo xtask codegen".into(),
        strict: true,
        features: false,
        crate_name: "conversocial".into(),
    };
    let files = codegen::generate(&spec, &options).expect("the spec generates").files;
    let dir = root.join("generated-client/src/generated");
    let mut stale = Vec::new();
    for file in &files {
        let on_disk = std::fs::read_to_string(dir.join(&file.path)).unwrap_or_default();
        if on_disk != file.contents {
            stale.push(file.path.clone());
        }
    }
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for entry in std::fs::read_dir(&dir).expect("generated dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") && !wanted.contains(name.as_str()) {
            stale.push(format!("{name} (orphan)"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo xtask codegen` and commit the result"
    );
}
