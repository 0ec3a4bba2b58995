//! Loading: YAML or JSON text into an `openapiv3::OpenAPI`, with errors that name a JSON pointer.
//!
//! YAML parsing is kept here alone so that `serde_yaml` (unmaintained upstream) can be swapped.

use crate::error::{Error, escape_token};

/// Parses an OpenAPI 3.0 document from YAML or JSON text (JSON is a subset of YAML).
pub fn parse(text: &str) -> Result<openapiv3::OpenAPI, Error> {
    // Straight into the document types (JSON with serde_json, several times faster than the
    // YAML parser): no intermediate tree. Anything that fails takes the slow path below,
    // which knows how to say where.
    let direct = if text.trim_start().starts_with('{') {
        serde_json::from_str::<openapiv3::OpenAPI>(text).ok()
    } else {
        serde_yaml::from_str::<openapiv3::OpenAPI>(text).ok()
    };
    if let Some(api) = direct
        && (api.openapi.starts_with("3.0.") || api.openapi == "3.0")
    {
        return Ok(api);
    }
    // Parse into a generic value first: syntax errors then carry line and column, and
    // shape errors below carry the JSON pointer of the value that did not fit.
    let value: serde_json::Value = serde_yaml::from_str(text)
        .map_err(|e| Error::Parse { pointer: "/".to_owned(), message: e.to_string() })?;
    check_version(&value)?;
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(&value, &mut track);
    match serde::Deserialize::deserialize(de) {
        Ok(api) => Ok(api),
        Err(e) => {
            let pointer = to_pointer(&track.path());
            // `openapiv3` flattens the maps of paths and responses, which hides the path
            // below them: look for the failing entry ourselves.
            let refined = refine(&value, &pointer);
            let (pointer, message) = refined.unwrap_or((pointer, e.to_string()));
            Err(Error::Parse { pointer, message })
        }
    }
}

/// Narrows an error reported at a flattened map (`/paths`, `…/responses`) to the entry at fault.
fn refine(root: &serde_json::Value, pointer: &str) -> Option<(String, String)> {
    let at = if pointer == "/" { root } else { root.pointer(pointer)? };
    if pointer == "/paths" {
        for (key, item) in at.as_object()? {
            if key.starts_with("x-") {
                continue;
            }
            let base = format!("{pointer}/{}", escape_token(key));
            if let Err((p, m)) = track::<openapiv3::ReferenceOr<openapiv3::PathItem>>(item, &base) {
                return Some(refine(root, &p).unwrap_or((p, m)));
            }
        }
    }
    let is_path_item = pointer.strip_prefix("/paths/").is_some_and(|rest| !rest.contains('/'));
    if is_path_item {
        for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
            let Some(op) = at.get(method) else { continue };
            let base = format!("{pointer}/{method}");
            if let Err((p, m)) = track::<openapiv3::Operation>(op, &base) {
                return Some(refine(root, &p).unwrap_or((p, m)));
            }
        }
    }
    if pointer.ends_with("/responses") && at.is_object() {
        for (code, response) in at.as_object()? {
            if code.starts_with("x-") {
                continue;
            }
            let base = format!("{pointer}/{}", escape_token(code));
            if let Err(found) = track::<openapiv3::ReferenceOr<openapiv3::Response>>(response, &base) {
                return Some(found);
            }
        }
    }
    None
}

/// Deserializes `value` as `T`, reporting the failing pointer below `base`.
fn track<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    base: &str,
) -> Result<T, (String, String)> {
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(value, &mut track);
    T::deserialize(de).map_err(|e| {
        let below = to_pointer(&track.path());
        let pointer = if below == "/" { base.to_owned() } else { format!("{base}{below}") };
        (pointer, e.to_string())
    })
}

fn check_version(value: &serde_json::Value) -> Result<(), Error> {
    match value.get("openapi").and_then(|v| v.as_str()) {
        Some(v) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some(v) => Err(Error::unsupported(
            "/openapi",
            format!("OpenAPI version {v:?}: only 3.0.x documents are supported"),
        )),
        None if value.get("swagger").is_some() => {
            Err(Error::unsupported("/swagger", "Swagger 2.0 document: convert it to OpenAPI 3.0 first"))
        }
        None => Err(Error::invalid("/openapi", "missing the `openapi` version field")),
    }
}

fn to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&escape_token(key)),
            Segment::Enum { variant } => out.push_str(&escape_token(variant)),
            Segment::Unknown => out.push('?'),
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}
