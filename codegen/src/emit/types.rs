//! Rust tokens for IR types and names.

use crate::ir::TypeRef;
use crate::names;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;

/// An identifier for a name the IR already made valid; keywords become raw identifiers.
/// `ir::validate` has checked every name of the API; should one still be invalid (a
/// generator bug), it is replaced, never a panic.
pub fn ident(name: &str) -> Ident {
    if !names::is_valid_ident(name) {
        return Ident::new("invalid_name", Span::call_site());
    }
    if names::needs_raw(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// The tokens of a type, as seen from inside a generated module
/// (`runtime` and the model names are imported there).
pub fn ty(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::String => quote!(String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F32 => quote!(f32),
        TypeRef::F64 => quote!(f64),
        TypeRef::Timestamp => quote!(runtime::Timestamp),
        TypeRef::DateTime => quote!(runtime::DateTime),
        TypeRef::Date => quote!(runtime::Date),
        TypeRef::Json => quote!(serde_json::Value),
        TypeRef::Bytes => quote!(Vec<u8>),
        TypeRef::JsonObject => quote!(serde_json::Map<String, serde_json::Value>),
        TypeRef::Named(n) => {
            let n = ident(n);
            quote!(#n)
        }
        TypeRef::Vec(inner) => {
            let inner = ty(inner);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = ty(inner);
            quote!(std::collections::BTreeMap<String, #inner>)
        }
        TypeRef::Boxed(inner) => {
            let inner = ty(inner);
            quote!(Box<#inner>)
        }
    }
}

/// Collects the named types a type mentions.
pub fn collect_names(t: &TypeRef, out: &mut BTreeSet<String>) {
    if let Some(name) = t.named() {
        out.insert(name.to_owned());
    }
}

/// `use super::models::{A, B};` for the given names (nothing when empty). With area
/// features (`gated`), `use super::models::*;`: a listed name that a feature turned off
/// would not resolve, a glob import just has fewer names.
pub fn use_models(names: &BTreeSet<String>, gated: bool) -> TokenStream {
    if names.is_empty() {
        return TokenStream::new();
    }
    if gated {
        return quote! { use super::models::*; };
    }
    let idents = names.iter().map(|n| ident(n));
    quote! { use super::models::{#(#idents),*}; }
}

/// Whether values of this type are `Copy` and cheap enough to pass by value.
pub fn is_copy_scalar(t: &TypeRef) -> bool {
    matches!(t, TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::F32 | TypeRef::F64)
}

/// Doc attributes for optional text, with a fallback so every public item is documented.
pub fn doc_or(text: Option<&str>, fallback: &str) -> TokenStream {
    match text {
        Some(t) if !t.trim().is_empty() => crate::docs::outer(t),
        _ => crate::docs::outer(fallback),
    }
}
