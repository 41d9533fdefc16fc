//! Every error code of the facts language, with its line:column, message and help.

use grantlog::diag::Diagnostic;
use grantlog::facts::Instance;
use grantlog::source::SourceMap;

const PRELUDE: &str = "user maria type person.
user sam type person.
tenant engineering.
tenant analytics.
resource sf-creds in engineering type: secret owner: maria.
resource sf-depot in engineering type: depot owner: maria.
resource a-secret in analytics type: secret owner: maria.
";

/// Reads PRELUDE (as p.facts) and `text` (as t.facts); returns the diagnostics with
/// `line:col` in t.facts (or `p:line:col`).
fn errors(text: &str) -> Vec<(String, Diagnostic)> {
    let mut sources = SourceMap::new();
    let p = sources.add("p.facts", PRELUDE);
    let t = sources.add("t.facts", text);
    let diags = Instance::new()
        .read(&sources, &[p, t])
        .expect_err("the read should fail");
    diags
        .into_iter()
        .map(|d| {
            let l = sources.locate(d.span.expect("every diagnostic has a span"));
            let at = if l.file == "t.facts" {
                format!("{}:{}", l.line, l.col)
            } else {
                format!("p:{}:{}", l.line, l.col)
            };
            (at, d)
        })
        .collect()
}

/// The one error `text` gives: (code, line:col, message, help).
fn one(text: &str) -> (&'static str, String, String, String) {
    let mut e = errors(text);
    assert_eq!(e.len(), 1, "{text}: {e:#?}");
    let (at, d) = e.remove(0);
    assert!(d.label.is_some(), "{d:?}");
    (d.code, at, d.message, d.help.expect("a help line"))
}

#[test]
fn f0002_capitalised_word_as_a_name() {
    let (code, at, msg, help) = one("tenant x.\nrole Sam in engineering: Data Developer.");
    assert_eq!((code, at.as_str()), ("F0002", "2:6"));
    assert_eq!(msg, "\"Sam\" is not a name here; write sam or \"Sam\"");
    assert!(help.contains("role and permission names"), "{help}");
}

#[test]
fn f0101_unknown_user_with_did_you_mean() {
    let (code, at, msg, help) = one("invite maira to engineering by sam.");
    assert_eq!((code, at.as_str()), ("F0101", "1:8"));
    assert_eq!(msg, "unknown user \"maira\"; did you mean \"maria\"?");
    assert_eq!(help, "did you mean \"maria\"?");
    let (_, _, msg, help) = one("grant run-as nobody-at-all to sam by maria.");
    assert_eq!(msg, "unknown user \"nobody-at-all\"");
    assert!(help.contains("user nobody-at-all type"), "{help}");
}

#[test]
fn f0102_unknown_tenant() {
    let (code, at, msg, help) = one("role sam in enginering: Data Developer.");
    assert_eq!((code, at.as_str()), ("F0102", "1:13"));
    assert_eq!(
        msg,
        "unknown tenant \"enginering\"; did you mean \"engineering\"?"
    );
    assert_eq!(help, "did you mean \"engineering\"?");
}

#[test]
fn f0103_unknown_resource() {
    let (code, at, msg, help) =
        one("grant can_use_secret on sf-cred in engineering to sam by maria.");
    assert_eq!((code, at.as_str()), ("F0103", "1:25"));
    assert_eq!(
        msg,
        "no resource \"sf-cred\" in tenant engineering; did you mean \"sf-creds\"?"
    );
    assert_eq!(help, "did you mean \"sf-creds\"?");
    // A name that exists only in another tenant: the help names it.
    let (code, _, msg, help) =
        one("revoke can_use_secret on a-secret in engineering from sam by maria.");
    assert_eq!(code, "F0103");
    assert_eq!(msg, "no resource \"a-secret\" in tenant engineering");
    assert_eq!(help, "there is a resource \"a-secret\" in tenant analytics");
    // In a dependency.
    let (code, at, _, _) =
        one("resource w in engineering type: workflow owner: sam\n  compute: nothing-here.");
    assert_eq!((code, at.as_str()), ("F0103", "2:12"));
}

