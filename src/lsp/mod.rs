//! `grantlog lsp`: a language server over stdin/stdout for `.dl`, `.facts` and `.test`
//! files. One thread answers every message in order (the checks take milliseconds on the
//! shipped rules), so there is no state to share and nothing to cancel.
//!
//! The server keeps the open documents' text (full sync), publishes diagnostics on every
//! open and change, and answers hover, definition, references and completion.

mod completion;
mod context;
mod diagnostics;
mod hover;
mod navigation;
mod symbols;
mod text;
pub mod transport;

use context::Store;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use serde_json::{json, Value};

/// Serve on stdin/stdout until the client says `shutdown` and `exit`. Exit status: 0
/// after a clean shutdown, 1 when the client left without one or the protocol broke.
pub fn run() -> u8 {
    let (conn, writer, read_error) = transport::stdio();
    let code = match serve(&conn) {
        Ok(()) => 0,
        Err(e) => {
            // A broken frame closes the connection; say what broke, not just that.
            let why = read_error.lock().ok().and_then(|mut e| e.take());
            eprintln!("grantlog lsp: {}", why.unwrap_or(e));
            1
        }
    };
    drop(conn);
    let _ = writer.join();
    code
}

fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions::default()),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        ..Default::default()
    }
}

fn serve(conn: &Connection) -> Result<(), String> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let mut store = Store {
        roots: roots(&params),
        ..Default::default()
    };
    let result = json!({
        "capabilities": capabilities(),
        "serverInfo": {"name": "grantlog", "version": env!("CARGO_PKG_VERSION")},
    });
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let resp = answer(&store, req);
                conn.sender.send(resp.into()).map_err(|e| e.to_string())?;
            }
            Message::Notification(n) if n.method == "exit" => {
                return Err("exit without shutdown".into());
            }
            Message::Notification(n) => {
                if let Some(uri) = update(&mut store, n) {
                    publish(conn, &store, &uri)?;
                    for other in readers_of(&store, &uri) {
                        publish(conn, &store, &other)?;
                    }
                }
            }
            Message::Response(_) => {}
        }
    }
    Err("the client closed the connection without shutdown".into())
}

/// The workspace folders of `initialize` (or its older `rootUri`).
fn roots(params: &Value) -> Vec<std::path::PathBuf> {
    let folders = params["workspaceFolders"].as_array().into_iter().flatten();
    let mut out: Vec<_> = folders
        .filter_map(|f| text::uri_path(f["uri"].as_str()?))
        .collect();
    if out.is_empty() {
        out.extend(params["rootUri"].as_str().and_then(text::uri_path));
    }
    out
}

/// Apply a document notification; the URI whose diagnostics changed, if any.
fn update(store: &mut Store, n: Notification) -> Option<lsp::Uri> {
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let p: lsp::DidOpenTextDocumentParams = serde_json::from_value(n.params).ok()?;
            store
                .open
                .insert(p.text_document.uri.to_string(), p.text_document.text);
            Some(p.text_document.uri)
        }
        "textDocument/didChange" => {
            let p: lsp::DidChangeTextDocumentParams = serde_json::from_value(n.params).ok()?;
            // Full sync: the last change holds the whole text.
            let text = p.content_changes.into_iter().last()?.text;
            store.open.insert(p.text_document.uri.to_string(), text);
            Some(p.text_document.uri)
        }
        "textDocument/didClose" => {
            let p: lsp::DidCloseTextDocumentParams = serde_json::from_value(n.params).ok()?;
            store.open.remove(p.text_document.uri.as_str());
            None
        }
        _ => None,
    }
}

/// The open `.facts` and `.test` documents beside a changed `.dl` document: they are
/// read with it, so their diagnostics may change too.
fn readers_of(store: &Store, uri: &lsp::Uri) -> Vec<lsp::Uri> {
    let Some(path) = text::uri_path(uri.as_str()) else {
        return Vec::new();
    };
    if context::Kind::of(&path.to_string_lossy()) != context::Kind::Rules {
        return Vec::new();
    }
    let mut out: Vec<lsp::Uri> = store
        .open
        .keys()
        .filter(|u| {
            text::uri_path(u).is_some_and(|p| {
                p.parent() == path.parent()
                    && matches!(
                        context::Kind::of(&p.to_string_lossy()),
                        context::Kind::Facts | context::Kind::Test
                    )
            })
        })
        .filter_map(|u| u.parse().ok())
        .collect();
    out.sort();
    out
}

