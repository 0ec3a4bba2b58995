//! Loading: YAML read by the streaming parser means what `serde_yaml` (an independent
//! YAML implementation) says it means, and malformed or hostile text is refused with an
//! error that says where.

fn options() -> codegen::Options {
    codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: true,
        features: false,
        crate_name: "x".into(),
    }
}

fn generate(text: &str) -> Result<Vec<codegen::GeneratedFile>, codegen::Error> {
    codegen::generate(text, &options()).map(|g| g.files)
}

fn err(text: &str) -> String {
    match generate(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Anchors and aliases, literal and folded block scalars, flow collections, quoted and
/// unquoted keys, a `!!str` tag, comments, numbers that must stay strings where a string
/// is wanted (`version: 1.0`), and integer response codes.
const YAML_FEATURES: &str = r#"
openapi: 3.0.3
info:
  title: Features   # a comment
  version: 1.0
  description: |
    Literal block,
      kept as written.
paths:
  /things/{id}:
    parameters:
      - &id_param
        name: id
        in: path
        required: true
        schema: {type: string}
    get:
      operationId: getThing
      summary: >
        Folded block
        on two lines.
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        "404": {description: missing}
  /others/{id}:
    parameters: [*id_param]
    delete:
      operationId: deleteOther
      responses:
        '204': {description: gone}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: &string_schema
          type: string
          description: !!str 12
        label: *string_schema
        count: {type: integer, format: int64, minimum: 0x10, maximum: 1e3, default: 17}
        ratio: {type: number, default: .5}
        "quoted key": {type: boolean, default: True}
        tags:
          type: array
          items: *string_schema
"#;

#[test]
fn yaml_reads_as_serde_yaml_reads_it() {
    let text = YAML_FEATURES;
    let value: serde_json::Value = serde_yaml::from_str(text).expect("serde_yaml reads the document");
    let from_yaml = generate(text).expect("generates from YAML");
    let from_json = generate(&serde_json::to_string(&value).expect("JSON")).expect("generates from JSON");
    assert_eq!(from_yaml, from_json);
    let models = &from_yaml.iter().find(|f| f.path == "models.rs").expect("models.rs").contents;
    for expected in
        ["pub label: Option<String>", "pub quoted_key: Option<bool>", "pub tags: Option<Vec<String>>"]
    {
        assert!(models.contains(expected), "{expected} missing from:\n{models}");
    }
    let module = &from_yaml.iter().find(|f| f.path == "mod.rs").expect("mod.rs").contents;
    assert!(module.contains("Features 1.0"), "{module}");
}

#[test]
fn syntax_errors_name_the_line_and_the_place() {
    let e = err("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: [\n      x: y: z\n");
    assert!(e.contains("line ") && e.contains("column "), "{e}");
    assert!(e.contains("/paths/~1a/get"), "{e}");
    let e = err("{\"openapi\": \"3.0.3\", \"paths\": {\"/a\": [1, }}");
    assert!(e.contains("line ") && e.contains("/paths/~1a"), "{e}");
}

#[test]
fn one_document_per_text() {
    let e = err("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n---\nopenapi: 3.0.3\n");
    assert!(e.contains("several YAML documents"), "{e}");
    assert!(err("# only a comment\n").contains("cannot parse"));
    assert!(err("").contains("cannot parse"));
    assert!(err("- a list\n").contains("expected a map"));
}

#[test]
fn undefined_aliases_are_refused() {
    let e = err("openapi: 3.0.3\ninfo: *nowhere\npaths: {}\n");
    assert!(e.contains("cannot parse"), "{e}");
}

#[test]
fn alias_bombs_are_refused_not_expanded() {
    let mut text = String::from(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nx-bomb:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    for level in 1..10 {
        let prev = level - 1;
        let refs = vec![format!("*l{prev}"); 10].join(", ");
        text.push_str(&format!("  l{level}: &l{level} [{refs}]\n"));
    }
    text.push_str("paths: {}\n");
    let e = err(&text);
    assert!(e.contains("aliases expand"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let yaml = format!(
        "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nx-deep: {}{}\npaths: {{}}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(err(&yaml).contains("cannot parse"));
    let json = format!(
        "{{\"openapi\": \"3.0.3\", \"x-deep\": {}{}, \"paths\": {{}}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(err(&json).contains("cannot parse"));
}

#[test]
fn big_integers_read_as_numbers_in_both_syntaxes() {
    for n in ["-9223372036854776000", "18446744073709551616", "12", "-12", "1.5e300"] {
        let yaml = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: integer\n      minimum: {n}\n"
        );
        let json = format!(
            r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{"A": {{"type": "integer", "minimum": {n}}}}}}}}}"#
        );
        let from_yaml = generate(&yaml).unwrap_or_else(|e| panic!("{n}: {e}"));
        let from_json = generate(&json).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert_eq!(from_yaml, from_json, "{n}");
    }
}

#[test]
fn flow_style_yaml_and_byte_order_marks_are_read() {
    let flow = "{openapi: 3.0.3, info: {title: t, version: 1.0}, paths: {/a: {get: {operationId: getA, responses: {200: {description: ok}}}}}}";
    let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1.0"}, "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}}}}"#;
    let from_json = generate(json).expect("JSON");
    assert_eq!(generate(flow).expect("flow-style YAML"), from_json);
    assert_eq!(generate(&format!("\u{feff}{json}")).expect("JSON after a BOM"), from_json);
    assert_eq!(generate(&format!("\u{feff}{flow}")).expect("YAML after a BOM"), from_json);
}
