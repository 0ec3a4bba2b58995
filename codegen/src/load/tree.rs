//! A compact, read-only tree of the document: every YAML or JSON value as a 12-byte node
//! in one arena, every scalar's text in one string.
//!
//! The `openapiv3` types take about ten times the document's size in memory, so the
//! loader keeps only this tree (≈ 1.5× the text) and deserializes one path item or one
//! component at a time from it, when lowering needs it. Aliases (`*name`) share the
//! anchored node instead of copying it.

use crate::error::{Error, escape_token};

/// A node's index in the arena. Children always have smaller ids than their parent, so
/// the tree (a DAG when aliases share nodes) has no cycles.
pub type NodeId = u32;

/// Deepest nesting accepted: `openapiv3` deserializes recursively, and real documents
/// nest a few dozen levels at most.
pub const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// `text[start..start + len]`; `plain` for an unquoted YAML scalar (or a JSON number,
    /// boolean or null), whose type is resolved from its text.
    Scalar { start: u32, len: u32, plain: bool },
    /// `children[start..start + len]`.
    Seq { start: u32, len: u32 },
    /// `children[start..start + 2 * len]`: key, value, key, value, …
    Map { start: u32, len: u32 },
}

/// The whole document.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    children: Vec<NodeId>,
    text: String,
    root: NodeId,
}

impl Tree {
    pub fn root(&self) -> NodeId {
        self.root
    }

    pub fn node(&self, id: NodeId) -> Node {
        // Ids only come from this tree's builder, so they are always in range; an empty
        // scalar stands in rather than a panic should that ever break.
        self.nodes.get(id as usize).copied().unwrap_or(Node::Scalar { start: 0, len: 0, plain: false })
    }

    fn slice(&self, start: u32, len: usize) -> &[NodeId] {
        let start = start as usize;
        self.children.get(start..start + len).unwrap_or_default()
    }

    /// The text of a scalar node, `None` for a sequence or a map.
    pub fn scalar(&self, id: NodeId) -> Option<(&str, bool)> {
        match self.node(id) {
            Node::Scalar { start, len, plain } => {
                let (start, end) = (start as usize, start as usize + len as usize);
                Some((self.text.get(start..end).unwrap_or_default(), plain))
            }
            _ => None,
        }
    }

    /// The items of a sequence node.
    pub fn items(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.node(id) {
            Node::Seq { start, len } => Some(self.slice(start, len as usize)),
            _ => None,
        }
    }

    /// The keys and values of a map node, alternating, in document order.
    pub fn pairs(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.node(id) {
            Node::Map { start, len } => Some(self.slice(start, 2 * len as usize)),
            _ => None,
        }
    }

    /// The `(key, value)` entries of a map node, in document order.
    pub fn entries(&self, id: NodeId) -> Option<impl Iterator<Item = (NodeId, NodeId)> + '_> {
        Some(self.pairs(id)?.chunks_exact(2).map(|pair| (pair[0], pair[1])))
    }

    /// The value under `key` in a map node (the last one if the key repeats, as a map
    /// built from the entries would keep).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.entries(map)?
            .filter(|&(k, _)| self.scalar(k).is_some_and(|(text, _)| text == key))
            .last()
            .map(|e| e.1)
    }

    /// `$ref` of a reference object (a map with a `$ref` string), as `openapiv3`'s
    /// `ReferenceOr` reads it: any other keys beside it are ignored.
    pub fn reference(&self, id: NodeId) -> Option<&str> {
        self.scalar(self.get(id, "$ref")?).map(|(text, _)| text)
    }

    /// A plain scalar that reads as null (`null`, `~`, or nothing at all).
    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.scalar(id), Some((text, true)) if is_null_word(text))
    }
}

