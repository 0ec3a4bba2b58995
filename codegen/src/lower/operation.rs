//! Operations: methods, path and query parameters, bodies, responses and `x-pagination`.

use super::schema::type_of;
use super::{Lowerer, RESERVED_METHODS, unescape};
use crate::error::{Error, ptr};
use crate::ir::{
    AuthScheme, Body, BodyKind, MultipartField, ObjectStyle, Operation, PageImpl, ParamLocation, PartKind,
    PathParam, PathStyle, QueryEncoding, QueryParam, QueryType, Response, ResponsesDef, StatusVariant,
    SuccessBody, TypeDef, TypeRef,
};
use crate::load::{Document, Part};
use crate::names::{self, Scope};
use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody,
    Response as OaResponse, Schema, SchemaKind, StatusCode, Type,
};
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
        let item = match api.read_path_item(*item, &item_ptr)? {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                return Err(Error::unsupported(item_ptr, "path items given by $ref: inline them"));
            }
        };
        for (method, op) in item.iter() {
            let op_ptr = ptr(&item_ptr, &[method]);
            let id = op.operation_id.clone().unwrap_or_else(|| derived_id(method, path));
            if let Some(first) = ids.insert(id.clone(), op_ptr.clone()) {
                return Err(Error::invalid(
                    &op_ptr,
                    format!("operationId {id:?} is also used at {first}; operationIds must be unique"),
                ));
            }
            let mut method_name = names::safe_snake(&id);
            if methods.is_taken(&method_name) {
                // Keeps the runtime's own methods (`builder`, `execute`, …) reachable.
                method_name.push_str("_op");
            }
            let method_name = methods.claim(method_name);
            let mut lowered = OpLowering { cx, id: &id, op_ptr: &op_ptr, method_name: &method_name };
            let params = lowered.parameters(&item.parameters, &op.parameters)?;
            let (path_params, mut query) = lowered.split_params(path, params)?;
            if let Some(q) = &mut query {
                lowered.query_rules(q, op)?;
            }
            let body = match &op.request_body {
                Some(body) => Some(lowered.body(body)?),
                None => None,
            };
            let response = lowered.response(&op.responses)?;
            let error_bodies = lowered.error_bodies(&op.responses)?;
            let security = lowered.security(op)?;
            let page = lowered.pagination(op.extensions.get(X_PAGINATION), response.as_ref())?;
            let pages_method = page.as_ref().map(|_| methods.claim(format!("{method_name}_pages")));
            if let Some(page) = page {
                match pages.get(&page.type_name) {
                    Some(existing) if existing != &page => {
                        return Err(Error::invalid(
                            ptr(&op_ptr, &[X_PAGINATION]),
                            format!("{} is paginated differently by another operation", page.type_name),
                        ));
                    }
                    _ => {
                        pages.insert(page.type_name.clone(), page);
                    }
                }
            }
            operations.push(Operation {
                id: id.clone(),
                method: method_name.clone(),
                http_method: method.to_ascii_uppercase(),
                path: path.clone(),
                doc: join_doc(op.summary.as_deref(), op.description.as_deref()),
                deprecated: op.deprecated,
                path_params,
                query,
                body,
                response,
                error_bodies,
                security,
                pages_method,
            });
        }
    }
    operations.sort_by(|a, b| a.method.cmp(&b.method));
    Ok((operations, pages))
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
    fn type_prefix(&self) -> String {
        names::type_name(self.method_name)
    }

    /// Path-item parameters overridden by operation parameters of the same name and location.
    fn parameters(
        &mut self,
        shared: &[ReferenceOr<Parameter>],
        own: &[ReferenceOr<Parameter>],
    ) -> Result<Vec<Resolved>, Error> {
        let mut out: Vec<Resolved> = Vec::new();
        let item_ptr = self.op_ptr.rsplit_once('/').map(|(p, _)| p.to_owned()).unwrap_or_default();
        let sources = [(shared, item_ptr), (own, self.op_ptr.to_owned())];
        for (list, base) in sources {
            for (i, p) in list.iter().enumerate() {
                let pointer = ptr(&base, &["parameters", &i.to_string()]);
                let param = self.resolve_parameter(p, &pointer)?;
                let key = (param.parameter_data_ref().name.clone(), location(&param));
                if let Some(existing) = out
                    .iter_mut()
                    .find(|r| (r.param.parameter_data_ref().name.clone(), location(&r.param)) == key)
                {
                    *existing = Resolved { param, pointer };
                } else {
                    out.push(Resolved { param, pointer });
                }
            }
        }
        Ok(out)
    }

    fn resolve_parameter(&self, p: &ReferenceOr<Parameter>, pointer: &str) -> Result<Parameter, Error> {
        resolve_component(self.cx.api, &self.cx.api.components.parameters, "parameters", p, pointer)
    }

    fn split_params(
        &mut self,
        path: &str,
        params: Vec<Resolved>,
    ) -> Result<(Vec<PathParam>, Option<QueryType>), Error> {
        let mut path_params = Vec::new();
        let mut query_params = Vec::new();
        let mut args = Scope::with_reserved(&["self", "query", "body"]);
        let mut fields = Scope::with_reserved(&["new", "to_query", "validate", "apply_headers"]);
        for Resolved { param, pointer } in params {
            match &param {
                Parameter::Path { parameter_data, style } => {
                    let schema = param_schema(&parameter_data.format, &pointer)?;
                    let context = format!("{}{}", self.type_prefix(), names::type_name(&parameter_data.name));
                    let ty = type_of(self.cx, &schema, &context, &ptr(&pointer, &["schema"]))?;
                    let (ty, array) = match ty {
                        TypeRef::Vec(item) => (*item, true),
                        other => (other, false),
                    };
                    if !self.is_scalar(&ty) {
                        return Err(Error::unsupported(
                            &pointer,
                            format!("object-valued path parameter {:?}", parameter_data.name),
                        ));
                    }
                    let style = match style {
                        openapiv3::PathStyle::Simple => PathStyle::Simple,
                        openapiv3::PathStyle::Label => PathStyle::Label,
                        openapiv3::PathStyle::Matrix => PathStyle::Matrix,
                    };
                    path_params.push(PathParam {
                        name: args.claim(names::safe_snake(&parameter_data.name)),
                        wire: parameter_data.name.clone(),
                        ty,
                        array,
                        style,
                        explode: parameter_data.explode.unwrap_or(false),
                    });
                }
                Parameter::Query { parameter_data, style, allow_reserved, .. } => {
                    let mut q = self.query_param(parameter_data, style, &pointer, &mut fields)?;
                    if *allow_reserved {
                        if q.encoding != QueryEncoding::Single {
                            return Err(Error::unsupported(
                                &pointer,
                                "allowReserved is supported on single-valued query parameters only",
                            ));
                        }
                        q.allow_reserved = true;
                    }
                    query_params.push(q);
                }
                Parameter::Header { parameter_data, .. } | Parameter::Cookie { parameter_data, .. } => {
                    let loc = if matches!(param, Parameter::Header { .. }) {
                        ParamLocation::Header
                    } else {
                        ParamLocation::Cookie
                    };
                    // `Accept`, `Content-Type` and `Authorization` are the client's to set (OpenAPI 3.0 ignores them).
                    let lower = parameter_data.name.to_ascii_lowercase();
                    if loc == ParamLocation::Header
                        && matches!(lower.as_str(), "accept" | "content-type" | "authorization")
                    {
                        continue;
                    }
                    let mut q = self.query_param(parameter_data, &QueryStyle::Form, &pointer, &mut fields)?;
                    q.location = loc;
                    // Headers are `simple` (comma-joined); cookies are `form`.
                    if matches!(q.encoding, QueryEncoding::Exploded) && loc == ParamLocation::Header {
                        q.encoding = QueryEncoding::Joined(',');
                    }
                    if matches!(q.encoding, QueryEncoding::Object(_) | QueryEncoding::Sort(_)) {
                        return Err(Error::unsupported(
                            &pointer,
                            format!("object-valued {} parameter {:?}", location(&param), parameter_data.name),
                        ));
                    }
                    query_params.push(q);
                }
            }
        }
        // Every `{name}` in the template must be a declared path parameter, and vice versa.
        let template: Vec<&str> =
            path.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).collect();
        for name in &template {
            if !path_params.iter().any(|p| p.wire == *name) {
                return Err(Error::invalid(
                    self.op_ptr,
                    format!(
                        "path template names {{{name}}} but the operation declares no such path parameter"
                    ),
                ));
            }
        }
        path_params.retain(|p| template.contains(&p.wire.as_str()));
        path_params.sort_by_key(|p| template.iter().position(|t| *t == p.wire));
        // A struct that also carries headers or cookies is named for parameters in general.
        let suffix =
            if query_params.iter().all(|p| p.location == ParamLocation::Query) { "Query" } else { "Params" };
        let query = (!query_params.is_empty()).then(|| QueryType {
            name: self.cx.scope.claim(format!("{}{suffix}", self.type_prefix())),
            params: query_params,
            require_one_of: Vec::new(),
            single_sort: None,
        });
        Ok((path_params, query))
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

    /// `x-require-one-of` and the `single-sort` member of `x-pagination`.
    fn query_rules(&self, query: &mut QueryType, op: &openapiv3::Operation) -> Result<(), Error> {
        let field_of = |wire: &str, pointer: &str| {
            query.params.iter().find(|p| p.wire == wire).map(|p| p.name.clone()).ok_or_else(|| {
                Error::invalid(
                    pointer,
                    format!("names {wire:?}, which is not a query parameter of {}", self.id),
                )
            })
        };
        if let Some(ext) = op.extensions.get(X_REQUIRE_ONE_OF) {
            let pointer = ptr(self.op_ptr, &[X_REQUIRE_ONE_OF]);
            let names: Vec<&str> = ext.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            if names.len() < 2 {
                return Err(Error::invalid(&pointer, "must list at least two query parameter names"));
            }
            let group = names.iter().map(|n| field_of(n, &pointer)).collect::<Result<Vec<_>, _>>()?;
            query.require_one_of.push(group);
        }
        if let Some(sort) = op.extensions.get(X_PAGINATION).and_then(|p| p.get("single-sort")) {
            let pointer = ptr(self.op_ptr, &[X_PAGINATION, "single-sort"]);
            let wire =
                sort.as_str().ok_or_else(|| Error::invalid(&pointer, "must name the sort parameter"))?;
            let name = field_of(wire, &pointer)?;
            let is_sort =
                query.params.iter().any(|p| p.name == name && matches!(p.encoding, QueryEncoding::Sort(_)));
            if !is_sort {
                return Err(Error::invalid(
                    &pointer,
                    format!("{wire:?} is not a sort parameter ({X_SORT_FIELDS})"),
                ));
            }
            query.single_sort = Some(name);
        }
        Ok(())
    }

    fn query_param(
        &mut self,
        data: &openapiv3::ParameterData,
        style: &QueryStyle,
        pointer: &str,
        fields: &mut Scope,
    ) -> Result<QueryParam, Error> {
        let schema = param_schema(&data.format, pointer)?;
        let resolved = self.schema_of(&schema, pointer)?;
        let is_array = matches!(resolved.schema_kind, SchemaKind::Type(Type::Array(_)));
        let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
        let context = format!("{}{}", self.type_prefix(), names::type_name(&data.name));
        let schema_ptr = ptr(pointer, &["schema"]);

        let mut fallback_note = None;
        let (ty, encoding) = if let Some(fields_enum) = data.extensions.get(X_SORT_FIELDS) {
            let Some(key) = fields_enum.as_str() else {
                return Err(Error::invalid(ptr(pointer, &[X_SORT_FIELDS]), "must name a component schema"));
            };
            let reference = format!("#/components/schemas/{key}");
            let field_ty = self.cx.ref_name(&reference, &ptr(pointer, &[X_SORT_FIELDS]))?;
            if !matches!(self.cx.types.get(&field_ty), Some(TypeDef::Enum(_))) {
                return Err(Error::invalid(
                    ptr(pointer, &[X_SORT_FIELDS]),
                    format!("{key} must be a string enum"),
                ));
            }
            if !is_array || explode {
                return Err(Error::invalid(pointer, "a sort parameter must be an array with explode: false"));
            }
            (TypeRef::Named(field_ty.clone()), QueryEncoding::Sort(field_ty))
        } else if data.extensions.get(X_BOOLEAN_AS_INTEGER).and_then(|v| v.as_bool()) == Some(true) {
            if is_array {
                return Err(Error::invalid(
                    pointer,
                    format!("{X_BOOLEAN_AS_INTEGER} needs a scalar parameter"),
                ));
            }
            (TypeRef::Bool, QueryEncoding::Flag)
        } else if is_array {
            let ty = type_of(self.cx, &schema, &context, &schema_ptr)?;
            let mut item = match ty {
                TypeRef::Vec(item) => *item,
                other => other,
            };
            if !self.is_scalar(&item) {
                // OpenAPI 3.0 defines no serialisation for arrays of objects or arrays in a
                // query: take each item as text the caller encodes, and say so.
                item = TypeRef::String;
                fallback_note = Some(
                    "The document describes the items as objects or arrays, which OpenAPI does not say how \
                     to put in a query: pass each item already encoded as the API expects.",
                );
            }
            let encoding = match (style, explode) {
                (QueryStyle::Form, true) => QueryEncoding::Exploded,
                (QueryStyle::Form, false) => QueryEncoding::Joined(','),
                (QueryStyle::SpaceDelimited, false) => QueryEncoding::Joined(' '),
                (QueryStyle::PipeDelimited, false) => QueryEncoding::Joined('|'),
                _ => {
                    return Err(Error::unsupported(
                        pointer,
                        format!("style {style:?} with explode {explode} for an array query parameter"),
                    ));
                }
            };
            (item, encoding)
        } else {
            let ty = type_of(self.cx, &schema, &context, &schema_ptr)?;
            if self.is_scalar(&ty) {
                (ty, QueryEncoding::Single)
            } else {
                let style = match (style, explode) {
                    (QueryStyle::Form, true) => ObjectStyle::FormExploded,
                    (QueryStyle::Form, false) => ObjectStyle::Form,
                    (QueryStyle::DeepObject, _) => ObjectStyle::DeepObject,
                    _ => {
                        return Err(Error::unsupported(
                            pointer,
                            format!("object-valued query parameter {:?} with style {style:?}", data.name),
                        ));
                    }
                };
                (ty, QueryEncoding::Object(style))
            }
        };
        let bounds = match &resolved.schema_kind {
            SchemaKind::Type(Type::Integer(i)) if encoding == QueryEncoding::Single => {
                let min = i.minimum.map(|m| if i.exclusive_minimum { m + 1 } else { m });
                let max = i.maximum.map(|m| if i.exclusive_maximum { m - 1 } else { m });
                (min, max)
            }
            _ => (None, None),
        };
        Ok(QueryParam {
            name: fields.claim(names::safe_snake(&data.name)),
            wire: data.name.clone(),
            doc: match (data.description.clone(), fallback_note) {
                (Some(d), Some(note)) => Some(format!("{d}\n\n{note}")),
                (None, Some(note)) => Some(note.to_owned()),
                (d, None) => d,
            },
            ty,
            encoding,
            location: ParamLocation::Query,
            required: data.required,
            bounds,
            allow_reserved: false,
        })
    }

    /// Whether a type renders as one query value.
    fn is_scalar(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(n) => match self.cx.types.get(n) {
                Some(TypeDef::Enum(_) | TypeDef::Newtype(_)) => true,
                Some(TypeDef::Alias(a)) => self.is_scalar(&a.target),
                _ => false,
            },
            TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::Json | TypeRef::JsonObject | TypeRef::Boxed(_) => {
                false
            }
            _ => true,
        }
    }

    fn schema_of(&self, schema: &ReferenceOr<Schema>, pointer: &str) -> Result<Schema, Error> {
        match schema {
            ReferenceOr::Item(s) => Ok(s.clone()),
            ReferenceOr::Reference { reference } => Ok(self.cx.resolve_schema(reference, pointer)?.1),
        }
    }

    fn body(&mut self, body: &ReferenceOr<RequestBody>) -> Result<Body, Error> {
        let pointer = ptr(self.op_ptr, &["requestBody"]);
        let body = resolve_component(
            self.cx.api,
            &self.cx.api.components.request_bodies,
            "requestBodies",
            body,
            &pointer,
        )?;
        // Prefer JSON, then forms, then anything else, in that order.
        let pick = json_content(&body.content)
            .or_else(|| media(&body.content, "application/x-www-form-urlencoded"))
            .or_else(|| media(&body.content, "multipart/form-data"))
            .or_else(|| body.content.iter().next());
        let Some((media_type, content)) = pick else {
            return Err(Error::invalid(
                ptr(&pointer, &["content"]),
                "a request body needs at least one media type",
            ));
        };
        let essence = essence(media_type);
        let schema_ptr = ptr(&pointer, &["content", media_type, "schema"]);
        let context = format!("{}Body", self.type_prefix());
        let any = || {
            ReferenceOr::Item(Schema {
                schema_data: Default::default(),
                schema_kind: SchemaKind::Any(Default::default()),
            })
        };
        let schema = content.schema.clone().unwrap_or_else(any);
        let (ty, kind) = if is_json(&essence) {
            (type_of(self.cx, &schema, &context, &schema_ptr)?, BodyKind::Json)
        } else if essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data" {
            let ty = type_of(self.cx, &schema, &context, &schema_ptr)?;
            let fields = match &ty {
                TypeRef::Named(n) => self.struct_of(n).map(|d| d.fields.clone()),
                _ => None,
            };
            let Some(fields) = fields else {
                return Err(Error::unsupported(
                    &schema_ptr,
                    format!("a {essence} body must be an object schema"),
                ));
            };
            if essence == "multipart/form-data" {
                let parts = fields
                    .iter()
                    .map(|f| MultipartField {
                        field: f.name.clone(),
                        wire: f.wire.clone(),
                        optional: f.optional(),
                        part: match &f.ty {
                            TypeRef::Bytes => PartKind::File,
                            t if self.is_scalar(t) => PartKind::Text,
                            _ => PartKind::Json,
                        },
                    })
                    .collect();
                (ty, BodyKind::Multipart(parts))
            } else {
                (ty, BodyKind::Form)
            }
        } else if essence.starts_with("text/") {
            (TypeRef::String, BodyKind::Text)
        } else {
            (TypeRef::Bytes, BodyKind::Bytes)
        };
        Ok(Body { ty, kind, media_type: essence })
    }

    /// The decoded type of the first 2xx response (by status code).
    fn response(&mut self, responses: &openapiv3::Responses) -> Result<Option<Response>, Error> {
        let mut success: Vec<(String, Option<u16>, &ReferenceOr<OaResponse>)> = responses
            .responses
            .iter()
            .filter_map(|(code, r)| match code {
                StatusCode::Code(c) if (200..300).contains(c) => Some((c.to_string(), Some(*c), r)),
                StatusCode::Range(2) => Some(("2XX".to_owned(), None, r)),
                _ => None,
            })
            .collect();
        success.sort_by(|a, b| a.0.cmp(&b.0));
        let mut bodies = Vec::new();
        // The media type a text or binary response asks for (`Accept`): the first one listed.
        let mut first_media = None;
        for (code, status, response) in &success {
            let pointer = ptr(self.op_ptr, &["responses", code]);
            let response = self.resolve_response(response, &pointer)?;
            if first_media.is_none() {
                first_media = response.content.keys().next().map(|media| essence(media));
            }
            bodies.push((*status, self.success_body(&response, &pointer)?));
        }
        let mut distinct: Vec<&Option<SuccessBody>> = Vec::new();
        for (_, body) in &bodies {
            if !distinct.contains(&body) {
                distinct.push(body);
            }
        }
        match distinct.as_slice() {
            [] | [None] => return Ok(None),
            [Some(only)] => {
                return Ok(Some(match only {
                    SuccessBody::Json(t) => Response::Json(t.clone()),
                    SuccessBody::Text => {
                        Response::Text(first_media.unwrap_or_else(|| "text/plain".to_owned()))
                    }
                    SuccessBody::Bytes => {
                        Response::Bytes(first_media.unwrap_or_else(|| "application/octet-stream".to_owned()))
                    }
                }));
            }
            _ => {}
        }
        // Several statuses with different bodies: an enum with a variant per status.
        let name = self.cx.scope.claim(format!("{}Response", self.type_prefix()));
        let mut variant_names = Scope::default();
        let variants = bodies
            .into_iter()
            .map(|(status, body)| StatusVariant {
                status,
                name: variant_names.claim(status_variant(status)),
                body,
            })
            .collect();
        let def = ResponsesDef { name: name.clone(), operation: self.id.to_owned(), variants };
        self.cx.types.insert(name.clone(), TypeDef::Responses(def));
        Ok(Some(Response::Several(name)))
    }

    fn resolve_response(
        &self,
        response: &ReferenceOr<OaResponse>,
        pointer: &str,
    ) -> Result<OaResponse, Error> {
        resolve_component(self.cx.api, &self.cx.api.components.responses, "responses", response, pointer)
    }

    /// The body of one response: JSON (typed), text, bytes, or none.
    fn success_body(&mut self, response: &OaResponse, pointer: &str) -> Result<Option<SuccessBody>, Error> {
        if response.content.is_empty() {
            return Ok(None);
        }
        if let Some((media, content)) = json_content(&response.content) {
            let Some(schema) = &content.schema else { return Ok(Some(SuccessBody::Json(TypeRef::Json))) };
            let context = format!("{}Response", self.type_prefix());
            let ty = type_of(self.cx, schema, &context, &ptr(pointer, &["content", media, "schema"]))?;
            return Ok(Some(SuccessBody::Json(ty)));
        }
        let Some((media, _)) = response.content.iter().next() else { return Ok(None) };
        Ok(Some(if essence(media).starts_with("text/") { SuccessBody::Text } else { SuccessBody::Bytes }))
    }

    /// Error statuses (4XX, 5XX, `default`) whose JSON body has a schema, for the method docs.
    fn error_bodies(&mut self, responses: &openapiv3::Responses) -> Result<Vec<(String, TypeRef)>, Error> {
        let mut entries: Vec<(String, &ReferenceOr<OaResponse>)> = responses
            .responses
            .iter()
            .filter_map(|(code, r)| match code {
                StatusCode::Code(c) if *c >= 400 => Some((c.to_string(), r)),
                StatusCode::Range(n) if *n >= 4 => Some((format!("{n}XX"), r)),
                _ => None,
            })
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(default) = &responses.default {
            entries.push(("default".to_owned(), default));
        }
        let mut out = Vec::new();
        for (code, response) in entries {
            let pointer = ptr(self.op_ptr, &["responses", &code]);
            let response = self.resolve_response(response, &pointer)?;
            if let Some(SuccessBody::Json(ty)) = self.success_body(&response, &pointer)?
                && ty != TypeRef::Json
            {
                out.push((code, ty));
            }
        }
        Ok(out)
    }

    fn pagination(
        &mut self,
        ext: Option<&serde_json::Value>,
        response: Option<&Response>,
    ) -> Result<Option<PageImpl>, Error> {
        let Some(ext) = ext else { return Ok(None) };
        let pointer = ptr(self.op_ptr, &[X_PAGINATION]);
        let get = |key: &str| {
            ext.get(key).and_then(|v| v.as_str()).ok_or_else(|| {
                Error::invalid(
                    &pointer,
                    format!("{X_PAGINATION} needs `{key}`: a JSON pointer into the response"),
                )
            })
        };
        let (items_ptr, next_ptr) = (get("items")?, get("next-url")?);
        let Some(Response::Json(TypeRef::Named(type_name))) = response else {
            return Err(Error::invalid(
                &pointer,
                format!("{}: a paginated response must be an object schema", self.id),
            ));
        };
        let (items, item_ty) = self.field_chain(type_name, items_ptr, &pointer)?;
        let TypeRef::Vec(item) = item_ty else {
            return Err(Error::invalid(&pointer, format!("`items` {items_ptr:?} must point at an array")));
        };
        let (next_url, next_ty) = self.field_chain(type_name, next_ptr, &pointer)?;
        if next_ty != TypeRef::String {
            return Err(Error::invalid(&pointer, format!("`next-url` {next_ptr:?} must point at a string")));
        }
        let wire = |json_ptr: &str| json_ptr.split('/').skip(1).map(unescape).collect::<Vec<_>>();
        let item_key = self.item_key(&item);
        Ok(Some(PageImpl {
            type_name: type_name.clone(),
            item: *item,
            items,
            next_url,
            items_wire: wire(items_ptr),
            next_wire: wire(next_ptr),
            item_key,
        }))
    }

    /// The Rust field of the item's required `id` member, when it can be shown as text.
    fn item_key(&self, item: &TypeRef) -> Option<String> {
        let TypeRef::Named(name) = item else { return None };
        let field = self.struct_of(name)?.fields.iter().find(|f| f.wire == "id" && !f.optional())?;
        let keyed = match &field.ty {
            TypeRef::String | TypeRef::I32 | TypeRef::I64 => true,
            TypeRef::Named(n) => matches!(self.cx.types.get(n), Some(TypeDef::Newtype(_))),
            _ => false,
        };
        keyed.then(|| field.name.clone())
    }

    /// Follows a JSON pointer through struct fields: `(rust field, optional)` per step, and the final type.
    fn field_chain(
        &self,
        start: &str,
        json_ptr: &str,
        pointer: &str,
    ) -> Result<(Vec<(String, u8)>, TypeRef), Error> {
        let mut chain = Vec::new();
        let mut current = TypeRef::Named(start.to_owned());
        for token in json_ptr.split('/').skip(1) {
            let token = unescape(token);
            let def = match &current {
                TypeRef::Named(n) => self.struct_of(n),
                _ => None,
            };
            let Some(def) = def else {
                return Err(Error::invalid(
                    pointer,
                    format!("{json_ptr:?}: {token:?} is not inside an object"),
                ));
            };
            let Some(field) = def.fields.iter().find(|f| f.wire == token) else {
                return Err(Error::invalid(
                    pointer,
                    format!("{json_ptr:?}: {} has no property {token:?}", def.name),
                ));
            };
            let depth = if field.double_option() { 2 } else { u8::from(field.optional()) };
            chain.push((field.name.clone(), depth));
            current = field.ty.clone();
        }
        if chain.is_empty() {
            return Err(Error::invalid(pointer, format!("{json_ptr:?} must point inside the response")));
        }
        Ok((chain, current))
    }

    fn struct_of(&self, name: &str) -> Option<&crate::ir::StructDef> {
        match self.cx.types.get(name)? {
            TypeDef::Struct(def) => Some(def),
            TypeDef::Alias(a) => match &a.target {
                TypeRef::Named(n) => self.struct_of(n),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Resolves a component `$ref` (`#/components/<kind>/<name>`), following chains of
/// references and reading the component it ends at, or returns the item itself.
fn resolve_component<T: Clone + serde::de::DeserializeOwned>(
    doc: &Document,
    components: &indexmap::IndexMap<String, Part>,
    kind: &str,
    item: &ReferenceOr<T>,
    pointer: &str,
) -> Result<T, Error> {
    let prefix = format!("#/components/{kind}/");
    let mut current = match item {
        ReferenceOr::Item(value) => return Ok(value.clone()),
        ReferenceOr::Reference { reference } => reference.clone(),
    };
    for _ in 0..32 {
        let unresolved = || Error::UnresolvedRef { pointer: pointer.to_owned(), reference: current.clone() };
        let key = unescape(current.strip_prefix(&prefix).ok_or_else(unresolved)?);
        let part = components.get(&key).ok_or_else(unresolved)?;
        match doc.read_component::<T>(*part, &ptr(&format!("/components/{kind}"), &[&key]))? {
            ReferenceOr::Item(value) => return Ok(value),
            ReferenceOr::Reference { reference } => current = reference,
        }
    }
    Err(Error::invalid(pointer, "$ref chain never ends"))
}

/// The variant name for a success status: `Ok` for 200, `Created` for 201, and so on.
fn status_variant(status: Option<u16>) -> String {
    match status {
        Some(200) => "Ok".to_owned(),
        Some(201) => "Created".to_owned(),
        Some(202) => "Accepted".to_owned(),
        Some(203) => "NonAuthoritative".to_owned(),
        Some(204) => "NoContent".to_owned(),
        Some(205) => "ResetContent".to_owned(),
        Some(206) => "PartialContent".to_owned(),
        Some(code) => format!("Status{code}"),
        None => "Success".to_owned(),
    }
}

fn location(param: &Parameter) -> &'static str {
    match param {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

fn param_schema(format: &ParameterSchemaOrContent, pointer: &str) -> Result<ReferenceOr<Schema>, Error> {
    match format {
        ParameterSchemaOrContent::Schema(s) => Ok(s.clone()),
        ParameterSchemaOrContent::Content(_) => {
            Err(Error::unsupported(ptr(pointer, &["content"]), "parameters described by `content`"))
        }
    }
}

fn json_content(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType)> {
    content.iter().find(|(media, _)| is_json(&essence(media)))
}

fn media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    wanted: &str,
) -> Option<(&'m String, &'m MediaType)> {
    content.iter().find(|(media, _)| essence(media) == wanted)
}

/// The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`.
fn essence(media: &str) -> String {
    media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}
