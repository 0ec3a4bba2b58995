//! The intermediate representation: plain data between the OpenAPI document and the tokens.
//!
//! Every name here is already a valid, unique Rust name; every wire name is kept beside it.

mod http;
mod validate;

pub use http::{HttpMethod, PathSegment, PathTemplate};
use std::collections::BTreeMap;
pub use validate::validate;

/// The whole API, ready to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Named types keyed by Rust name, so output order never depends on spec order.
    pub types: BTreeMap<String, TypeDef>,
    /// Operations sorted by Rust method name.
    pub operations: Vec<Operation>,
    /// One entry per paginated response type.
    pub pages: BTreeMap<String, PageImpl>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// Zone-less UTC timestamp (`format: naive-date-time`).
    Timestamp,
    /// RFC 3339 date-time (`format: date-time`).
    DateTime,
    /// Calendar date (`format: date`).
    Date,
    /// Any JSON value.
    Json,
    /// A JSON object with any members.
    JsonObject,
    /// A named type defined in `Api::types`.
    Named(String),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// Binary data (`format: binary`): `Vec<u8>`.
    Bytes,
    /// `Box<T>`, to break a cycle of directly nested structs.
    Boxed(Box<TypeRef>),
}

impl TypeRef {
    /// The named type this type mentions, through `Vec`, map and `Box` wrappers (a type
    /// mentions at most one).
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Vec(inner) | TypeRef::Map(inner) | TypeRef::Boxed(inner) => inner.named(),
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F32
            | TypeRef::F64
            | TypeRef::Timestamp
            | TypeRef::DateTime
            | TypeRef::Date
            | TypeRef::Bytes
            | TypeRef::Json
            | TypeRef::JsonObject => None,
        }
    }
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// A struct with named fields.
    Struct(StructDef),
    /// A string enum with an `Unknown(String)` fallback.
    Enum(EnumDef),
    /// A newtype around a string (entity ids and other named strings).
    Newtype(NewtypeDef),
    /// `pub type Name = Target;`
    Alias(AliasDef),
    /// A `oneOf`/`anyOf` union decoded by trying each variant in turn.
    Union(UnionDef),
    /// An integer enum with an `Unknown(i64)` fallback.
    IntEnum(IntEnumDef),
    /// The success responses of an operation with several.
    Responses(ResponsesDef),
}

impl TypeDef {
    /// The type's Rust name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(d) => &d.name,
            TypeDef::Enum(d) => &d.name,
            TypeDef::Newtype(d) => &d.name,
            TypeDef::Alias(d) => &d.name,
            TypeDef::Union(d) => &d.name,
            TypeDef::IntEnum(d) => &d.name,
            TypeDef::Responses(d) => &d.name,
        }
    }
}

/// A struct.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// Fields, sorted by wire name.
    pub fields: Vec<Field>,
    /// Value type of `additionalProperties` when it has a schema; captured with `#[serde(flatten)]`.
    pub additional: Option<TypeRef>,
    /// Groups of properties of which exactly one is sent (`x-exactly-one-of`), each one
    /// field of an enum type; their properties are not in `fields`.
    pub choices: Vec<Choice>,
}

/// Properties of which exactly one is sent (`x-exactly-one-of`): one struct field, of an
/// enum with a variant per property, flattened into the object.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Rust name of the struct field.
    pub name: String,
    /// Rust name of the enum.
    pub enum_name: String,
    /// The properties, in the extension's order; a variant each, named from the wire name.
    pub variants: Vec<Field>,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust name (already escaped if needed, without `r#`).
    pub name: String,
    /// Name on the wire.
    pub wire: String,
    /// Doc text.
    pub doc: Option<String>,
    /// The value type, without the `Option` that `required`/`nullable` add.
    pub ty: TypeRef,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// `readOnly: true`: sent by the server only, never serialised.
    pub read_only: bool,
    /// `writeOnly: true`: sent by the client only, absent from responses.
    pub write_only: bool,
}