/// The plain scalars that mean null in the YAML 1.2 core schema (JSON's `null` among them).
pub fn is_null_word(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// Builds a [`Tree`] from a stream of events (YAML parser events, or a JSON visitor's calls).
pub struct Builder {
    tree: Tree,
    /// Open containers, innermost last.
    open: Vec<Open>,
    /// Children of the open containers, each container's after its parent's.
    pending: Vec<NodeId>,
    /// Whether an alias shared a node, which calls for the expansion check at the end.
    shared: bool,
}

struct Open {
    map: bool,
    /// Where this container's children start in `pending`.
    first: usize,
}

impl Builder {
    pub fn new(text_capacity: usize) -> Self {
        let mut tree = Tree::default();
        tree.text.reserve(text_capacity);
        Builder { tree, open: Vec::new(), pending: Vec::new(), shared: false }
    }

    fn too_large(&self) -> Error {
        Error::Parse {
            pointer: self.pointer(),
            message: "the document is too large (over 4 GiB of nodes)".into(),
        }
    }

    fn push(&mut self, node: Node) -> Result<NodeId, Error> {
        let id = NodeId::try_from(self.tree.nodes.len())
            .ok()
            .filter(|&id| id != REMOVED)
            .ok_or_else(|| self.too_large())?;
        self.tree.nodes.push(node);
        self.pending.push(id);
        Ok(id)
    }

    /// Adds a scalar; returns its id (for anchors).
    pub fn scalar(&mut self, text: &str, plain: bool) -> Result<NodeId, Error> {
        let start = u32::try_from(self.tree.text.len()).map_err(|_| self.too_large())?;
        let len = u32::try_from(text.len()).map_err(|_| self.too_large())?;
        self.tree.text.push_str(text);
        self.push(Node::Scalar { start, len, plain })
    }

    /// Adds a node already in the tree once more (an alias of an anchored node).
    pub fn alias(&mut self, id: NodeId) {
        self.shared = true;
        self.pending.push(id);
    }

    pub fn start(&mut self, map: bool) -> Result<(), Error> {
        if self.open.len() >= MAX_DEPTH {
            return Err(Error::Parse {
                pointer: self.pointer(),
                message: format!("values nest more than {MAX_DEPTH} levels deep"),
            });
        }
        self.open.push(Open { map, first: self.pending.len() });
        Ok(())
    }

    /// Closes the innermost container; returns its id (for anchors).
    pub fn end(&mut self) -> Result<NodeId, Error> {
        let Some(open) = self.open.pop() else {
            return Err(Error::Parse { pointer: "/".into(), message: "unbalanced collection end".into() });
        };
        let start = u32::try_from(self.tree.children.len()).map_err(|_| self.too_large())?;
        let count = if open.map {
            if (self.pending.len() - open.first) % 2 == 1 {
                return Err(Error::Parse {
                    pointer: self.pointer(),
                    message: "a map key has no value".into(),
                });
            }
            dedupe_keys(&self.tree, &mut self.pending[open.first..]);
            keep_entries(&mut self.pending, open.first)
        } else {
            self.pending.len() - open.first
        };
        let len = u32::try_from(count).map_err(|_| self.too_large())?;
        self.tree.children.extend(self.pending.drain(open.first..));
        self.push(if open.map { Node::Map { start, len } } else { Node::Seq { start, len } })
    }

    /// The JSON pointer of the value being built, for error messages.
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for (i, open) in self.open.iter().enumerate() {
            let end = self.open.get(i + 1).map_or(self.pending.len(), |next| next.first);
            let count = end.saturating_sub(open.first);
            out.push('/');
            if !open.map {
                out.push_str(&count.to_string());
            } else if count > 0
                && let Some(&key) = self.pending.get(open.first + ((count - 1) & !1))
            {
                let key = self.tree.scalar(key).map_or("?", |(text, _)| text);
                out.push_str(&escape_token(key));
            }
        }
        if out.is_empty() { "/".to_owned() } else { out }
    }

    /// The finished tree: exactly one top-level value.
    pub fn finish(mut self) -> Result<Tree, Error> {
        if !self.open.is_empty() || self.pending.len() != 1 {
            return Err(Error::Parse {
                pointer: "/".into(),
                message: "expected exactly one document".into(),
            });
        }
        self.tree.root = self.pending[0];
        if self.shared {
            check_expansion(&self.tree)?;
        }
        self.tree.nodes.shrink_to_fit();
        self.tree.children.shrink_to_fit();
        self.tree.text.shrink_to_fit();
        Ok(self.tree)
    }
}

