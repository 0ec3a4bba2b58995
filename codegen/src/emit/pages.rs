//! `Page` impls of paginated response types (`x-pagination`): where the items and the
//! next-page link are, as borrowing and consuming walks down the response's fields.

use super::types::{ident, ty};
use crate::ir::{FieldStep, Optionality, PageImpl};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn emit_page(page: &PageImpl) -> TokenStream {
    let name = ident(&page.type_name);
    let item = ty(&page.item);
    let next = next_url_expr(&page.next_url);
    let items_ref = items_ref_expr(&page.items);
    let items = items_expr(&page.items);
    let items_wire = &page.items_wire;
    let next_wire = &page.next_wire;
    let key = page.item_key.as_ref().map(|field| {
        let f = ident(field);
        quote! {
            fn item_key(item: &#item) -> Option<String> {
                Some(item.#f.to_string())
            }
        }
    });
    quote! {
        impl runtime::Page for #name {
            type Item = #item;
            const ITEMS_PATH: &'static [&'static str] = &[#(#items_wire),*];
            const NEXT_PATH: &'static [&'static str] = &[#(#next_wire),*];

            fn next_url(&self) -> Option<&str> {
                #next
            }

            fn items(&self) -> &[#item] {
                #items_ref
            }

            fn into_items(self) -> Vec<#item> {
                #items
            }

            #key
        }
    }
}

/// Borrowing walk to the item array: `&[Item]`.
fn items_ref_expr(chain: &[FieldStep]) -> TokenStream {
    let (expr, is_option) = borrow_chain(chain);
    if is_option { quote!(#expr.map_or(&[], |items| items.as_slice())) } else { quote!(&#expr) }
}

/// Borrowing walk to the next-page URL: `Option<&str>`.
fn next_url_expr(chain: &[FieldStep]) -> TokenStream {
    let (expr, is_option) = borrow_chain(chain);
    if is_option { quote!(#expr.map(|url| url.as_str())) } else { quote!(Some(#expr.as_str())) }
}

/// A borrowing walk from `self` down `chain`, and whether the result is an `Option<&T>`
/// (some step was optional) rather than a place of type `T`.
fn borrow_chain(chain: &[FieldStep]) -> (TokenStream, bool) {
    let mut expr = quote!(self);
    let mut is_option = false;
    for step in chain {
        let f = ident(&step.field);
        // `Nullable` steps are `runtime::Nullable<T>` fields: `.value()` is their `Option<&T>`.
        expr = match (is_option, step.optionality) {
            (false, Optionality::Required) => quote!(#expr.#f),
            (false, Optionality::Optional) => quote!(#expr.#f.as_ref()),
            (false, Optionality::Nullable) => quote!(#expr.#f.value()),
            (true, Optionality::Required) => quote!(#expr.map(|v| &v.#f)),
            (true, Optionality::Optional) => quote!(#expr.and_then(|v| v.#f.as_ref())),
            (true, Optionality::Nullable) => quote!(#expr.and_then(|v| v.#f.value())),
        };
        is_option |= step.optionality != Optionality::Required;
    }
    (expr, is_option)
}

/// Consuming walk to the item array: `Vec<Item>`.
fn items_expr(chain: &[FieldStep]) -> TokenStream {
    let mut expr = quote!(self);
    let mut is_option = false;
    for step in chain {
        let f = ident(&step.field);
        expr = match (is_option, step.optionality) {
            (false, Optionality::Nullable) => quote!(#expr.#f.into_value()),
            (false, _) => quote!(#expr.#f),
            (true, Optionality::Required) => quote!(#expr.map(|v| v.#f)),
            (true, Optionality::Optional) => quote!(#expr.and_then(|v| v.#f)),
            (true, Optionality::Nullable) => quote!(#expr.and_then(|v| v.#f.into_value())),
        };
        is_option |= step.optionality != Optionality::Required;
    }
    if is_option { quote!(#expr.unwrap_or_default()) } else { expr }
}
