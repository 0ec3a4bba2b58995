//! Which cargo features compile which generated item, for crates generated with
//! [`crate::Options::features`].
//!
//! * **One feature per area** (operation tag): an operation is compiled when one of its
//!   tags' features is on (operations without tags: `untagged`); a type when an operation
//!   that reaches it is, following every type named by its parameters, body and responses,
//!   and by those types' fields, variants and alias targets. Types no operation reaches
//!   are behind `other-schemas`. Items every area needs carry no `#[cfg]`. With fewer than
//!   two areas there is nothing to choose, and no item carries one.
//! * **One serde direction per type**: `Serialize` for types sent in requests (bodies and
//!   parameters), `Deserialize` for types that come back (success and error bodies). The
//!   other direction is behind `full-serde`, for users who write responses out again.
//!   Types no operation reaches (webhook payloads, for one) are read, not sent: they get
//!   `Deserialize`.
//!
//! Without [`crate::Options::features`] nothing is gated: every item, both directions.

use crate::ir::{Api, Operation, Response, SuccessBody, TypeDef, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use syn::parse::Parser as _;

mod split;

/// The feature that adds the serde direction a type does not need.
pub const FULL_SERDE: &str = "full-serde";
/// The feature of types no operation reaches.
pub const OTHER_SCHEMAS: &str = "other-schemas";
/// The feature of operations without tags.
pub const UNTAGGED: &str = "untagged";
/// Feature names that are taken (by the runtime, cargo or the ones above).
const RESERVED: &[&str] = &["default", "redis", FULL_SERDE, OTHER_SCHEMAS, "all-areas"];

/// The gate of every item; [`Gates::none`] when the crate has no features.
#[derive(Debug, Default)]
pub struct Gates {
    /// Whether serde directions are split at all.
    directions: bool,
    /// Area feature → the tags it stands for, in name order (empty: no area features).
    areas: BTreeMap<String, Vec<String>>,
    /// Per type: the area features that need it (absent: every area, no `#[cfg]`).
    type_areas: HashMap<String, BTreeSet<String>>,
    /// Per type: (sent, received). Absent: both.
    directions_of: HashMap<String, (bool, bool)>,
}

/// The serde directions a type gets unconditionally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directions {
    /// `Serialize` always (otherwise only with `full-serde`).
    pub serialize: bool,
    /// `Deserialize` always (otherwise only with `full-serde`).
    pub deserialize: bool,
}

impl Gates {
    /// No gates: every item compiled, both directions.
    pub fn none() -> Self {
        Gates::default()
    }

    /// The gates of `api`'s items.
    pub fn compute(api: &Api) -> Self {
        let mut areas: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut sent: BTreeSet<String> = BTreeSet::new();
        let mut received: BTreeSet<String> = BTreeSet::new();
        let mut by_area: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for op in &api.operations {
            let (request, response) = roots(op);
            let request = closure(api, request);
            let response = closure(api, response);
            for feature in op_features(op) {
                let tags = areas.entry(feature.clone()).or_default();
                for tag in &op.tags {
                    if feature_name(tag) == feature && !tags.contains(tag) {
                        tags.push(tag.clone());
                    }
                }
                let reach = by_area.entry(feature).or_default();
                reach.extend(request.iter().cloned());
                reach.extend(response.iter().cloned());
            }
            sent.extend(request);
            received.extend(response);
        }
        // Types no operation reaches, and what they reach in turn: `other-schemas`, and
        // `Deserialize` (such types, webhook payloads for one, arrive from elsewhere).
        let unused: Vec<String> =
            api.types.keys().filter(|n| !sent.contains(*n) && !received.contains(*n)).cloned().collect();
        let other = closure(api, unused);
        let mut directions_of = HashMap::new();
        for name in api.types.keys() {
            let (s, r) = (sent.contains(name), other.contains(name) || received.contains(name));
            if s || r {
                directions_of.insert(name.clone(), (s, r));
            }
        }
        let mut type_areas: HashMap<String, BTreeSet<String>> = HashMap::new();
        let operation_areas = by_area.len();
        if operation_areas >= 2 {
            for (feature, reach) in &by_area {
                for name in reach {
                    type_areas.entry(name.clone()).or_default().insert(feature.clone());
                }
            }
            // Needed by every operation area: no `#[cfg]`.
            type_areas.retain(|_, features| features.len() < operation_areas);
            for name in &other {
                let everywhere =
                    !type_areas.contains_key(name) && (sent.contains(name) || received.contains(name));
                if !everywhere {
                    type_areas.entry(name.clone()).or_default().insert(OTHER_SCHEMAS.to_owned());
                }
            }
            if !other.is_empty() {
                areas.insert(OTHER_SCHEMAS.to_owned(), Vec::new());
            }
        } else {
            areas.clear();
        }
        Gates { directions: true, areas, type_areas, directions_of }
    }

