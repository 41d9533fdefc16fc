//! The causes a why-not leads with, read off the proof of what blocks it, in the words of
//! the access model: `lee's run-as grant on dpdeveloper was set up by maria, not by an
//! operator (examples/run-as.facts:55)`, `dana may not create a workflow in engineering`,
//! `sam lacks can_use_secret on sf-creds`. Keyed by the decision relations of the shipped
//! rules (rules/dataos.dl, sections 6 and 7); with other rules there are none and the
//! caller names the blocking fact instead.

use super::revoked::Revocation;
use super::{file_line, Fact, NodeOrigin, Proof};
use crate::source::SourceMap;

/// One cause per cause relation (its first occurrence), in the proof's order: the main
/// derivation first, then the others (`Proof::also`).
pub(super) fn causes(proof: &Proof, sources: &SourceMap) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for node in &proof.nodes {
        let relation = node.fact.relation.as_str();
        if seen.contains(&relation) {
            continue;
        }
        if let Some(text) = cause(&node.fact, proof, sources) {
            seen.push(relation);
            out.push(text);
        }
    }
    out
}

fn cause(fact: &Fact, proof: &Proof, sources: &SourceMap) -> Option<String> {
    let v: Vec<String> = fact.values.iter().map(ToString::to_string).collect();
    match (fact.relation.as_str(), v.len()) {
        ("missing_permission", 5) => Some(format!("{} lacks {} on {}", v[2], v[4], v[3])),
        ("identity_cannot_create", 4) => Some(format!(
            "{} may not create {} {} in {}",
            v[2],
            article(&v[3]),
            v[3],
            v[0]
        )),
        ("run_as_invalid", 5) => Some(run_as(&v[2], &v[3], &v[4], proof, sources)),
        _ => None,
    }
}

/// Why `submitter` may not run as `identity`, with the statement at fault where the proof
/// shows it.
fn run_as(
    identity: &str,
    submitter: &str,
    reason: &str,
    proof: &Proof,
    sources: &SourceMap,
) -> String {
    let stated = |relation: &str| {
        proof.nodes.iter().find_map(|n| match n.origin {
            NodeOrigin::Base(span)
                if n.fact.relation == relation
                    && n.fact.values.len() == 3
                    && n.fact.values[0].to_string() == identity
                    && n.fact.values[1].to_string() == submitter =>
            {
                Some((n, span))
            }
            _ => None,
        })
    };
    let grant = format!("{submitter}'s run-as grant on {identity}");
    match reason {
        "no_run_as_grant" => format!("{submitter} holds no run-as grant on {identity}"),
        "not_set_up_by_operator" => match stated("run_as_grant") {
            Some((n, span)) => format!(
                "{grant} was set up by {}, not by an operator ({})",
                n.fact.values[2],
                file_line(sources, span)
            ),
            None => format!("{grant} was not set up by an operator"),
        },
        "revoked" => match stated("revoked_run_as") {
            Some((n, span)) => {
                let r = Revocation {
                    fact: n.fact.clone(),
                    at: Some(span),
                    refused: false,
                };
                format!(
                    "{grant} was revoked at {} ({})",
                    r.location(sources),
                    r.statement(sources)
                )
            }
            None => format!("{grant} was revoked"),
        },
        other => format!("{submitter} may not run as {identity}: {other}"),
    }
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}
