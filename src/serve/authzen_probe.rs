//! AuthZEN evaluations answered by probes of the model's tuple tables, without building,
//! parsing and planning a query per request.
//!
//! The query of an (action, subject type, resource type) is the same for every request
//! but for the ids, so it is resolved once per program, with the ids as the variables
//! `Subject`, `Resource` and `Tenant`. When every literal of it is an atom whose
//! arguments are constants, those ids or `_` (the shipped mapping's are), an evaluation
//! is one lookup per atom: a hash probe when the atom is ground, an index lookup
//! otherwise. Anything else (a variable to find, a negation, a comparison, a resource
//! without `properties.tenant`) goes through the engine's query as before.

use super::authzen::Mapping;
use crate::engine::{Model, Value};
use crate::program::{Arg, BodyLiteral, Program, RelId};
use crate::syntax::ast::Const;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The variables a query's ids are resolved as (see [`super::authzen`]'s `Slot::Find`).
pub const SUBJECT: &str = "Subject";
pub const RESOURCE: &str = "Resource";
pub const TENANT: &str = "Tenant";

/// One argument of a probed atom.
#[derive(Debug)]
enum Part {
    Const(Const),
    Subject,
    Resource,
    Tenant,
    Wild,
}

/// The atoms of one evaluation's query; it holds when each has a tuple.
#[derive(Debug)]
pub struct Probe {
    atoms: Vec<(RelId, Vec<Part>)>,
}

/// action -> resource type -> subject type -> its probe (`None`: the engine answers).
type Table = BTreeMap<String, BTreeMap<String, BTreeMap<String, Option<Probe>>>>;

/// The probes of a mapping for one program (rules under `--watch` can change it).
pub struct Probes {
    program: Arc<Program>,
    table: Table,
}

impl std::fmt::Debug for Probes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probes")
            .field("table", &self.table)
            .finish()
    }
}

impl Probes {
    /// Resolves every (action, resource type, subject type) of `m` against `program`.
    pub fn build(m: &Mapping, program: &Arc<Program>) -> Probes {
        let mut table = Table::new();
        for (action, map) in &m.actions {
            for rtype in &map.resources {
                let Some(rtemplate) = m.resources.get(rtype) else {
                    continue;
                };
                for (stype, stemplate) in &m.subjects {
                    let templates = [map.decision.as_str(), stemplate, rtemplate];
                    let probe = Probe::compile(program, &templates);
                    table
                        .entry(action.clone())
                        .or_default()
                        .entry(rtype.clone())
                        .or_default()
                        .insert(stype.clone(), probe);
                }
            }
        }
        Probes {
            program: Arc::clone(program),
            table,
        }
    }

    pub fn is_for(&self, program: &Arc<Program>) -> bool {
        Arc::ptr_eq(&self.program, program)
    }

    pub fn get(&self, action: &str, rtype: &str, stype: &str) -> Option<&Probe> {
        self.table.get(action)?.get(rtype)?.get(stype)?.as_ref()
    }
}