/// Marks every entry whose key comes again later in the same map (by text) for removal,
/// so that the last value wins, as in a map built from the entries. Every reading of the
/// tree then agrees: `openapiv3` reads some values twice, once through `serde`'s buffer
/// and once through `serde_json::Value`, and panics if the two disagree.
fn dedupe_keys(tree: &Tree, pairs: &mut [NodeId]) {
    let key = |id: NodeId| tree.scalar(id).map(|(text, _)| text);
    let count = pairs.len() / 2;
    if count < 2 {
        return;
    }
    if count <= 16 {
        // Most maps are small: compare without allocating.
        for i in 0..count - 1 {
            let Some(text) = key(pairs[2 * i]) else { continue };
            if (i + 1..count).any(|j| key(pairs[2 * j]) == Some(text)) {
                pairs[2 * i] = REMOVED;
            }
        }
        return;
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for i in (0..count).rev() {
        let Some(text) = key(pairs[2 * i]) else { continue };
        if seen.insert(text, i).is_some() {
            pairs[2 * i] = REMOVED;
        }
    }
}

/// Stands for a removed entry's key until [`keep_entries`] drops it.
const REMOVED: NodeId = NodeId::MAX;

/// Drops the entries [`dedupe_keys`] marked from `pending[first..]`; returns how many are left.
fn keep_entries(pending: &mut Vec<NodeId>, first: usize) -> usize {
    let mut write = first;
    for read in (first..pending.len()).step_by(2) {
        if pending[read] != REMOVED {
            pending[write] = pending[read];
            pending[write + 1] = pending.get(read + 1).copied().unwrap_or(REMOVED);
            write += 2;
        }
    }
    pending.truncate(write);
    (write - first) / 2
}

/// Refuses documents whose aliases multiply their size ("billion laughs"): each part is
/// deserialized in full wherever it is used.
fn check_expansion(tree: &Tree) -> Result<(), Error> {
    let limit = 100 * tree.nodes.len() as u64 + 1_000_000;
    // Children have smaller ids than their parents, so one forward pass sees them first.
    let mut size = vec![0u64; tree.nodes.len()];
    for (id, node) in tree.nodes.iter().enumerate() {
        let (start, len) = match *node {
            Node::Scalar { .. } => (0, 0),
            Node::Seq { start, len } => (start, len as usize),
            Node::Map { start, len } => (start, 2 * len as usize),
        };
        let below: u64 =
            tree.slice(start, len).iter().map(|&c| size.get(c as usize).copied().unwrap_or(0)).sum();
        size[id] = (1 + below).min(u64::MAX / 4);
        if size[id] > limit {
            return Err(Error::Parse {
                pointer: "/".into(),
                message: format!("aliases expand the document to over {limit} values; expand them by hand"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(f: impl FnOnce(&mut Builder) -> Result<(), Error>) -> Result<Tree, Error> {
        let mut b = Builder::new(0);
        f(&mut b)?;
        b.finish()
    }

    #[test]
    fn maps_keep_document_order_and_the_last_duplicate() {
        let tree = build(|b| {
            b.start(true)?;
            for (k, v) in [("b", "1"), ("a", "2"), ("b", "3")] {
                b.scalar(k, true)?;
                b.scalar(v, true)?;
            }
            b.end()?;
            Ok(())
        })
        .unwrap();
        let root = tree.root();
        let keys: Vec<&str> = tree.entries(root).unwrap().map(|(k, _)| tree.scalar(k).unwrap().0).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(tree.scalar(tree.get(root, "b").unwrap()), Some(("3", true)));
        assert!(tree.get(root, "c").is_none());
    }

    #[test]
    fn a_repeated_key_keeps_only_its_last_value() {
        for size in [3, 40] {
            let tree = build(|b| {
                b.start(true)?;
                for i in 0..size {
                    b.scalar(&format!("k{i}"), true)?;
                    b.scalar("first", true)?;
                }
                b.scalar("k1", false)?;
                b.scalar("last", true)?;
                b.end()?;
                Ok(())
            })
            .unwrap();
            let root = tree.root();
            let entries: Vec<(&str, &str)> = tree
                .entries(root)
                .unwrap()
                .map(|(k, v)| (tree.scalar(k).unwrap().0, tree.scalar(v).unwrap().0))
                .collect();
            assert_eq!(entries.len(), size, "{entries:?}");
            assert_eq!(entries.iter().filter(|e| e.0 == "k1").collect::<Vec<_>>(), [&("k1", "last")]);
            assert_eq!(entries.last(), Some(&("k1", "last")));
        }
    }

    #[test]
    fn pointer_names_the_open_path() {
        let mut b = Builder::new(0);
        b.start(true).unwrap();
        b.scalar("paths", true).unwrap();
        b.start(true).unwrap();
        b.scalar("/a/{id}", false).unwrap();
        b.start(false).unwrap();
        b.scalar("x", true).unwrap();
        assert_eq!(b.pointer(), "/paths/~1a~1{id}/1");
    }

    #[test]
    fn depth_is_bounded() {
        let e = build(|b| {
            for _ in 0..=MAX_DEPTH {
                b.start(false)?;
            }
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("nest more than"), "{e}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let e = build(|b| {
            b.start(false)?;
            let mut id = b.scalar("lol", true)?;
            // each level holds ten copies of the one below: 10^9 values in the end
            for _ in 0..9 {
                b.start(false)?;
                for _ in 0..10 {
                    b.alias(id);
                }
                id = b.end()?;
            }
            b.end()?;
            Ok(())
        })
        .unwrap_err();
        assert!(e.to_string().contains("aliases expand"), "{e}");
    }
}
