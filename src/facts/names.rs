//! The fixed vocabularies of `rules/dataos.dl` and their accepted spellings: instance
//! roles, user types, tenant roles (S8), resource kinds and permissions.

// The diagnostics are built once per bad name; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

use super::ast::{Name, Words};
use crate::diag::{closest_within, Diagnostic};

/// "Did you mean": the closest candidate within edit distance 2 (and closer than the
/// word's own length, so a short word is not "corrected" into an unrelated one).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    if len == 0 {
        return None;
    }
    // Bounded work (a megabyte-long name took 16 s): see closest_within.
    closest_within(word, candidates, len.saturating_sub(1).min(2))
}

pub const INSTANCE_ROLES: &[&str] = &["operator", "user", "super-app-user"];
pub const USER_TYPES: &[&str] = &["person", "application"];
pub const TENANT_ROLES: &[&str] = &[
    "Tenant Admin",
    "Data Admin",
    "Data Developer",
    "Data Consumer",
];
pub const KINDS: &[&str] = &[
    "compute",
    "secret",
    "depot",
    "cluster",
    "lakehouse",
    "nilus",
    "vulcan",
    "workflow",
    "service",
    "worker",
    "data-product",
];
/// Kind aliases and what they mean.
pub const KIND_ALIASES: &[(&str, &str)] =
    &[("minerva", "cluster"), ("dataproduct", "data-product")];
pub const PERMISSIONS: &[&str] = &[
    "can_edit",
    "can_manage_access",
    "can_use_depot",
    "can_use_compute",
    "can_use_secret",
    "can_use_cluster",
];

fn help_dym(d: Diagnostic, word: &str, candidates: &[&str], otherwise: String) -> Diagnostic {
    match did_you_mean(word, candidates.iter().copied()) {
        Some(s) => d.help(format!("did you mean \"{s}\"?")),
        None => d.help(otherwise),
    }
}

/// An instance role, by name or tag (`"roles:id:operator"`); F0202 otherwise.
pub fn instance_role(role: &Name) -> Result<&'static str, Diagnostic> {
    let bare = role.text.strip_prefix("roles:id:").unwrap_or(&role.text);
    if let Some(r) = INSTANCE_ROLES.iter().find(|r| **r == bare) {
        return Ok(r);
    }
    let mut d = Diagnostic::error("F0202", format!("unknown instance role \"{}\"", role.text))
        .at(role.span)
        .label("not an instance role");
    if let Some(s) = did_you_mean(bare, INSTANCE_ROLES.iter().copied()) {
        d.message.push_str(&format!("; did you mean \"{s}\"?"));
        d = d.help(format!("did you mean \"{s}\"?"));
    } else {
        d = d.help("the instance roles are operator, user and super-app-user");
    }
    Err(d)
}

/// `person` or `application`; F0301 otherwise.
pub fn user_type(t: &Name) -> Result<&'static str, Diagnostic> {
    if let Some(k) = USER_TYPES.iter().find(|k| **k == t.text) {
        return Ok(k);
    }
    let d = Diagnostic::error(
        "F0301",
        format!(
            "unknown user type \"{}\"; expected person or application",
            t.text
        ),
    )
    .at(t.span)
    .label("not a user type");
    Err(help_dym(
        d,
        &t.text,
        USER_TYPES,
        "write `type person` or `type application`".into(),
    ))
}

/// A resource kind, aliases resolved; F0303 otherwise.
pub fn kind(k: &Name) -> Result<&'static str, Diagnostic> {
    if let Some(k) = KINDS.iter().find(|x| **x == k.text) {
        return Ok(k);
    }
    if let Some((_, k)) = KIND_ALIASES.iter().find(|(a, _)| *a == k.text) {
        return Ok(k);
    }
    let mut all: Vec<&str> = KINDS.to_vec();
    all.extend(KIND_ALIASES.iter().map(|(a, _)| *a));
    let mut d = Diagnostic::error("F0303", format!("unknown kind \"{}\"", k.text))
        .at(k.span)
        .label("not a resource kind");
    if let Some(s) = did_you_mean(&k.text, all.iter().copied()) {
        d.message.push_str(&format!("; did you mean \"{s}\"?"));
        d = d.help(format!("did you mean \"{s}\"?"));
    } else {
        d = d.help(format!("the kinds are {}", KINDS.join(", ")));
    }
    Err(d)
}

/// A permission in any spelling: rule name, or words (`Can Use Secret`); F0304 otherwise.
pub fn permission(p: &Words) -> Result<&'static str, Diagnostic> {
    let norm = p
        .words
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if let Some(x) = PERMISSIONS.iter().find(|x| **x == norm) {
        return Ok(x);
    }
    let text = p.text();
    let mut d = Diagnostic::error("F0304", format!("unknown permission \"{text}\""))
        .at(p.span)
        .label("not a permission");
    if let Some(s) = did_you_mean(&norm, PERMISSIONS.iter().copied()) {
        d.message.push_str(&format!("; did you mean \"{s}\"?"));
        d = d.help(format!("did you mean \"{s}\"?"));
    } else {
        d = d.help(
            "the permissions are can_edit, can_manage_access, can_use_depot, can_use_compute, \
             can_use_secret and can_use_cluster (or Can Edit, Can Use Depot, ...)",
        );
    }
    Err(d)
}

/// Role-name words that are never a tenant name.
fn is_role_word(w: &str) -> bool {
    ["tenant", "data", "admin", "developer", "consumer"].contains(&w.to_lowercase().as_str())
}

/// A tenant role in any S8 spelling, normalised; F0305 for another tenant's prefix,
/// F0302 for an unknown role.
pub fn tenant_role(r: &Words, tenant: &str) -> Result<&'static str, Diagnostic> {
    let mut words: &[String] = &r.words;
    if words.len() >= 2 && !is_role_word(&words[0]) {
        if words[0] != tenant {
            return Err(Diagnostic::error(
                "F0305",
                format!("\"{}\" names tenant {}, not {tenant}", r.text(), words[0]),
            )
            .at(r.span)
            .label(format!("a role of tenant {}", words[0]))
            .help(format!(
                "drop the prefix, or write it as `{tenant} {}`",
                words[1..].join(" ")
            )));
        }
        words = &words[1..];
    }
    let rest = words.join(" ");
    if words.len() >= 2 && words[0] == "Tenant" && rest != "Tenant Admin" {
        words = &words[1..];
    }
    let norm = words.join(" ");
    if let Some(x) = TENANT_ROLES.iter().find(|x| **x == norm) {
        return Ok(x);
    }
    let mut d = Diagnostic::error("F0302", format!("unknown tenant role \"{norm}\""))
        .at(r.span)
        .label("not a tenant role");
    if let Some(s) = did_you_mean(&norm, TENANT_ROLES.iter().copied()) {
        d.message.push_str(&format!("; did you mean \"{s}\"?"));
        d = d.help(format!("did you mean \"{s}\"?"));
    } else {
        d = d.help(
            "the tenant roles are Tenant Admin, Data Admin, Data Developer and Data Consumer",
        );
    }
    Err(d)
}