impl Field {
    /// Whether the Rust field is an `Option`.
    pub fn optional(&self) -> bool {
        !self.required || self.nullable || self.read_only || self.write_only
    }

    /// Whether absent and `null` are kept apart (`runtime::Nullable<T>`): a field that may be
    /// left out and may also be `null`.
    pub fn double_option(&self) -> bool {
        self.nullable && (!self.required || self.read_only || self.write_only)
    }
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// Variants in spec order.
    pub variants: Vec<Variant>,
}

/// One enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Rust name.
    pub name: String,
    /// Value on the wire.
    pub wire: String,
}

/// An integer enum.
#[derive(Debug, Clone, PartialEq)]
pub struct IntEnumDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// `(variant name, value)` in spec order.
    pub variants: Vec<(String, i64)>,
}

/// A string newtype.
#[derive(Debug, Clone, PartialEq)]
pub struct NewtypeDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
}

/// A type alias.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// The aliased type.
    pub target: TypeRef,
}

/// A union of schemas (`oneOf`/`anyOf` without a usable discriminator).
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// `(variant name, type)` in spec order.
    pub variants: Vec<(String, TypeRef)>,
    /// The discriminator, when the document gives one.
    pub discriminator: Option<Discriminator>,
    /// Every variant is a scalar and a parameter takes the union: it implements
    /// `runtime::QueryValue` (the variant's own text).
    pub query_value: bool,
}

/// How a union names its variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    /// The property naming the variant.
    pub property: String,
    /// `(value, variant name)` pairs.
    pub mapping: Vec<(String, String)>,
}

/// One API operation: one method on the client.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId` (or the name derived from method and path).
    pub id: String,
    /// Rust method name.
    pub method: String,
    /// HTTP method.
    pub http_method: HttpMethod,
    /// Path template, parsed once: `/accounts/{id}`.
    pub path: PathTemplate,
    /// Summary and description.
    pub doc: Option<String>,
    /// Whether the operation is deprecated.
    pub deprecated: bool,
    /// Path parameters in template order.
    pub path_params: Vec<PathParam>,
    /// The query-parameter type, when the operation has query parameters.
    pub query: Option<QueryType>,
    /// The request body.
    pub body: Option<Body>,
    /// The success body (`None`: no body expected).
    pub response: Option<Response>,
    /// Error statuses with a JSON body schema: `(status or "default", type)`, for the docs.
    pub error_bodies: Vec<(String, TypeRef)>,
    /// Security alternatives (OR) of scheme sets (AND); `None` when the document declares none.
    pub security: Option<Vec<Vec<AuthScheme>>>,
    /// The name of the method returning a paginator, when the operation is paginated (`x-pagination`).
    pub pages_method: Option<String>,
    /// The operation's `tags`, in document order: the areas of the API it belongs to
    /// (cargo features of a crate generated with [`crate::Options::features`]).
    pub tags: Vec<String>,
    /// The name of the method taking the query explicitly (`<method>_with`), when the
    /// query is optional (no required parameter, no required group): the short method
    /// then sends the empty query.
    pub with_method: Option<String>,
    /// The name of the method resuming a paginated listing from a saved cursor
    /// (`<method>_resume`), when the operation is paginated.
    pub resume_method: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The Rust type the method takes (by reference).
    pub ty: TypeRef,
    /// How it is encoded.
    pub kind: BodyKind,
    /// The media type sent.
    pub media_type: String,
}

/// How a request body is encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    /// `application/json` (or `+json`).
    Json,
    /// `application/x-www-form-urlencoded`, from an object (or any value: its members).
    Form,
    /// `multipart/form-data`, from an object: one part per property.
    Multipart(Vec<MultipartField>),
    /// `multipart/form-data` whose schema is not an object, so the document does not list the
    /// parts: the caller builds the `runtime::Multipart`.
    MultipartParts,
    /// Text, sent as is (`text/*`).
    Text,
    /// Bytes, sent as is (any other media type).
    Bytes,
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartField {
    /// Rust field name of the body struct.
    pub field: String,
    /// Part name.
    pub wire: String,
    /// Whether the field is an `Option`.
    pub optional: bool,
    /// How the part is written.
    pub part: PartKind,
}

