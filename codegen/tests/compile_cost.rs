//! The levers that keep generated crates cheap to compile: identical schemas generated once,
//! areas behind cargo features, one serde direction per type (`Options::features`).

const DOC: &str = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /a:
    get:
      operationId: getA
      tags: [alpha]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  state: { type: string, enum: [open, closed] }
  /b:
    post:
      operationId: postB
      tags: [Beta Area]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                state: { type: string, enum: [open, closed] }
                other: { type: string, enum: [open, closed, merged] }
      responses:
        "204": { description: done }
  /c:
    get:
      operationId: getC
      tags: [gamma]
      responses:
        "204": { description: done }
components:
  schemas:
    Lonely:
      type: object
      properties:
        n: { type: integer }
"#;

fn models(features: bool) -> String {
    let options = codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: true,
        features,
        crate_name: "x".into(),
    };
    let generated = codegen::generate(DOC, &options).unwrap_or_else(|e| panic!("{e}"));
    generated.files.into_iter().find(|f| f.path == "models.rs").map(|f| f.contents).unwrap_or_default()
}

#[test]
fn identical_enums_are_generated_once_and_every_name_stays() {
    let text = models(false);
    assert_eq!(text.matches("pub enum ").count(), 2, "open/closed once, open/closed/merged once:\n{text}");
    assert!(text.contains("pub type PostBBodyState = GetAResponseState;"), "{text}");
    assert!(text.contains("pub enum PostBBodyOther"), "{text}");
}

#[test]
fn without_features_nothing_is_gated() {
    let text = models(false);
    assert!(!text.contains("#[cfg"), "{text}");
    for ty in ["GetAResponse", "PostBBody", "Lonely"] {
        assert_eq!(impl_gates(&text, "impl serde::Serialize for", ty), Some(false), "{text}");
        assert_eq!(impl_gates(&text, "impl<'de> serde::Deserialize<'de> for", ty), Some(false), "{text}");
    }
}

#[test]
fn features_gate_each_type_by_the_areas_that_use_it() {
    let text = models(true);
    let gate_of = |item: &str| {
        let at = text.find(item).unwrap_or_else(|| panic!("{item} missing:\n{text}"));
        let cfg = text[..at].rfind("#[cfg(").unwrap_or_else(|| panic!("{item} not gated:\n{text}"));
        text[cfg..].lines().next().unwrap_or_default().to_owned()
    };
    assert_eq!(gate_of("pub struct GetAResponse "), "#[cfg(feature = \"alpha\")]");
    assert_eq!(gate_of("pub struct PostBBody "), "#[cfg(feature = \"beta-area\")]");
    assert_eq!(
        gate_of("pub enum GetAResponseState "),
        "#[cfg(any(feature = \"alpha\", feature = \"beta-area\"))]"
    );
    assert_eq!(gate_of("pub struct Lonely "), "#[cfg(feature = \"other-schemas\")]");
}

#[test]
fn features_derive_only_the_direction_a_type_travels_in() {
    let text = models(true);
    let (ser, de) = ("impl serde::Serialize for", "impl<'de> serde::Deserialize<'de> for");
    // A response: decoded always, encoded only with `full-serde`; a request body the other way.
    assert_eq!(impl_gates(&text, de, "GetAResponse"), Some(false), "{text}");
    assert_eq!(impl_gates(&text, ser, "GetAResponse"), Some(true), "{text}");
    assert_eq!(impl_gates(&text, ser, "PostBBody"), Some(false), "{text}");
    assert_eq!(impl_gates(&text, de, "PostBBody"), Some(true), "{text}");
    // No operation reaches it: read (a webhook payload, say), not sent.
    assert_eq!(impl_gates(&text, de, "Lonely"), Some(false), "{text}");
    assert_eq!(impl_gates(&text, ser, "Lonely"), Some(true), "{text}");
    // Used both ways (through the alias): both impls, neither behind `full-serde`.
    for direction in ["impl serde::Serialize for", "impl<'de> serde::Deserialize<'de> for"] {
        let gated = format!("#[cfg(feature = \"full-serde\")]\n{direction} GetAResponseState ");
        let impl_of = format!("{direction} GetAResponseState ");
        assert!(text.contains(&impl_of) && !text.contains(&gated), "{text}");
    }
    let other = "#[cfg(feature = \"full-serde\")]\nimpl<'de> serde::Deserialize<'de> for PostBBodyOther ";
    assert!(text.contains(other), "sent only: decoding behind full-serde\n{text}");
}

/// Whether the impl `{head} {ty} ` is behind `full-serde` (`None`: there is no such impl).
fn impl_gates(text: &str, head: &str, ty: &str) -> Option<bool> {
    let at = text.find(&format!("{head} {ty} "))?;
    let attrs = text[..at].lines().rev().take_while(|line| line.starts_with("#[")).collect::<Vec<_>>();
    Some(attrs.iter().any(|line| line.contains("full-serde")))
}

#[test]
fn a_document_with_one_area_keeps_the_runtime_import_allowed() {
    // One area: nothing is gated by area, but a request-only struct's `Deserialize` (the
    // only place it names the runtime) is behind `full-serde`; without that feature the
    // import would be unused (found by `cargo xtask sweep`: easypdfserver.com).
    let doc = r#"
openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /b:
    post:
      operationId: postB
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { n: { type: integer } } }
      responses:
        "204": { description: done }
"#;
    let options = codegen::Options {
        source: "t.yaml".into(),
        command: "test".into(),
        strict: true,
        features: true,
        crate_name: "x".into(),
    };
    let generated = codegen::generate(doc, &options).unwrap_or_else(|e| panic!("{e}"));
    let text =
        generated.files.into_iter().find(|f| f.path == "models.rs").map(|f| f.contents).unwrap_or_default();
    let de = "#[cfg(feature = \"full-serde\")]\nimpl<'de> serde::Deserialize<'de> for PostBBody ";
    assert!(text.contains(de), "{text}");
    assert!(text.contains("use crate::runtime;"), "{text}");
    assert!(text.contains("#![allow(unused_imports)]"), "{text}");
}