#[test]
fn f0104_duplicates() {
    let (code, at, msg, help) = one("\nuser sam type application.");
    assert_eq!((code, at.as_str()), ("F0104", "2:6"));
    assert_eq!(msg, "user \"sam\" is already defined at p.facts:2");
    assert!(help.contains("remove one"));
    let (code, at, msg, _) = one("resource sf-depot in engineering type: depot owner: maria.");
    assert_eq!((code, at.as_str()), ("F0104", "1:10"));
    assert_eq!(
        msg,
        "resource \"sf-depot\" in engineering is already defined at p.facts:6"
    );
    // Same name in another tenant is fine; twice in one file names the line.
    let (code, at, msg, _) = one("tenant t2.\n\ntenant t2.");
    assert_eq!((code, at.as_str()), ("F0104", "3:8"));
    assert_eq!(msg, "tenant \"t2\" is already defined at line 1");
}

#[test]
fn f0201_instance_roles_are_fixed() {
    let (code, at, msg, help) = one("instance operator: maria.\n\ninstance user: sam.");
    assert_eq!((code, at.as_str()), ("F0201", "3:1"));
    assert_eq!(
        msg,
        "instance roles are fixed when the instance is created (S2); first declared at line 1"
    );
    assert!(help.contains("one `instance` statement"));
    let (code, at, msg, _) = one("instance operator: maria.\ninstance_role(sam, operator).");
    assert_eq!((code, at.as_str()), ("F0201", "2:1"));
    assert!(msg.ends_with("first declared at line 1"), "{msg}");
    let (code, _, _, _) = one("fact instance_role(sam, user).");
    assert_eq!(code, "F0201");
    // Across reads: the instance is already declared.
    let mut sources = SourceMap::new();
    let a = sources.add("a.facts", "user x type person.\ninstance operator: x.");
    let mut inst = Instance::new();
    let c = inst.read(&sources, &[a]).unwrap();
    inst.apply(&c);
    let b = sources.add("b.facts", "instance user: x.");
    let e = inst.read(&sources, &[b]).unwrap_err();
    assert_eq!(e[0].code, "F0201");
    assert!(
        e[0].message.ends_with("first declared at a.facts:2"),
        "{}",
        e[0].message
    );
}

#[test]
fn f0202_unknown_instance_role() {
    let (code, at, msg, help) = one("instance\n  operater: maria.");
    assert_eq!((code, at.as_str()), ("F0202", "2:3"));
    assert_eq!(
        msg,
        "unknown instance role \"operater\"; did you mean \"operator\"?"
    );
    assert_eq!(help, "did you mean \"operator\"?");
}

#[test]
fn f0301_unknown_user_type() {
    let (code, at, msg, help) = one("user bot type app.");
    assert_eq!((code, at.as_str()), ("F0301", "1:15"));
    assert_eq!(
        msg,
        "unknown user type \"app\"; expected person or application"
    );
    assert!(help.contains("type person"), "{help}");
}

#[test]
fn f0302_unknown_tenant_role() {
    let (code, at, msg, help) = one("role sam in engineering: Data Developper.");
    assert_eq!((code, at.as_str()), ("F0302", "1:26"));
    assert_eq!(
        msg,
        "unknown tenant role \"Data Developper\"; did you mean \"Data Developer\"?"
    );
    assert_eq!(help, "did you mean \"Data Developer\"?");
    let (code, _, msg, _) = one("invite sam to engineering by maria as Owner.");
    assert_eq!(code, "F0302");
    assert_eq!(msg, "unknown tenant role \"Owner\"");
}

#[test]
fn f0303_unknown_kind() {
    let (code, at, msg, help) = one("resource d in engineering type: depo owner: maria.");
    assert_eq!((code, at.as_str()), ("F0303", "1:33"));
    assert_eq!(msg, "unknown kind \"depo\"; did you mean \"depot\"?");
    assert_eq!(help, "did you mean \"depot\"?");
}

