//! Lowering: a loaded [`Document`] into the IR, with every name resolved.

mod cycles;
mod operation;
mod schema;

use crate::error::{Error, ptr};
use crate::ir::{Api, TypeDef};
use crate::load::{Document, Part};
use crate::names::{self, Scope};
use openapiv3::{ReferenceOr, Schema};
use std::collections::BTreeMap;

/// Method names of the runtime's `Client`: generated methods must not collide with them.
pub const RESERVED_METHODS: &[&str] = &[
    "builder", "from_env", "execute", "paginate", "resume", "clone", "fmt", "base_url", "new", "config",
    "send", "request",
];

/// Lowers a loaded document into the IR.
pub fn lower(api: &Document) -> Result<Api, Error> {
    let mut cx = Lowerer::new(api);
    cx.lower_components()?;
    let (operations, pages) = operation::lower_operations(&mut cx)?;
    cycles::box_cycles(&mut cx.types);
    Ok(Api {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        types: cx.types,
        operations,
        pages,
    })
}

/// State shared by the lowering passes.
pub(crate) struct Lowerer<'a> {
    pub api: &'a Document,
    pub types: BTreeMap<String, TypeDef>,
    /// Type names taken in the generated module.
    pub scope: Scope,
    /// Component schema key → Rust type name.
    pub component_names: BTreeMap<String, String>,
    /// Nesting depth of inline schemas being lowered.
    pub depth: usize,
}

impl<'a> Lowerer<'a> {
    fn new(api: &'a Document) -> Self {
        let mut scope = Scope::default();
        let mut component_names = BTreeMap::new();
        // Sorted, so that which of two colliding names gets the suffix never depends on spec order.
        let mut keys: Vec<&String> = api.components.schemas.keys().collect();
        keys.sort();
        for key in keys {
            let name = scope.claim(names::type_name(key));
            component_names.insert(key.clone(), name);
        }
        Lowerer { api, types: BTreeMap::new(), scope, component_names, depth: 0 }
    }

    fn lower_components(&mut self) -> Result<(), Error> {
        let api = self.api;
        let mut entries: Vec<(&String, &Part)> = api.components.schemas.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, part) in entries {
            let name = self.component_names.get(key).cloned().unwrap_or_else(|| names::type_name(key));
            let pointer = ptr("/components/schemas", &[key]);
            // One component read at a time, dropped once lowered.
            let schema = api.read_schema(*part, &pointer)?;
            schema::lower_named(self, &name, &schema, &pointer)?;
        }
        Ok(())
    }

    /// Resolves `#/components/schemas/X` to `(key, schema)`, reading the schema.
    pub fn resolve_schema(&self, reference: &str, pointer: &str) -> Result<(&'a String, Schema), Error> {
        let (key, part) = self.resolve_schema_part(reference, pointer)?;
        match self.api.read_schema(part, &ptr("/components/schemas", &[key]))? {
            ReferenceOr::Item(schema) => Ok((key, schema)),
            ReferenceOr::Reference { reference } => {
                Err(Error::UnresolvedRef { pointer: pointer.to_owned(), reference })
            }
        }
    }

    /// Resolves `#/components/schemas/X` to the key and the unread schema it ends at.
    fn resolve_schema_part(&self, reference: &str, pointer: &str) -> Result<(&'a String, Part), Error> {
        let unresolved =
            || Error::UnresolvedRef { pointer: pointer.to_owned(), reference: reference.to_owned() };
        let Some(key) = reference.strip_prefix("#/components/schemas/") else {
            return Err(if reference.starts_with('#') {
                Error::unsupported(
                    pointer,
                    format!(
                        "$ref {reference:?}: only references to #/components/schemas/… are supported for schemas"
                    ),
                )
            } else {
                Error::unsupported(pointer, format!("external $ref {reference:?}: bundle the document first"))
            });
        };
        let schemas = &self.api.components.schemas;
        let (mut key, mut part) = schemas.get_key_value(&unescape(key)).ok_or_else(unresolved)?;
        // Follow chains of references (`A: {$ref: B}`), refusing loops.
        let mut hops = 0;
        while let Some(reference) = self.api.reference(*part) {
            hops += 1;
            if hops > 32 {
                return Err(Error::invalid(pointer, format!("$ref chain through {reference:?} never ends")));
            }
            let next =
                reference.strip_prefix("#/components/schemas/").map(unescape).ok_or_else(unresolved)?;
            (key, part) = schemas.get_key_value(&next).ok_or_else(unresolved)?;
        }
        Ok((key, *part))
    }

    /// Rust name of the component schema a `$ref` points at.
    pub fn ref_name(&self, reference: &str, pointer: &str) -> Result<String, Error> {
        let (key, _) = self.resolve_schema_part(reference, pointer)?;
        let direct = reference.strip_prefix("#/components/schemas/").map(unescape).unwrap_or_default();
        // A reference names the schema it points at directly, even when that one is an alias.
        let key = if self.component_names.contains_key(&direct) { &direct } else { key };
        self.component_names.get(key).cloned().ok_or_else(|| Error::UnresolvedRef {
            pointer: pointer.to_owned(),
            reference: reference.to_owned(),
        })
    }
}

/// Undoes JSON-pointer escaping in one token.
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
