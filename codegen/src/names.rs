//! Rust names from wire names: case conversion, keyword escaping and collision handling.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Words that cannot be raw identifiers and must be renamed instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords (2015 to 2024 editions, strict and reserved).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait",
    "true", "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while",
    "yield",
];

/// Type names the generated code itself relies on (prelude and runtime names): a schema
/// with one of these names gets a `Model` suffix so that it cannot shadow them.
const RESERVED_TYPES: &[&str] = &[
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "Box",
    "Vec",
    "String",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Into",
    "From",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Debug",
    "Display",
    "AsRef",
    "AsMut",
    "Cow",
    "Client",
    "ClientBuilder",
    "Error",
    "Request",
    "Query",
    "QueryValue",
    "Page",
    "Paginator",
    "SortKey",
    "Timestamp",
    "DateTime",
    "Date",
    "Value",
    "Map",
    "BTreeMap",
    "HashMap",
    "Serialize",
    "Deserialize",
    "Deserializer",
    "Serializer",
    "Self",
];

/// Longest identifier we emit before shortening (keeps rustdoc and error messages readable).
const MAX_LEN: usize = 64;

/// Reduces arbitrary text to ASCII words separated by `_`, so that case conversion
/// has something to work with: punctuation and non-ASCII characters become separators,
/// except that common Latin letters with accents lose them.
fn ascii_words(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if let Some(a) = fold_accent(c) {
            out.push(a);
        } else {
            out.push('_');
        }
    }
    out
}

fn fold_accent(c: char) -> Option<char> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ç' => 'c',
        'Ç' => 'C',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ß' => 's',
        _ => return None,
    };
    Some(folded)
}

/// Cuts a name longer than [`MAX_LEN`], ending it with a stable hash of the full name so
/// that two long names sharing a prefix still differ. `sep` goes before the hash: `_` for
/// snake case, nothing for camel case.
fn shorten(mut name: String, sep: &str) -> String {
    if name.len() > MAX_LEN {
        let hash = fnv1a(&name);
        name.truncate(MAX_LEN - 9);
        // A cut just after a word leaves `_`, and `__` before the hash is not snake case.
        while name.ends_with('_') && !sep.is_empty() {
            name.pop();
        }
        name.push_str(&format!("{sep}{:08x}", hash as u32));
    }
    name
}

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// `UpperCamelCase` type name for a schema or generated type; never empty, never a keyword.
pub fn type_name(raw: &str) -> String {
    let mut name = ascii_words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = "Unnamed".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "Type");
    }
    if RESERVED_TYPES.contains(&name.as_str()) {
        name.push_str("Model");
    }
    shorten(name, "")
}

/// `UpperCamelCase` enum variant name for a wire value.
pub fn variant_name(raw: &str) -> String {
    let mut name = ascii_words(raw).to_upper_camel_case();
    if name.is_empty() {
        name = if raw.is_empty() { "Empty".to_owned() } else { "Symbol".to_owned() };
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" || name == "Unknown" {
        // `Unknown` is the fallback variant of every generated enum.
        name.push_str("Value");
    }
    shorten(name, "")
}

/// `snake_case` name for a field, parameter or method; escaped when it is a keyword.
pub fn snake_name(raw: &str) -> String {
    let mut name = ascii_words(raw).to_snake_case();
    if name.is_empty() {
        name = "value".to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    shorten(name, "_")
}

/// Whether `name` can be a Rust identifier as it is (with `r#` for keywords): ASCII
/// letters, digits and `_`, not starting with a digit, not `_` alone.
pub fn is_valid_ident(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

/// Whether `name` must be written as a raw identifier (`r#type`).
pub fn needs_raw(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// A `snake_case` name safe to use as an identifier: keywords that cannot be raw get a `_` suffix.
pub fn safe_snake(raw: &str) -> String {
    let name = snake_name(raw);
    if NOT_RAW.contains(&name.as_str()) { format!("{name}_") } else { name }
}

/// Hands out names that are unique within one scope (a module, a struct, an enum):
/// the first claimant keeps the name, later ones get `2`, `3`, … appended.
#[derive(Debug, Default)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope in which `reserved` names are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Scope { taken: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Claims `name`, or the first free `name2`, `name3`, … and returns what was claimed.
    pub fn claim(&mut self, name: String) -> String {
        if self.taken.insert(name.clone()) {
            return name;
        }
        let sep = if name.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        let mut n = 2u32;
        loop {
            let candidate = format!("{name}{sep}{n}");
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// Whether `name` is already taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name("account-list"), "AccountList");
        assert_eq!(type_name("Result"), "ResultModel");
        assert_eq!(type_name("2fa_settings"), "Type2faSettings");
        assert_eq!(type_name("Café"), "Cafe");
        assert_eq!(type_name("日本"), "Unnamed");
        assert_eq!(type_name("type"), "Type");
    }

    #[test]
    fn snake_names() {
        assert_eq!(snake_name("firstName"), "first_name");
        assert_eq!(snake_name("2nd"), "_2nd");
        assert!(needs_raw(&snake_name("type")));
        assert_eq!(safe_snake("self"), "self_");
        assert_eq!(snake_name("x-rate-limit"), "x_rate_limit");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("unread"), "Unread");
        assert_eq!(variant_name("1"), "V1");
        assert_eq!(variant_name(""), "Empty");
        assert_eq!(variant_name("Unknown"), "UnknownValue");
        assert_eq!(variant_name("-"), "Symbol");
    }

    #[test]
    fn long_camel_names_stay_camel() {
        let v = variant_name(&"very long value ".repeat(8));
        assert!(v.len() <= MAX_LEN && !v.contains('_'), "{v}");
    }

    #[test]
    fn long_snake_names_stay_snake() {
        // Wherever the cut falls, no `__` before the hash (`…_owned_by__30bedc17` was not snake case).
        for k in 1..4 {
            let name = snake_name(&format!("{}{}", "x".repeat(k), "_ab".repeat(30)));
            assert!(name.len() <= MAX_LEN && !name.contains("__"), "{name}");
        }
    }

    #[test]
    fn long_names_stay_distinct() {
        let a = snake_name(&"a".repeat(100));
        let b = snake_name(&format!("{}b", "a".repeat(99)));
        assert!(a.len() <= MAX_LEN && b.len() <= MAX_LEN);
        assert_ne!(a, b);
    }

    #[test]
    fn scope_dedupes() {
        let mut s = Scope::default();
        assert_eq!(s.claim("user_id".into()), "user_id");
        assert_eq!(s.claim("user_id".into()), "user_id2");
        assert_eq!(s.claim("v1".into()), "v1");
        assert_eq!(s.claim("v1".into()), "v1_2");
    }
}
