//! `grantlog generate`: a large realistic DataOS instance as `.facts` text.

pub const HELP: &str = "The same seed and size always give the same text.

Example:
  grantlog generate --seed 7 --users 5000 > big.facts
  grantlog eval big.facts -q 'blocked(T, W)'";

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of users (about one in ten an application user), at most 1000000.
    #[arg(long, default_value_t = 1000, value_parser = parse_users)]
    pub users: usize,
}

/// The most users `generate` makes: a huge `--users` ran out of memory instead of
/// being a usage error.
pub const MAX_USERS: usize = 1_000_000;

fn parse_users(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= MAX_USERS => Ok(n),
        _ => Err(format!("expected a number of users from 0 to {MAX_USERS}")),
    }
}

pub fn run(args: &GenerateArgs) -> u8 {
    super::emit(&crate::generate::instance(args.seed, args.users));
    0
}
