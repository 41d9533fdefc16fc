//! `grantlog serve`: the AuthZEN Authorization API 1.0 on the worked example, through
//! the shipped mapping (rules/dataos.authzen.json).

use crate::serve_util::{scratch, Server};
use serde_json::{json, Value};

fn sam() -> Value {
    json!({"type": "user", "id": "sam"})
}

fn decisions(body: &Value) -> Vec<bool> {
    body["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["decision"].as_bool().unwrap())
        .collect()
}

#[test]
fn evaluation_answers_what_the_mapped_decision_says() {
    let s = Server::start(&[]);
    let eval = |action: &str, kind: &str, id: &str| {
        let (status, body) = s.post_json(
            "/access/v1/evaluation",
            &json!({"subject": sam(), "action": {"name": action}, "resource": {"type": kind, "id": id}}),
        );
        assert_eq!(status, 200, "{body}");
        body["decision"].as_bool().unwrap()
    };
    assert!(eval("can_use_depot", "depot", "sf-depot"));
    assert!(!eval("can_use_secret", "secret", "sf-creds"));
    assert!(!eval("run", "workload", "sales-360"));
    // After the missing grant, both flip: the same model as /v1/check.
    s.post_json(
        "/v1/changes",
        &json!({"assert": "grant can_use_secret on sf-creds in engineering to sam by maria"}),
    );
    assert!(eval("can_use_secret", "secret", "sf-creds"));
    assert!(eval("run", "workload", "sales-360"));
    // A tenant given in properties is used; another tenant does not hold.
    let (_, body) = s.post_json(
        "/access/v1/evaluation",
        &json!({"subject": sam(), "action": {"name": "can_use_depot"},
                "resource": {"type": "depot", "id": "sf-depot", "properties": {"tenant": "marketing"}}}),
    );
    assert_eq!(
        (&body["decision"], &body["context"]["revision"]),
        (&json!(false), &json!(1))
    );
    // An unknown user is denied, not an error.
    let (status, body) = s.post_json(
        "/access/v1/evaluation",
        &json!({"subject": {"type": "user", "id": "nobody"}, "action": {"name": "can_use_depot"}, "resource": {"type": "depot", "id": "sf-depot"}}),
    );
    assert_eq!((status, &body["decision"]), (200, &json!(false)));
}

#[test]
fn evaluations_have_three_semantics() {
    let s = Server::start(&[]);
    let batch = |semantic: Option<&str>| {
        let mut body = json!({
            "subject": sam(),
            "resource": {"type": "depot", "id": "sf-depot"},
            "evaluations": [
                {"action": {"name": "can_use"}},
                {"action": {"name": "can_edit"}},
                {"action": {"name": "can_use_depot"}},
                {"action": {"name": "can_use_secret"}, "resource": {"type": "secret", "id": "sf-creds"}},
            ],
        });
        if let Some(s) = semantic {
            body["options"] = json!({"evaluations_semantic": s});
        }
        let (status, out) = s.post_json("/access/v1/evaluations", &body);
        assert_eq!(status, 200, "{out}");
        decisions(&out)
    };
    assert_eq!(batch(None), [true, false, true, false]);
    assert_eq!(batch(Some("execute_all")), [true, false, true, false]);
    assert_eq!(batch(Some("deny_on_first_deny")), [true, false]);
    assert_eq!(batch(Some("permit_on_first_permit")), [true]);
    let (status, _) = s.post_json(
        "/access/v1/evaluations",
        &json!({"subject": sam(), "evaluations": [{}], "options": {"evaluations_semantic": "sometimes"}}),
    );
    assert_eq!(status, 400);
    // An item that is wrong is a deny with its error; the others are answered.
    let (_, out) = s.post_json(
        "/access/v1/evaluations",
        &json!({"subject": sam(), "resource": {"type": "depot", "id": "sf-depot"},
                "evaluations": [{"action": {"name": "fly"}}, {"action": {"name": "can_use"}}]}),
    );
    assert_eq!(decisions(&out), [false, true]);
    assert!(out["evaluations"][0]["context"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown action `fly`"));
}

#[test]
fn searches_find_subjects_resources_and_actions() {
    let s = Server::start(&[]);
    let (status, body) = s.post_json(
        "/access/v1/search/subject",
        &json!({"subject": {"type": "user"}, "action": {"name": "can_use"}, "resource": {"type": "depot", "id": "sf-depot"}}),
    );
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    // The same users as the query of the decision.
    let (_, q) = s.post_json(
        "/v1/query",
        &json!({"query": "can_use(U, engineering, sf-depot)"}),
    );
    let want: Vec<&str> = q["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["U"].as_str().unwrap())
        .collect();
    assert_eq!(ids, want);
    assert!(ids.contains(&"sam"));

    let (_, body) = s.post_json(
        "/access/v1/search/resource",
        &json!({"subject": sam(), "action": {"name": "can_use"}, "resource": {"type": "depot"}}),
    );
    assert_eq!(
        body["results"],
        json!([{"type": "depot", "id": "sf-depot", "properties": {"tenant": "engineering"}}])
    );

    let (_, body) = s.post_json(
        "/access/v1/search/action",
        &json!({"subject": sam(), "resource": {"type": "depot", "id": "sf-depot"}}),
    );
    assert_eq!(
        body["results"],
        json!([{"name": "can_use"}, {"name": "can_use_depot"}])
    );

    // Paging: one at a time, with the token given back.
    let (_, first) = s.post_json(
        "/access/v1/search/action",
        &json!({"subject": sam(), "resource": {"type": "depot", "id": "sf-depot"}, "page": {"limit": 1}}),
    );
    assert_eq!(first["results"], json!([{"name": "can_use"}]));
    let token = first["page"]["next_token"].as_str().unwrap().to_string();
    let (_, second) = s.post_json(
        "/access/v1/search/action",
        &json!({"subject": sam(), "resource": {"type": "depot", "id": "sf-depot"}, "page": {"limit": 1, "token": token}}),
    );
    assert_eq!(second["results"], json!([{"name": "can_use_depot"}]));
    assert_eq!(second["page"]["next_token"], "");
}

#[test]
fn the_configuration_names_every_endpoint() {
    let s = Server::start(&[]);
    let (status, body) = s.get("/.well-known/authzen-configuration");
    assert_eq!(status, 200);
    assert_eq!(body["policy_decision_point"], s.base);
    for (key, path) in [
        ("access_evaluation_endpoint", "/access/v1/evaluation"),
        ("access_evaluations_endpoint", "/access/v1/evaluations"),
        ("search_subject_endpoint", "/access/v1/search/subject"),
        ("search_resource_endpoint", "/access/v1/search/resource"),
        ("search_action_endpoint", "/access/v1/search/action"),
    ] {
        assert_eq!(body[key], format!("{}{path}", s.base));
    }
}

#[test]
fn a_mapping_that_does_not_fit_the_rules_is_refused_at_start() {
    let dir = scratch("authzen-bad");
    let bad = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/dataos.authzen.json"
    ))
    .unwrap()
    .replace("can_run($tenant, $resource)", "can_run($tenant)");
    std::fs::write(dir.join("m.json"), bad).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantlog"))
        .args(["serve", "--listen", "127.0.0.1:0", "--authzen", "m.json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("m.json: actions.run.decision is not a query of these rules"),
        "{err}"
    );
    assert!(err.contains("E0102"), "{err}");
}

#[test]
fn rules_without_a_mapping_answer_404_for_authzen() {
    let dir = scratch("authzen-none");
    std::fs::write(dir.join("r.dl"), ".decl edge(a: symbol, b: symbol)\n").unwrap();
    let s = Server::start_in(&dir, &["--rules", "r.dl"]);
    let (status, body) = s.post_json("/access/v1/evaluation", &json!({"subject": sam()}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (404, &json!("no_authzen_mapping"))
    );
}
