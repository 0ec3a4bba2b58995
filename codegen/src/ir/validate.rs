//! The last step of lowering: a check that the [`Api`] is consistent, so that emission,
//! which turns it into tokens and cannot fail, never meets a name it cannot write or a type
//! that is not there. What this finds is a generator bug, reported as
//! [`Error::Inconsistent`] naming the item, instead of a crate that does not compile.

use super::{Api, Operation, Response, SuccessBody, TypeDef, TypeRef};
use crate::error::Error;
use crate::names::is_valid_ident;

/// Checks every identifier and every type reference of `api`.
pub fn validate(api: &Api) -> Result<(), Error> {
    for (key, def) in &api.types {
        let at = format!("type {key}");
        check_type(api, &at, key, def)?;
    }
    for op in &api.operations {
        check_operation(api, op)?;
    }
    for (key, page) in &api.pages {
        let at = format!("page {key}");
        name(&at, &page.type_name)?;
        if !api.types.contains_key(&page.type_name) {
            return Err(inconsistent(&at, format!("pages a type `{}` that does not exist", page.type_name)));
        }
        reference(api, &at, &page.item)?;
        for step in page.items.iter().chain(&page.next_url) {
            name(&at, &step.field)?;
        }
    }
    Ok(())
}

fn check_type(api: &Api, at: &str, key: &str, def: &TypeDef) -> Result<(), Error> {
    let own = def.name();
    if own != key {
        return Err(inconsistent(at, format!("is filed under another name than its own, `{own}`")));
    }
    name(at, own)?;
    match def {
        TypeDef::Struct(d) => {
            for field in &d.fields {
                name(at, &field.name)?;
                reference(api, at, &field.ty)?;
            }
            if let Some(additional) = &d.additional {
                reference(api, at, additional)?;
            }
            for choice in &d.choices {
                name(at, &choice.name)?;
                name(at, &choice.enum_name)?;
                for field in &choice.variants {
                    reference(api, at, &field.ty)?;
                }
            }
        }
        TypeDef::Enum(d) => {
            for variant in &d.variants {
                name(at, &variant.name)?;
            }
        }
        TypeDef::IntEnum(d) => {
            for (variant, _) in &d.variants {
                name(at, variant)?;
            }
        }
        TypeDef::Newtype(_) => {}
        TypeDef::Alias(d) => reference(api, at, &d.target)?,
        TypeDef::Union(d) => {
            for (variant, ty) in &d.variants {
                name(at, variant)?;
                reference(api, at, ty)?;
            }
            if let Some(discriminator) = &d.discriminator {
                for (_, variant) in &discriminator.mapping {
                    if !d.variants.iter().any(|(v, _)| v == variant) {
                        return Err(inconsistent(
                            at,
                            format!("maps a tag to a variant `{variant}` it does not have"),
                        ));
                    }
                }
            }
        }
        TypeDef::Responses(d) => {
            for variant in &d.variants {
                name(at, &variant.name)?;
                if let Some(SuccessBody::Json(ty)) = &variant.body {
                    reference(api, at, ty)?;
                }
            }
        }
    }
    Ok(())
}

fn check_operation(api: &Api, op: &Operation) -> Result<(), Error> {
    let at = format!("operation {}", op.id);
    name(&at, &op.method)?;
    for method in [&op.pages_method, &op.with_method, &op.resume_method].into_iter().flatten() {
        name(&at, method)?;
    }
    for param in &op.path_params {
        name(&at, &param.name)?;
        reference(api, &at, &param.ty)?;
    }
    if let Some(query) = &op.query {
        name(&at, &query.name)?;
        for param in &query.params {
            name(&at, &param.name)?;
            reference(api, &at, &param.ty)?;
        }
    }
    if let Some(body) = &op.body {
        reference(api, &at, &body.ty)?;
    }
    for (_, ty) in &op.error_bodies {
        reference(api, &at, ty)?;
    }
    match &op.response {
        None | Some(Response::Text { .. } | Response::Bytes { .. }) => {}
        Some(Response::Json(ty)) => reference(api, &at, ty)?,
        Some(Response::Several { type_name }) => {
            if !matches!(api.types.get(type_name), Some(TypeDef::Responses(_))) {
                return Err(inconsistent(
                    &at,
                    format!("returns `{type_name}`, which is not its responses enum"),
                ));
            }
        }
    }
    Ok(())
}

/// The named type `ty` mentions, if any, exists.
fn reference(api: &Api, at: &str, ty: &TypeRef) -> Result<(), Error> {
    match ty.named() {
        Some(target) if !api.types.contains_key(target) => {
            Err(inconsistent(at, format!("refers to a type `{target}` that does not exist")))
        }
        _ => Ok(()),
    }
}

fn name(at: &str, name: &str) -> Result<(), Error> {
    if is_valid_ident(name) {
        Ok(())
    } else {
        Err(inconsistent(at, format!("has a name that is no Rust identifier: {name:?}")))
    }
}

fn inconsistent(at: &str, message: String) -> Error {
    Error::Inconsistent { item: at.to_owned(), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AliasDef, StructDef};

    fn api_with(types: Vec<TypeDef>) -> Api {
        Api {
            title: "t".to_owned(),
            version: "1".to_owned(),
            description: None,
            types: types
                .into_iter()
                .map(|def| {
                    let name = match &def {
                        TypeDef::Alias(d) => d.name.clone(),
                        TypeDef::Struct(d) => d.name.clone(),
                        _ => String::new(),
                    };
                    (name, def)
                })
                .collect(),
            operations: Vec::new(),
            pages: Default::default(),
        }
    }

    fn alias(name: &str, target: TypeRef) -> TypeDef {
        TypeDef::Alias(AliasDef { name: name.to_owned(), doc: None, target })
    }

    #[test]
    fn a_consistent_api_passes() {
        let api = api_with(vec![
            alias("Ids", TypeRef::Vec(Box::new(TypeRef::Named("Id".to_owned())))),
            alias("Id", TypeRef::String),
        ]);
        assert!(validate(&api).is_ok());
    }

    #[test]
    fn a_missing_type_is_named() {
        let api = api_with(vec![alias("Ids", TypeRef::Map(Box::new(TypeRef::Named("Id".to_owned()))))]);
        let error = validate(&api).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("type Ids: refers to a type `Id` that does not exist"), "{error}");
    }

    #[test]
    fn an_invalid_identifier_is_named() {
        let def = StructDef {
            name: "2fa".to_owned(),
            doc: None,
            fields: Vec::new(),
            additional: None,
            choices: Vec::new(),
        };
        let api = api_with(vec![TypeDef::Struct(def)]);
        let error = validate(&api).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("no Rust identifier: \"2fa\""), "{error}");
    }
}