/// How a multipart part is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartKind {
    /// A scalar, as text.
    Text,
    /// Binary data (`format: binary`), as a file part.
    File,
    /// Anything else, as a JSON part.
    Json,
}

/// A success response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// Decoded from JSON.
    Json(TypeRef),
    /// Returned as text.
    Text {
        /// The media type asked for (`Accept`).
        accept: String,
    },
    /// Returned as bytes.
    Bytes {
        /// The media type asked for (`Accept`).
        accept: String,
    },
    /// Several success statuses with different bodies: an enum with a variant per status.
    Several {
        /// The Rust name of that enum, a [`TypeDef::Responses`] in `Api::types`.
        type_name: String,
    },
}

/// The success responses of one operation, as an enum with a variant per status.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsesDef {
    /// Rust name.
    pub name: String,
    /// The operation.
    pub operation: String,
    /// Variants in status order.
    pub variants: Vec<StatusVariant>,
}

/// One success status of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusVariant {
    /// The status code, or `None` for the `2XX` range.
    pub status: Option<u16>,
    /// Rust variant name.
    pub name: String,
    /// The body: `None` when the status has none.
    pub body: Option<SuccessBody>,
}

/// The body of one success status.
#[derive(Debug, Clone, PartialEq)]
pub enum SuccessBody {
    /// JSON of this type.
    Json(TypeRef),
    /// Text.
    Text,
    /// Bytes.
    Bytes,
}

/// One security scheme an operation may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthScheme {
    /// HTTP basic.
    Basic,
    /// HTTP bearer, OAuth 2 and OpenID Connect tokens.
    Bearer,
    /// An API key in a header, query parameter or cookie, with its name.
    ApiKey(ParamLocation, String),
}

/// Where a non-path parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// The query string.
    Query,
    /// A header.
    Header,
    /// A cookie.
    Cookie,
}

/// A path parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct PathParam {
    /// Rust argument name.
    pub name: String,
    /// Name in the path template.
    pub wire: String,
    /// Type (for arrays, the item type).
    pub ty: TypeRef,
    /// What the value is, which decides how it is written into the path.
    pub shape: PathShape,
    /// `style`: `simple`, `label` or `matrix`.
    pub style: PathStyle,
    /// `explode`.
    pub explode: bool,
}

/// The kinds of path parameter values, each written per the parameter's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathShape {
    /// One value (a scalar, or a union of scalars): `value`.
    Scalar,
    /// An array of scalars: `a,b`.
    Array,
    /// An object: `key,value,key,value` (`key=value,key=value` exploded).
    Object,
    /// Described by `content` with a JSON media type: the value's JSON text.
    Json,
}

/// OpenAPI path parameter styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    /// `value`, `a,b`.
    Simple,
    /// `.value`, `.a,b` (`.a.b` exploded).
    Label,
    /// `;name=value`, `;name=a,b` (`;name=a;name=b` exploded).
    Matrix,
}

/// The query-parameter struct of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryType {
    /// Rust type name, e.g. `ListAccountsQuery`.
    pub name: String,
    /// Parameters in spec order.
    pub params: Vec<QueryParam>,
    /// Groups of parameters (Rust field names) of which at least one must be set
    /// (operation extension `x-require-one-of`).
    pub require_one_of: Vec<Vec<String>>,
    /// The sort parameter (Rust field name) that must hold at most one key for the API to
    /// return paging links (`x-pagination` member `single-sort`).
    pub single_sort: Option<String>,
}

impl QueryType {
    /// Whether the empty query is a valid one: no parameter is required and no group of
    /// parameters must have one set. Such a query is optional in the operation's call.
    pub fn is_optional(&self) -> bool {
        self.require_one_of.is_empty() && self.params.iter().all(|p| !p.required)
    }

