//! `grantlog generate`: a large realistic DataOS instance as `.facts` text, or as the
//! manifests, user table and short `.facts` file an administrator would have.

pub const HELP: &str = "The same seed and size always give the same text.

With --manifests DIR, the instance is written into DIR as users.txt (a `dataos-ctl
user get -a` table), tenants/T/resources.yaml (resource manifests), grants.yaml
(approved run-as grant manifests) and rest.facts (tenants, roles, Can Use grants,
revocations); `grantlog eval DIR` loads the same instance.

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
    /// Write manifests, a user table and a .facts file into this directory instead.
    #[arg(long, value_name = "DIR")]
    pub manifests: Option<std::path::PathBuf>,
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
    let text = crate::generate::instance(args.seed, args.users);
    let Some(dir) = &args.manifests else {
        super::emit(&text);
        return 0;
    };
    let files = match crate::import::manifests_from_facts(&text) {
        Ok(f) => f,
        Err(d) => {
            let mut sources = crate::source::SourceMap::new();
            sources.add("<generated>", text);
            super::report(&d, &sources);
            return 1;
        }
    };
    for (path, body) in files {
        let full = dir.join(path);
        let written = full
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&full, body));
        if let Err(e) = written {
            eprintln!("error: cannot write `{}`: {e}", full.display());
            return 1;
        }
    }
    0
}
