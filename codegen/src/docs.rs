//! Spec text made safe for rustdoc: one `#[doc]` line per line, bare URLs wrapped,
//! brackets and HTML escaped, code fences re-tagged as `text`.

use proc_macro2::TokenStream;
use quote::quote;

/// Turns untrusted text from the document into outer doc attributes.
pub fn outer(text: &str) -> TokenStream {
    let lines = sanitize(text);
    quote! { #( #[doc = #lines] )* }
}

/// Turns the generator's own Markdown (links and headings meant as such) into outer doc attributes.
pub fn own(text: &str) -> TokenStream {
    let lines = own_lines(text);
    quote! { #( #[doc = #lines] )* }
}

/// Inner doc attributes (`//!`) from the generator's own Markdown, for module headers.
pub fn own_inner(text: &str) -> TokenStream {
    let lines = own_lines(text);
    quote! { #( #![doc = #lines] )* }
}

fn own_lines(text: &str) -> Vec<String> {
    text.trim().lines().map(|l| if l.is_empty() { String::new() } else { format!(" {l}") }).collect()
}

/// Sanitises `text` into doc lines, each starting with a space (rendered `/// line`).
pub fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for raw in text.trim().lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            // Spec code samples are not Rust: never let rustdoc compile them.
            out.push(if in_fence { " ```".to_owned() } else { " ```text".to_owned() });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(format!(" {line}"));
        } else if trimmed.is_empty() {
            // One blank line separates paragraphs; more add nothing.
            if out.last().is_some_and(|l: &String| !l.is_empty()) {
                out.push(String::new());
            }
        } else {
            // Leading indentation would make an indented code block, which rustdoc compiles.
            out.push(format!(" {}", escape_line(trimmed)));
        }
    }
    if in_fence {
        out.push(" ```".to_owned());
    }
    // No blank lines at either end.
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    out
}

/// Escapes one prose line for Markdown as rustdoc reads it.
fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(url_len) = url_at(rest) {
            let url = &rest[..url_len];
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url_len..];
            continue;
        }
        // In inline code spans nothing needs escaping; copy them as they are.
        if rest.starts_with('`')
            && let Some(end) = rest[1..].find('`')
        {
            out.push_str(&rest[..end + 2]);
            rest = &rest[end + 2..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        match c {
            // Only what rustdoc would warn about: link brackets and HTML-like tags.
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Length of a bare URL at the start of `s`, if there is one.
fn url_at(s: &str) -> Option<usize> {
    if !(s.starts_with("http://") || s.starts_with("https://")) {
        return None;
    }
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`' | ')' | ']'))
        .unwrap_or(s.len());
    // A trailing full stop or comma ends the sentence, not the URL.
    let url = s[..end].trim_end_matches(['.', ',', ';', ':']);
    Some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_urls_and_escapes() {
        let lines = sanitize("See https://example.com/a_b. Use [x] <b> a*b");
        assert_eq!(lines, vec![" See <https://example.com/a_b>. Use \\[x\\] &lt;b&gt; a*b"]);
    }

    #[test]
    fn retags_fences_and_keeps_code_spans() {
        let lines = sanitize("Run `a_b[0]`:\n```json\n{\"a\": [1]}\n```\n\n");
        assert_eq!(lines, vec![" Run `a_b[0]`:", " ```text", " {\"a\": [1]}", " ```"]);
    }

    #[test]
    fn collapses_blank_lines_and_indentation() {
        assert_eq!(sanitize("a\n\n\n    b"), vec![" a", "", " b"]);
    }

    #[test]
    fn closes_unterminated_fence() {
        assert_eq!(sanitize("```\nx"), vec![" ```text", " x", " ```"]);
    }
}
