//! Emission: the IR into one token stream per output file (`quote!`), never touching the disk.

mod models;
mod operations;
mod queries;
mod types;

use crate::docs;
use crate::ir::Api;
use proc_macro2::TokenStream;
use quote::quote;

/// One output file before rendering: its path below `src/generated/` and its tokens.
pub struct EmittedFile {
    /// Path relative to the generated module's folder, e.g. `models.rs`.
    pub path: String,
    /// The file's items.
    pub tokens: TokenStream,
}

/// Emits every output file for `api`, in a fixed order.
pub fn emit(api: &Api, source: &str) -> Vec<EmittedFile> {
    let mut files = Vec::new();
    let mut mods = Vec::new();

    files.push(EmittedFile { path: "models.rs".into(), tokens: models::emit(api) });
    mods.push(quote! {
        /// Types of the request and response bodies described by the document.
        pub mod models;
    });
    if api.operations.iter().any(|op| op.query.is_some()) {
        files.push(EmittedFile { path: "queries.rs".into(), tokens: queries::emit(api) });
        mods.push(quote! {
            /// Query-parameter types, one per operation that takes query parameters.
            pub mod queries;
        });
    }
    files.push(EmittedFile { path: "operations.rs".into(), tokens: operations::emit(api) });
    mods.push(quote! { mod operations; });

    let title = format!("{} {}", api.title, api.version);
    let header = docs::own_inner(&format!(
        "Code generated from the OpenAPI document of the {title} (`{source}`).\n\n\
         The operations are methods on [`Client`](crate::Client)."
    ));
    files.insert(0, EmittedFile { path: "mod.rs".into(), tokens: quote! { #header #(#mods)* } });
    files
}