fn publish(conn: &Connection, store: &Store, uri: &lsp::Uri) -> Result<(), String> {
    let Some(doc) = store.doc(uri) else {
        return Ok(());
    };
    let params = lsp::PublishDiagnosticsParams {
        uri: uri.clone(),
        diagnostics: diagnostics::check(store, &doc),
        version: None,
    };
    let n = Notification::new("textDocument/publishDiagnostics".into(), params);
    conn.sender.send(n.into()).map_err(|e| e.to_string())
}

/// One request's response; a document the client never opened has no answer.
fn answer(store: &Store, req: Request) -> Response {
    let id = req.id.clone();
    let pos_params = |v: &Value| -> Option<(context::File, lsp::Position)> {
        let p: lsp::TextDocumentPositionParams = serde_json::from_value(v.clone()).ok()?;
        Some((store.doc(&p.text_document.uri)?, p.position))
    };
    let result: Option<Value> = match req.method.as_str() {
        "textDocument/hover" => {
            pos_params(&req.params).map(|(doc, pos)| json!(hover::hover(store, &doc, pos)))
        }
        "textDocument/definition" => pos_params(&req.params)
            .map(|(doc, pos)| json!(navigation::definition(store, &doc, pos))),
        "textDocument/references" => pos_params(&req.params).map(|(doc, pos)| {
            let with_decl = req.params["context"]["includeDeclaration"]
                .as_bool()
                .unwrap_or(true);
            json!(navigation::find_references(store, &doc, pos, with_decl))
        }),
        "textDocument/formatting" => {
            let p: Option<lsp::DocumentFormattingParams> =
                serde_json::from_value(req.params.clone()).ok();
            p.and_then(|p| store.doc(&p.text_document.uri))
                .map(|doc| json!(format_edits(&doc)))
        }
        "textDocument/completion" => {
            pos_params(&req.params).map(|(doc, pos)| json!(completion::complete(store, &doc, pos)))
        }
        other => {
            return Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("grantlog lsp does not answer `{other}`"),
            )
        }
    };
    match result {
        Some(v) => Response::new_ok(id, v),
        None => {
            let uri = req.params["textDocument"]["uri"].as_str().unwrap_or("");
            Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!(
                    "no open document `{uri}` at that position; send textDocument/didOpen first"
                ),
            )
        }
    }
}

/// `grantlog fmt` of the whole document as one edit; none when it is formatted or does
/// not parse (its errors are already published as diagnostics).
fn format_edits(doc: &context::File) -> Vec<lsp::TextEdit> {
    let lang = match doc.kind() {
        context::Kind::Rules => crate::fmt::Lang::Rules,
        context::Kind::Facts => crate::fmt::Lang::Facts,
        context::Kind::Test => crate::fmt::Lang::Test,
        context::Kind::Other => return Vec::new(),
    };
    let mut sources = crate::source::SourceMap::new();
    match crate::fmt::format(&doc.name, &doc.text, lang, &mut sources) {
        Ok(formatted) if formatted != doc.text => {
            let lines = text::LineIndex::new(&doc.text);
            vec![lsp::TextEdit {
                range: lines.range(0, doc.text.len()),
                new_text: formatted,
            }]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::context::{File, Store};
    use super::text::path_uri;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the text and the cursor, every handler answers without panicking.
        #[test]
        fn handlers_never_panic(
            text in "([a-z_]{1,6}|[A-Z]|\\.decl |@|\\(|\\)|, |\\.|\n|:-|\"|é|𝒜| |grant |user |tenant |test t:|expect |/\\*|//)*",
            ext in prop::sample::select(vec!["dl", "facts", "test", "txt"]),
            line in 0u32..6,
            character in 0u32..40,
        ) {
            let store = Store::default();
            let doc = File {
                uri: path_uri(std::path::Path::new(&format!("/nonexistent-grantlog-dir/doc.{ext}"))),
                name: format!("doc.{ext}"),
                text,
            };
            let pos = lsp::Position::new(line, character);
            let _ = diagnostics::check(&store, &doc);
            let _ = hover::hover(&store, &doc, pos);
            let _ = navigation::definition(&store, &doc, pos);
            let _ = navigation::find_references(&store, &doc, pos, true);
            let _ = completion::complete(&store, &doc, pos);
        }
    }
}
