//! The docs of a generated operation method: what it sends and returns, a `no_run`
//! example built from its parameters, and its errors.

use super::operations::envelope;
use super::types::ty;
use crate::ir::{Api, BodyKind, Operation, PathShape, TypeDef, TypeRef};
use proc_macro2::TokenStream;

/// The docs of an operation's method (after the document's own text): what it sends and
/// returns, an example, and its errors. `with` names the `_with` method and the query type
/// when the method sends the empty query.
pub(super) fn method_doc(
    api: &Api,
    op: &Operation,
    crate_name: &str,
    with: Option<(&String, &String)>,
) -> TokenStream {
    let mut text = format!("`{} {}` (operation `{}`).", op.http_method.as_str(), op.path.raw, op.id);
    if let Some((name, field)) = envelope(api, op) {
        text.push_str(&format!(
            " Returns the `{}` of the [`{name}`](crate::models::{name}) the API answers with.",
            field.wire
        ));
    }
    if let Some((with_method, query)) = with {
        text.push_str(&format!(
            " Sends no query parameters: [`Self::{with_method}`] takes a \
             [`{query}`](crate::queries::{query})."
        ));
    }
    text.push_str(
        "\n\nAwait the returned [`Call`](runtime::Call) to send it; set a deadline, an attempt \
         timeout or a retry policy for this call on it first.",
    );
    if !crate_name.is_empty() {
        text.push_str("\n\n# Example\n\n");
        text.push_str(&example(api, op, crate_name));
    }
    text.push_str(
        "\n\n# Errors\n\n\
         Fails with [`Error`](runtime::Error) when the request cannot be sent, the API \
         answers with an error status (after the client's retries), the call's deadline \
         passes, or the response does not decode. The error names the operation, method \
         and path ([`Error::context`](runtime::Error::context)).",
    );
    if !op.error_bodies.is_empty() {
        let lines: Vec<String> = op
            .error_bodies
            .iter()
            .map(|(status, t)| {
                let t = match t {
                    TypeRef::Named(n) => format!("[`{n}`](crate::models::{n})"),
                    other => format!("`{}`", ty(other)),
                };
                format!("- `{status}`: {t}")
            })
            .collect();
        text.push_str(&format!(
            "\n\n# Error bodies\n\nThe document gives these error statuses a body; read it with \
             `error.body().and_then(|body| body.decode::<T>())`:\n\n{}",
            lines.join("\n")
        ));
    }
    crate::docs::own(&text)
}

/// A `no_run` example of the operation's short call, built from its parameters: ids from
/// `From<&str>`, numbers and flags as literals; anything else (a required query, a body,
/// other path values) from a hidden `todo!()` line, so the example always compiles.
fn example(api: &Api, op: &Operation, krate: &str) -> String {
    let mut hidden = Vec::new();
    let mut uses = Vec::new();
    let mut call_args = Vec::new();
    for p in &op.path_params {
        let value = match (&p.ty, p.shape) {
            (TypeRef::String, PathShape::Scalar) => Some("\"1\"".to_owned()),
            (TypeRef::I32 | TypeRef::I64, PathShape::Scalar) => Some("1".to_owned()),
            (TypeRef::Bool, PathShape::Scalar) => Some("true".to_owned()),
            (TypeRef::Named(n), PathShape::Scalar)
                if matches!(api.types.get(n), Some(TypeDef::Newtype(_))) =>
            {
                uses.push(format!("use {krate}::models::{n};"));
                Some(format!("&{n}::from(\"1\")"))
            }
            _ => None,
        };
        call_args.push(value.unwrap_or_else(|| {
            hidden.push(format!("# let {} = todo!();", p.name));
            p.name.clone()
        }));
    }
    if let (Some(q), None) = (&op.query, &op.with_method) {
        hidden.push(format!("# let query: {krate}::queries::{} = todo!();", q.name));
        call_args.push("&query".to_owned());
    }
    match op.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Text) => call_args.push("\"text\"".to_owned()),
        Some(BodyKind::Bytes) => call_args.push("b\"bytes\"".to_owned()),
        Some(_) => {
            hidden.push("# let body = todo!();".to_owned());
            call_args.push("&body".to_owned());
        }
        None => {}
    }
    uses.sort();
    uses.dedup();
    let call = format!("client.{}({}).await?", op.method, call_args.join(", "));
    let line = match (&op.response, envelope(api, op)) {
        (None, _) => format!("{call};"),
        (_, Some((_, field))) => format!("let {} = {call};\n# let _ = {};", field.name, field.name),
        _ => format!("let response = {call};\n# let _ = response;"),
    };
    let mut lines = vec!["```no_run".to_owned()];
    lines.push(format!("# async fn example(client: {krate}::Client) -> Result<(), {krate}::Error> {{"));
    lines.extend(uses);
    lines.extend(hidden);
    lines.push(line);
    lines.push("# Ok(())".to_owned());
    lines.push("# }".to_owned());
    lines.push("```".to_owned());
    lines.join("\n")
}