#[test]
fn f0304_unknown_permission() {
    let (code, at, msg, help) =
        one("grant can_use_secrets on sf-creds in engineering to sam by maria.");
    assert_eq!((code, at.as_str()), ("F0304", "1:7"));
    assert_eq!(
        msg,
        "unknown permission \"can_use_secrets\"; did you mean \"can_use_secret\"?"
    );
    assert_eq!(help, "did you mean \"can_use_secret\"?");
    let (code, _, msg, _) =
        one("grant Can Use Secrets on sf-creds in engineering to sam by maria.");
    assert_eq!(code, "F0304");
    assert!(
        msg.starts_with("unknown permission \"Can Use Secrets\""),
        "{msg}"
    );
}

#[test]
fn f0305_role_of_another_tenant() {
    let (code, at, msg, help) = one("role sam in engineering: analytics Data Developer.");
    assert_eq!((code, at.as_str()), ("F0305", "1:26"));
    assert_eq!(
        msg,
        "\"analytics Data Developer\" names tenant analytics, not engineering"
    );
    assert!(help.contains("drop the prefix"), "{help}");
}

#[test]
fn f0401_missing_fields() {
    let (code, at, msg, help) = one("resource sales-360 in engineering type: workflow.");
    assert_eq!((code, at.as_str()), ("F0401", "1:10"));
    assert_eq!(msg, "resource \"sales-360\" has no owner:");
    assert_eq!(help, "add a `owner:` line to the resource");
    let (code, _, msg, _) = one("resource r in engineering owner: sam.");
    assert_eq!(
        (code, msg.as_str()),
        ("F0401", "resource \"r\" has no type:")
    );
    let (code, at, msg, _) = one("user bob name \"Bob\".");
    assert_eq!((code, at.as_str()), ("F0401", "1:6"));
    assert_eq!(msg, "user \"bob\" has no type");
}

#[test]
fn f0402_unknown_or_repeated_field() {
    let (code, at, msg, help) =
        one("resource w in engineering type: workflow owner: sam\n  runAsUsr: sam.");
    assert_eq!((code, at.as_str()), ("F0402", "2:3"));
    assert_eq!(
        msg,
        "unknown field \"runAsUsr\"; did you mean \"runAsUser\"?"
    );
    assert_eq!(help, "did you mean \"runAsUser\"?");
    let (code, at, msg, _) = one(
        "resource w in engineering type: workflow owner: sam depot: sf-depot depots: sf-depot.",
    );
    assert_eq!((code, at.as_str()), ("F0402", "1:69"));
    assert_eq!(msg, "field \"depots\" is given twice (first at line 1)");
    let (code, _, msg, _) = one("user bob type person type person.");
    assert_eq!(
        (code, msg.as_str()),
        ("F0402", "field \"type\" is given twice (first at line 1)")
    );
    let (code, _, msg, _) = one("resource w in engineering type: workflow owner: sam, maria.");
    assert_eq!(
        (code, msg.as_str()),
        ("F0402", "field \"owner\" takes one value")
    );
}

#[test]
fn f0403_dependency_of_the_wrong_kind() {
    let (code, at, msg, help) =
        one("resource w in engineering type: workflow owner: sam compute: sf-depot.");
    assert_eq!((code, at.as_str()), ("F0403", "1:62"));
    assert_eq!(msg, "compute: sf-depot, but sf-depot is a depot");
    assert!(help.contains("depot:"), "{help}");
}

