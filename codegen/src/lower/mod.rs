//! Lowering: an `openapiv3::OpenAPI` document into the IR, with every name resolved.

mod cycles;
mod operation;
mod schema;

use crate::error::{Error, ptr};
use crate::ir::{Api, TypeDef};
use crate::names::{self, Scope};
use openapiv3::{OpenAPI, ReferenceOr, Schema};
use std::collections::BTreeMap;

/// Method names of the runtime's `Client`: generated methods must not collide with them.
pub const RESERVED_METHODS: &[&str] = &[
    "builder", "from_env", "execute", "paginate", "resume", "clone", "fmt", "base_url", "new", "config",
    "send", "request",
];

/// Lowers a parsed document into the IR.
pub fn lower(api: &OpenAPI) -> Result<Api, Error> {
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
    pub api: &'a OpenAPI,
    pub types: BTreeMap<String, TypeDef>,
    /// Type names taken in the generated module.
    pub scope: Scope,
    /// Component schema key → Rust type name.
    pub component_names: BTreeMap<String, String>,
    /// Nesting depth of inline schemas being lowered.
    pub depth: usize,
}

impl<'a> Lowerer<'a> {
    fn new(api: &'a OpenAPI) -> Self {
        let mut scope = Scope::default();
        let mut component_names = BTreeMap::new();
        if let Some(components) = &api.components {
            // Sorted, so that which of two colliding names gets the suffix never depends on spec order.
            let mut keys: Vec<&String> = components.schemas.keys().collect();
            keys.sort();
            for key in keys {
                let name = scope.claim(names::type_name(key));
                component_names.insert(key.clone(), name);
            }
        }
        Lowerer { api, types: BTreeMap::new(), scope, component_names, depth: 0 }
    }

    fn lower_components(&mut self) -> Result<(), Error> {
        let Some(components) = &self.api.components else { return Ok(()) };
        let mut entries: Vec<(&String, &ReferenceOr<Schema>)> = components.schemas.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, schema) in entries {
            let name = self.component_names.get(key).cloned().unwrap_or_else(|| names::type_name(key));
            let pointer = ptr("/components/schemas", &[key]);
            schema::lower_named(self, &name, schema, &pointer)?;
        }
        Ok(())
    }

    /// Resolves `#/components/schemas/X` to `(key, schema)`.
    pub fn resolve_schema(&self, reference: &str, pointer: &str) -> Result<(&'a String, &'a Schema), Error> {
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
        let key = unescape(key);
        let components = self.api.components.as_ref().ok_or_else(unresolved)?;
        let (k, mut item) = components.schemas.get_key_value(&key).ok_or_else(unresolved)?;
        // Follow chains of references (`A: {$ref: B}`), refusing loops.
        let mut hops = 0;
        while let ReferenceOr::Reference { reference } = item {
            hops += 1;
            if hops > 32 {
                return Err(Error::invalid(pointer, format!("$ref chain through {reference:?} never ends")));
            }
            let next =
                reference.strip_prefix("#/components/schemas/").map(unescape).ok_or_else(unresolved)?;
            item = components.schemas.get(&next).ok_or_else(unresolved)?;
        }
        match item {
            ReferenceOr::Item(schema) => Ok((k, schema)),
            ReferenceOr::Reference { .. } => Err(unresolved()),
        }
    }

    /// Rust name of the component schema a `$ref` points at.
    pub fn ref_name(&self, reference: &str, pointer: &str) -> Result<String, Error> {
        let (key, _) = self.resolve_schema(reference, pointer)?;
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
