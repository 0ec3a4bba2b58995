//! `x-pagination`: the page type's item array and next link, followed through struct fields.

use super::super::unescape;
use super::{OpLowering, X_PAGINATION};
use crate::error::{Error, ptr};
use crate::ir::{FieldStep, Optionality, PageImpl, Response, TypeDef, TypeRef};

impl OpLowering<'_, '_> {
    pub(super) fn pagination(
        &mut self,
        ext: Option<&serde_json::Value>,
        response: Option<&Response>,
    ) -> Result<Option<PageImpl>, Error> {
        let Some(ext) = ext else { return Ok(None) };
        let pointer = ptr(self.op_ptr, &[X_PAGINATION]);
        let get = |key: &str| {
            ext.get(key).and_then(|v| v.as_str()).ok_or_else(|| {
                Error::invalid(
                    &pointer,
                    format!("{X_PAGINATION} needs `{key}`: a JSON pointer into the response"),
                )
            })
        };
        let (items_ptr, next_ptr) = (get("items")?, get("next-url")?);
        let Some(Response::Json(TypeRef::Named(type_name))) = response else {
            return Err(Error::invalid(
                &pointer,
                format!("{}: a paginated response must be an object schema", self.id),
            ));
        };
        let (items, item_ty) = self.field_chain(type_name, items_ptr, &pointer)?;
        let TypeRef::Vec(item) = item_ty else {
            return Err(Error::invalid(&pointer, format!("`items` {items_ptr:?} must point at an array")));
        };
        let (next_url, next_ty) = self.field_chain(type_name, next_ptr, &pointer)?;
        if next_ty != TypeRef::String {
            return Err(Error::invalid(&pointer, format!("`next-url` {next_ptr:?} must point at a string")));
        }
        let wire = |json_ptr: &str| json_ptr.split('/').skip(1).map(unescape).collect::<Vec<_>>();
        let item_key = self.item_key(&item);
        Ok(Some(PageImpl {
            type_name: type_name.clone(),
            item: *item,
            items,
            next_url,
            items_wire: wire(items_ptr),
            next_wire: wire(next_ptr),
            item_key,
        }))
    }

    /// The Rust field of the item's required `id` member, when it can be shown as text.
    pub(super) fn item_key(&self, item: &TypeRef) -> Option<String> {
        let TypeRef::Named(name) = item else { return None };
        let field = self.struct_of(name)?.fields.iter().find(|f| f.wire == "id" && !f.optional())?;
        let keyed = match &field.ty {
            TypeRef::String | TypeRef::I32 | TypeRef::I64 => true,
            TypeRef::Named(n) => matches!(self.cx.types.get(n), Some(TypeDef::Newtype(_))),
            _ => false,
        };
        keyed.then(|| field.name.clone())
    }

    /// Follows a JSON pointer through struct fields: `(rust field, optional)` per step, and the final type.
    pub(super) fn field_chain(
        &self,
        start: &str,
        json_ptr: &str,
        pointer: &str,
    ) -> Result<(Vec<FieldStep>, TypeRef), Error> {
        let mut chain = Vec::new();
        let mut current = TypeRef::Named(start.to_owned());
        for token in json_ptr.split('/').skip(1) {
            let token = unescape(token);
            let def = match &current {
                TypeRef::Named(n) => self.struct_of(n),
                _ => None,
            };
            let Some(def) = def else {
                return Err(Error::invalid(
                    pointer,
                    format!("{json_ptr:?}: {token:?} is not inside an object"),
                ));
            };
            let Some(field) = def.fields.iter().find(|f| f.wire == token) else {
                return Err(Error::invalid(
                    pointer,
                    format!("{json_ptr:?}: {} has no property {token:?}", def.name),
                ));
            };
            let optionality = if field.double_option() {
                Optionality::Nullable
            } else if field.optional() {
                Optionality::Optional
            } else {
                Optionality::Required
            };
            chain.push(FieldStep { field: field.name.clone(), optionality });
            current = field.ty.clone();
        }
        if chain.is_empty() {
            return Err(Error::invalid(pointer, format!("{json_ptr:?} must point inside the response")));
        }
        Ok((chain, current))
    }

    pub(super) fn struct_of(&self, name: &str) -> Option<&crate::ir::StructDef> {
        match self.cx.types.get(name)? {
            TypeDef::Struct(def) => Some(def),
            TypeDef::Alias(a) => match &a.target {
                TypeRef::Named(n) => self.struct_of(n),
                _ => None,
            },
            _ => None,
        }
    }
}
