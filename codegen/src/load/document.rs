//! The loaded document: its outline read eagerly, its path items and components read
//! from the tree on demand.

use super::de::NodeDe;
use super::tree::{NodeId, Tree};
use crate::error::{Error, escape_token, ptr};
use indexmap::IndexMap;
use openapiv3::{Info, ReferenceOr, SecurityRequirement, SecurityScheme};
use serde::de::DeserializeOwned;

/// The message of an error that stands for a panic while reading a value.
pub const INTERNAL: &str = "openapiv3 panicked while reading this value";

/// A part of the document not read yet (a path item or a component).
#[derive(Debug, Clone, Copy)]
pub struct Part(NodeId);

/// An OpenAPI 3.0 document.
#[derive(Debug)]
pub struct Document {
    tree: Tree,
    /// `/info`.
    pub info: Info,
    /// `/servers`.
    pub servers: Vec<openapiv3::Server>,
    /// `/security`, the document's default security requirements.
    pub security: Option<Vec<SecurityRequirement>>,
    /// `/paths`, in document order, `x-` keys left out.
    pub paths: IndexMap<String, Part>,
    /// `/components`.
    pub components: Components,
}

/// The component maps the generator reads.
#[derive(Debug, Default)]
pub struct Components {
    /// `/components/schemas`.
    pub schemas: IndexMap<String, Part>,
    /// `/components/parameters`.
    pub parameters: IndexMap<String, Part>,
    /// `/components/requestBodies`.
    pub request_bodies: IndexMap<String, Part>,
    /// `/components/responses`.
    pub responses: IndexMap<String, Part>,
    /// `/components/securitySchemes`, read eagerly (they are few and small).
    pub security_schemes: IndexMap<String, ReferenceOr<SecurityScheme>>,
}

impl Document {
    pub(super) fn new(tree: Tree) -> Result<Self, Error> {
        let root = tree.root();
        if tree.entries(root).is_none() {
            return Err(Error::Parse {
                pointer: "/".into(),
                message: "expected a map: an OpenAPI document".into(),
            });
        }
        check_version(&tree)?;
        let mut doc = Document {
            info: Info::default(),
            security: None,
            servers: Vec::new(),
            paths: IndexMap::new(),
            components: Components::default(),
            tree,
        };
        doc.info = match doc.tree.get(root, "info") {
            Some(info) => doc.read(Part(info), "/info")?,
            None => return Err(Error::invalid("/info", "missing the `info` object")),
        };
        if let Some(servers) = doc.tree.get(root, "servers") {
            doc.servers = doc.read(Part(servers), "/servers")?;
        }
        if let Some(security) = doc.tree.get(root, "security") {
            doc.security = doc.read(Part(security), "/security")?;
        }
        if let Some(paths) = doc.tree.get(root, "paths") {
            doc.paths = doc.parts(paths, "/paths", true)?;
        }
        if let Some(components) = doc.tree.get(root, "components")
            && !doc.tree.is_null(components)
        {
            if doc.tree.entries(components).is_none() {
                return Err(Error::Parse { pointer: "/components".into(), message: "expected a map".into() });
            }
            let kind =
                |name: &str| doc.tree.get(components, name).map(|node| (node, format!("/components/{name}")));
            let read = |name: &str| match kind(name) {
                Some((node, pointer)) => doc.parts(node, &pointer, false),
                None => Ok(IndexMap::new()),
            };
            let c = Components {
                schemas: read("schemas")?,
                parameters: read("parameters")?,
                request_bodies: read("requestBodies")?,
                responses: read("responses")?,
                security_schemes: match kind("securitySchemes") {
                    Some((node, pointer)) => doc.read(Part(node), &pointer)?,
                    None => IndexMap::new(),
                },
            };
            doc.components = c;
        }
        Ok(doc)
    }

    /// The entries of the map at `node` as parts (`null` counts as an empty map).
    fn parts(
        &self,
        node: NodeId,
        pointer: &str,
        skip_extensions: bool,
    ) -> Result<IndexMap<String, Part>, Error> {
        let mut out = IndexMap::new();
        if self.tree.is_null(node) {
            return Ok(out);
        }
        let entries = self
            .tree
            .entries(node)
            .ok_or_else(|| Error::Parse { pointer: pointer.to_owned(), message: "expected a map".into() })?;
        for (key, value) in entries {
            let Some((key, _)) = self.tree.scalar(key) else {
                return Err(Error::Parse {
                    pointer: pointer.to_owned(),
                    message: "a key is not a string".into(),
                });
            };
            if skip_extensions && key.starts_with("x-") {
                continue;
            }
            out.insert(key.to_owned(), Part(value));
        }
        Ok(out)
    }

