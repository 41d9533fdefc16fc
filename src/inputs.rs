//! Which rule and fact texts a command loads: the files named (directories expanded, see
//! [`crate::load::expand_dirs`]), the shipped rules when no rule file is named, and the
//! worked example when nothing at all is named. Every command gathers its inputs here.

use crate::diag::Diagnostic;
use crate::load::Text;
use crate::shipped;
use std::path::PathBuf;

/// Read every path; all unreadable paths are reported together.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Text>, Vec<Diagnostic>> {
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match Text::read(p) {
            Ok(t) => texts.push(t),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(texts)
    } else {
        Err(errors)
    }
}

/// The texts to load and the warnings about the choice made.
pub struct Inputs {
    pub rules: Vec<Text>,
    pub facts: Vec<Text>,
    /// W0004 when the shipped rules are used but a `rules/` here differs from them.
    pub warnings: Vec<Diagnostic>,
}

/// Shipped rules unless `rules` names files; the worked example when nothing is named.
pub fn gather(rules: &[PathBuf], facts: &[PathBuf]) -> Result<Inputs, Vec<Diagnostic>> {
    let fact_texts = if rules.is_empty() && facts.is_empty() {
        vec![shipped::example()]
    } else {
        read_all(&crate::load::expand_dirs(facts)?)?
    };
    let mut warnings = Vec::new();
    let rule_texts = if rules.is_empty() {
        // An edited checkout must not be silently ignored.
        warnings.extend(shipped::disk_differs_here());
        shipped::rules()
    } else {
        read_all(rules)?
    };
    Ok(Inputs {
        rules: rule_texts,
        facts: fact_texts,
        warnings,
    })
}
