//! `grantlog audit USER`: every permission and power the user holds, by scope, with the
//! grants and grantors behind each (S29).

use super::{report, LimitArgs};
use crate::audit::audit;
use clap::ValueEnum;
use std::path::PathBuf;

pub const HELP: &str = "Reads the DataOS relations (rules/dataos.dl): instance scope (instance_role, may_sign_in,
may_create_users, may_create_roles, may_create_tenant, may_configure/suspend/delete_tenant,
may_attach_compute, may_attach_data_plane, may_set_up_run_as, may_act_as), tenant scope
(member, holds_role, may_invite, may_assign_role, may_create_resource, may_govern_lakehouse,
may_use_tenant_apps) and resource scope (permission); invitation_ignored and
ineffective_grant are shown as not in effect.

Exit status: 0 when audited (also when the user holds nothing); 1 on any error in the
rules or facts, for an unknown user (E1001, with a suggestion) or for rules lacking the
relations above (E1002).

Text: `USER (kind)`, then `instance`, each `tenant T` and each `resource R in T` with one
line per decision and how it holds: `grant by G (file:line) ← G: <why G could grant>`
(chains follow grants to the grantor's own right), or a basis and its rule
(`creator of R (@creator_can_edit, S17)`), or `stated at file:line`. More ways it holds
continue on the lines below.

JSON (--format json):
  {\"user\", \"kind\": str | null, \"holds_nothing\": bool,
   \"scopes\": [{\"scope\": \"instance\"|\"tenant\"|\"resource\", \"tenant\": str | null,
               \"resource\": str | null, \"decisions\": [entry], \"not_in_effect\": [entry]}]}
  entry     = {\"fact\": \"permission(sam, engineering, sf-depot, can_use_depot)\",
               \"relation\", \"label\", \"values\": [str], \"grounds\": [ground]}
  ground    = {\"rule\": rule | null, \"source\": \"file:line\" | null (stated facts),
               \"basis\": \"grant by maria\" | \"creator of sales-360\" | \"stated\" | ..., \"chain\": [link]}
  link      = {\"grant\": \"grant(...)\", \"source\": \"file:line\", \"grantor\", \"grantee\",
               \"authority\": {\"fact\", \"rule\": rule | null, \"source\", \"basis\"} | null}
  rule      = {\"name\", \"location\": \"file:line\", \"doc\", \"statements\": [\"S17\", ...]}
  A chain lists the grant first, then the grant that gave its grantor the right, and so on.

Examples:
  grantlog audit sam
  grantlog audit maria examples/self-grant.facts --format json
  grantlog audit iamgroot examples/operator.facts";

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    #[default]
    Text,
    Json,
}

#[derive(clap::Args, Debug, Default)]
pub struct AuditArgs {
    /// The user to audit, e.g. `sam`.
    #[arg(value_name = "USER")]
    pub user: String,
    /// A rule file; repeat for several. Without it, the shipped DataOS rules are used.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Fact files. With no rules and no facts, the worked example is loaded.
    #[arg(value_name = "FACT_FILE")]
    pub facts: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AuditFormat,
    #[arg(long, help = super::KEEP_GOING_HELP)]
    pub keep_going: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

pub fn run(args: &AuditArgs) -> u8 {
    // The limits bound the whole command, loading included.
    let _scope = crate::engine::limits::Scope::enter(&args.limits.limits());
    let ws = match super::open_workspace(
        &args.rules,
        &args.facts,
        &args.limits,
        false,
        args.keep_going,
    ) {
        Ok(ws) => super::keep_until_exit(ws),
        Err(code) => return code,
    };
    match audit(&ws.model, &ws.sources, &args.user) {
        Ok(a) => {
            let text = match args.format {
                AuditFormat::Text => a.to_text(),
                AuditFormat::Json => {
                    format!(
                        "{}\n",
                        serde_json::to_string_pretty(&a.to_json()).expect("json")
                    )
                }
            };
            super::emit(&text);
            0
        }
        Err(d) => {
            report(&[d], &ws.sources);
            1
        }
    }
}