    /// Reads a part as `T`; an error names the pointer of the value that did not fit,
    /// `pointer` being the part's own.
    pub fn read<T: DeserializeOwned>(&self, part: Part, pointer: &str) -> Result<T, Error> {
        self.attempt(part.0, pointer).map_err(|(pointer, message)| Error::Parse { pointer, message })
    }

    /// Reads a path item, narrowing an error down to the operation, parameter, body,
    /// response or schema at fault (`openapiv3` flattens these types, which hides the
    /// path below them from the deserializer).
    pub fn read_path_item(
        &self,
        part: Part,
        pointer: &str,
    ) -> Result<ReferenceOr<openapiv3::PathItem>, Error> {
        self.read_narrowed(part, pointer, Self::narrow_path_item)
    }

    /// Reads a schema (or a reference to one), narrowing errors as [`Self::read_path_item`] does.
    pub fn read_schema(&self, part: Part, pointer: &str) -> Result<ReferenceOr<openapiv3::Schema>, Error> {
        self.read_narrowed(part, pointer, Self::narrow_schema)
    }

    /// Reads a component parameter, request body or response, narrowing errors.
    pub fn read_component<T: DeserializeOwned>(
        &self,
        part: Part,
        pointer: &str,
    ) -> Result<ReferenceOr<T>, Error> {
        self.read_narrowed(part, pointer, Self::narrow_operation_part)
    }

