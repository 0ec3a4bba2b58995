//! Splitting emitted tokens into items without parsing them.
//!
//! [`super::gate_items`] puts a `#[cfg]` after the docs of every item of a type. Parsing
//! the items with `syn` to do so cost a second on the synthesized 10 MB document once
//! structs carried written-out serde impls; the emitters' items only need their
//! boundaries found: outer attributes, then tokens up to the `;` or the braced body that
//! ends the item. Anything else (inner attributes, macros, an item cut short) returns
//! `None`, and the caller parses with `syn` as before.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// One item: its leading doc attributes, and everything after them.
pub(super) struct SplitItem {
    pub docs: TokenStream,
    pub rest: TokenStream,
}

/// How an item ends.
#[derive(Clone, Copy, PartialEq)]
enum Ends {
    /// At its braced body, or at a `;` (`struct`, `enum`, `impl`, `fn`, `trait`, `mod`).
    BodyOrSemicolon,
    /// At a `;` only (`type`, `use`, `const`, `static`: braces inside are expressions or
    /// use trees).
    Semicolon,
}

/// The items of `tokens`, or `None` when one of them is not of a shape this knows.
pub(super) fn split_items(tokens: TokenStream) -> Option<Vec<SplitItem>> {
    let mut items = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while iter.peek().is_some() {
        let mut docs = TokenStream::new();
        let mut rest = TokenStream::new();
        // Outer attributes: the docs that lead, then the others.
        while let Some(TokenTree::Punct(hash)) = iter.peek() {
            if hash.as_char() != '#' {
                return None;
            }
            let hash = iter.next()?;
            let TokenTree::Group(group) = iter.next()? else { return None };
            if group.delimiter() != Delimiter::Bracket {
                return None;
            }
            let is_doc = matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
            let into = if is_doc && rest.is_empty() { &mut docs } else { &mut rest };
            into.extend([hash, TokenTree::Group(group)]);
        }
        let mut ends = None;
        loop {
            let token = iter.next()?;
            let done = match (&token, ends) {
                (TokenTree::Ident(ident), None) => {
                    ends = match ident.to_string().as_str() {
                        "pub" | "unsafe" | "async" | "extern" => None,
                        // `const fn`: the `fn` decides.
                        "const" if matches!(iter.peek(), Some(TokenTree::Ident(i)) if i == "fn" || i == "unsafe" || i == "async") => {
                            None
                        }
                        "struct" | "enum" | "union" | "impl" | "fn" | "trait" | "mod" => {
                            Some(Ends::BodyOrSemicolon)
                        }
                        "type" | "use" | "const" | "static" => Some(Ends::Semicolon),
                        _ => return None,
                    };
                    false
                }
                // `pub(crate)`, and the ABI string of `extern "C"`.
                (TokenTree::Group(g), None) if g.delimiter() == Delimiter::Parenthesis => false,
                (TokenTree::Literal(_), None) => false,
                (_, None) => return None,
                (TokenTree::Punct(p), Some(_)) => p.as_char() == ';',
                (TokenTree::Group(g), Some(Ends::BodyOrSemicolon)) => g.delimiter() == Delimiter::Brace,
                _ => false,
            };
            rest.extend([token]);
            if done {
                break;
            }
        }
        items.push(SplitItem { docs, rest });
    }
    Some(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn split(tokens: TokenStream) -> Option<Vec<(String, String)>> {
        split_items(tokens)
            .map(|items| items.into_iter().map(|i| (i.docs.to_string(), i.rest.to_string())).collect())
    }

    #[test]
    fn finds_the_end_of_each_kind_of_item() {
        let items = split(quote! {
            /// A tag.
            #[derive(Debug)]
            /// Not leading: stays with the rest.
            pub struct Tag { pub id: String }
            pub struct Id(pub String);
            impl<'de> serde::Deserialize<'de> for Tag where Self: Sized {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> { todo!() }
            }
            /// An alias.
            pub type Alias = Tag;
            pub(crate) const FIELDS: Tag = Tag { id: String::new() };
            use std::{fmt, io};
            pub const fn f() -> u8 { 1 }
            pub enum E { A { x: u8 }, B }
        })
        .expect("every item is of a known shape");
        assert_eq!(items.len(), 8, "{items:#?}");
        assert_eq!(items[0].0, "# [doc = r\" A tag.\"]");
        assert!(items[0].1.starts_with("# [derive (Debug)] # [doc"), "{}", items[0].1);
        assert!(items[2].1.ends_with("todo ! () } }"), "{}", items[2].1);
        assert_eq!(items[3].0, "# [doc = r\" An alias.\"]");
        assert!(items[4].1.ends_with("String :: new () } ;"), "{}", items[4].1);
        assert_eq!(items[5].1, "use std :: { fmt , io } ;");
        assert!(items[6].1.starts_with("pub const fn"), "{}", items[6].1);
        assert!(items[7].1.ends_with("B }"), "{}", items[7].1);
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        assert!(split(quote!(#![allow(dead_code)] struct A;)).is_none());
        assert!(
            split(quote!(
                macro_rules! m {
                    () => {};
                }
            ))
            .is_none()
        );
        assert!(
            split(quote!(
                struct A {}
            ))
            .is_some()
        );
        assert!(split(quote!(pub struct A)).is_none(), "an item cut short");
    }
}
