//! Request bodies and responses: the media type picked, the Rust type, and a `…Response`
//! enum when success statuses differ.

use super::super::schema::type_of;
use super::params::any_schema;
use super::{OpLowering, resolve_component};
use crate::error::{Error, ptr};
use crate::ir::{
    Body, BodyKind, MultipartField, PartKind, Response, ResponsesDef, StatusVariant, SuccessBody, TypeDef,
    TypeRef,
};
use crate::names::Scope;
use openapiv3::{MediaType, ReferenceOr, RequestBody, Response as OaResponse, StatusCode};

impl OpLowering<'_, '_> {
    /// The request body; `None` (with a warning) when it lists no media type at all.
    pub(super) fn body(&mut self, body: &ReferenceOr<RequestBody>) -> Result<Option<Body>, Error> {
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
            let error =
                Error::invalid(ptr(&pointer, &["content"]), "a request body needs at least one media type");
            self.cx.degrade(error, "the operation is generated without a body")?;
            return Ok(None);
        };
        let essence = essence(media_type);
        let schema_ptr = ptr(&pointer, &["content", media_type, "schema"]);
        let context = format!("{}Body", self.type_prefix());
        let schema = content.schema.clone().unwrap_or_else(any_schema);
        let (ty, kind) = if is_json(&essence) {
            (type_of(self.cx, &schema, &context, &schema_ptr)?, BodyKind::Json)
        } else if essence == "application/x-www-form-urlencoded" || essence == "multipart/form-data" {
            let ty = type_of(self.cx, &schema, &context, &schema_ptr)?;
            let fields = match &ty {
                TypeRef::Named(n) => self.struct_of(n).map(|d| d.fields.clone()),
                _ => None,
            };
            match fields {
                // A form of any other value sends its members (a union of objects, a map).
                None if essence == "application/x-www-form-urlencoded" => (ty, BodyKind::Form),
                None => (TypeRef::Json, BodyKind::MultipartParts),
                Some(fields) => self.form_fields(ty, fields, &essence),
            }
        } else if essence.starts_with("text/") {
            (TypeRef::String, BodyKind::Text)
        } else {
            (TypeRef::Bytes, BodyKind::Bytes)
        };
        Ok(Some(Body { ty, kind, media_type: essence }))
    }

    /// A form body from a struct's fields: urlencoded, or one multipart part per field.
    pub(super) fn form_fields(
        &self,
        ty: TypeRef,
        fields: Vec<crate::ir::Field>,
        essence: &str,
    ) -> (TypeRef, BodyKind) {
        if essence != "multipart/form-data" {
            return (ty, BodyKind::Form);
        }
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
    }

    /// The decoded type of the first 2xx response (by status code).
    pub(super) fn response(&mut self, responses: &openapiv3::Responses) -> Result<Option<Response>, Error> {
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
                        Response::Text { accept: first_media.unwrap_or_else(|| "text/plain".to_owned()) }
                    }
                    SuccessBody::Bytes => Response::Bytes {
                        accept: first_media.unwrap_or_else(|| "application/octet-stream".to_owned()),
                    },
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
        Ok(Some(Response::Several { type_name: name }))
    }

    pub(super) fn resolve_response(
        &self,
        response: &ReferenceOr<OaResponse>,
        pointer: &str,
    ) -> Result<OaResponse, Error> {
        resolve_component(self.cx.api, &self.cx.api.components.responses, "responses", response, pointer)
    }

    /// The body of one response: JSON (typed), text, bytes, or none.
    pub(super) fn success_body(
        &mut self,
        response: &OaResponse,
        pointer: &str,
    ) -> Result<Option<SuccessBody>, Error> {
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
    pub(super) fn error_bodies(
        &mut self,
        responses: &openapiv3::Responses,
    ) -> Result<Vec<(String, TypeRef)>, Error> {
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
}

/// The variant name for a success status: `Ok` for 200, `Created` for 201, and so on.
pub(super) fn status_variant(status: Option<u16>) -> String {
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

pub(super) fn json_content(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType)> {
    content.iter().find(|(media, _)| is_json(&essence(media)))
}

pub(super) fn media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    wanted: &str,
) -> Option<(&'m String, &'m MediaType)> {
    content.iter().find(|(media, _)| essence(media) == wanted)
}

/// The media type without parameters, lower-cased: `application/json; charset=utf-8` → `application/json`.
pub(super) fn essence(media: &str) -> String {
    media.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

pub(super) fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}
