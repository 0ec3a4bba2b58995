//! `models.rs`: structs, enums, newtypes, aliases and unions for the document's schemas.

use super::types::{doc_or, ident, ty};
use super::{Chunk, EmittedFile};
use crate::gates::{Directions, Gates, full_serde, gate_items};
use crate::ir::{
    AliasDef, Api, EnumDef, IntEnumDef, NewtypeDef, ResponsesDef, StructDef, SuccessBody, TypeDef, UnionDef,
};
use crate::ir::{Choice, TypeRef};
use proc_macro2::TokenStream;
use quote::quote;

/// Types per chunk rendered at once: bounds the tokens alive while rendering a large file.
const CHUNK: usize = 25;

pub fn emit<'a>(api: &'a Api, gates: &'a Gates) -> EmittedFile<'a> {
    // Import the runtime only where it is used, so the file has no unused import.
    let import = uses_runtime(api).then(|| {
        quote!(
            use crate::runtime;
        )
    });
    let unions = api.types.values().any(|t| matches!(t, TypeDef::Union(_)));
    // Unions hold whole objects; boxing every variant would cost more than it saves.
    let allow = unions.then(|| quote!(#![allow(clippy::large_enum_variant)]));
    // With some areas' features off, or without `full-serde` (a request-only struct names
    // the runtime only in its `Deserialize`), the import may go unused.
    let gated = gates.any().then(|| quote!(#![allow(unused_imports)]));
    let head = quote! {
        //! Types of the request and response bodies, one per schema.
        #allow
        #gated

        #import
    };
    let defs: Vec<&TypeDef> = api.types.values().collect();
    let chunks: Vec<Chunk<'_>> = defs
        .chunks(CHUNK)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            Box::new(move || {
                let items = chunk.iter().map(|def| {
                    let name = def.name();
                    gate_items(emit_def(def, gates.directions(name)), &gates.type_cfg(name))
                });
                quote!(#(#items)*)
            }) as Chunk<'_>
        })
        .collect();
    EmittedFile { path: "models.rs".into(), tokens: head, chunks }
}

fn emit_def(def: &TypeDef, serde: Directions) -> TokenStream {
    match def {
        TypeDef::Struct(d) => emit_struct(d, serde),
        TypeDef::Enum(d) => emit_enum(d, serde),
        TypeDef::Newtype(d) => emit_newtype(d, serde),
        TypeDef::Alias(d) => emit_alias(d),
        TypeDef::Union(d) => emit_union(d, serde),
        TypeDef::IntEnum(d) => emit_int_enum(d, serde),
        TypeDef::Responses(d) => emit_responses(d),
    }
}

/// The serde derives a type always gets and, for a direction it does not need,
/// the same behind `full-serde` (`cfg_attr`).
fn serde_derives(serde: Directions) -> (Vec<TokenStream>, TokenStream) {
    let mut always = Vec::new();
    let mut optional = Vec::new();
    if serde.serialize {
        always.push(quote!(serde::Serialize));
    } else {
        optional.push(quote!(serde::Serialize));
    }
    if serde.deserialize {
        always.push(quote!(serde::Deserialize));
    } else {
        optional.push(quote!(serde::Deserialize));
    }
    let cfg = full_serde();
    let optional = if optional.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[cfg_attr(#cfg, derive(#(#optional),*))])
    };
    (always, optional)
}

/// `#[cfg(feature = "full-serde")]` on a hand-written serde impl of a direction not needed.
fn serde_impl_cfg(needed: bool) -> TokenStream {
    let cfg = full_serde();
    if needed { TokenStream::new() } else { quote!(#[cfg(#cfg)]) }
}

/// Whether any emitted item names `runtime::` (enums, newtypes, the time types and
/// discriminated unions do).
fn uses_runtime(api: &Api) -> bool {
    fn time(t: &TypeRef) -> bool {
        match t {
            TypeRef::Timestamp | TypeRef::DateTime | TypeRef::Date => true,
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => time(inner),
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::Json
            | TypeRef::JsonObject
            | TypeRef::Named(_)
            | TypeRef::Bytes => false,
        }
    }
    api.types.values().any(|def| match def {
        TypeDef::Enum(_) | TypeDef::Newtype(_) | TypeDef::IntEnum(_) => true,
        TypeDef::Struct(d) => {
            // Written-out serde (`written_serde`) names the runtime.
            !derives_serde(d)
                || d.fields.iter().any(|f| time(&f.ty) || f.double_option())
                || d.choices.iter().flat_map(|c| &c.variants).any(|f| time(&f.ty))
                || d.additional.as_ref().is_some_and(time)
        }
        TypeDef::Alias(d) => time(&d.target),
        TypeDef::Union(d) => {
            d.discriminator.is_some() || d.query_value || d.variants.iter().any(|(_, t)| time(t))
        }
        TypeDef::Responses(d) => {
            d.variants.iter().any(|v| matches!(&v.body, Some(SuccessBody::Json(t)) if time(t)))
        }
    })
}

/// Whether a struct keeps serde's derive: flattened members (additional properties,
/// exactly-one-of groups) and empty objects do; every other struct gets its serde written
/// out (`written_serde`), which type-checks several times faster than the derive's expansion.
fn derives_serde(def: &StructDef) -> bool {
    def.additional.is_some() || !def.choices.is_empty() || def.fields.is_empty()
}

fn emit_struct(def: &StructDef, serde: Directions) -> TokenStream {
    let derive = derives_serde(def);
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("The `{}` schema.", def.name));
    let fields = def.fields.iter().map(|f| {
        let fname = ident(&f.name);
        let doc = doc_or(f.doc.as_deref(), "Not described by the API document.");
        let inner = ty(&f.ty);
        let rename = (derive && f.name != f.wire).then(|| {
            let wire = &f.wire;
            quote!(#[serde(rename = #wire)])
        });
        // readOnly values come from the server only: never send them back.
        let skip = (derive && f.read_only).then(|| quote!(#[serde(skip_serializing)]));
        if f.double_option() {
            // Absent and `null` mean different things here: `runtime::Nullable` keeps them apart.
            let attr = derive
                .then(|| quote!(#[serde(default, skip_serializing_if = "runtime::Nullable::is_absent")]));
            quote! {
                #doc
                ///
                /// Absent or `null` ([`Nullable`](runtime::Nullable)); `.value()` reads either as `None`.
                #rename
                #skip
                #attr
                pub #fname: runtime::Nullable<#inner>,
            }
        } else if f.optional() {
            let attr = derive.then(|| quote!(#[serde(default, skip_serializing_if = "Option::is_none")]));
            quote! {
                #doc
                #rename
                #skip
                #attr
                pub #fname: Option<#inner>,
            }
        } else {
            quote! { #doc #rename pub #fname: #inner, }
        }
    });
    let additional = def.additional.as_ref().map(|t| {
        let t = ty(t);
        quote! {
            /// Members beyond the declared properties (`additionalProperties`).
            #[serde(flatten)]
            pub additional: std::collections::BTreeMap<String, #t>,
        }
    });
    let default =
        (def.fields.iter().all(|f| f.optional()) && def.choices.is_empty()).then(|| quote!(Default,));
    let choice_fields = def.choices.iter().map(|c| {
        let (fname, tname) = (ident(&c.name), ident(&c.enum_name));
        let doc = crate::docs::outer(&format!("Exactly one of {} (`x-exactly-one-of`).", wire_list(c)));
        quote! { #doc #[serde(flatten)] pub #fname: #tname, }
    });
    let choice_enums = def.choices.iter().map(|c| emit_choice(&def.name, c, serde));
    let (derives, optional, written) = if derive {
        let (derives, optional) = serde_derives(serde);
        (derives, optional, TokenStream::new())
    } else {
        (Vec::new(), TokenStream::new(), written_serde(def, serde))
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #default #(#derives),*)]
        #optional
        pub struct #name {
            #(#fields)*
            #(#choice_fields)*
            #additional
        }

        #written
        #(#choice_enums)*
    }
}

/// `Serialize`, `Deserialize` and `runtime::Object` of a struct without flattened members,
/// written out: a map entry per field, a match arm per field index (see the runtime's `object`).
/// They encode and decode what serde's derive would with the attributes it used to get.
fn written_serde(def: &StructDef, serde: Directions) -> TokenStream {
    let name = &def.name;
    // Locals are named after the fields; the map and key variables must not collide.
    let free = |base: &str| {
        let mut candidate = base.to_owned();
        while def.fields.iter().any(|f| f.name == candidate) {
            candidate.push('_');
        }
        ident(&candidate)
    };
    let (map, key) = (free("map"), free("key"));
    let locals: Vec<_> = def.fields.iter().map(|f| ident(&f.name)).collect();
    let wires: Vec<&str> = def.fields.iter().map(|f| f.wire.as_str()).collect();
    let indices = (0..def.fields.len()).map(proc_macro2::Literal::usize_unsuffixed);
    let inits = def.fields.iter().zip(&locals).map(|(f, local)| {
        if f.double_option() {
            quote!(let mut #local = runtime::Nullable::Absent;)
        } else {
            quote!(let mut #local = None;)
        }
    });
    // Keys are read as the index of their field (`field`, a match on the name, as in the
    // derive's field visitor).
    let arms = def.fields.iter().zip(&locals).enumerate().map(|(index, (f, local))| {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let put = if f.optional() { quote!(runtime::put) } else { quote!(runtime::put_some) };
        quote!(Some(#index) => #put(&mut #map, &mut #local),)
    });
    // One match over the required fields' slots builds the struct or names the missing one.
    let required: Vec<_> = def.fields.iter().zip(&locals).filter(|(f, _)| !f.optional()).collect();
    let build = quote!(Ok(Self { #(#locals),* }));
    let finish = match required.as_slice() {
        [] => build,
        [(f, local)] => {
            let wire = &f.wire;
            quote! {
                match #local {
                    Some(#local) => #build,
                    None => Err(serde::de::Error::missing_field(#wire)),
                }
            }
        }
        many => {
            let names: Vec<_> = many.iter().map(|(_, local)| *local).collect();
            let wires = many.iter().map(|(f, _)| f.wire.as_str());
            quote! {
                match (#(#names),*) {
                    (#(Some(#names)),*) => #build,
                    (#(#names),*) => Err(runtime::missing_field(&[#((#wires, #names.is_none())),*])),
                }
            }
        }
    };
    let sent: Vec<_> = def.fields.iter().zip(&locals).filter(|(f, _)| !f.read_only).collect();
    // Only read-only fields: nothing is sent, and the map is never written to.
    let mutable = (!sent.is_empty()).then(|| quote!(mut));
    let entries = sent.iter().map(|(f, local)| {
        let wire = &f.wire;
        if f.double_option() {
            quote! {
                if !self.#local.is_absent() {
                    #map.serialize_entry(#wire, &self.#local)?;
                }
            }
        } else if f.optional() {
            quote! {
                if let Some(value) = &self.#local {
                    #map.serialize_entry(#wire, value)?;
                }
            }
        } else {
            quote!(#map.serialize_entry(#wire, &self.#local)?;)
        }
    });
    let expecting = format!("struct {name}");
    let name = ident(name);
    let (ser, de) = (serde_impl_cfg(serde.serialize), serde_impl_cfg(serde.deserialize));
    quote! {
        #ser
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let #mutable #map = serializer.serialize_map(None)?;
                #(#entries)*
                #map.end()
            }
        }

        #de
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                runtime::deserialize_object(deserializer)
            }
        }

        #de
        impl runtime::Object for #name {
            const EXPECTING: &'static str = #expecting;

            fn field(name: &str) -> Option<usize> {
                match name {
                    #(#wires => Some(#indices),)*
                    _ => None,
                }
            }

            fn from_map<'de, A: serde::de::MapAccess<'de>>(mut #map: A) -> Result<Self, A::Error> {
                #(#inits)*
                while let Some(#key) = #map.next_key_seed(runtime::FieldIndex::<Self>::new())? {
                    match #key {
                        #(#arms)*
                        _ => runtime::skip_value(&mut #map),
                    }?;
                }
                #finish
            }
        }
    }
}

/// `` `a`, `b` `` of a choice's properties.
fn wire_list(choice: &Choice) -> String {
    choice.variants.iter().map(|f| format!("`{}`", f.wire)).collect::<Vec<_>>().join(", ")
}

/// The enum of an `x-exactly-one-of` group: a variant per property, sent as that property.
fn emit_choice(parent: &str, choice: &Choice, serde: Directions) -> TokenStream {
    let name = ident(&choice.enum_name);
    let doc = crate::docs::outer(&format!(
        "Exactly one of {} of `{parent}`: the API takes one and only one (`x-exactly-one-of`).",
        wire_list(choice)
    ));
    let mut scope = crate::names::Scope::default();
    let variants = choice.variants.iter().map(|f| {
        let variant = ident(&scope.claim(crate::names::type_name(&f.wire)));
        let (wire, inner) = (&f.wire, ty(&f.ty));
        let doc = doc_or(f.doc.as_deref(), "Not described by the API document.");
        quote! { #doc #[serde(rename = #wire)] #variant(#inner), }
    });
    // The struct's serde directions: the enum is flattened into it.
    let (derives, optional) = serde_derives(serde);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, #(#derives),*)]
        #optional
        pub enum #name {
            #(#variants)*
        }
    }
}

fn emit_enum(def: &EnumDef, serde: Directions) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("The `{}` values.", def.name));
    let variants: Vec<_> = def.variants.iter().map(|v| ident(&v.name)).collect();
    let wires: Vec<&str> = def.variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|w| crate::docs::outer(&format!("`{w}`")));
    let (ser, de) = (serde_impl_cfg(serde.serialize), serde_impl_cfg(serde.deserialize));
    quote! {
        #doc
        ///
        /// Values this client does not know yet are kept in `Unknown`, so new server values
        /// never break decoding.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variant_docs #variants, )*
            /// A value not listed in the API description.
            Unknown(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #( #wires => Self::#variants, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #ser
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #de
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                runtime::deserialize_str_as(deserializer, |value| Self::from(value))
            }
        }

        impl runtime::QueryValue for #name {
            fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(self.as_str())
            }
        }
    }
}

fn emit_newtype(def: &NewtypeDef, serde: Directions) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("A `{}` value.", def.name));
    let (derives, optional) = serde_derives(serde);
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #(#derives),*)]
        #optional
        #[serde(transparent)]
        pub struct #name(String);

        impl #name {
            /// Wraps a raw value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw value.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the raw value.
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl runtime::QueryValue for #name {
            fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(&self.0)
            }
        }
    }
}

fn emit_alias(def: &AliasDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("The `{}` schema.", def.name));
    let target = ty(&def.target);
    // A named target is a schema of its own or one shared by identical schemas (see
    // `dedupe`): say which, so the alias's docs lead to the type's.
    let same = match &def.target {
        TypeRef::Named(t) => {
            let note = crate::docs::own(&format!("The same type as [`{t}`]."));
            quote!(#[doc = ""] #note)
        }
        _ => quote!(),
    };
    quote! { #doc #same pub type #name = #target; }
}

fn emit_union(def: &UnionDef, serde: Directions) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("The `{}` schema.", def.name));
    let variants = def.variants.iter().map(|(v, t)| {
        let v = ident(v);
        let t = ty(t);
        let vdoc = crate::docs::outer(&format!("The value matched `{v}`."));
        quote! { #vdoc #v(#t), }
    });
    let serialize_arms = def.variants.iter().map(|(v, _)| {
        let v = ident(v);
        quote!(Self::#v(value) => value.serialize(serializer),)
    });
    let (how, decode) = match &def.discriminator {
        Some(crate::ir::Discriminator { property, mapping: pairs }) => {
            let values = pairs.iter().map(|(value, _)| value);
            let arms = pairs.iter().map(|(value, variant)| {
                let v = ident(variant);
                quote!(Some(#value) => serde_json::from_value(value).map(Self::#v).map_err(|e| {
                    serde::de::Error::custom(format!("as {}: {e}", stringify!(#v)))
                }),)
            });
            (
                format!(
                    "Decoding reads the `{property}` member to pick the variant. When it is missing, a \
                     drift-tolerant client tries each tag in turn and reports the one that fit \
                     (`runtime::DriftAction::TagInferred`)."
                ),
                quote! {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                    let tag = value.get(#property).and_then(|t| t.as_str()).map(str::to_owned);
                    match tag.as_deref() {
                        #(#arms)*
                        other => Err(runtime::discriminator_error(#property, other, &[#(#values),*])),
                    }
                },
            )
        }
        None => {
            let tries = def.variants.iter().map(|(v, _)| {
                let variant = ident(v);
                let label = v.as_str();
                quote! {
                    match serde_json::from_value(value.clone()) {
                        Ok(v) => return Ok(Self::#variant(v)),
                        Err(e) => failures.push(format!("{}: {e}", #label)),
                    }
                }
            });
            (
                "Decoding tries each variant in order and keeps the first that matches; when none does, the error says why each failed.".to_owned(),
                quote! {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                    let mut failures = Vec::new();
                    #(#tries)*
                    Err(serde::de::Error::custom(format!("no variant matched: {}", failures.join("; "))))
                },
            )
        }
    };
    let how = crate::docs::own(&how);
    // A union of scalars taken by a parameter: sent as the variant's own text.
    let query_value = def.query_value.then(|| {
        let arms = def.variants.iter().map(|(v, _)| {
            let v = ident(v);
            quote!(Self::#v(value) => runtime::QueryValue::to_query_value(value),)
        });
        quote! {
            impl runtime::QueryValue for #name {
                fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
                    match self {
                        #(#arms)*
                    }
                }
            }
        }
    });
    let (ser, de) = (serde_impl_cfg(serde.serialize), serde_impl_cfg(serde.deserialize));
    quote! {
        #doc
        ///
        #how
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }

        #query_value

        #ser
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                }
            }
        }

        #de
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #decode
            }
        }
    }
}

fn emit_int_enum(def: &IntEnumDef, serde: Directions) -> TokenStream {
    let name = ident(&def.name);
    let doc = doc_or(def.doc.as_deref(), &format!("The `{}` values.", def.name));
    let variants: Vec<_> = def.variants.iter().map(|(v, _)| ident(v)).collect();
    let values: Vec<proc_macro2::Literal> =
        def.variants.iter().map(|(_, n)| proc_macro2::Literal::i64_unsuffixed(*n)).collect();
    let variant_docs = def.variants.iter().map(|(_, n)| crate::docs::outer(&format!("`{n}`")));
    let (ser, de) = (serde_impl_cfg(serde.serialize), serde_impl_cfg(serde.deserialize));
    quote! {
        #doc
        ///
        /// Values this client does not know yet are kept in `Unknown`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #( #variant_docs #variants, )*
            /// A value not listed in the API description.
            Unknown(i64),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn value(self) -> i64 {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        impl From<i64> for #name {
            fn from(value: i64) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other),
                }
            }
        }

        #ser
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        #de
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <i64 as serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }

        impl runtime::QueryValue for #name {
            fn to_query_value(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Owned(self.value().to_string())
            }
        }
    }
}

fn emit_responses(def: &ResponsesDef) -> TokenStream {
    let name = ident(&def.name);
    let doc = crate::docs::own(&format!(
        "The success responses of operation `{}`, one variant per status.",
        def.operation
    ));
    let variants = def.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let status = v.status.map(|s| s.to_string()).unwrap_or_else(|| "2XX".to_owned());
        match &v.body {
            Some(SuccessBody::Json(t)) => {
                let t = ty(t);
                let vdoc = crate::docs::own(&format!("Status `{status}`."));
                quote!(#vdoc #variant(#t),)
            }
            Some(SuccessBody::Text) => {
                let vdoc = crate::docs::own(&format!("Status `{status}`, with a text body."));
                quote!(#vdoc #variant(String),)
            }
            Some(SuccessBody::Bytes) => {
                let vdoc = crate::docs::own(&format!("Status `{status}`, with a binary body."));
                quote!(#vdoc #variant(bytes::Bytes),)
            }
            None => {
                let vdoc = crate::docs::own(&format!("Status `{status}`, without a body."));
                quote!(#vdoc #variant,)
            }
        }
    });
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }
    }
}
