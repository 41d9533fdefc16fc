//! `grantlog rules`: the rules (and worked example) built into the binary, printed so a
//! user of an installed binary can read, copy and edit them.

pub const HELP: &str =
    "Prints the DataOS rules built into grantlog (the ones every command uses when no
--rules is given), or with --example the worked example (the facts used when no fact
file is given). Proofs of the built-in rules cite them as `rules/dataos.dl:LINE` in a
checkout that holds the same file, else as `<builtin rules/dataos.dl>:LINE`: the lines
of this output.

To change the policy, save them, edit, and pass the file:
  grantlog rules > my-rules.dl
  grantlog eval --rules my-rules.dl examples/worked-example.facts -q 'can_run(T, W)'

Exit status: 0.

Examples:
  grantlog rules > dataos.dl
  grantlog rules --example > instance.facts";

#[derive(clap::Args, Debug, Default)]
pub struct RulesArgs {
    /// Print the worked example (.facts) instead of the rules.
    #[arg(long)]
    pub example: bool,
}

pub fn run(args: &RulesArgs) -> u8 {
    if args.example {
        super::emit(&crate::shipped::example().text);
    } else {
        super::emit(crate::shipped::rules_text());
    }
    0
}
