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

/// Every document of a (multi-document) YAML text; a syntax error is I0001 at its
/// line and column, and the file yields nothing.
pub fn documents(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    let pos = Positions::new(text);
    let mut b = Builder {
        stack: Vec::new(),
        docs: Vec::new(),
        anchors: Vec::new(),
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
        b.event(ev, span);
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

enum Open {
    Seq(Vec<Node>, Span, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Span, usize),
}

struct Builder {
    stack: Vec<Open>,
    docs: Vec<Node>,
    /// Anchored nodes by anchor id (aliases are copies: manifests rarely use them).
    anchors: Vec<(usize, Node)>,
}

impl Builder {
    fn event(&mut self, ev: Event<'_>, span: Span) {
        match ev {
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                    },
                    span,
                };
                self.anchor(anchor, &node);
                self.put(node);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), span, anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(Vec::new(), None, span, anchor))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Open::Seq(items, start, anchor)) => {
                        let end = items.last().map_or(start, |n| n.span);
                        let node = Node {
                            value: Value::Seq(items),
                            span: start.to(end),
                        };
                        self.anchor(anchor, &node);
                        node
                    }
                    Some(Open::Map(entries, _, start, anchor)) => {
                        let end = entries.last().map_or(start, |(_, v)| v.span);
                        let node = Node {
                            value: Value::Map(entries),
                            span: start.to(end),
                        };
                        self.anchor(anchor, &node);
                        node
                    }
                    None => return,
                };
                self.put(node);
            }
            Event::Alias(id) => {
                if let Some((_, n)) = self.anchors.iter().rev().find(|(a, _)| *a == id) {
                    let mut n = n.clone();
                    n.span = span;
                    self.put(n);
                }
            }
            _ => {}
        }
    }

    fn anchor(&mut self, id: usize, node: &Node) {
        if id > 0 {
            self.anchors.push((id, node.clone()));
        }
    }

    fn put(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(items, _, _)) => items.push(node),
            Some(Open::Map(entries, key, _, _)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// I0101: a required field is missing from a manifest document.
pub(super) fn missing(field: &str, what: &str, at: Span, help: &str) -> Diagnostic {
    Diagnostic::error("I0101", format!("{what} has no `{field}:`"))
        .at(at)
        .label(format!("`{field}` missing in this document"))
        .help(help.to_owned())
}