    /// The part a local reference (`#/any/json/pointer`) points at, wherever it is in the
    /// document: `None` when it is not a local reference or points at nothing. The fragment
    /// may be percent-encoded (`#/paths/~1a%7Bb%7D`), as URIs allow.
    pub fn resolve(&self, reference: &str) -> Option<Part> {
        let fragment = reference.strip_prefix('#')?;
        let fragment = percent_decode(fragment)?;
        let mut node = self.tree.root();
        if fragment.is_empty() {
            return Some(Part(node));
        }
        for token in fragment.strip_prefix('/')?.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = match self.tree.items(node) {
                Some(items) => *items.get(token.parse::<usize>().ok()?)?,
                None => self.tree.get(node, &token)?,
            };
        }
        Some(Part(node))
    }

    /// The `$ref` of a part that is a reference object.
    pub fn reference(&self, part: Part) -> Option<&str> {
        self.tree.reference(part.0)
    }

    fn read_narrowed<T: DeserializeOwned>(
        &self,
        part: Part,
        pointer: &str,
        narrow: fn(&Self, NodeId, &str) -> Option<(String, String)>,
    ) -> Result<T, Error> {
        self.attempt(part.0, pointer).map_err(|found| {
            let (pointer, message) = narrow(self, part.0, pointer).unwrap_or(found);
            Error::Parse { pointer, message }
        })
    }

    /// Tries `T` on `node`: if it fails, the error narrowed by `then` (or as it is).
    fn failure<T: DeserializeOwned>(
        &self,
        node: NodeId,
        pointer: &str,
        then: fn(&Self, NodeId, &str) -> Option<(String, String)>,
    ) -> Option<(String, String)> {
        let found = self.attempt::<T>(node, pointer).err()?;
        Some(then(self, node, pointer).unwrap_or(found))
    }

    fn attempt<T: DeserializeOwned>(&self, node: NodeId, pointer: &str) -> Result<T, (String, String)> {
        let de = NodeDe { tree: &self.tree, id: node };
        // `openapiv3` has an `expect` in its `ReferenceOr` deserializer. The tree is built
        // so that it cannot fire (see `tree::dedupe_keys`); should some input still reach
        // it, the caller gets an error for this value instead of a crash.
        let read =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serde_path_to_error::deserialize(de)));
        let Ok(read) = read else {
            return Err((pointer.to_owned(), format!("{INTERNAL}; please report the document")));
        };
        read.map_err(|e| {
            let below = to_pointer(e.path());
            let pointer = if below.is_empty() { pointer.to_owned() } else { format!("{pointer}{below}") };
            (pointer, e.into_inner().to_string())
        })
    }

    /// Tries `T` on the value under `key` of `node`: the error, narrowed by `then`, if it fails.
    fn probe<T: DeserializeOwned>(
        &self,
        node: NodeId,
        key: &str,
        pointer: &str,
        then: fn(&Self, NodeId, &str) -> Option<(String, String)>,
    ) -> Option<(String, String)> {
        let child = self.tree.get(node, key)?;
        self.failure::<T>(child, &ptr(pointer, &[key]), then)
    }

    fn narrow_path_item(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            .into_iter()
            .find_map(|method| {
                self.probe::<openapiv3::Operation>(node, method, pointer, Self::narrow_operation)
            })
            .or_else(|| {
                self.probe::<Vec<ReferenceOr<openapiv3::Parameter>>>(
                    node,
                    "parameters",
                    pointer,
                    Self::narrow_each,
                )
            })
    }

    fn narrow_operation(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        self.probe::<Vec<ReferenceOr<openapiv3::Parameter>>>(node, "parameters", pointer, Self::narrow_each)
            .or_else(|| {
                self.probe::<ReferenceOr<openapiv3::RequestBody>>(
                    node,
                    "requestBody",
                    pointer,
                    Self::narrow_operation_part,
                )
            })
            .or_else(|| {
                self.probe::<openapiv3::Responses>(node, "responses", pointer, Self::narrow_responses)
            })
    }

    fn narrow_each(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        self.tree.items(node)?.iter().enumerate().find_map(|(i, &item)| {
            let pointer = ptr(pointer, &[&i.to_string()]);
            self.failure::<ReferenceOr<openapiv3::Parameter>>(item, &pointer, Self::narrow_operation_part)
        })
    }

    fn narrow_responses(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        self.tree.entries(node)?.find_map(|(key, value)| {
            let (code, _) = self.tree.scalar(key)?;
            if code.starts_with("x-") {
                return None;
            }
            let pointer = ptr(pointer, &[code]);
            self.failure::<ReferenceOr<openapiv3::Response>>(value, &pointer, Self::narrow_operation_part)
        })
    }

    /// A parameter, body or response: the schemas below its `schema` and `content`.
    fn narrow_operation_part(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        if self.tree.reference(node).is_some() {
            return None;
        }
        let in_schema =
            self.probe::<ReferenceOr<openapiv3::Schema>>(node, "schema", pointer, Self::narrow_schema);
        in_schema.or_else(|| {
            let content = self.tree.get(node, "content")?;
            self.tree.entries(content)?.find_map(|(media, value)| {
                let (media, _) = self.tree.scalar(media)?;
                let pointer = ptr(pointer, &["content", media]);
                self.probe::<ReferenceOr<openapiv3::Schema>>(value, "schema", &pointer, Self::narrow_schema)
            })
        })
    }

    /// The innermost subschema that fails to read.
    fn narrow_schema(&self, node: NodeId, pointer: &str) -> Option<(String, String)> {
        type Sub = ReferenceOr<openapiv3::Schema>;
        if self.tree.reference(node).is_some() {
            return None;
        }
        let single = ["items", "not", "additionalProperties"].into_iter().find_map(|key| {
            let child = self.tree.get(node, key)?;
            // `additionalProperties: true` is not a schema
            if self.tree.scalar(child).is_some() {
                return None;
            }
            self.probe::<Sub>(node, key, pointer, Self::narrow_schema)
        });
        let listed = || {
            ["allOf", "oneOf", "anyOf"].into_iter().find_map(|key| {
                let items = self.tree.items(self.tree.get(node, key)?)?;
                items.iter().enumerate().find_map(|(i, &item)| {
                    self.failure::<Sub>(item, &ptr(pointer, &[key, &i.to_string()]), Self::narrow_schema)
                })
            })
        };
        let properties = || {
            let props = self.tree.get(node, "properties")?;
            self.tree.entries(props)?.find_map(|(key, value)| {
                let (key, _) = self.tree.scalar(key)?;
                self.failure::<Sub>(value, &ptr(pointer, &["properties", key]), Self::narrow_schema)
            })
        };
        single.or_else(listed).or_else(properties)
    }
}

fn check_version(tree: &Tree) -> Result<(), Error> {
    let root = tree.root();
    match tree.get(root, "openapi").and_then(|v| tree.scalar(v)) {
        Some((v, _)) if v.starts_with("3.0.") || v == "3.0" => Ok(()),
        Some((v, _)) => Err(Error::unsupported(
            "/openapi",
            format!("OpenAPI version {v:?}: only 3.0.x documents are supported"),
        )),
        None if tree.get(root, "swagger").is_some() => {
            Err(Error::unsupported("/swagger", "Swagger 2.0 document: convert it to OpenAPI 3.0 first"))
        }
        None => Err(Error::invalid("/openapi", "missing the `openapi` version field")),
    }
}

/// The path `serde_path_to_error` tracked, as a JSON pointer suffix (empty at the top).
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
    out
}

/// `%XX` escapes decoded; `None` when they do not make UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
