//! Operations: one method each, with its parameters (`params.rs`), body and responses
//! (`bodies.rs`), security, and `x-pagination` (`pagination.rs`).

mod bodies;
mod pagination;
mod params;

use super::refs::{follow, target_pointer};
use super::{Lowerer, RESERVED_METHODS};
use crate::error::{Error, ptr};
use crate::ir::{AuthScheme, HttpMethod, Operation, PageImpl, ParamLocation, PathTemplate};
use crate::load::{Document, Part};
use crate::names::{self, Scope};
use openapiv3::{Parameter, ReferenceOr};
use std::collections::BTreeMap;

/// Parameter extension: a bool sent as `1`/`0` (`_isnull` style filters).
pub const X_BOOLEAN_AS_INTEGER: &str = "x-boolean-as-integer";
/// Parameter extension: the component enum of sortable fields; values render as `-a,b`.
pub const X_SORT_FIELDS: &str = "x-sort-fields";
/// Operation extension: where the items and the next-page URL live in the response.
pub const X_PAGINATION: &str = "x-pagination";
/// Operation extension: query parameters of which at least one must be given.
pub const X_REQUIRE_ONE_OF: &str = "x-require-one-of";

pub(crate) fn lower_operations(
    cx: &mut Lowerer<'_>,
) -> Result<(Vec<Operation>, BTreeMap<String, PageImpl>), Error> {
    let api = cx.api;
    let mut paths: Vec<(&String, &crate::load::Part)> = api.paths.iter().collect();
    paths.sort_by(|a, b| a.0.cmp(b.0));

    let mut methods = Scope::with_reserved(RESERVED_METHODS);
    let mut ids = BTreeMap::<String, String>::new();
    let mut operations = Vec::new();
    let mut pages = BTreeMap::new();
    for (path, item) in paths {
        let item_ptr = ptr("/paths", &[path]);
        // One path item read at a time, dropped once lowered.
        let item = match read_path_item(api, *item, &item_ptr) {
            Ok(item) => item,
            Err(error) => {
                cx.degrade(error, format!("the operations of {path} are left out"))?;
                continue;
            }
        };
        for (method, op) in item.iter() {
            let op_ptr = ptr(&item_ptr, &[method]);
            let id = op.operation_id.clone().unwrap_or_else(|| derived_id(method, path));
            if let Some(first) = ids.get(&id) {
                let error = Error::invalid(
                    &op_ptr,
                    format!("operationId {id:?} is also used at {first}; operationIds must be unique"),
                );
                cx.degrade(error, "this operation is left out")?;
                continue;
            }
            ids.insert(id.clone(), op_ptr.clone());
            let mut method_name = names::safe_snake(&id);
            if methods.is_taken(&method_name) {
                // Keeps the runtime's own methods (`builder`, `execute`, …) reachable.
                method_name.push_str("_op");
            }
            let method_name = methods.claim(method_name);
            let mut lowered = OpLowering { cx, id: &id, op_ptr: &op_ptr, method_name: &method_name };
            let operation = lowered.operation(path, method, &item.parameters, op, &pages);
            let (mut operation, page) = match operation {
                Ok(done) => done,
                Err(error) => {
                    cx.degrade(error, format!("operation {id} is left out"))?;
                    continue;
                }
            };
            if operation.query.as_ref().is_some_and(|q| q.is_optional()) {
                operation.with_method = Some(methods.claim(format!("{method_name}_with")));
            }
            if let Some(page) = page {
                operation.pages_method = Some(methods.claim(format!("{method_name}_pages")));
                operation.resume_method = Some(methods.claim(format!("{method_name}_resume")));
                pages.insert(page.type_name.clone(), page);
            }
            operations.push(operation);
        }
    }
    operations.sort_by(|a, b| a.method.cmp(&b.method));
    Ok((operations, pages))
}

/// A path item, inline or (rarely) given by a `$ref` anywhere in the document.
fn read_path_item(doc: &Document, part: Part, pointer: &str) -> Result<openapiv3::PathItem, Error> {
    let (at, part) = match doc.reference(part) {
        Some(reference) => {
            let (last, part) = follow(doc, &indexmap::IndexMap::new(), "#/paths/", reference, pointer)?;
            (target_pointer(&last), part)
        }
        None => (pointer.to_owned(), part),
    };
    match doc.read_path_item(part, &at)? {
        ReferenceOr::Item(item) => Ok(item),
        ReferenceOr::Reference { reference } => Err(Error::UnresolvedRef { pointer: at, reference }),
    }
}

/// `get /accounts/{id}` → `get_accounts_by_id`.
fn derived_id(method: &str, path: &str) -> String {
    let mut out = method.to_owned();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        out.push('_');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                out.push_str("by_");
                out.push_str(param);
            }
            None => out.push_str(seg),
        }
    }
    out
}