    /// Whether the type has rules to check before sending (bounds, required groups).
    pub fn has_rules(&self) -> bool {
        !self.require_one_of.is_empty() || self.params.iter().any(|p| !p.bounds.is_empty())
    }
}

impl Operation {
    /// Whether building the request can fail (body serialisation or query rules).
    pub fn request_is_fallible(&self) -> bool {
        let body =
            self.body.as_ref().is_some_and(|b| matches!(&b.kind, BodyKind::Json | BodyKind::Multipart(_)));
        body || !self.path_params.is_empty() || self.query.as_ref().is_some_and(QueryType::has_rules)
    }
}

/// One query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryParam {
    /// Rust field name.
    pub name: String,
    /// Name on the wire.
    pub wire: String,
    /// Doc text.
    pub doc: Option<String>,
    /// Element type (for arrays, the item type).
    pub ty: TypeRef,
    /// How the value is written into the query string (or header, or cookie).
    pub encoding: QueryEncoding,
    /// Where the parameter goes.
    pub location: ParamLocation,
    /// `required: true`.
    pub required: bool,
    /// Integer `minimum`/`maximum` of the schema, checked before sending.
    pub bounds: Bounds,
    /// `allowReserved: true`: reserved characters are sent unencoded.
    pub allow_reserved: bool,
}

/// How a query parameter is serialised (OpenAPI `style`/`explode`, plus `x-` conventions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryEncoding {
    /// `name=value`.
    Single,
    /// A bool sent as `1`/`0` (`x-boolean-as-integer`).
    Flag,
    /// An array sent as repeated keys (`form`, `explode: true`).
    Exploded,
    /// An array joined by a delimiter (`form` without explode, `spaceDelimited`, `pipeDelimited`).
    Joined(char),
    /// Sort keys `-a,b` over the named field enum (`x-sort-fields`).
    Sort(String),
    /// An object, flattened per its style.
    Object(ObjectStyle),
    /// Described by `content` with a JSON media type: `name=` the value's JSON text.
    Json,
}

/// Inclusive integer bounds a value must keep (`minimum`/`maximum`, exclusive ones moved in).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    /// The smallest allowed value.
    pub min: Option<i64>,
    /// The largest allowed value.
    pub max: Option<i64>,
}

impl Bounds {
    /// Whether neither bound is set.
    pub fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }
}

/// How an object-valued query parameter is flattened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `form`, `explode: true`: `a=1&b=2`.
    FormExploded,
    /// `form`, `explode: false`: `name=a,1,b,2`.
    Form,
    /// `deepObject`: `name[a]=1&name[b]=2`.
    DeepObject,
}

/// One struct field on the way to a value inside a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldStep {
    /// Rust field name.
    pub field: String,
    /// How the field holds its value.
    pub optionality: Optionality,
}

/// How a field holds its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Optionality {
    /// `T`.
    Required,
    /// `Option<T>`.
    Optional,
    /// `runtime::Nullable<T>`: absent, null or a value.
    Nullable,
}

/// How a paginated response type exposes its items and next-page URL.
#[derive(Debug, Clone, PartialEq)]
pub struct PageImpl {
    /// The response type.
    pub type_name: String,
    /// The item type.
    pub item: TypeRef,
    /// Struct fields from the top of the response to the item array.
    pub items: Vec<FieldStep>,
    /// Struct fields from the top of the response to the next-page URL.
    pub next_url: Vec<FieldStep>,
    /// Member names (as on the wire) from the top of the response to the item array.
    pub items_wire: Vec<String>,
    /// Member names (as on the wire) from the top of the response to the next-page URL.
    pub next_wire: Vec<String>,
    /// The Rust field of a required `id` member of the item (a string, integer or string
    /// newtype), which identifies an item when a listing is resumed.
    pub item_key: Option<String>,
}
