//! Snapshot tests of the generator's output for the fixture documents in `tests/fixtures/`.
//!
//! `cargo xtask fixtures` compiles the same output as standalone crates; here every file is
//! compared with its reviewed snapshot. Accept intended changes with
//! `INSTA_UPDATE=always cargo test -p tests --test snapshots` and review the diff.

use std::path::Path;

fn check(fixture: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text =
        std::fs::read_to_string(root.join("fixtures").join(format!("{fixture}.yaml"))).expect("fixture");
    let options = codegen::Options {
        source: format!("{fixture}.yaml"),
        command: "cargo xtask generate".into(),
        strict: true,
        // As `cargo xtask generate` (and so `cargo xtask fixtures`) writes them.
        features: true,
        crate_name: format!("fixture_{fixture}").replace('-', "_"),
    };
    let generated = codegen::generate(&text, &options).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    for file in generated.files {
        let name = format!("{fixture}__{}", file.path.trim_end_matches(".rs").replace('/', "__"));
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn naming_obstacle_course() {
    check("naming");
}

#[test]
fn schema_shapes() {
    check("shapes");
}

#[test]
fn parameter_styles() {
    check("params");
}

#[test]
fn bodies_and_responses() {
    check("bodies");
}

#[test]
fn security_schemes() {
    check("security");
}

#[test]
fn references_everywhere() {
    check("refs");
}

#[test]
fn corners_of_openapi() {
    check("corners");
}

#[test]
fn areas_as_features() {
    check("areas");
}
