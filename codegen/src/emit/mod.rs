//! Emission: the IR into one token stream per output file (`quote!`), never touching the disk.

mod models;
mod operation_docs;
mod operations;
mod pages;
mod queries;
mod types;

use crate::Options;
use crate::docs;
use crate::gates::Gates;
use crate::ir::Api;
use proc_macro2::TokenStream;
use quote::quote;

/// One output file before rendering: its path below `src/generated/` and its tokens.
pub struct EmittedFile<'a> {
    /// Path relative to the generated module's folder, e.g. `models.rs`.
    pub path: String,
    /// The file's items (for a chunked file: its head, inner attributes and imports).
    pub tokens: TokenStream,
    /// More items, built one chunk at a time as the file is rendered, so that a large
    /// file's tokens are never all alive at once. The text is the same as in one piece.
    pub chunks: Vec<Chunk<'a>>,
}

/// Builds one chunk of a file's items. `Send + Sync` so that chunks can be rendered on
/// several threads; the tokens themselves never leave the thread that builds them.
pub type Chunk<'a> = Box<dyn Fn() -> TokenStream + Send + Sync + 'a>;

impl EmittedFile<'_> {
    fn whole(path: &str, tokens: TokenStream) -> Self {
        EmittedFile { path: path.to_owned(), tokens, chunks: Vec::new() }
    }
}

/// One output file's emitter: the API, the features that gate its items, the options.
pub type Emitter = for<'a> fn(&'a Api, &'a Gates, &Options) -> EmittedFile<'a>;

/// The emitters of every output file for `api`, in a fixed order.
pub fn emitters(api: &Api) -> Vec<Emitter> {
    let mut out: Vec<Emitter> = vec![emit_mod, |api, gates, _| models::emit(api, gates)];
    if has_queries(api) {
        out.push(|api, gates, _| queries::emit(api, gates));
    }
    out.push(|api, gates, options| operations::emit(api, gates, options.crate_name.clone()));
    out
}

fn has_queries(api: &Api) -> bool {
    api.operations.iter().any(|op| op.query.is_some())
}

/// `mod.rs`: the module docs and the list of modules.
fn emit_mod<'a>(api: &'a Api, _: &'a Gates, options: &Options) -> EmittedFile<'a> {
    let source = &options.source;
    let queries = has_queries(api).then(|| {
        quote! {
            /// Query-parameter types, one per operation that takes query parameters.
            pub mod queries;
        }
    });
    let title = format!("{} {}", api.title, api.version);
    let header = docs::own_inner(&format!(
        "Code generated from the OpenAPI document of the {title} (`{source}`).\n\n\
         The operations are methods on [`Client`](crate::Client)."
    ));
    EmittedFile::whole(
        "mod.rs",
        quote! {
            #header
            /// Types of the request and response bodies described by the document.
            pub mod models;
            #queries
            mod operations;
        },
    )
}