    /// Area features (with the tags each stands for), empty when the crate has none.
    pub fn areas(&self) -> &BTreeMap<String, Vec<String>> {
        &self.areas
    }

    /// Whether any item is gated by an area feature.
    pub fn active(&self) -> bool {
        !self.areas.is_empty()
    }

    /// Whether any item may be compiled out: by an area feature, or (for the direction a
    /// type does not need) by `full-serde`. An import may then go unused.
    pub fn any(&self) -> bool {
        self.active() || self.directions
    }

    /// `#[cfg(...)]` for a type, or nothing when every area needs it.
    pub fn type_cfg(&self, name: &str) -> TokenStream {
        match self.type_areas.get(name) {
            Some(features) if self.active() => cfg_any(features.iter()),
            _ => TokenStream::new(),
        }
    }

    /// `#[cfg(...)]` for an operation and the items only it uses (its query type).
    pub fn op_cfg(&self, op: &Operation) -> TokenStream {
        if !self.active() {
            return TokenStream::new();
        }
        let features: BTreeSet<String> = op_features(op).collect();
        let operation_areas = self.areas.keys().filter(|a| *a != OTHER_SCHEMAS).count();
        if features.len() == operation_areas { TokenStream::new() } else { cfg_any(features.iter()) }
    }

    /// The serde directions `name` gets without `full-serde`.
    pub fn directions(&self, name: &str) -> Directions {
        match self.directions_of.get(name) {
            Some(&(serialize, deserialize)) if self.directions => Directions { serialize, deserialize },
            _ => Directions { serialize: true, deserialize: true },
        }
    }
}