impl Probe {
    /// The probe of the query the templates make when joined, or `None` when it takes
    /// the engine (or when a request's query would not resolve: it then answers the
    /// engine's diagnostic, as before).
    fn compile(program: &Program, templates: &[&str]) -> Option<Probe> {
        // A template naming these variables itself would mix them up with the ids.
        if templates
            .iter()
            .any(|t| [SUBJECT, RESOURCE, TENANT].iter().any(|v| t.contains(v)))
        {
            return None;
        }
        let joined = |s: &str, r: &str, t: &str| {
            templates
                .iter()
                .map(|x| {
                    x.replace("$subject", s)
                        .replace("$resource", r)
                        .replace("$tenant", t)
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let resolve = |text: &str| {
            let (sources, file) = super::api::request_text("authzen", text);
            let q = crate::syntax::parse_query(&sources, file).ok()?;
            program.resolve_query(&q).ok()
        };
        // With ids in place (every id is a quoted symbol), as a request's query is.
        resolve(&joined("\"s\"", "\"r\"", "\"t\""))?;
        let q = resolve(&joined(SUBJECT, RESOURCE, TENANT))?;
        let name_of = |slot: u32| {
            q.head
                .iter()
                .position(|a| matches!(a, Arg::Var(s) if *s == slot))
                .map(|i| q.columns[i].as_str())
        };
        let mut atoms = Vec::new();
        for literal in &q.body {
            let BodyLiteral::Positive(atom) = literal else {
                return None;
            };
            let mut parts = Vec::with_capacity(atom.args.len());
            for arg in &atom.args {
                parts.push(match arg {
                    Arg::Const(id) => Part::Const(q.constants[id.0 as usize].clone()),
                    Arg::Wild => Part::Wild,
                    Arg::Var(slot) => match name_of(*slot)? {
                        SUBJECT => Part::Subject,
                        RESOURCE => Part::Resource,
                        TENANT => Part::Tenant,
                        _ => return None,
                    },
                    Arg::Local(_) => return None,
                });
            }
            atoms.push((atom.rel, parts));
        }
        Some(Probe { atoms })
    }

    /// Whether the query holds for these ids. An id the model has never seen is in no
    /// tuple, as in a query.
    pub fn holds(&self, model: &Model, subject: &str, resource: &str, tenant: &str) -> bool {
        let symbols = model.symbols();
        let mut pattern: Vec<Option<Value>> = Vec::new();
        for (rel, parts) in &self.atoms {
            pattern.clear();
            for part in parts {
                let value = match part {
                    Part::Const(c) => symbols.get(c),
                    Part::Subject => symbols.get_sym(subject),
                    Part::Resource => symbols.get_sym(resource),
                    Part::Tenant => symbols.get_sym(tenant),
                    Part::Wild => {
                        pattern.push(None);
                        continue;
                    }
                };
                match value {
                    Some(v) => pattern.push(Some(v)),
                    None => return false,
                }
            }
            let found = if pattern.iter().all(Option::is_some) {
                let tuple: Vec<Value> = pattern.iter().flatten().copied().collect();
                model.contains(*rel, &tuple)
            } else {
                model.matching(*rel, &pattern).next().is_some()
            };
            if !found {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::Probes;
    use crate::serve::authzen::{run, Mapping};
    use crate::serve::state::Live;

    /// Every evaluation of the worked example (each mapped action on each resource of
    /// its types, in its tenant and in another, by each user and by an unknown one):
    /// the probe answers as the engine's query of the same text.
    #[test]
    fn probes_answer_as_the_query() {
        let inputs = crate::inputs::gather(&[], &[]).expect("the shipped inputs");
        let ws = crate::inputs::open(&inputs.rules, inputs.facts, &Default::default(), true)
            .unwrap_or_else(|_| panic!("the worked example opens"));
        let m = Mapping::read(&crate::shipped::authzen(), ws.program()).expect("the mapping");
        let live = Live {
            ws,
            revision: 0,
            decisions: Vec::new(),
            applied: crate::serve::kept::Kept::new(0, 0),
        };
        let probes = Probes::build(&m, live.ws.model.program_arc());
        let column = |q: &str| run(&live, q).expect("a query").1;
        let mut users: Vec<String> = column("user(U, _)")
            .into_iter()
            .map(|r| r[0].clone())
            .collect();
        users.push("nobody".into());
        let (mut held, mut not) = (0, 0);
        for (action, map) in &m.actions {
            for rtype in &map.resources {
                let template = &m.resources[rtype];
                let listed = template.replace("$tenant", "T").replace("$resource", "R");
                let (cols, rows) = run(&live, &listed).expect("resources");
                let (t, r) = (
                    cols.iter().position(|c| c == "T").expect("T"),
                    cols.iter().position(|c| c == "R").expect("R"),
                );
                for row in &rows {
                    for tenant in [row[t].as_str(), "elsewhere"] {
                        for user in &users {
                            let probe = probes
                                .get(action, rtype, "user")
                                .unwrap_or_else(|| panic!("{action} on {rtype}: no probe"));
                            let got = probe.holds(&live.ws.model, user, &row[r], tenant);
                            let q = [map.decision.as_str(), &m.subjects["user"], template]
                                .iter()
                                .map(|x| {
                                    x.replace("$subject", &format!("\"{user}\""))
                                        .replace("$resource", &format!("\"{}\"", row[r]))
                                        .replace("$tenant", &format!("\"{tenant}\""))
                                })
                                .collect::<Vec<_>>()
                                .join(", ");
                            let want = !column(&q).is_empty();
                            assert_eq!(got, want, "{q}");
                            if want {
                                held += 1;
                            } else {
                                not += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(
            held > 10 && not > 10,
            "both answers met: {held} held, {not} not"
        );
    }
}
