//! The rules and the example grantlog ships, embedded so the binary runs from any directory.
//!
//! One rule for which rules a command uses: the `--rules` files when given, else the
//! embedded copy, whatever is on disk. So that an edited checkout is not silently ignored,
//! [`disk_differs`] warns when `rules/dataos.dl` in the working directory differs from the
//! embedded copy, naming the flag that uses it.

use crate::diag::Diagnostic;
use crate::load::Text;
use std::path::Path;

/// Where the embedded policy says it comes from (also the path of a checkout's copy).
const RULES_PATH: &str = "rules/dataos.dl";
const RULES: &str = include_str!("../rules/dataos.dl");

/// W0004: the working directory's `rules/dataos.dl` differs from the embedded rules.
pub const DISK_DIFFERS: &str = "W0004";

/// How proofs cite the embedded rules outside a checkout that holds the same file.
const BUILTIN_NAME: &str = "<builtin rules/dataos.dl>";

/// The shipped policy, as `--rules` files would give it. It is named `rules/dataos.dl`
/// where that file here is the same (a checkout: citations open in an editor), else
/// `<builtin rules/dataos.dl>`, so that a proof never cites a file that is not there or
/// says something else (`grantlog rules` prints the text it cites).
pub fn rules() -> Vec<Text> {
    static NAME: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    let name = NAME.get_or_init(|| match std::fs::read_to_string(RULES_PATH) {
        Ok(disk) if disk == RULES => RULES_PATH,
        _ => BUILTIN_NAME,
    });
    vec![Text::new(*name, RULES)]
}

/// The text of the shipped rules, for `grantlog rules`.
pub fn rules_text() -> &'static str {
    RULES
}

/// How AuthZEN requests map to the shipped rules (`grantlog serve`).
pub fn authzen() -> Text {
    Text::new(
        "rules/dataos.authzen.json",
        include_str!("../rules/dataos.authzen.json"),
    )
}

/// The worked example (S30), loaded when no fact file is named.
pub fn example() -> Text {
    Text::new(
        "examples/worked-example.facts",
        include_str!("../examples/worked-example.facts"),
    )
}

/// The texts a command takes from the binary: the rules when no `--rules` is named, the
/// worked example too when no fact file is named either (as the commands load them).
pub fn embedded(rules_named: bool, facts_named: bool) -> Vec<Text> {
    match (rules_named, facts_named) {
        (true, _) => Vec::new(),
        (false, true) => rules(),
        (false, false) => rules().into_iter().chain([example()]).collect(),
    }
}

/// A warning when `dir/rules/dataos.dl` exists and differs from the embedded rules, which
/// a command without `--rules` uses instead.
pub fn disk_differs(dir: &Path) -> Option<Diagnostic> {
    let disk = std::fs::read_to_string(dir.join(RULES_PATH)).ok()?;
    (disk != RULES).then(|| {
        Diagnostic::warning(
            DISK_DIFFERS,
            format!(
                "using the rules built into grantlog; {RULES_PATH} in this directory differs from them and is not read"
            ),
        )
        .help(format!("to use the file on disk, pass `--rules {RULES_PATH}`"))
    })
}

/// [`disk_differs`] for the current directory.
pub fn disk_differs_here() -> Option<Diagnostic> {
    disk_differs(&std::env::current_dir().ok()?)
}
