//! Other rules built beside an open workspace (`grantlog diff`, the server's rule change).

use super::{compile_rules, LoadFailure, Workspace, UNDO_BYTES};
use crate::diag::Diagnostic;
use crate::engine::{Feed, Limits, Model};
use crate::load::{eval_diagnostic, Text};
use crate::source::SourceMap;
use std::sync::Arc;

/// A workspace of other rules being built beside an open one (`grantlog diff`), before
/// it is evaluated: see [`Workspace::open_beside`].
pub struct Beside {
    sources: SourceMap,
    model: Model,
    warnings: Vec<Diagnostic>,
    rules: Vec<Text>,
}

impl Beside {
    /// `rules` compiled beside `old` (whose sources are `old_sources`). With a feed, `old`
    /// need not be evaluated yet: its evaluation fills the feed while this one is
    /// evaluated on another thread ([`Model::beside_feed`]). `None` as for
    /// [`Workspace::open_beside`].
    pub fn prepare(
        old_sources: &SourceMap,
        old: &Model,
        rules: &[Text],
        feed: Option<Arc<Feed>>,
    ) -> Option<Result<Beside, LoadFailure>> {
        let (sources, program, warnings) = match compile_rules(old_sources.clone(), rules) {
            Ok(ok) => ok,
            Err(failure) => return Some(Err(failure)),
        };
        let program = Arc::new(program);
        let model = match feed {
            Some(feed) => Model::beside_feed(old, program, feed),
            None => Model::beside(old, program),
        }?;
        Some(Ok(Beside {
            sources,
            model,
            warnings,
            rules: rules.to_vec(),
        }))
    }

    pub fn evaluate(&mut self, limits: &Limits) -> Result<(), LoadFailure> {
        self.model
            .evaluate(limits)
            .map(|_| ())
            .map_err(|e| LoadFailure {
                diagnostics: vec![eval_diagnostic(e)],
                sources: self.sources.clone(),
            })
    }

    /// The workspace, once `old` is complete (its fact files' warnings hold under any
    /// rules: this side keeps them too).
    pub fn finish(self, old: &Workspace, limits: &Limits) -> Workspace {
        let rule_warnings = self.warnings.len();
        let mut warnings = self.warnings;
        warnings.extend(
            old.warnings[old.rule_warnings.min(old.warnings.len())..]
                .iter()
                .cloned(),
        );
        Workspace {
            sources: self.sources,
            model: self.model,
            warnings,
            rule_warnings,
            rule_texts: self.rules,
            fact_texts: old.fact_texts.clone(),
            limits: *limits,
            instance: old.instance.clone(),
            undo: Vec::new(),
            undo_bytes: UNDO_BYTES,
            as_opened: false,
        }
    }
}
