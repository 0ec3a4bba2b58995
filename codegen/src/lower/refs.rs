//! `$ref`s: followed to wherever they point in the document (components or not), and the
//! Rust type a schema reference stands for.

use super::{Lowerer, schema, unescape};
use crate::error::Error;
use crate::ir::{AliasDef, TypeDef, TypeRef};
use crate::load::{Document, Part};
use crate::names;
use indexmap::IndexMap;
use openapiv3::{ReferenceOr, Schema};

/// How many `$ref`s in a row are followed before the chain counts as a loop.
const MAX_HOPS: usize = 32;

const SCHEMAS: &str = "#/components/schemas/";

impl Lowerer<'_> {
    /// Resolves a schema `$ref` and reads the schema it ends at.
    pub fn resolve_schema(&self, reference: &str, pointer: &str) -> Result<Schema, Error> {
        let (last, part) = follow(self.api, &self.api.components.schemas, SCHEMAS, reference, pointer)?;
        match self.api.read_schema(part, &target_pointer(&last))? {
            ReferenceOr::Item(schema) => Ok(schema),
            ReferenceOr::Reference { reference } => {
                Err(Error::UnresolvedRef { pointer: pointer.to_owned(), reference })
            }
        }
    }

    /// The type a schema `$ref` stands for; a broken one is `serde_json::Value` (with a
    /// warning) unless lowering is strict.
    pub fn ref_type(&mut self, reference: &str, pointer: &str) -> Result<TypeRef, Error> {
        match self.ref_name(reference, pointer) {
            Ok(name) => Ok(TypeRef::Named(name)),
            Err(error) => {
                self.degrade(error, "the value is `serde_json::Value`")?;
                Ok(TypeRef::Json)
            }
        }
    }

    /// Rust name of the schema a `$ref` points at: the component's name, or for a schema
    /// elsewhere (`#/paths/…`, `#/components/schemas/X/properties/y`) a type made for it
    /// the first time and named from where it stands.
    pub fn ref_name(&mut self, reference: &str, pointer: &str) -> Result<String, Error> {
        if let Some(name) = self.pointer_names.get(reference) {
            return Ok(name.clone());
        }
        let (last, part) = follow(self.api, &self.api.components.schemas, SCHEMAS, reference, pointer)?;
        // A reference names the component it points at directly, even when that one is an alias.
        for candidate in [reference, last.as_str()] {
            if let Some(name) = component_key(candidate).and_then(|key| self.component_names.get(&key)) {
                return Ok(name.clone());
            }
        }
        // An inline schema already lowered there.
        if let Some(name) = self.inline_names.get(&last) {
            return Ok(name.clone());
        }
        let name = self.scope.claim(names::type_name(&name_from_pointer(&last)));
        self.pointer_names.insert(reference.to_owned(), name.clone());
        self.pointer_names.insert(last.clone(), name.clone());
        let at = target_pointer(&last);
        // Such types may refer to further ones: the depth bounds the recursion.
        self.depth += 1;
        let lowered = if self.depth > schema::MAX_DEPTH {
            Err(Error::unsupported(&at, "$refs into schemas outside components nest too deep"))
        } else {
            self.api.read_schema(part, &at).and_then(|schema| schema::lower_named(self, &name, &schema, &at))
        };
        self.depth -= 1;
        if let Err(error) = lowered {
            self.degrade(error, format!("{name} is `serde_json::Value`"))?;
            let def = AliasDef { name: name.clone(), doc: None, target: TypeRef::Json };
            self.types.insert(name.clone(), TypeDef::Alias(def));
        }
        Ok(name)
    }
}

/// Follows a chain of `$ref`s from `reference` to the part that is not one; returns the
/// last reference of the chain and that part. `components` is the map the references usually
/// point into (`#/components/<kind>/`), looked up by key first.
pub(crate) fn follow(
    doc: &Document,
    components: &IndexMap<String, Part>,
    prefix: &str,
    reference: &str,
    pointer: &str,
) -> Result<(String, Part), Error> {
    let mut current = reference.to_owned();
    for _ in 0..MAX_HOPS {
        if !current.starts_with('#') {
            return Err(Error::unsupported(
                pointer,
                format!("external $ref {current:?}: bundle the document first"),
            ));
        }
        let by_key = current.strip_prefix(prefix).and_then(|key| components.get(&unescape(key)).copied());
        let Some(part) = by_key.or_else(|| doc.resolve(&current)) else {
            return Err(Error::UnresolvedRef { pointer: pointer.to_owned(), reference: current });
        };
        match doc.reference(part) {
            Some(next) => current = next.to_owned(),
            None => return Ok((current, part)),
        }
    }
    Err(Error::invalid(pointer, format!("$ref chain through {current:?} never ends")))
}

/// The component key of `#/components/schemas/KEY`.
fn component_key(reference: &str) -> Option<String> {
    reference.strip_prefix(SCHEMAS).map(unescape)
}

/// The JSON pointer of a local reference's target, for errors: `#/a/b` → `/a/b`.
pub(crate) fn target_pointer(reference: &str) -> String {
    reference.strip_prefix('#').unwrap_or(reference).to_owned()
}

/// The words of a pointer that say what stands there: `#/paths/~1orders/get/responses/200/…`
/// → `orders get 200`; `#/components/schemas/channel/properties/from/oneOf/0` →
/// `channel from oneOf 0`.
fn name_from_pointer(reference: &str) -> String {
    const STRUCTURE: &[&str] =
        &["components", "schemas", "properties", "paths", "content", "schema", "responses", "parameters"];
    let words: Vec<String> = target_pointer(reference)
        .split('/')
        .map(unescape)
        // Media types (`application/json`) say nothing; path templates (`/orders`) do.
        .filter(|t| {
            !t.is_empty() && !STRUCTURE.contains(&t.as_str()) && (t.starts_with('/') || !t.contains('/'))
        })
        .collect();
    let joined = words.join(" ");
    if joined.is_empty() { "schema".to_owned() } else { joined }
}