/// `#[cfg(feature = "a")]` or `#[cfg(any(feature = "a", feature = "b"))]`.
fn cfg_any<'a>(features: impl Iterator<Item = &'a String>) -> TokenStream {
    let features: Vec<&String> = features.collect();
    match features.as_slice() {
        [one] => quote!(#[cfg(feature = #one)]),
        many => quote!(#[cfg(any(#(feature = #many),*))]),
    }
}

/// `cfg(feature = "full-serde")`, for the direction a type does not need.
pub fn full_serde() -> TokenStream {
    quote!(feature = "full-serde")
}

/// Adds `attr` (a `#[cfg(...)]`) to every item in `items`, so that a type and its impls
/// come and go together. Tokens that do not parse as items are returned unchanged (the
/// renderer then reports them).
pub fn gate_items(items: TokenStream, attr: &TokenStream) -> TokenStream {
    if attr.is_empty() {
        return items;
    }
    // Finding the items' boundaries is enough, and much cheaper than parsing them.
    if let Some(split) = split::split_items(items.clone()) {
        return split.into_iter().map(|split::SplitItem { docs, rest }| quote!(#docs #attr #rest)).collect();
    }
    let Ok(mut file) = syn::parse2::<syn::File>(items.clone()) else { return items };
    for item in &mut file.items {
        // `syn` is built without `Clone` impls: parse the attribute afresh for each item.
        if let (Some(item_attrs), Ok(attrs)) =
            (item_attrs(item), syn::Attribute::parse_outer.parse2(attr.clone()))
        {
            // After the docs, so that the item still reads docs first.
            let at = item_attrs.iter().take_while(|a| a.path().is_ident("doc")).count();
            item_attrs.splice(at..at, attrs);
        }
    }
    quote!(#file)
}

/// Adds `attr` to every function in `fns` (methods of an `impl` block).
pub fn gate_fns(fns: TokenStream, attr: &TokenStream) -> TokenStream {
    if attr.is_empty() {
        return fns;
    }
    let Ok(block) = syn::parse2::<syn::ItemImpl>(quote!(impl X { #fns })) else { return fns };
    let out = block.items.into_iter().map(|mut item| {
        if let (syn::ImplItem::Fn(f), Ok(attrs)) =
            (&mut item, syn::Attribute::parse_outer.parse2(attr.clone()))
        {
            let at = f.attrs.iter().take_while(|a| a.path().is_ident("doc")).count();
            f.attrs.splice(at..at, attrs);
            return quote!(#f);
        }
        quote!(#attr #item)
    });
    quote!(#(#out)*)
}

fn item_attrs(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    use syn::Item;
    match item {
        Item::Struct(i) => Some(&mut i.attrs),
        Item::Enum(i) => Some(&mut i.attrs),
        Item::Impl(i) => Some(&mut i.attrs),
        Item::Type(i) => Some(&mut i.attrs),
        Item::Fn(i) => Some(&mut i.attrs),
        Item::Const(i) => Some(&mut i.attrs),
        Item::Use(i) => Some(&mut i.attrs),
        _ => None,
    }
}

/// A tag as a cargo feature name: lower case, `-` for anything but letters and digits.
pub fn feature_name(tag: &str) -> String {
    let mut out = String::new();
    for c in tag.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        return UNTAGGED.to_owned();
    }
    if RESERVED.contains(&out.as_str()) { format!("{out}-area") } else { out }
}

fn op_features(op: &Operation) -> impl Iterator<Item = String> + '_ {
    let untagged = op.tags.is_empty().then(|| UNTAGGED.to_owned());
    op.tags.iter().map(|t| feature_name(t)).chain(untagged)
}

/// The types an operation names directly: (sent, received).
fn roots(op: &Operation) -> (Vec<String>, Vec<String>) {
    let mut request = Vec::new();
    for p in &op.path_params {
        names_in(&p.ty, &mut request);
    }
    for p in op.query.iter().flat_map(|q| &q.params) {
        names_in(&p.ty, &mut request);
    }
    if let Some(b) = &op.body {
        names_in(&b.ty, &mut request);
    }
    let mut response = Vec::new();
    match &op.response {
        Some(Response::Json(t)) => names_in(t, &mut response),
        Some(Response::Several { type_name }) => response.push(type_name.clone()),
        Some(Response::Text { .. } | Response::Bytes { .. }) | None => {}
    }
    for (_, t) in &op.error_bodies {
        names_in(t, &mut response);
    }
    (request, response)
}

fn names_in(t: &TypeRef, out: &mut Vec<String>) {
    if let Some(name) = t.named() {
        out.push(name.to_owned());
    }
}

/// Every type reachable from `roots` through fields, variants and alias targets.
fn closure(api: &Api, roots: Vec<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = roots;
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        match api.types.get(&name) {
            Some(TypeDef::Struct(d)) => {
                for f in &d.fields {
                    names_in(&f.ty, &mut todo);
                }
                if let Some(t) = &d.additional {
                    names_in(t, &mut todo);
                }
                for f in d.choices.iter().flat_map(|c| &c.variants) {
                    names_in(&f.ty, &mut todo);
                }
            }
            Some(TypeDef::Alias(d)) => names_in(&d.target, &mut todo),
            Some(TypeDef::Union(d)) => {
                for (_, t) in &d.variants {
                    names_in(t, &mut todo);
                }
            }
            Some(TypeDef::Responses(d)) => {
                for v in &d.variants {
                    if let Some(SuccessBody::Json(t)) = &v.body {
                        names_in(t, &mut todo);
                    }
                }
            }
            Some(TypeDef::Enum(_) | TypeDef::IntEnum(_) | TypeDef::Newtype(_)) | None => {}
        }
    }
    seen
}
