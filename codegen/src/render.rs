//! Rendering: tokens into formatted source text with the `@generated` header.

use crate::GeneratedFile;
use crate::emit::EmittedFile;
use crate::error::Error;

/// Parses the tokens as a file, pretty-prints them and prepends the header line.
pub fn render(file: EmittedFile<'_>, header: &str) -> Result<GeneratedFile, Error> {
    let parse = |tokens| -> Result<syn::File, Error> {
        syn::parse2(tokens).map_err(|e| Error::Render { file: file.path.clone(), message: e.to_string() })
    };
    let mut text = prettyplease::unparse(&parse(file.tokens.clone())?);
    for chunk in &file.chunks {
        // One chunk's tokens and syntax tree at a time; prettyplease lays out items
        // independently, so the text is the same as for the file in one piece.
        text.push_str(&prettyplease::unparse(&parse(chunk())?));
    }
    let body = space_items(&text);
    Ok(GeneratedFile { path: file.path, contents: format!("{header}\n\n{body}") })
}

/// Puts a blank line between items (prettyplease packs them together), which makes the
/// files and their diffs easier to read: after every line that closes an item, at the
/// top level or one level in, and after the `use` block and the module docs.
fn space_items(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else { continue };
        if next.trim().is_empty() || next.trim_start().starts_with('}') {
            continue;
        }
        let closes_item = matches!(*line, "}" | "};" | "    }" | "    };")
            || (line.starts_with("pub type ") && line.ends_with(';'))
            || (line.ends_with(';')
                && (line.starts_with("use ") || line.starts_with("pub mod ") || line.starts_with("mod "))
                && !next.starts_with("use ")
                && !next.starts_with("pub mod ")
                && !next.starts_with("mod ")
                && !next.starts_with("///"));
        let ends_docs = line.starts_with("//!") && !next.starts_with("//!");
        let ends_header = line.starts_with("#![") && !next.starts_with("#![");
        if closes_item || ends_docs || ends_header {
            out.push('\n');
        }
    }
    out
}
