//! Markdown headings in the generated docs render as headings: each `/// # ...` line is the
//! first of its comment or follows a blank `///` line (rustdoc joins a heading written
//! right after a paragraph line into that paragraph).

use std::path::Path;

#[test]
fn every_generated_heading_follows_a_blank_doc_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/src/generated");
    let mut headings = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim_start).collect();
        // `# ` inside a code block is a hidden line of an example, not a heading
        let mut in_code = false;
        for (i, line) in lines.iter().enumerate() {
            let Some(doc) = line.strip_prefix("///").or_else(|| line.strip_prefix("//!")) else { continue };
            if doc.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code || !doc.trim_start().starts_with("# ") {
                continue;
            }
            headings += 1;
            let previous = i.checked_sub(1).map(|p| lines[p]).unwrap_or("");
            let is_doc = previous.starts_with("///") || previous.starts_with("//!");
            assert!(
                !is_doc || previous[3..].trim().is_empty(),
                "{}:{}: heading {doc:?} follows the paragraph line {previous:?}",
                path.display(),
                i + 1
            );
        }
    }
    assert!(headings > 0, "no headings found: the test reads the wrong files");
}
