//! Base facts written back as `.facts` statements (docs/facts-language.md), so fixes can
//! be pasted into a fact file.

use super::Fact;
use crate::syntax::ast::Const;

const TENANT_ROLES: [&str; 4] = [
    "Tenant Admin",
    "Data Admin",
    "Data Developer",
    "Data Consumer",
];

/// A base fact written as a `.facts` statement when one states exactly this fact (grant,
/// run-as grant, tenant role, invitation, tenant, resource without dependencies), else as
/// a raw fact `rel(a, "b c").`
pub fn as_statement(relation: &str, values: &[Const]) -> String {
    let v = |i: usize| values[i].to_string();
    match (relation, values.len()) {
        ("grant", 5) => format!(
            "grant {} on {} in {} to {} by {}.",
            v(3),
            v(1),
            v(0),
            v(2),
            v(4)
        ),
        ("run_as_grant", 3) => format!("grant run-as {} to {} by {}.", v(0), v(1), v(2)),
        ("tenant_role", 3) => match &values[2] {
            Const::Sym(r) if TENANT_ROLES.contains(&r.as_str()) => {
                format!("role {} in {}: {r}.", v(0), v(1))
            }
            _ => raw(relation, values),
        },
        ("invited", 3) => format!("invite {} to {} by {}.", v(0), v(1), v(2)),
        ("tenant", 1) => format!("tenant {}.", v(0)),
        ("resource", 5) => {
            let mut s = format!(
                "resource {} in {} type: {} owner: {}",
                v(2),
                v(0),
                v(1),
                v(3)
            );
            if values[4] != values[3] {
                s.push_str(&format!(" submitter: {}", v(4)));
            }
            s.push('.');
            s
        }
        _ => raw(relation, values),
    }
}

fn raw(relation: &str, values: &[Const]) -> String {
    let fact = Fact {
        relation: relation.to_string(),
        values: values.to_vec(),
    };
    format!("{fact}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sym(s: &str) -> Const {
        Const::Sym(s.into())
    }

    #[test]
    fn statements_and_raw_facts() {
        let g = ["engineering", "sf-creds", "sam", "can_use_secret", "maria"].map(sym);
        assert_eq!(
            as_statement("grant", &g),
            "grant can_use_secret on sf-creds in engineering to sam by maria."
        );
        let r = ["sam", "engineering", "Data Developer"].map(sym);
        assert_eq!(
            as_statement("tenant_role", &r),
            "role sam in engineering: Data Developer."
        );
        assert_eq!(
            as_statement("run_as_grant", &["dpdeveloper", "sam", "iamgroot"].map(sym)),
            "grant run-as dpdeveloper to sam by iamgroot."
        );
        assert_eq!(
            as_statement("depends_on", &["t", "w", "compute", "a b"].map(sym)),
            "depends_on(t, w, compute, \"a b\")."
        );
        assert_eq!(
            as_statement("edge", &[Const::Num(1), sym("x")]),
            "edge(1, x)."
        );
    }
}
