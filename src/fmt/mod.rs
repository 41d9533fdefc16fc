//! `grantlog fmt`: one canonical layout for rule (`.dl`), fact (`.facts`) and test
//! (`.test`) files. Only whitespace changes ([`layout`] says how); a file that does not
//! parse is not formatted, and its syntax errors are returned instead.

mod layout;

use crate::diag::Diagnostic;
use crate::source::SourceMap;
use std::path::Path;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Lang {
    Rules,
    Facts,
    Test,
}

impl Lang {
    /// By extension: `.dl`, `.facts`, `.test`.
    pub fn of(path: &Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "dl" => Some(Lang::Rules),
            "facts" => Some(Lang::Facts),
            "test" => Some(Lang::Test),
            _ => None,
        }
    }
}

/// The formatted text, or the syntax errors that stop formatting (located in `sources`,
/// where the text is added as `name`).
pub fn format(
    name: &str,
    text: &str,
    lang: Lang,
    sources: &mut SourceMap,
) -> Result<String, Vec<Diagnostic>> {
    let file = sources.add(name, text);
    let errors: Vec<Diagnostic> = match lang {
        Lang::Rules => crate::syntax::parse_module(sources, file).1,
        Lang::Facts => crate::facts::syntax_errors(text, file),
        Lang::Test => {
            let parsed = crate::policytest::parse::parse(name, text, file);
            let in_tests = parsed.tests.into_iter().flat_map(|t| t.errors);
            parsed.errors.into_iter().chain(in_tests).collect()
        }
    }
    .into_iter()
    .filter(Diagnostic::is_error)
    .collect();
    if errors.is_empty() {
        Ok(layout::layout(text, lang))
    } else {
        Err(errors)
    }
}
