//! `operations.rs`: one method per operation on the runtime's `Client` (returning a
//! `runtime::Call`), plus `Page` impls for paginated responses (`pages.rs`) and the
//! methods' docs (`operation_docs.rs`). Each method only builds a `runtime::Request`;
//! sending, retrying, decoding and error mapping are the runtime's job.

use super::operation_docs::method_doc;
use super::pages::emit_page;
use super::types::{collect_names, ident, is_copy_scalar, ty, use_models};
use super::{Chunk, EmittedFile};
use crate::gates::{Gates, gate_fns, gate_items};
use crate::ir::{
    Api, AuthScheme, BodyKind, Field, Operation, PageImpl, ParamLocation, PartKind, PathSegment, PathShape,
    PathStyle, Response, SuccessBody, TypeDef, TypeRef,
};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// Operations per chunk rendered at once (see `EmittedFile::chunks`): each chunk of methods
/// is its own `impl Client` block, so a document with at most this many operations has one.
const CHUNK: usize = 100;

pub fn emit<'a>(api: &'a Api, gates: &'a Gates, crate_name: String) -> EmittedFile<'a> {
    let mut used = BTreeSet::new();
    let mut queries = BTreeSet::new();
    for op in &api.operations {
        for p in &op.path_params {
            collect_names(&p.ty, &mut used);
        }
        if let Some(body) = &op.body {
            collect_names(&body.ty, &mut used);
        }
        match &op.response {
            Some(Response::Json(r)) => {
                collect_names(r, &mut used);
                if let Some((_, field)) = envelope(api, op) {
                    collect_names(&field.ty, &mut used);
                }
            }
            Some(Response::Several { type_name }) => {
                used.insert(type_name.clone());
            }
            _ => {}
        }
        if let Some(q) = &op.query {
            queries.insert(q.name.clone());
        }
    }
    for page in api.pages.values() {
        used.insert(page.type_name.clone());
        collect_names(&page.item, &mut used);
    }
    let uses = use_models(&used, gates.active());
    let query_uses = (!queries.is_empty()).then(|| {
        let q = queries.iter().map(|n| ident(n));
        if gates.active() {
            quote!(
                use super::queries::*;
            )
        } else {
            quote!(use super::queries::{#(#q),*};)
        }
    });
    // With some areas' features off, an import may go unused.
    let gated = gates.active().then(|| quote!(#![allow(unused_imports)]));
    let needs_query_value = api
        .operations
        .iter()
        .any(|op| op.path_params.iter().any(|p| matches!(p.shape, PathShape::Scalar | PathShape::Array)));
    let query_value = needs_query_value.then(|| {
        quote!(
            use runtime::QueryValue as _;
        )
    });
    // Without operations, the file is an empty `impl Client` and needs nothing else.
    let runtime_use = if api.operations.is_empty() {
        quote!(
            use crate::runtime::Client;
        )
    } else if api.operations.iter().any(Operation::request_is_fallible) {
        quote!(
            use crate::runtime::{self, Client, Error};
        )
    } else {
        quote!(
            use crate::runtime::{self, Client};
        )
    };
    let head = quote! {
        //! The API's operations, as methods on [`Client`](crate::Client).
        #gated

        #runtime_use
        #query_value
        #uses
        #query_uses
    };

    // The methods (an `impl Client` block per chunk, and an empty one when there are no
    // operations), then the request builders, then the `Page` impls.
    let mut chunks: Vec<Chunk<'_>> = Vec::new();
    if api.operations.is_empty() {
        chunks.push(Box::new(|| quote!(impl Client {})));
    }
    for ops in api.operations.chunks(CHUNK) {
        let crate_name = crate_name.clone();
        chunks.push(Box::new(move || {
            let methods = ops.iter().map(|op| gate_fns(emit_method(api, op, &crate_name), &gates.op_cfg(op)));
            quote! {
                impl Client {
                    #(#methods)*
                }
            }
        }));
    }
    for ops in api.operations.chunks(CHUNK) {
        chunks.push(Box::new(move || {
            let builders = ops.iter().map(|op| gate_items(emit_request_fn(op), &gates.op_cfg(op)));
            quote!(#(#builders)*)
        }));
    }
    let pages: Vec<&PageImpl> = api.pages.values().collect();
    for pages in pages.chunks(CHUNK) {
        let pages = pages.to_vec();
        chunks.push(Box::new(move || {
            let pages =
                pages.iter().map(|page| gate_items(emit_page(page), &gates.type_cfg(&page.type_name)));
            quote!(#(#pages)*)
        }));
    }
    EmittedFile { path: "operations.rs".into(), tokens: head, chunks }
}

/// How an operation's call takes its query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum QueryArg {
    /// No query parameters, or the query is left out (the short method of an optional query).
    Absent,
    /// The query is an argument.
    Given,
}

/// `(arguments with types, argument names)` of an operation, in signature order.
fn args(op: &Operation, query: QueryArg) -> (Vec<TokenStream>, Vec<TokenStream>) {
    let mut decl = Vec::new();
    let mut names = Vec::new();
    for p in &op.path_params {
        let name = ident(&p.name);
        let t = match &p.ty {
            t if p.shape == PathShape::Array => {
                let t = ty(t);
                quote!(&[#t])
            }
            TypeRef::String => quote!(&str),
            t if is_copy_scalar(t) => ty(t),
            t => {
                let t = ty(t);
                quote!(&#t)
            }
        };
        decl.push(quote!(#name: #t));
        names.push(quote!(#name));
    }
    if let (Some(q), QueryArg::Given) = (&op.query, query) {
        let qt = ident(&q.name);
        decl.push(quote!(query: &#qt));
        names.push(quote!(query));
    }
    if let Some(body) = &op.body {
        let bt = match body.kind {
            BodyKind::Text => quote!(str),
            BodyKind::Bytes => quote!([u8]),
            BodyKind::MultipartParts => quote!(runtime::Multipart),
            BodyKind::Json | BodyKind::Form | BodyKind::Multipart(_) => ty(&body.ty),
        };
        decl.push(quote!(body: &#bt));
        names.push(quote!(body));
    }
    (decl, names)
}

fn request_fn_name(op: &Operation) -> proc_macro2::Ident {
    ident(&format!("{}_request", op.method))
}

/// The match arms decoding each success status of a `Several` response; unlisted 2xx
/// statuses decode as the `2XX` variant, or else as the first. (`ir::validate` has checked
/// that the enum exists, so the fallback arm is never emitted.)
fn several_arms(api: &Api, name: &str) -> TokenStream {
    let Some(TypeDef::Responses(def)) = api.types.get(name) else {
        return quote!(_ => compile_error!("generator bug: no responses enum"));
    };
    let enum_name = ident(name);
    let decode = |v: &crate::ir::StatusVariant| {
        let variant = ident(&v.name);
        match &v.body {
            Some(SuccessBody::Json(_)) => quote!(response.json().map(#enum_name::#variant)),
            Some(SuccessBody::Text) => quote!(response.text().map(#enum_name::#variant)),
            Some(SuccessBody::Bytes) => quote!(Ok(#enum_name::#variant(response.into_bytes()))),
            None => quote!(Ok(#enum_name::#variant)),
        }
    };
    let arms = def.variants.iter().filter_map(|v| {
        let status = proc_macro2::Literal::u16_unsuffixed(v.status?);
        let body = decode(v);
        Some(quote!(#status => #body,))
    });
    let fallback = def.variants.iter().find(|v| v.status.is_none()).or(def.variants.first()).map(decode);
    quote! { #(#arms)* _ => #fallback, }
}

/// The envelope a JSON response is unwrapped from: a struct (not a page) whose only
/// property is one required object. Returns the envelope's name and that field.
pub(super) fn envelope<'a>(api: &'a Api, op: &Operation) -> Option<(&'a str, &'a Field)> {
    let Some(Response::Json(TypeRef::Named(name))) = &op.response else { return None };
    let Some(TypeDef::Struct(def)) = api.types.get(name) else { return None };
    if api.pages.contains_key(name) || def.additional.is_some() {
        return None;
    }
    let [field] = def.fields.as_slice() else { return None };
    let TypeRef::Named(inner) = &field.ty else { return None };
    let object = matches!(api.types.get(inner), Some(TypeDef::Struct(_)));
    (object && !field.optional()).then_some((def.name.as_str(), field))
}

/// The call's result type and the function turning its 2xx response into it.
fn result_and_finish(api: &Api, op: &Operation) -> (TokenStream, TokenStream) {
    match &op.response {
        Some(Response::Json(t)) => match envelope(api, op) {
            Some((name, field)) => {
                let (envelope, member, inner) = (ident(name), ident(&field.name), ty(&field.ty));
                (inner, quote!(|response| response.json::<#envelope>().map(|envelope| envelope.#member)))
            }
            None => (ty(t), quote!(|response| response.json())),
        },
        Some(Response::Text { .. }) => (quote!(String), quote!(|response| response.text())),
        Some(Response::Bytes { .. }) => (quote!(bytes::Bytes), quote!(|response| Ok(response.into_bytes()))),
        Some(Response::Several { type_name }) => {
            let enum_name = ident(type_name);
            let arms = several_arms(api, type_name);
            (quote!(#enum_name), quote!(|response| match response.status().as_u16() { #arms }))
        }
        None => (quote!(()), quote!(|response| response.empty())),
    }
}
fn emit_method(api: &Api, op: &Operation, crate_name: &str) -> TokenStream {
    let method = ident(&op.method);
    let build = request_fn_name(op);
    let (ret, finish) = result_and_finish(api, op);
    let deprecated =
        op.deprecated.then(|| quote!(#[deprecated = "the API description marks this operation deprecated"]));
    let spec_doc = op.doc.as_deref().filter(|d| !d.trim().is_empty()).map(|d| {
        let d = crate::docs::outer(d);
        quote!(#d #[doc = ""])
    });
    let call = |names: &[TokenStream]| {
        let request = if op.request_is_fallible() {
            quote!(#build(#(#names),*))
        } else {
            quote!(Ok(#build(#(#names),*)))
        };
        quote!(runtime::Call::new(self, #request, #finish))
    };
    let main = match (&op.with_method, &op.query) {
        (Some(with_method), Some(q)) => {
            // The short method sends the empty query; `_with` takes one.
            let with = ident(with_method);
            let (decl, _) = args(op, QueryArg::Absent);
            let (with_decl, with_names) = args(op, QueryArg::Given);
            let qt = ident(&q.name);
            let short_names: Vec<TokenStream> = with_names
                .iter()
                .map(|n| if n.to_string() == "query" { quote!(&#qt::new()) } else { n.clone() })
                .collect();
            let doc = method_doc(api, op, crate_name, Some((with_method, &q.name)));
            let with_doc = crate::docs::own(&format!(
                "[`Self::{}`] with query parameters: `{} {}` (operation `{}`).\n\n\
                 # Errors\n\nAs [`Self::{}`].",
                op.method,
                op.http_method.as_str(),
                op.path.raw,
                op.id,
                op.method
            ));
            let with_call = call(&with_names);
            // The short method calls `_with`, deprecated along with it.
            let calls_deprecated = op.deprecated.then(|| quote!(#[allow(deprecated)]));
            quote! {
                #spec_doc
                #doc
                #deprecated
                #calls_deprecated
                pub fn #method(&self, #(#decl),*) -> runtime::Call<#ret> {
                    self.#with(#(#short_names),*)
                }

                #with_doc
                #deprecated
                pub fn #with(&self, #(#with_decl),*) -> runtime::Call<#ret> {
                    #with_call
                }
            }
        }
        _ => {
            let (decl, names) = args(op, QueryArg::Given);
            let doc = method_doc(api, op, crate_name, None);
            let call = call(&names);
            quote! {
                #spec_doc
                #doc
                #deprecated
                pub fn #method(&self, #(#decl),*) -> runtime::Call<#ret> {
                    #call
                }
            }
        }
    };
    let pages =
        op.pages_method.as_ref().map(|pages_method| emit_pages(op, pages_method, deprecated.as_ref()));
    quote! { #main #pages }
}

/// The `_pages` method of a paginated operation, and its `_resume` method.
fn emit_pages(op: &Operation, pages_method: &str, deprecated: Option<&TokenStream>) -> TokenStream {
    let build = request_fn_name(op);
    let (decl, names) = args(op, QueryArg::Given);
    let pages_ident = ident(pages_method);
    let resp = match &op.response {
        Some(Response::Json(t)) => ty(t),
        _ => quote!(()),
    };
    let doc = crate::docs::own(&format!(
        "Every page of [`Self::{}`], following each page's next-page link until the last.\n\n\
         The returned [`runtime::Paginator`] streams pages or items, can be limited, and \
         hands out a cursor after each page so that an interrupted export can resume{}.",
        op.method,
        op.resume_method.as_ref().map(|m| format!(" with [`Self::{m}`]")).unwrap_or_default()
    ));
    let single_sort = op.query.as_ref().and_then(|q| q.single_sort.as_ref()).map(|field| {
        let field_ident = ident(field);
        let msg = format!(
            "{} returns no next-page links when sorting by more than one field; \
             sort by one field to page through the results",
            op.id
        );
        quote! {
            if query.#field_ident.len() > 1 {
                return runtime::Paginator::failed(runtime::Error::invalid_request(#msg));
            }
        }
    });
    let body = if op.request_is_fallible() {
        quote! {
            match #build(#(#names),*) {
                Ok(request) => self.paginate(request),
                Err(error) => runtime::Paginator::failed(error),
            }
        }
    } else {
        quote!(self.paginate(#build(#(#names),*)))
    };
    let resume = op.resume_method.as_ref().map(|resume_method| {
        let resume_ident = ident(resume_method);
        let doc = crate::docs::own(&format!(
            "Goes on with [`Self::{pages_method}`] from a cursor saved from one of its pages \
             ([`PageOf::next_cursor`](runtime::PageOf::next_cursor), \
             [`Pages::cursor`](runtime::Pages::cursor)) or item streams \
             ([`Items::cursor`](runtime::Items::cursor)), e.g. after a restart.\n\n\
             Pages are fetched as operation `{id}`, with its security requirement; header \
             parameters of the first request are not kept (the cursor holds the query). \
             The first page of a stream resumed mid-page starts after the items already \
             delivered: read it with [`PageOf::into_items`](runtime::PageOf::into_items), or \
             skip [`PageOf::skipped`](runtime::PageOf::skipped) items.",
            id = op.id,
        ));
        let id = op.id.as_str();
        let like =
            request_traits(op, quote!(runtime::Request::new(reqwest::Method::GET, #id, String::new())));
        quote! {
            #doc
            #deprecated
            pub fn #resume_ident(&self, cursor: runtime::Cursor) -> runtime::Paginator<#resp> {
                self.resume_like(#like, cursor)
            }
        }
    });
    quote! {
        #doc
        #deprecated
        pub fn #pages_ident(&self, #(#decl),*) -> runtime::Paginator<#resp> {
            #single_sort
            #body
        }
        #resume
    }
}

/// `request` with the operation's path template, security requirement and accepted
/// media type.
fn request_traits(op: &Operation, mut request: TokenStream) -> TokenStream {
    let template = op.path.raw.as_str();
    request = quote!(#request.path_template(#template));
    if let Some(alternatives) = &op.security {
        let alts = alternatives.iter().map(|set| {
            let schemes = set.iter().map(scheme_tokens);
            quote!(&[#(#schemes),*])
        });
        request = quote!(#request.security(&[#(#alts),*]));
    }
    if let Some(Response::Text { accept } | Response::Bytes { accept }) = &op.response {
        let media = accept.as_str();
        request = quote!(#request.accept(#media));
    }
    request
}

fn emit_request_fn(op: &Operation) -> TokenStream {
    let build = request_fn_name(op);
    let (decl, _) = args(op, QueryArg::Given);
    let http = ident(op.http_method.as_str());
    let id = &op.id;
    let (mut setup, path) = path_expr(op);
    if op.query.as_ref().is_some_and(|q| q.has_rules()) {
        setup.push(quote!(query.validate()?;));
    }
    let mut request = quote!(runtime::Request::new(reqwest::Method::#http, #id, #path));
    if let Some(q) = &op.query
        && q.params.iter().any(|p| p.location == ParamLocation::Query)
    {
        request = quote!(#request.query(query.to_query()));
    }
    request = request_traits(op, request);
    if op.query.as_ref().is_some_and(|q| q.params.iter().any(|p| p.location != ParamLocation::Query)) {
        request = quote!(query.apply_headers(#request));
    }
    if let Some(body) = &op.body {
        let media = body.media_type.as_str();
        request = match &body.kind {
            BodyKind::Json => quote!(#request.json_body(body)),
            BodyKind::Form => {
                setup.push(quote! {
                    let mut form = runtime::Query::new();
                    form.push_object("", body, runtime::ObjectStyle::FormExploded);
                });
                quote!(#request.form_body(form))
            }
            BodyKind::Multipart(parts) => {
                setup.push(quote!(let mut form = runtime::Multipart::new();));
                for part in parts {
                    let field = ident(&part.field);
                    let wire = part.wire.as_str();
                    let write = match part.part {
                        PartKind::Text => quote!(form.text(#wire, value);),
                        PartKind::File => {
                            quote!(form.bytes(#wire, Some(#wire), "application/octet-stream", value.clone());)
                        }
                        PartKind::Json => quote!(form.json(#wire, value)?;),
                    };
                    setup.push(if part.optional {
                        quote!(if let Some(value) = &body.#field { #write })
                    } else {
                        quote!({ let value = &body.#field; #write })
                    });
                }
                quote!(#request.multipart_body(form))
            }
            BodyKind::MultipartParts => quote!(#request.multipart_body(body.clone())),
            BodyKind::Text => quote!(#request.raw_body(#media, body.to_owned())),
            BodyKind::Bytes => quote!(#request.raw_body(#media, body.to_vec())),
        };
    }
    let returns_result = op.body.as_ref().is_some_and(|b| b.kind == BodyKind::Json);
    if op.request_is_fallible() {
        let request = if returns_result { request } else { quote!(Ok(#request)) };
        quote! {
            fn #build(#(#decl),*) -> Result<runtime::Request, Error> {
                #(#setup)*
                #request
            }
        }
    } else {
        quote! {
            fn #build(#(#decl),*) -> runtime::Request {
                #(#setup)*
                #request
            }
        }
    }
}

fn scheme_tokens(scheme: &AuthScheme) -> TokenStream {
    match scheme {
        AuthScheme::Basic => quote!(runtime::AuthScheme::Basic),
        AuthScheme::Bearer => quote!(runtime::AuthScheme::Bearer),
        AuthScheme::ApiKey(location, name) => {
            let location = match location {
                ParamLocation::Query => quote!(runtime::ApiKeyLocation::Query),
                ParamLocation::Header => quote!(runtime::ApiKeyLocation::Header),
                ParamLocation::Cookie => quote!(runtime::ApiKeyLocation::Cookie),
            };
            quote!(runtime::AuthScheme::ApiKey { location: #location, name: #name })
        }
    }
}

/// The request path with every `{param}` replaced by its percent-encoded value, and the
/// statements that check and encode those values first.
fn path_expr(op: &Operation) -> (Vec<TokenStream>, TokenStream) {
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    if op.path_params.is_empty() {
        let path = &op.path.raw;
        return (Vec::new(), quote!(#path.to_owned()));
    }
    let mut setup = Vec::new();
    let mut template = String::new();
    // A parameter the template names twice is encoded once.
    let mut encoded = std::collections::BTreeSet::new();
    for piece in &op.path.segments {
        let wire = match piece {
            PathSegment::Literal(text) => {
                template.push_str(&escape(text));
                continue;
            }
            PathSegment::Param(wire) => wire,
        };
        let Some(p) = op.path_params.iter().find(|p| &p.wire == wire) else { continue };
        let name = ident(&p.name);
        let segment = ident(&format!("{}_segment", p.name));
        let (id, wire) = (op.id.as_str(), p.wire.as_str());
        let (prefix, sep) = match (p.style, p.explode) {
            (PathStyle::Simple, _) => (String::new(), ",".to_owned()),
            (PathStyle::Label, false) => (".".to_owned(), ",".to_owned()),
            (PathStyle::Label, true) => (".".to_owned(), ".".to_owned()),
            (PathStyle::Matrix, false) => (format!(";{wire}="), ",".to_owned()),
            // An exploded object names its own members: `;a=1;b=2`.
            (PathStyle::Matrix, true) if p.shape == PathShape::Object => (";".to_owned(), ";".to_owned()),
            (PathStyle::Matrix, true) => (format!(";{wire}="), format!(";{wire}=")),
        };
        let value = match p.shape {
            PathShape::Array => quote! {
                #name
                    .iter()
                    .map(|value| runtime::path_param(#id, #wire, &value.to_query_value()))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(#sep)
            },
            PathShape::Scalar => quote!(runtime::path_param(#id, #wire, &#name.to_query_value())?),
            PathShape::Json => {
                // Copy scalars are taken by value, everything else by reference.
                let arg = if is_copy_scalar(&p.ty) { quote!(&#name) } else { quote!(#name) };
                quote!(runtime::path_param(#id, #wire, &serde_json::to_string(#arg).unwrap_or_default())?)
            }
            PathShape::Object => object_segment(&name, p.explode, &sep),
        };
        if encoded.insert(p.name.as_str()) {
            setup.push(quote!(let #segment = #value;));
        }
        // Named in the format string: `{id_segment}`, after the style's prefix.
        template.push_str(&escape(&prefix));
        template.push_str(&format!("{{{segment}}}"));
    }
    (setup, quote!(format!(#template)))
}

/// An object-valued path parameter's members, flattened by the runtime's query encoder
/// (which leaves the sub-delimiters `,;=` as they are and encodes `/`): `key,value,…`, or
/// exploded `key=value` joined by the style's separator. A value that is not an object
/// (an untyped parameter given a scalar) is written as it is.
fn object_segment(name: &proc_macro2::Ident, explode: bool, sep: &str) -> TokenStream {
    let (style, pair) = if explode {
        (quote!(runtime::ObjectStyle::FormExploded), "=")
    } else {
        (quote!(runtime::ObjectStyle::Form), ",")
    };
    let sep = if explode { sep } else { "," };
    let member = format!("{{key}}{pair}{{value}}");
    quote! {{
        let mut flat = runtime::Query::new();
        flat.push_object("", #name, #style);
        flat.pairs()
            .map(|(key, value)| if key.is_empty() { value.to_owned() } else { format!(#member) })
            .collect::<Vec<_>>()
            .join(#sep)
    }}
}
