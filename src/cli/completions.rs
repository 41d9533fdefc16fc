//! `grantlog completions SHELL` and `grantlog man`: both generated from the same clap
//! definitions as `--help`, so they cannot drift from the real options.

use clap::CommandFactory;

pub const COMPLETIONS_HELP: &str =
    "Prints a completion script on stdout; install it where your shell looks:
  bash:        grantlog completions bash > ~/.local/share/bash-completion/completions/grantlog
  zsh:         grantlog completions zsh > ~/.zfunc/_grantlog   (with fpath+=~/.zfunc in ~/.zshrc)
  fish:        grantlog completions fish > ~/.config/fish/completions/grantlog.fish
  powershell:  grantlog completions powershell >> $PROFILE";

pub const MAN_HELP: &str =
    "Prints the man page (roff) on stdout. Install every page (grantlog.1, whose
SEE ALSO names the commands' pages, and one grantlog-COMMAND.1 per command) with:
  mkdir -p ~/.local/share/man/man1 && grantlog man --dir ~/.local/share/man/man1
then `man grantlog` or `man grantlog-eval`. `grantlog man eval` prints one command's page.";

#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// A command whose page to print (default: the top-level page).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
    /// Write every page (grantlog.1 and grantlog-COMMAND.1 for each command) into DIR
    /// instead of printing one: the top page refers to the others.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<std::path::PathBuf>,
}

pub fn completions(args: &CompletionsArgs) -> u8 {
    use clap_complete::Shell as S;
    let shell = match args.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Elvish => S::Elvish,
    };
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "grantlog", &mut out);
    super::emit(&String::from_utf8_lossy(&out));
    0
}

pub fn man(args: &ManArgs) -> u8 {
    let top = super::Cli::command();
    if let Some(dir) = &args.dir {
        // The pages the top page's SEE ALSO names, and nothing else (no `help` page).
        return match clap_mangen::generate_to(top, dir) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!(
                    "error: cannot write the man pages into `{}`: {e}\n  help: create the directory first (mkdir -p)",
                    dir.display()
                );
                1
            }
        };
    }
    let cmd = match &args.command {
        None => top,
        Some(name) => match top.find_subcommand(name) {
            // A subcommand's page is named grantlog-NAME, as git's are.
            Some(sub) => sub.clone().name(format!("grantlog-{name}")),
            None => {
                let names: Vec<_> = top
                    .get_subcommands()
                    .map(|c| c.get_name().to_string())
                    .collect();
                eprintln!(
                    "error: no command `{name}`; the commands are: {}",
                    names.join(", ")
                );
                return 2;
            }
        },
    };
    let mut out = Vec::new();
    if clap_mangen::Man::new(cmd).render(&mut out).is_err() {
        return 1;
    }
    super::emit(&String::from_utf8_lossy(&out));
    0
}
