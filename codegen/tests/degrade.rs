//! Without `strict`, one broken corner of a document does not refuse it: the schema
//! becomes `serde_json::Value` or the operation is left out, and a warning names the
//! JSON pointer and what was done.

fn generate(text: &str) -> codegen::Generated {
    let options = codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: false,
        features: false,
        crate_name: "x".into(),
    };
    codegen::generate(text, &options).unwrap_or_else(|e| panic!("refused: {e}"))
}

fn models(generated: &codegen::Generated) -> &str {
    generated.files.iter().find(|f| f.path == "models.rs").map(|f| f.contents.as_str()).unwrap_or_default()
}

fn operations(generated: &codegen::Generated) -> &str {
    generated
        .files
        .iter()
        .find(|f| f.path == "operations.rs")
        .map(|f| f.contents.as_str())
        .unwrap_or_default()
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

#[test]
fn a_reference_to_nothing_is_a_value() {
    let g = generate(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        b: {{$ref: '#/components/schemas/Missing'}}\n        c: {{type: string}}\n"
    ));
    let [w] = g.warnings.as_slice() else { panic!("{:?}", g.warnings) };
    assert_eq!(w.pointer(), "/components/schemas/A/properties/b");
    assert!(w.to_string().contains("Missing") && w.to_string().contains("serde_json::Value"), "{w}");
    assert!(models(&g).contains("pub b: Option<serde_json::Value>"), "{}", models(&g));
    assert!(models(&g).contains("pub c: Option<String>"));
}

#[test]
fn a_broken_operation_is_left_out() {
    let g = generate(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      parameters: [{{$ref: '#/components/parameters/Nope'}}]\n      responses: {{'200': {{description: ok}}}}\n  /b:\n    get: {{operationId: b, responses: {{'204': {{description: ok}}}}}}\n  /c:\n    get: {{operationId: b, responses: {{'204': {{description: ok}}}}}}\n"
    ));
    let pointers: Vec<&str> = g.warnings.iter().map(|w| w.pointer()).collect();
    assert_eq!(pointers, ["/paths/~1a/get/parameters/0", "/paths/~1c/get"]);
    assert!(g.warnings.iter().all(|w| w.to_string().contains("left out")));
    assert!(!operations(&g).contains("pub fn a(") && operations(&g).contains("pub fn b("));
}

#[test]
fn a_component_that_cannot_be_read_is_a_value() {
    let g = generate(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{type: object, properties: {{x: {{type: string, default: 0, maxLength: nope}}}}}}\n    B: {{type: string}}\n"
    ));
    let [w] = g.warnings.as_slice() else { panic!("{:?}", g.warnings) };
    assert!(w.pointer().starts_with("/components/schemas/A"), "{w}");
    assert!(models(&g).contains("pub type A = serde_json::Value;"), "{}", models(&g));
}

#[test]
fn strict_refuses_what_is_otherwise_worked_around() {
    let text = format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{type: object, properties: {{b: {{$ref: '#/nowhere'}}}}}}\n"
    );
    let options = codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: true,
        features: false,
        crate_name: "x".into(),
    };
    let e = codegen::generate(&text, &options).expect_err("strict refuses");
    assert!(e.to_string().contains("/components/schemas/A/properties/b"), "{e}");
    assert_eq!(generate(&text).warnings.len(), 1);
}

#[test]
fn an_allof_cycle_is_a_warning_not_a_stack_overflow() {
    let g = generate(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{allOf: [{{$ref: '#/components/schemas/B'}}, {{properties: {{a: {{type: string}}}}}}]}}\n    B: {{allOf: [{{$ref: '#/components/schemas/A'}}, {{properties: {{b: {{type: string}}}}}}]}}\n"
    ));
    assert_eq!(g.warnings.len(), 2, "{:?}", g.warnings);
    assert!(g.warnings.iter().all(|w| w.to_string().contains("too deep")));
}

#[test]
fn a_union_among_allof_members_adds_every_alternative_optionally() {
    let g = generate(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Spot:\n      allOf:\n        - {{type: object, required: [id], properties: {{id: {{type: string}}}}}}\n        - oneOf:\n            - {{type: object, required: [x], properties: {{x: {{type: integer}}}}}}\n            - {{type: object, required: [y], properties: {{y: {{type: integer}}}}}}\n        - anyOf: [{{required: [x]}}, {{required: [y]}}]\n"
    ));
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    let models = models(&g);
    assert!(models.contains("pub id: String") && models.contains("pub x: Option<i64>"), "{models}");
    assert!(models.contains("pub y: Option<i64>"), "{models}");
}

#[test]
fn a_malformed_exactly_one_of_is_a_warning_naming_its_pointer() {
    for (ext, says) in [
        ("{owner: [a, missing]}", "has no property \"missing\""),
        ("{owner: [a]}", "two or more"),
        ("{owner: [a, b], other: [b, c]}", "in two groups"),
        ("{c: [a, b]}", "already has a field named \"c\""),
        ("[a, b]", "must map a field name"),
    ] {
        let g = generate(&format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      x-exactly-one-of: {ext}\n      properties: {{a: {{type: string}}, b: {{type: string}}, c: {{type: string}}}}\n"
        ));
        let [w] = g.warnings.as_slice() else { panic!("{ext}: {:?}", g.warnings) };
        assert!(w.pointer().starts_with("/components/schemas/A/x-exactly-one-of"), "{ext}: {}", w.pointer());
        assert!(w.to_string().contains(says), "{ext}: {w}");
        // The properties stay optional fields.
        assert!(models(&g).contains("pub a: Option<String>"), "{ext}: {}", models(&g));
    }
}

#[test]
fn an_exactly_one_of_group_is_an_enum_field() {
    let g = generate(&format!(
        "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      x-exactly-one-of: {{owner: [a, b]}}\n      properties: {{a: {{type: string}}, b: {{type: integer}}, c: {{type: string}}}}\n"
    ));
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    let m = models(&g);
    assert!(m.contains("#[serde(flatten)]\n    pub owner: AOwner,"), "{m}");
    assert!(m.contains("pub enum AOwner {"), "{m}");
    assert!(m.contains("#[serde(rename = \"b\")]\n    B(i64),"), "{m}");
    assert!(!m.contains("pub a: Option<String>"), "{m}");
}
