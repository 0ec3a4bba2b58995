//! Parameters: path-item and operation parameters merged, split into path arguments and
//! the query/header/cookie struct, each with its type and how it is sent.

use super::super::schema::type_of;
use super::bodies::{essence, is_json};
use super::{
    OpLowering, Resolved, X_BOOLEAN_AS_INTEGER, X_PAGINATION, X_REQUIRE_ONE_OF, X_SORT_FIELDS,
    resolve_component,
};
use crate::error::{Error, ptr};
use crate::ir::{
    Bounds, ObjectStyle, ParamLocation, PathParam, PathShape, PathStyle, PathTemplate, QueryEncoding,
    QueryParam, QueryType, TypeDef, TypeRef,
};
use crate::names::{self, Scope};
use openapiv3::{Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, Schema, SchemaKind, Type};

impl OpLowering<'_, '_> {
    /// Path-item parameters overridden by operation parameters of the same name and location.
    pub(super) fn parameters(
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

    pub(super) fn resolve_parameter(
        &self,
        p: &ReferenceOr<Parameter>,
        pointer: &str,
    ) -> Result<Parameter, Error> {
        resolve_component(self.cx.api, &self.cx.api.components.parameters, "parameters", p, pointer)
    }

    pub(super) fn split_params(
        &mut self,
        path: &PathTemplate,
        params: Vec<Resolved>,
    ) -> Result<(Vec<PathParam>, Option<QueryType>), Error> {
        let mut path_params = Vec::new();
        let mut query_params = Vec::new();
        let mut args = Scope::with_reserved(&["self", "query", "body"]);
        let mut fields = Scope::with_reserved(&["new", "to_query", "validate", "apply_headers"]);
        for Resolved { param, pointer } in params {
            match &param {
                Parameter::Path { parameter_data, style } => {
                    let (schema, json) = param_schema(&parameter_data.format);
                    let context = format!("{}{}", self.type_prefix(), names::type_name(&parameter_data.name));
                    let ty =
                        type_of(self.cx, &schema, &context, &schema_ptr(&parameter_data.format, &pointer))?;
                    let (ty, shape) = match ty {
                        ty if json => (ty, PathShape::Json),
                        TypeRef::Vec(item) if self.param_scalar(&item) => (*item, PathShape::Array),
                        // Arrays of objects have no path form in OpenAPI: their JSON text.
                        ty @ TypeRef::Vec(_) => (ty, PathShape::Json),
                        ty if self.param_scalar(&ty) => (ty, PathShape::Scalar),
                        ty => (ty, PathShape::Object),
                    };
                    let style = match style {
                        openapiv3::PathStyle::Simple => PathStyle::Simple,
                        openapiv3::PathStyle::Label => PathStyle::Label,
                        openapiv3::PathStyle::Matrix => PathStyle::Matrix,
                    };
                    path_params.push(PathParam {
                        name: args.claim(names::safe_snake(&parameter_data.name)),
                        wire: parameter_data.name.clone(),
                        ty,
                        shape,
                        style,
                        explode: parameter_data.explode.unwrap_or(false),
                    });
                }
                Parameter::Query { parameter_data, style, allow_reserved, .. } => {
                    let mut q = self.query_param(parameter_data, style, &pointer, &mut fields)?;
                    // Reserved characters are kept as they are in single values; lists and
                    // objects are encoded as usual.
                    q.allow_reserved = *allow_reserved && q.encoding == QueryEncoding::Single;
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
                    if matches!(q.encoding, QueryEncoding::Object(_)) {
                        // A union of scalars is one value; an object goes as its JSON text.
                        q.encoding = if self.param_scalar(&q.ty) {
                            QueryEncoding::Single
                        } else {
                            QueryEncoding::Json
                        };
                    }
                    if matches!(q.encoding, QueryEncoding::Sort(_)) {
                        return Err(Error::unsupported(
                            &pointer,
                            format!(
                                "{X_SORT_FIELDS} on {} parameter {:?}",
                                location(&param),
                                parameter_data.name
                            ),
                        ));
                    }
                    query_params.push(q);
                }
            }
        }
        // Every `{name}` in the template must be a declared path parameter, and vice versa.
        let template: Vec<&str> = path.params().collect();
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

    /// `x-require-one-of` and the `single-sort` member of `x-pagination`.
    pub(super) fn query_rules(&self, query: &mut QueryType, op: &openapiv3::Operation) -> Result<(), Error> {
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

    pub(super) fn query_param(
        &mut self,
        data: &openapiv3::ParameterData,
        style: &QueryStyle,
        pointer: &str,
        fields: &mut Scope,
    ) -> Result<QueryParam, Error> {
        let (schema, json) = param_schema(&data.format);
        let schema_ptr = schema_ptr(&data.format, pointer);
        let resolved = self.schema_of(&schema, pointer)?;
        let is_array = matches!(resolved.schema_kind, SchemaKind::Type(Type::Array(_)));
        let explode = data.explode.unwrap_or(matches!(style, QueryStyle::Form));
        let context = format!("{}{}", self.type_prefix(), names::type_name(&data.name));

        let mut fallback_note = None;
        let (ty, encoding) = if json {
            (type_of(self.cx, &schema, &context, &schema_ptr)?, QueryEncoding::Json)
        } else if let Some(fields_enum) = data.extensions.get(X_SORT_FIELDS) {
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
                // OpenAPI defines no array form for `deepObject`, nor exploded space- or
                // pipe-delimited arrays: repeated keys, as `form` sends them.
                _ => {
                    fallback_note = Some(
                        "OpenAPI does not define this parameter's style for arrays: each value is sent as its \
                         own `name=value` pair.",
                    );
                    QueryEncoding::Exploded
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
                Bounds { min, max }
            }
            _ => Bounds::default(),
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
    pub(super) fn is_scalar(&self, ty: &TypeRef) -> bool {
        match ty {
            TypeRef::Named(n) => match self.cx.types.get(n) {
                Some(TypeDef::Enum(_) | TypeDef::Newtype(_)) => true,
                Some(TypeDef::Alias(a)) => self.is_scalar(&a.target),
                // Integer enums are sent through their serialisation (one value all the same).
                Some(
                    TypeDef::Struct(_) | TypeDef::Union(_) | TypeDef::IntEnum(_) | TypeDef::Responses(_),
                ) => false,
                None => false,
            },
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::Timestamp
            | TypeRef::DateTime
            | TypeRef::Date
            | TypeRef::Bytes => true,
            TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::Json | TypeRef::JsonObject | TypeRef::Boxed(_) => {
                false
            }
        }
    }

    /// Whether a parameter of this type is one value: a scalar, or a union of scalars (which
    /// then implements `runtime::QueryValue`).
    pub(super) fn param_scalar(&mut self, ty: &TypeRef) -> bool {
        if self.is_scalar(ty) {
            return true;
        }
        let TypeRef::Named(name) = ty else { return false };
        let variants = match self.cx.types.get(name) {
            Some(TypeDef::Union(u)) => u.variants.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
            Some(TypeDef::Alias(a)) => {
                let target = a.target.clone();
                return self.param_scalar(&target);
            }
            _ => return false,
        };
        if !variants.iter().all(|t| self.is_scalar(t)) {
            return false;
        }
        if let Some(TypeDef::Union(u)) = self.cx.types.get_mut(name) {
            u.query_value = true;
        }
        true
    }

    pub(super) fn schema_of(&self, schema: &ReferenceOr<Schema>, pointer: &str) -> Result<Schema, Error> {
        match schema {
            ReferenceOr::Item(s) => Ok(s.clone()),
            ReferenceOr::Reference { reference } => self.cx.resolve_schema(reference, pointer),
        }
    }
}

pub(super) fn location(param: &Parameter) -> &'static str {
    match param {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

/// A parameter's schema, and whether it is described by `content` with a JSON media type
/// (then it is sent as JSON text). Without a schema, any value.
pub(super) fn param_schema(format: &ParameterSchemaOrContent) -> (ReferenceOr<Schema>, bool) {
    match format {
        ParameterSchemaOrContent::Schema(s) => (s.clone(), false),
        ParameterSchemaOrContent::Content(content) => {
            let json = content.keys().next().is_some_and(|media| is_json(&essence(media)));
            let schema = content.values().next().and_then(|m| m.schema.clone()).unwrap_or_else(any_schema);
            (schema, json)
        }
    }
}

/// The pointer of a parameter's schema: `…/schema` or `…/content/<media type>/schema`.
pub(super) fn schema_ptr(format: &ParameterSchemaOrContent, pointer: &str) -> String {
    match format {
        ParameterSchemaOrContent::Schema(_) => ptr(pointer, &["schema"]),
        ParameterSchemaOrContent::Content(content) => match content.keys().next() {
            Some(media) => ptr(pointer, &["content", media, "schema"]),
            None => ptr(pointer, &["content"]),
        },
    }
}

/// A schema that takes any value.
pub(super) fn any_schema() -> ReferenceOr<Schema> {
    ReferenceOr::Item(Schema {
        schema_data: Default::default(),
        schema_kind: SchemaKind::Any(Default::default()),
    })
}
