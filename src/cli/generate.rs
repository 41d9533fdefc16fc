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
    /// Number of users (about one in ten an application user).
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
}

pub fn run(args: &GenerateArgs) -> u8 {
    super::emit(&crate::generate::instance(args.seed, args.users));
    0
}