#[test]
fn f0404_cross_tenant_dependency() {
    let (code, at, msg, help) =
        one("resource sales-360 in engineering type: workflow owner: sam secret: a-secret.");
    assert_eq!((code, at.as_str()), ("F0404", "1:69"));
    assert_eq!(
        msg,
        "a-secret is a resource of analytics; sales-360 is in engineering and can only depend on resources of engineering"
    );
    assert!(help.contains("S24"), "{help}");
    // A qualified id naming another tenant.
    let (code, _, msg, _) = one(
        "resource sales-360 in engineering type: workflow owner: sam secret: \"analytics:a-secret\".",
    );
    assert_eq!(code, "F0404");
    assert!(
        msg.starts_with("a-secret is a resource of analytics;"),
        "{msg}"
    );
}

#[test]
fn f0501_is_a_warning_and_does_not_fail_the_read() {
    let mut sources = SourceMap::new();
    let p = sources.add("p.facts", PRELUDE);
    let t = sources.add(
        "t.facts",
        "\nrevoke can_use_depot on sf-depot in engineering from sam by maria.",
    );
    let c = Instance::new()
        .read(&sources, &[p, t])
        .unwrap()
        .as_if_allowed();
    assert_eq!(c.warnings.len(), 1);
    let w = &c.warnings[0];
    assert_eq!(w.code, "F0501");
    assert!(!w.is_error());
    assert_eq!(sources.locate(w.span.unwrap()).to_string(), "t.facts:2:1");
    assert_eq!(
        w.message,
        "nothing to revoke: no earlier grant of can_use_depot on sf-depot to sam"
    );
    assert!(w.help.is_some());
    assert_eq!(c.add.len(), 4 + 2 + 3 + 1); // prelude facts + revoked_grant
}

#[test]
fn syntax_and_token_errors() {
    let (code, at, msg, help) = one("user bob type person nickname \"b\".");
    assert_eq!((code, at.as_str()), ("E0001", "1:22"));
    assert_eq!(
        msg,
        "expected one of `type`, `name`, `email`, `.`, found `nickname`"
    );
    assert!(help.contains("ends with `.`"), "{help}");
    // A forgotten `.`: located where it belongs, and the next statement still read.
    let (code, at, msg, _) = one("tenant x\ntenant y.");
    assert_eq!((code, at.as_str()), ("E0001", "1:9"));
    assert_eq!(msg, "expected `.` before `tenant`");
    let (code, at, msg, help) = one("tennant x.");
    assert_eq!((code, at.as_str()), ("E0001", "1:1"));
    assert!(msg.starts_with("expected one of `user`"), "{msg}");
    assert_eq!(help, "did you mean `tenant`?");
    // Token errors come from the shared lexer (E0002), once, with no echo E0001.
    let e = errors("tenant \"x.\n");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].1.code, e[0].0.as_str()), ("E0002", "1:8"));
}

#[test]
fn every_error_in_every_file_is_reported() {
    let e = errors("tenant $.\nuser bob type app.\nrole sam in nowhere: Boss.\ngrant x on y in engineering to sam by maria.");
    let codes: Vec<&str> = e.iter().map(|(_, d)| d.code).collect();
    assert_eq!(
        codes,
        ["E0002", "F0301", "F0102", "F0302", "F0304", "F0103"]
    );
}

#[test]
fn nothing_changes_on_error() {
    let mut sources = SourceMap::new();
    let a = sources.add("a.facts", PRELUDE);
    let mut inst = Instance::new();
    let c = inst.read(&sources, &[a]).unwrap();
    inst.apply(&c);
    let g = sources.add(
        "g.facts",
        "grant can_edit on sf-depot in engineering to sam by maria.",
    );
    let c = inst.read(&sources, &[g]).unwrap().as_if_allowed();
    inst.apply(&c);
    let before = format!("{inst:?}");
    let bad = sources.add(
        "bad.facts",
        "user new type person.\ntenant t9.\nrevoke can_edit on sf-depot in engineering from sam by maria.\nuser broken type robot.",
    );
    assert!(inst.read(&sources, &[bad]).is_err());
    assert_eq!(format!("{inst:?}"), before);
    assert!(!inst.users().any(|u| u == "new"));
    assert_eq!(inst.grants().count(), 1);
}
