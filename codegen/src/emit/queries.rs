//! `queries.rs`: one query-parameter struct per operation, with setters and wire encoding.

use super::types::{collect_names, doc_or, ident, ty, use_models};
use super::{Chunk, EmittedFile};
use crate::gates::{Gates, gate_items};
use crate::ir::{Api, Bounds, ObjectStyle, Operation, ParamLocation, QueryEncoding, QueryParam, QueryType};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

/// Query types per chunk rendered at once (see `EmittedFile::chunks`). Fewer than the
/// models per chunk: a query type (struct, setters, wire encoding) is the largest item,
/// and a chunk per core is alive at once.
const CHUNK: usize = 12;

pub fn emit<'a>(api: &'a Api, gates: &'a Gates) -> EmittedFile<'a> {
    let mut used = BTreeSet::new();
    let mut with_query = Vec::new();
    for op in &api.operations {
        if let Some(q) = &op.query {
            for p in &q.params {
                collect_names(&p.ty, &mut used);
            }
            with_query.push((op, q));
        }
    }
    let uses = use_models(&used, gates.active());
    // With some areas' features off, an import may go unused.
    let gated = gates.active().then(|| quote!(#![allow(unused_imports)]));
    let head = quote! {
        //! Query-parameter types: fill one in with `Default` and struct update, or with its
        //! setters, and pass it to the matching method of [`Client`](crate::Client).
        #gated

        use crate::runtime;
        #uses
    };
    let chunks = with_query
        .chunks(CHUNK)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            Box::new(move || {
                let items = chunk.iter().map(|(op, q)| gate_items(emit_query(op, q), &gates.op_cfg(op)));
                quote!(#(#items)*)
            }) as Chunk<'_>
        })
        .collect();
    EmittedFile { path: "queries.rs".into(), tokens: head, chunks }
}

/// The Rust type of a parameter's field.
fn field_ty(p: &QueryParam) -> TokenStream {
    let elem = ty(&p.ty);
    match &p.encoding {
        QueryEncoding::Exploded | QueryEncoding::Joined(_) => quote!(Vec<#elem>),
        QueryEncoding::Sort(_) => quote!(Vec<runtime::SortKey<#elem>>),
        QueryEncoding::Single | QueryEncoding::Flag | QueryEncoding::Object(_) | QueryEncoding::Json
            if p.required =>
        {
            elem
        }
        QueryEncoding::Single | QueryEncoding::Flag | QueryEncoding::Object(_) | QueryEncoding::Json => {
            quote!(Option<#elem>)
        }
    }
}

fn is_list(p: &QueryParam) -> bool {
    matches!(p.encoding, QueryEncoding::Exploded | QueryEncoding::Joined(_) | QueryEncoding::Sort(_))
}

fn emit_query(op: &Operation, q: &QueryType) -> TokenStream {
    let name = ident(&q.name);
    let method = &op.method;
    let doc = crate::docs::own(&format!(
        "Query parameters of [`Client::{method}`](crate::Client::{method}) (`{} {}`).",
        op.http_method.as_str(),
        op.path.raw
    ));
    let has_required = q.params.iter().any(|p| p.required);
    let default = (!has_required).then(|| quote!(Default,));

    let fields = q.params.iter().map(|p| {
        let fname = ident(&p.name);
        let fty = field_ty(p);
        let doc = param_doc(p);
        quote! { #doc pub #fname: #fty, }
    });

    let setters = q.params.iter().map(|p| {
        let fname = ident(&p.name);
        let wire = &p.wire;
        let elem = ty(&p.ty);
        if is_list(p) {
            let item = match &p.encoding {
                QueryEncoding::Sort(_) => quote!(runtime::SortKey<#elem>),
                _ => elem,
            };
            let doc = crate::docs::outer(&format!("Sets `{wire}`, replacing any values set before."));
            quote! {
                #doc
                pub fn #fname(mut self, values: impl IntoIterator<Item = #item>) -> Self {
                    self.#fname = values.into_iter().collect();
                    self
                }
            }
        } else {
            let doc = crate::docs::outer(&format!("Sets `{wire}`."));
            let assign = if p.required { quote!(value.into()) } else { quote!(Some(value.into())) };
            quote! {
                #doc
                pub fn #fname(mut self, value: impl Into<#elem>) -> Self {
                    self.#fname = #assign;
                    self
                }
            }
        }
    });

    let constructor = if has_required {
        let required: Vec<&QueryParam> = q.params.iter().filter(|p| p.required).collect();
        let args = required.iter().map(|p| {
            let fname = ident(&p.name);
            let fty = field_ty(p);
            quote!(#fname: #fty)
        });
        let inits = q.params.iter().map(|p| {
            let fname = ident(&p.name);
            if p.required {
                quote!(#fname)
            } else if is_list(p) {
                quote!(#fname: Vec::new())
            } else {
                quote!(#fname: None)
            }
        });
        quote! {
            /// A query with its required parameters set and every other parameter unset.
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    } else {
        quote! {
            /// An empty query: every parameter unset.
            pub fn new() -> Self {
                <Self as Default>::default()
            }
        }
    };

    let pushes: Vec<TokenStream> = q
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Query)
        .map(|p| {
            let fname = ident(&p.name);
            let wire = &p.wire;
            match (&p.encoding, p.required) {
                (QueryEncoding::Object(style), required) => {
                    let style = match style {
                        ObjectStyle::FormExploded => quote!(runtime::ObjectStyle::FormExploded),
                        ObjectStyle::Form => quote!(runtime::ObjectStyle::Form),
                        ObjectStyle::DeepObject => quote!(runtime::ObjectStyle::DeepObject),
                    };
                    if required {
                        quote!(query.push_object(#wire, &self.#fname, #style);)
                    } else {
                        quote!(if let Some(value) = &self.#fname { query.push_object(#wire, value, #style); })
                    }
                }
                (QueryEncoding::Exploded, _) => quote!(query.push_exploded(#wire, &self.#fname);),
                (QueryEncoding::Joined(sep), _) => quote!(query.push_joined(#wire, &self.#fname, #sep);),
                (QueryEncoding::Sort(_), _) => quote!(query.push_joined(#wire, &self.#fname, ',');),
                (QueryEncoding::Single, required) => {
                    let push = if p.allow_reserved { quote!(push_reserved) } else { quote!(push) };
                    if required {
                        quote!(query.#push(#wire, &self.#fname);)
                    } else {
                        quote!(if let Some(value) = &self.#fname { query.#push(#wire, value); })
                    }
                }
                (QueryEncoding::Json, true) => {
                    quote!(query.push(#wire, &serde_json::to_string(&self.#fname).unwrap_or_default());)
                }
                (QueryEncoding::Json, false) => quote! {
                    if let Some(value) = &self.#fname {
                        query.push(#wire, &serde_json::to_string(value).unwrap_or_default());
                    }
                },
                (QueryEncoding::Flag, true) => quote!(query.push_flag(#wire, self.#fname);),
                (QueryEncoding::Flag, false) => {
                    quote!(if let Some(value) = self.#fname { query.push_flag(#wire, value); })
                }
            }
        })
        .collect();
    // Headers and cookies only: no query pairs (and no binding clippy would call needless).
    let to_query = if pushes.is_empty() {
        quote!(runtime::Query::new())
    } else {
        quote! {
            let mut query = runtime::Query::new();
            #(#pushes)*
            query
        }
    };

    let ranges = range_setters(q);
    let validate = validate_fn(op, q);
    let headers = headers_fn(q);

    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #default)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #constructor

            #(#setters)*

            #(#ranges)*

            #validate

            #headers

            /// The query pairs this value sends, in the order the document lists the parameters.
            pub fn to_query(&self) -> runtime::Query {
                #to_query
            }
        }
    }
}

fn param_doc(p: &QueryParam) -> TokenStream {
    let wire = &p.wire;
    let how = match &p.encoding {
        QueryEncoding::Single => format!("Sent as `{wire}=value`."),
        QueryEncoding::Flag => format!("Sent as `{wire}=1` (true) or `{wire}=0` (false)."),
        QueryEncoding::Exploded => format!("Each value is sent as its own `{wire}=value` pair."),
        QueryEncoding::Joined(sep) => format!("Sent as one `{wire}` value, joined with `{sep}`."),
        QueryEncoding::Sort(_) => {
            format!("Sent as `{wire}=a,-b`: keys in order of precedence, `-` for descending.")
        }
        QueryEncoding::Object(ObjectStyle::FormExploded) => {
            "Each member is sent as its own `member=value` pair.".to_owned()
        }
        QueryEncoding::Object(ObjectStyle::Form) => format!("Sent as `{wire}=member,value,member,value`."),
        QueryEncoding::Object(ObjectStyle::DeepObject) => format!("Sent as `{wire}[member]=value` pairs."),
        QueryEncoding::Json => format!("Sent as the value's JSON text: `{wire}={{…}}`."),
    };
    let how = match p.location {
        ParamLocation::Query => how,
        ParamLocation::Header => format!("Sent as the `{wire}` header (lists comma-separated)."),
        ParamLocation::Cookie => format!("Sent as the `{wire}` cookie (lists comma-separated)."),
    };
    let text = match p.doc.as_deref() {
        Some(d) if !d.trim().is_empty() => format!("{d}\n\n{how}"),
        _ => format!("The `{wire}` parameter.\n\n{how}"),
    };
    doc_or(Some(&text), "")
}

/// `base_in(range)` for every `base_gt`/`base_gte`/`base_lt`/`base_lte` family of one type:
/// a Rust range sets the matching bounds (`a..b` is `gte a` and `lt b`, `a..=b` is `gte a`
/// and `lte b`).
fn range_setters(q: &QueryType) -> Vec<TokenStream> {
    let find = |wire: &str| q.params.iter().find(|p| p.wire == wire && p.encoding == QueryEncoding::Single);
    let mut out = Vec::new();
    for p in &q.params {
        let Some(base) = p.wire.strip_suffix("_gte") else { continue };
        let family =
            [format!("{base}_gt"), format!("{base}_gte"), format!("{base}_lt"), format!("{base}_lte")];
        let found: Vec<&QueryParam> = family.iter().filter_map(|w| find(w)).collect();
        if found.len() != 4 || found.iter().any(|f| f.ty != p.ty || f.required) {
            continue;
        }
        let method_name = format!("{}_in", found[1].name);
        let method_name = method_name.replacen("_gte_in", "_in", 1);
        if q.params.iter().any(|x| x.name == method_name) {
            continue;
        }
        let method = ident(&method_name);
        let [gt, gte, lt, lte] = [found[0], found[1], found[2], found[3]].map(|f| ident(&f.name));
        let elem = ty(&p.ty);
        let doc = crate::docs::own(&format!(
            "Sets the `{base}` range from a Rust range: `a..b` sends `{base}_gte=a&{base}_lt=b`, \
             `a..=b` sends `{base}_gte=a&{base}_lte=b`, and open ends send nothing.\n\n\
             Excluded start bounds (from `Bound::Excluded`) send `{base}_gt`. Bounds set before are replaced."
        ));
        out.push(quote! {
            #doc
            pub fn #method(mut self, range: impl std::ops::RangeBounds<#elem>) -> Self {
                use std::ops::Bound;
                (self.#gt, self.#gte) = match range.start_bound().cloned() {
                    Bound::Included(v) => (None, Some(v)),
                    Bound::Excluded(v) => (Some(v), None),
                    Bound::Unbounded => (None, None),
                };
                (self.#lt, self.#lte) = match range.end_bound().cloned() {
                    Bound::Included(v) => (None, Some(v)),
                    Bound::Excluded(v) => (Some(v), None),
                    Bound::Unbounded => (None, None),
                };
                self
            }
        });
    }
    out
}

/// `validate()`: the documented rules, checked before anything is sent.
fn validate_fn(op: &Operation, q: &QueryType) -> Option<TokenStream> {
    if !q.has_rules() {
        return None;
    }
    // Both go into `format!` strings: braces in them (an operationId derived from a path such as
    // `/delta(token='{token}')`) are text, not arguments.
    let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
    let id = escape(&op.id);
    let mut checks = Vec::new();
    for p in &q.params {
        let name = ident(&p.name);
        let wire = escape(&p.wire);
        let Bounds { min, max } = p.bounds;
        // One statement per bound, as a let chain, so clippy finds nothing to collapse.
        let bind = if p.required { quote!(let value = self.#name;) } else { TokenStream::new() };
        let guard = |cmp: TokenStream| {
            if p.required {
                quote!(if value #cmp)
            } else {
                quote!(if let Some(value) = self.#name && value #cmp)
            }
        };
        let mut conds = Vec::new();
        if let Some(max) = max {
            let lit = proc_macro2::Literal::i64_unsuffixed(max);
            let msg = format!("{wire} is {{value}}, above the maximum of {max} that {id} accepts");
            let head = guard(quote!(> #lit));
            conds.push(quote! {
                #head {
                    return Err(runtime::Error::invalid_request(format!(#msg)));
                }
            });
        }
        if let Some(min) = min {
            let lit = proc_macro2::Literal::i64_unsuffixed(min);
            let msg = format!("{wire} is {{value}}, below the minimum of {min} that {id} accepts");
            let head = guard(quote!(< #lit));
            conds.push(quote! {
                #head {
                    return Err(runtime::Error::invalid_request(format!(#msg)));
                }
            });
        }
        if !conds.is_empty() {
            checks.push(quote! { #bind #(#conds)* });
        }
    }
    for group in &q.require_one_of {
        let unset = group.iter().map(|f| {
            let p = q.params.iter().find(|p| &p.name == f);
            let name = ident(f);
            match p.map(is_list) {
                Some(true) => quote!(self.#name.is_empty()),
                _ => quote!(self.#name.is_none()),
            }
        });
        let wires: Vec<String> = group
            .iter()
            .filter_map(|f| q.params.iter().find(|p| &p.name == f).map(|p| format!("`{}`", p.wire)))
            .collect();
        let msg =
            format!("{} needs at least one of {}; set one of them on the query", op.id, wires.join(", "));
        checks.push(quote! {
            if #(#unset)&&* {
                return Err(runtime::Error::invalid_request(#msg));
            }
        });
    }
    Some(quote! {
        /// Checks the rules the API description sets for these parameters (value bounds,
        /// parameters of which one is required) before anything is sent. The client calls it
        /// for every request.
        ///
        /// # Errors
        ///
        /// [`runtime::Error::InvalidRequest`] naming the parameter and the rule.
        pub fn validate(&self) -> Result<(), runtime::Error> {
            #(#checks)*
            Ok(())
        }
    })
}

/// `apply_headers`: the header and cookie parameters, added to a request.
fn headers_fn(q: &QueryType) -> Option<TokenStream> {
    let params: Vec<&QueryParam> = q.params.iter().filter(|p| p.location != ParamLocation::Query).collect();
    if params.is_empty() {
        return None;
    }
    let adds = params.iter().map(|p| {
        let fname = ident(&p.name);
        let wire = &p.wire;
        let method = if p.location == ParamLocation::Header { quote!(header) } else { quote!(cookie) };
        let render = match &p.encoding {
            QueryEncoding::Flag => quote!(if value { "1" } else { "0" }),
            QueryEncoding::Json => quote!(&serde_json::to_string(value).unwrap_or_default()),
            _ => quote!(value),
        };
        if is_list(p) {
            quote! {
                if !self.#fname.is_empty() {
                    let joined = self.#fname.iter().map(runtime::QueryValue::to_query_value).collect::<Vec<_>>().join(",");
                    request = request.#method(#wire, joined.as_str());
                }
            }
        } else if p.required {
            let bind = if matches!(p.encoding, QueryEncoding::Flag) { quote!(self.#fname) } else { quote!(&self.#fname) };
            quote! {
                let value = #bind;
                request = request.#method(#wire, #render);
            }
        } else if matches!(p.encoding, QueryEncoding::Flag) {
            quote! {
                if let Some(value) = self.#fname {
                    request = request.#method(#wire, #render);
                }
            }
        } else {
            quote! {
                if let Some(value) = &self.#fname {
                    request = request.#method(#wire, #render);
                }
            }
        }
    });
    Some(quote! {
        /// Adds the header and cookie parameters to `request`.
        pub fn apply_headers(&self, mut request: runtime::Request) -> runtime::Request {
            #(#adds)*
            request
        }
    })
}
