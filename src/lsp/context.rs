//! What a document is read with: the open documents (their text wins over the disk),
//! the rule files a document is checked against, and the `.facts` files whose names it
//! may use.
//!
//! A `.dl` document stands alone, as `grantlog check FILE` reads it. A `.facts` or
//! `.test` document is read with the `.dl` files beside it (the layout of a corpus case
//! or a policy of one's own), else with the shipped rules, as `grantlog test` reads them.

use super::text::{path_uri, uri_path};
use crate::shipped;
use lsp_types::Uri;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rules,
    Facts,
    Test,
    Other,
}

impl Kind {
    pub fn of(name: &str) -> Kind {
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("dl") => Kind::Rules,
            Some("facts") => Kind::Facts,
            Some("test") => Kind::Test,
            _ => Kind::Other,
        }
    }
}

/// One file as the server reads it: its address, the name diagnostics and hovers show,
/// and its text.
#[derive(Clone, Debug)]
pub struct File {
    pub uri: Uri,
    pub name: String,
    pub text: String,
}

impl File {
    pub fn kind(&self) -> Kind {
        Kind::of(&self.name)
    }
}

/// The open documents and the workspace folders the client named.
#[derive(Default)]
pub struct Store {
    pub open: HashMap<String, String>,
    pub roots: Vec<PathBuf>,
}

impl Store {
    /// An open document as a [`File`].
    pub fn doc(&self, uri: &Uri) -> Option<File> {
        let text = self.open.get(uri.as_str())?;
        let name = match uri_path(uri.as_str()) {
            Some(p) => self.display(&p),
            None => uri.as_str().to_string(),
        };
        Some(File {
            uri: uri.clone(),
            name,
            text: text.clone(),
        })
    }

    /// A file on disk, or its open document's text when it is open.
    pub fn read(&self, path: &Path) -> Option<File> {
        let uri = path_uri(path);
        let text = match self.open.get(uri.as_str()) {
            Some(t) => t.clone(),
            None => std::fs::read_to_string(path).ok()?,
        };
        Some(File {
            uri,
            name: self.display(path),
            text,
        })
    }

    /// A path relative to the workspace folder it is in, as the CLI run there names it.
    fn display(&self, path: &Path) -> String {
        self.roots
            .iter()
            .find_map(|r| path.strip_prefix(r).ok())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// The rule files `doc` is read with (see the module doc).
    pub fn rules_for(&self, doc: &File) -> Vec<File> {
        if doc.kind() == Kind::Rules {
            return vec![doc.clone()];
        }
        let beside = self.siblings(doc, "dl");
        if beside.is_empty() {
            vec![self.shipped_rules()]
        } else {
            beside
        }
    }

    /// The `.facts` files whose declarations `doc` may use besides its own: the other
    /// `.facts` files in its folder, or for a `.test` file the files it includes.
    pub fn facts_for(&self, doc: &File) -> Vec<File> {
        match doc.kind() {
            Kind::Facts => self.siblings(doc, "facts"),
            Kind::Test => {
                let Some(dir) =
                    uri_path(doc.uri.as_str()).and_then(|p| Some(p.parent()?.to_owned()))
                else {
                    return Vec::new();
                };
                let parsed =
                    crate::policytest::parse::parse(&doc.name, &doc.text, Default::default());
                let items = parsed
                    .prelude
                    .iter()
                    .chain(parsed.tests.iter().flat_map(|t| &t.items));
                items
                    .filter_map(|i| match i {
                        crate::policytest::Item::Include { path, .. } => self.read(&dir.join(path)),
                        _ => None,
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// Files with extension `ext` in the folder of `doc`, `doc` itself left out, by name.
    fn siblings(&self, doc: &File, ext: &str) -> Vec<File> {
        let Some(path) = uri_path(doc.uri.as_str()) else {
            return Vec::new();
        };
        let Some(dir) = path.parent() else {
            return Vec::new();
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        // An open document not yet saved is still a sibling.
        paths.extend(
            self.open
                .keys()
                .filter_map(|u| uri_path(u))
                .filter(|p| p.parent() == Some(dir)),
        );
        paths.retain(|p| p.extension().and_then(|e| e.to_str()) == Some(ext) && *p != path);
        paths.sort();
        paths.dedup();
        paths.iter().filter_map(|p| self.read(p)).collect()
    }

    /// The shipped rules, located where an editor can open them: the workspace's own
    /// `rules/dataos.dl` when it is the shipped text, else a copy in the temporary folder.
    pub fn shipped_rules(&self) -> File {
        let text = shipped::rules().remove(0);
        let name = text.name.clone();
        let in_root = self
            .roots
            .iter()
            .map(|r| r.join(&name))
            .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t == text.text));
        let path = in_root.unwrap_or_else(|| {
            let copy = std::env::temp_dir().join("grantlog-lsp").join(&name);
            if std::fs::read_to_string(&copy).ok().as_deref() != Some(text.text.as_str()) {
                // Without the copy, definitions in the shipped rules have nowhere to point;
                // hovers and diagnostics still work.
                if let Some(dir) = copy.parent() {
                    let _ = std::fs::create_dir_all(dir);
                }
                let _ = std::fs::write(&copy, &text.text);
            }
            copy
        });
        File {
            uri: path_uri(&path),
            name,
            text: text.text,
        }
    }
}