fn join_doc(summary: Option<&str>, description: Option<&str>) -> Option<String> {
    match (summary, description) {
        (Some(s), Some(d)) => Some(format!("{s}\n\n{d}")),
        (Some(s), None) => Some(s.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

struct OpLowering<'c, 'a> {
    cx: &'c mut Lowerer<'a>,
    id: &'c str,
    op_ptr: &'c str,
    method_name: &'c str,
}

/// A parameter with its pointer, after `$ref` resolution.
struct Resolved {
    param: Parameter,
    pointer: String,
}

impl OpLowering<'_, '_> {
    /// The operation, and how its responses page if it has `x-pagination`. `pages` holds
    /// the pagination of the operations lowered before it: one response type pages one way.
    fn operation(
        &mut self,
        path: &str,
        method: &str,
        shared: &[ReferenceOr<Parameter>],
        op: &openapiv3::Operation,
        pages: &BTreeMap<String, PageImpl>,
    ) -> Result<(Operation, Option<PageImpl>), Error> {
        let Some(http_method) = HttpMethod::from_key(method) else {
            return Err(Error::invalid(self.op_ptr, format!("{method:?} is not an HTTP method")));
        };
        let path = PathTemplate::parse(path);
        let params = self.parameters(shared, &op.parameters)?;
        let (path_params, mut query) = self.split_params(&path, params)?;
        if let Some(q) = &mut query {
            self.query_rules(q, op)?;
        }
        let body = match &op.request_body {
            Some(body) => self.body(body)?,
            None => None,
        };
        let response = self.response(&op.responses)?;
        let error_bodies = self.error_bodies(&op.responses)?;
        let security = self.security(op)?;
        let page = self.pagination(op.extensions.get(X_PAGINATION), response.as_ref())?;
        if let Some(page) = &page
            && pages.get(&page.type_name).is_some_and(|existing| existing != page)
        {
            return Err(Error::invalid(
                ptr(self.op_ptr, &[X_PAGINATION]),
                format!("{} is paginated differently by another operation", page.type_name),
            ));
        }
        let operation = Operation {
            id: self.id.to_owned(),
            method: self.method_name.to_owned(),
            http_method,
            path,
            doc: join_doc(op.summary.as_deref(), op.description.as_deref()),
            deprecated: op.deprecated,
            path_params,
            query,
            body,
            response,
            error_bodies,
            security,
            pages_method: None,
            tags: op.tags.clone(),
            with_method: None,
            resume_method: None,
        };
        Ok((operation, page))
    }

    fn type_prefix(&self) -> String {
        names::type_name(self.method_name)
    }

    /// The operation's security alternatives (its own `security`, else the document's),
    /// with each scheme resolved. Alternatives using a scheme the runtime cannot apply
    /// (HTTP digest, mutual TLS) are left out.
    fn security(&self, op: &openapiv3::Operation) -> Result<Option<Vec<Vec<AuthScheme>>>, Error> {
        use openapiv3::{APIKeyLocation, SecurityScheme};
        let (requirements, base) = match &op.security {
            Some(own) => (own, ptr(self.op_ptr, &["security"])),
            None => match &self.cx.api.security {
                Some(global) => (global, "/security".to_owned()),
                None => return Ok(None),
            },
        };
        let schemes = Some(&self.cx.api.components.security_schemes);
        let mut alternatives = Vec::new();
        for (i, requirement) in requirements.iter().enumerate() {
            let mut set = Vec::new();
            let mut usable = true;
            for name in requirement.keys() {
                let scheme = schemes.and_then(|s| s.get(name));
                let scheme = match scheme {
                    Some(ReferenceOr::Item(scheme)) => scheme,
                    _ => {
                        return Err(Error::invalid(
                            ptr(&base, &[&i.to_string(), name]),
                            format!("security scheme {name:?} is not defined in components/securitySchemes"),
                        ));
                    }
                };
                let resolved = match scheme {
                    SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("basic") => {
                        AuthScheme::Basic
                    }
                    SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
                        AuthScheme::Bearer
                    }
                    SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => {
                        AuthScheme::Bearer
                    }
                    SecurityScheme::APIKey { location, name, .. } => {
                        let loc = match location {
                            APIKeyLocation::Query => ParamLocation::Query,
                            APIKeyLocation::Header => ParamLocation::Header,
                            APIKeyLocation::Cookie => ParamLocation::Cookie,
                        };
                        AuthScheme::ApiKey(loc, name.clone())
                    }
                    SecurityScheme::HTTP { .. } => {
                        usable = false;
                        continue;
                    }
                };
                if !set.contains(&resolved) {
                    set.push(resolved);
                }
            }
            if usable && !alternatives.contains(&set) {
                alternatives.push(set);
            }
        }
        Ok(Some(alternatives))
    }
}

/// Resolves a `$ref` to a parameter, request body or response (usually
/// `#/components/<kind>/<name>`, but anywhere in the document), following chains of
/// references and reading what it ends at, or returns the item itself.
fn resolve_component<T: Clone + serde::de::DeserializeOwned>(
    doc: &Document,
    components: &indexmap::IndexMap<String, Part>,
    kind: &str,
    item: &ReferenceOr<T>,
    pointer: &str,
) -> Result<T, Error> {
    let reference = match item {
        ReferenceOr::Item(value) => return Ok(value.clone()),
        ReferenceOr::Reference { reference } => reference,
    };
    let (last, part) = follow(doc, components, &format!("#/components/{kind}/"), reference, pointer)?;
    match doc.read_component::<T>(part, &target_pointer(&last))? {
        ReferenceOr::Item(value) => Ok(value),
        ReferenceOr::Reference { reference } => {
            Err(Error::UnresolvedRef { pointer: pointer.to_owned(), reference })
        }
    }
}
