//! A YAML document as a small tree whose every node keeps its byte span in the original
//! file, built from `saphyr-parser` events (the parser reports character positions; spans
//! are bytes, so positions are converted once per file).

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle};

#[derive(Clone, Debug)]
pub enum Value {
    /// A scalar's text; `plain` when written unquoted (only then can it be null or a bool).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys are scalars (other keys are kept as their text, empty when not a scalar).
    Map(Vec<(Node, Node)>),
}

#[derive(Clone, Debug)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    /// The scalar text, unless the node is a null (`~`, `null`, empty) or not a scalar.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, plain } => {
                let null = *plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                (!null).then_some(text.as_str())
            }
            _ => None,
        }
    }

    /// The entry under `key` of a mapping, with the key node.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The items of a sequence; a single non-sequence value counts as one item.
    pub fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![self],
        }
    }

    /// A boolean scalar (YAML 1.2 core: true/false in any of its three casings).
    pub fn bool(&self) -> Option<bool> {
        match self.str()? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
}

/// Nodes that aliases may copy in one file, all aliases together. A manifest's aliases
/// copy a few fields; a "billion laughs" file of 900 bytes copied gigabytes.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Collections nested in one another. Manifests nest about ten deep; 60,000 nested
/// sequences overflowed the stack (every tree walk, and dropping the tree, recurse).
pub const MAX_DEPTH: usize = 200;

/// Every document of a (multi-document) YAML text; a syntax error is I0001 at its
/// line and column, aliases copying too much or nesting too deep I0002, and the file
/// yields nothing.
pub fn documents(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    let pos = Positions::new(text);
    let mut b = Builder {
        stack: Vec::new(),
        docs: Vec::new(),
        anchors: Vec::new(),
        copied: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| {
            let m = e.marker();
            let at = pos.byte(m.index());
            Diagnostic::error("I0001", format!("YAML syntax error: {}", e.info()))
                .at(Span::new(file, at, at))
                .label("here")
                .help("fix the YAML (indentation, a missing `:` or quote)")
        })?;
        let span = Span::new(
            file,
            pos.byte(span.start.index()),
            pos.byte(span.end.index()),
        );
        b.event(ev, span)?;
    }
    Ok(b.docs)
}

/// Character index -> byte offset (identity for ASCII text).
struct Positions {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Positions {
    fn new(text: &str) -> Positions {
        let bytes = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        Positions {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, chars: usize) -> usize {
        match &self.bytes {
            None => chars.min(self.len),
            Some(b) => b.get(chars).copied().unwrap_or(self.len),
        }
    }
}

/// A collection being read, with its node count so far (itself included).
enum Open {
    Seq(Vec<Node>, Span, usize, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Span, usize, usize),
}

struct Builder {
    stack: Vec<Open>,
    docs: Vec<Node>,
    /// Anchored nodes by anchor id, with their node counts (aliases are copies:
    /// manifests rarely use them, and [`MAX_ALIAS_NODES`] bounds what they copy).
    anchors: Vec<(usize, Node, usize)>,
    /// Nodes copied by aliases so far.
    copied: usize,
}

impl Builder {
    fn event(&mut self, ev: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                };
                self.anchor(anchor, &node, 1);
                self.put(node, 1);
            }
            Event::SequenceStart(anchor, _) => {
                self.deeper(span)?;
                self.stack.push(Open::Seq(Vec::new(), span, anchor, 1))
            }
            Event::MappingStart(anchor, _) => {
                self.deeper(span)?;
                self.stack
                    .push(Open::Map(Vec::new(), None, span, anchor, 1))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, size) = match self.stack.pop() {
                    Some(Open::Seq(items, start, anchor, size)) => {
                        let end = items.last().map_or(start, |n| n.span);
                        let node = Node {
                            value: Value::Seq(items),
                            span: start.to(end),
                        };
                        self.anchor(anchor, &node, size);
                        (node, size)
                    }
                    Some(Open::Map(entries, _, start, anchor, size)) => {
                        let end = entries.last().map_or(start, |(_, v)| v.span);
                        let node = Node {
                            value: Value::Map(entries),
                            span: start.to(end),
                        };
                        self.anchor(anchor, &node, size);
                        (node, size)
                    }
                    None => return Ok(()),
                };
                self.put(node, size);
            }
            Event::Alias(id) => {
                let Some((_, n, size)) = self.anchors.iter().rev().find(|(a, _, _)| *a == id)
                else {
                    return Ok(());
                };
                let size = *size;
                self.copied = self.copied.saturating_add(size);
                if self.copied > MAX_ALIAS_NODES {
                    return Err(Diagnostic::error(
                        "I0002",
                        format!("YAML aliases copy more than {MAX_ALIAS_NODES} nodes"),
                    )
                    .at(span)
                    .label("this alias takes the total over the bound")
                    .help("write the repeated fields out, or alias smaller parts; a manifest's aliases copy a few fields"));
                }
                if self.stack.len() + depth(n) > MAX_DEPTH {
                    return Err(too_deep(span));
                }
                let mut n = n.clone();
                n.span = span;
                self.put(n, size);
            }
            _ => {}
        }
        Ok(())
    }

    /// I0002 when one more collection would nest deeper than [`MAX_DEPTH`].
    fn deeper(&self, span: Span) -> Result<(), Diagnostic> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(())
    }

    fn anchor(&mut self, id: usize, node: &Node, size: usize) {
        if id > 0 {
            self.anchors.push((id, node.clone(), size));
        }
    }

    fn put(&mut self, node: Node, size: usize) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(items, _, _, n)) => {
                *n = n.saturating_add(size);
                items.push(node)
            }
            Some(Open::Map(entries, key, _, _, n)) => {
                *n = n.saturating_add(size);
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push((k, node)),
                }
            }
        }
    }
}

/// How deep a node's collections nest (a scalar: 0). Bounded by [`MAX_DEPTH`].
fn depth(node: &Node) -> usize {
    match &node.value {
        Value::Scalar { .. } => 0,
        Value::Seq(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
    }
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        "I0002",
        format!("YAML collections nest more than {MAX_DEPTH} deep"),
    )
    .at(span)
    .label("this collection is too deep")
    .help("a manifest nests about ten levels; check the indentation or the brackets")
}

/// I0101: a required field is missing from a manifest document.
pub(super) fn missing(field: &str, what: &str, at: Span, help: &str) -> Diagnostic {
    Diagnostic::error("I0101", format!("{what} has no `{field}:`"))
        .at(at)
        .label(format!("`{field}` missing in this document"))
        .help(help.to_owned())
}
