//! Lowering: a loaded [`Document`] into the IR, with every name resolved.

mod all_of;
mod cycles;
mod exactly_one;
mod field_doc;
mod operation;
mod refs;
mod schema;
mod shape;

use crate::error::{Error, Warning, ptr};
use crate::ir::{AliasDef, Api, TypeDef, TypeRef};
use crate::load::{Document, Part};
use crate::names::{self, Scope};
use std::collections::BTreeMap;

/// Every method and associated item of the runtime's `Client` (`generated-client/src/runtime/`),
/// in snake case, plus the trait methods it implements: a generated method with one of these
/// names would clash with it (E0592) or shadow it, so an operation named like one gets `_op`
/// appended. `codegen/tests/reserved.rs` parses the runtime with `syn` and fails when an item
/// is missing here.
pub const RESERVED_METHODS: &[&str] = &[
    "acquire",
    "base_url",
    "builder",
    "clone",
    "config",
    "decode",
    "drift_summary",
    "execute",
    "execute_bytes",
    "execute_decoded",
    "execute_empty",
    "execute_raw",
    "execute_raw_with",
    "execute_text",
    "fmt",
    "from_env",
    "from_inner",
    "new",
    "paginate",
    "prepare",
    "redact",
    "request",
    "resolve",
    "resume",
    "resume_like",
    "send",
    "send_attempts",
    "send_once",
];

/// Lowers a loaded document into the IR, refusing it at its first broken corner.
pub fn lower(api: &Document) -> Result<Api, Error> {
    lower_with(api, true).map(|(api, _)| api)
}

/// Lowers a loaded document into the IR. Unless `strict`, a broken schema becomes
/// `serde_json::Value` and a broken operation is left out, each with a [`Warning`]. The
/// result is checked by [`crate::ir::validate`]: an inconsistency is a generator bug.
pub fn lower_with(api: &Document, strict: bool) -> Result<(Api, Vec<Warning>), Error> {
    let mut cx = Lowerer::new(api, strict);
    cx.lower_components()?;
    let (operations, pages) = operation::lower_operations(&mut cx)?;
    cycles::box_cycles(&mut cx.types);
    let lowered = Api {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        types: cx.types,
        operations,
        pages,
    };
    crate::ir::validate(&lowered)?;
    Ok((lowered, cx.warnings))
}

/// State shared by the lowering passes.
pub(crate) struct Lowerer<'a> {
    pub api: &'a Document,
    pub types: BTreeMap<String, TypeDef>,
    /// Type names taken in the generated module.
    pub scope: Scope,
    /// Component schema key → Rust type name.
    pub component_names: BTreeMap<String, String>,
    /// `$ref`s to schemas outside `components/schemas` (`#/paths/…`, `#/components/schemas/X/properties/y`)
    /// → the Rust type made for them, named from where they stand.
    pub pointer_names: BTreeMap<String, String>,
    /// `#` + pointer of each inline schema given a named type → that type, so that a `$ref`
    /// met later to the same place takes it.
    pub inline_names: BTreeMap<String, String>,
    /// Nesting depth of inline schemas being lowered.
    pub depth: usize,
    /// Refuse instead of working around (see [`lower_with`]).
    pub strict: bool,
    pub warnings: Vec<Warning>,
}

impl<'a> Lowerer<'a> {
    fn new(api: &'a Document, strict: bool) -> Self {
        let mut scope = Scope::default();
        let mut component_names = BTreeMap::new();
        // Sorted, so that which of two colliding names gets the suffix never depends on spec order.
        let mut keys: Vec<&String> = api.components.schemas.keys().collect();
        keys.sort();
        for key in keys {
            let name = scope.claim(names::type_name(key));
            component_names.insert(key.clone(), name);
        }
        Lowerer {
            api,
            types: BTreeMap::new(),
            scope,
            component_names,
            pointer_names: BTreeMap::new(),
            inline_names: BTreeMap::new(),
            depth: 0,
            strict,
            warnings: Vec::new(),
        }
    }

    /// The error itself when strict; otherwise `Ok(())` and a warning that `action` was taken.
    pub fn degrade(&mut self, error: Error, action: impl Into<String>) -> Result<(), Error> {
        // A failing sink or renderer is never the document's fault.
        if self.strict || matches!(error, Error::Write { .. } | Error::Render { .. }) {
            return Err(error);
        }
        self.warnings.push(Warning { error, action: action.into() });
        Ok(())
    }

    fn lower_components(&mut self) -> Result<(), Error> {
        let api = self.api;
        let mut entries: Vec<(&String, &Part)> = api.components.schemas.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (key, part) in entries {
            let name = self.component_names.get(key).cloned().unwrap_or_else(|| names::type_name(key));
            let pointer = ptr("/components/schemas", &[key]);
            // One component read at a time, dropped once lowered.
            let lowered = api
                .read_schema(*part, &pointer)
                .and_then(|schema| schema::lower_named(self, &name, &schema, &pointer));
            if let Err(error) = lowered {
                self.degrade(error, format!("{name} is `serde_json::Value`"))?;
                let def = AliasDef { name: name.clone(), doc: None, target: TypeRef::Json };
                self.types.insert(name, TypeDef::Alias(def));
            }
        }
        Ok(())
    }
}

/// Undoes JSON-pointer escaping in one token.
pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}
