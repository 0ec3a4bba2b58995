//! Bad or unsupported documents give an error naming the place, never a panic.

/// Strict: every broken corner is the error (without `strict` see `degrade.rs`).
fn generate(text: &str) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    let options = codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: true,
        features: false,
        ..Default::default()
    };
    codegen::generate(text, &options).map(|g| g.files)
}

fn err(text: &str) -> String {
    match generate(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn not_yaml() {
    assert!(err("{ nope").contains("cannot parse"));
}

#[test]
fn wrong_version() {
    assert!(err("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}").contains("3.0.x"));
    assert!(err("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}").contains("Swagger 2.0"));
}

#[test]
fn wrong_shape_names_the_pointer() {
    let e = err(&format!("{HEAD}paths:\n  /a:\n    get:\n      responses: 7\n"));
    assert!(e.contains("/paths/~1a/get/responses"), "{e}");
}

#[test]
fn unresolved_schema_ref() {
    let e = err(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/Missing'}}\n"
    ));
    assert!(e.contains("/components/schemas/A/properties/b") && e.contains("Missing"), "{e}");
}

#[test]
fn unresolved_parameter_ref() {
    let e = err(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{{$ref: '#/components/parameters/Nope'}}]\n      responses: {{'200': {{description: ok}}}}\n"
    ));
    assert!(e.contains("/paths/~1a/get/parameters/0"), "{e}");
}

#[test]
fn duplicate_operation_id() {
    let e = err(&format!(
        "{HEAD}paths:\n  /a:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n  /b:\n    get: {{operationId: x, responses: {{'200': {{description: ok}}}}}}\n"
    ));
    assert!(e.contains("operationId \"x\""), "{e}");
}

#[test]
fn undeclared_path_parameter() {
    let e = err(&format!(
        "{HEAD}paths:\n  /a/{{id}}:\n    get: {{operationId: a, responses: {{'200': {{description: ok}}}}}}\n"
    ));
    assert!(e.contains("{id}") && e.contains("/paths/~1a~1{id}/get"), "{e}");
}

#[test]
fn bad_pagination_pointer() {
    let e = err(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      x-pagination: {{items: /nope, next-url: /next}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: object, properties: {{next: {{type: string}}}}}}\n"
    ));
    assert!(e.contains("x-pagination") && e.contains("/nope"), "{e}");
}

#[test]
fn ref_cycle_between_aliases() {
    let e = err(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n    C:\n      type: object\n      properties:\n        a: {{$ref: '#/components/schemas/A'}}\n"
    ));
    assert!(e.contains("never ends") || e.contains("unresolved"), "{e}");
}

#[test]
fn not_schema_is_unsupported() {
    let e = err(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{not: {{type: string}}}}\n"
    ));
    assert!(e.contains("/components/schemas/A/properties/b") && e.contains("not"), "{e}");
}

#[test]
fn empty_document_generates() {
    let files = generate(&format!("{HEAD}paths: {{}}\n")).expect("an API with no operations still generates");
    assert!(files.iter().any(|f| f.path == "models.rs"));
    // Nothing it does not use (rustc would warn about `self` and `Error`).
    let operations = files.iter().find(|f| f.path == "operations.rs").expect("operations.rs");
    assert!(operations.contents.contains("use crate::runtime::Client;\n"), "{}", operations.contents);
    assert!(!operations.contents.contains("Error"), "{}", operations.contents);
}
