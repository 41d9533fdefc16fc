//! Resource manifests, each kind in the v1 layout (a section named after the type) and
//! the v2 layout (`spec:`), become the base facts the .facts language gives them.

use crate::import_util::{open_with_base, origins, rows};

/// Shared resources the workloads below depend on (v2 depot with a qualified secret id).
const SHARED: &str = "name: pg-creds
version: v1
type: secret
owner: maria
tenant: engineering
secret: {type: key-value, data: {user: x}}
---
name: runnable-default
version: v1beta
type: compute
owner: maria
tenant: engineering
compute: {dataplane: hub}
---
name: pgdepot
version: v2alpha
type: depot
owner: maria
tenant: engineering
spec:
  type: postgresql
  secrets:
    - id: engineering:pg-creds
      purpose: rw
";

fn load(name: &str, text: &str) -> grantlog::workspace::Workspace {
    open_with_base(&[("shared.yaml", SHARED), (name, text)]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn v2_depot_links_its_secret_by_qualified_id() {
    let ws = load("none.yaml", "");
    assert!(rows(&ws, "depot_secret").contains("engineering,pgdepot,pg-creds"));
    assert!(rows(&ws, "resource").contains("engineering,depot,pgdepot,maria,maria"));
    assert!(rows(&ws, "resource").contains("engineering,secret,pg-creds,maria,maria"));
    assert!(rows(&ws, "resource").contains("engineering,compute,runnable-default,maria,maria"));
}

#[test]
fn v1_depot_links_its_secret_by_name() {
    let ws = load(
        "d.yaml",
        "name: sfdepot\nversion: v1\ntype: depot\nowner: maria\ntenant: engineering\ndepot:\n  type: snowflake\n  secrets:\n    - name: pg-creds\n      allkeys: true\n",
    );
    assert!(rows(&ws, "depot_secret").contains("engineering,sfdepot,pg-creds"));
}

const WORKFLOW_V1: &str = "name: wf-orders
version: v1
type: workflow
owner: sam
tenant: engineering
workflow:
  dag:
    - name: load
      spec:
        stack: flare:7.0
        compute: runnable-default
        runAsUser: dpdeveloper
        dataosSecrets: [{name: pg-creds, workspace: public, allKeys: true}]
        stackSpec:
          inputs: [{name: orders, dataset: \"dataos://pgdepot:public/orders\"}]
";

fn assert_workflow(ws: &grantlog::workspace::Workspace, kind: &str, name: &str) {
    assert!(rows(ws, "resource").contains(&format!("engineering,{kind},{name},sam,sam")));
    assert!(rows(ws, "run_as_user").contains(&format!("engineering,{name},dpdeveloper")));
    let deps = rows(ws, "depends_on");
    for d in [
        "compute,runnable-default",
        "secret,pg-creds",
        "depot,pgdepot",
    ] {
        assert!(
            deps.contains(&format!("engineering,{name},{d}")),
            "{d} in {deps:?}"
        );
    }
}

#[test]
fn v1_workflow_dag_steps_give_compute_run_as_secrets_and_depots() {
    assert_workflow(&load("wf.yaml", WORKFLOW_V1), "workflow", "wf-orders");
}

#[test]
fn v2_workflow_reads_spec_dag() {
    let v2 = "name: wf2\nversion: v1\ntype: workflow\nowner: sam\ntenant: engineering\nspec:\n  dag:\n    - name: a\n      spec:\n        compute: runnable-default\n        runAsUser: dpdeveloper\n        dataosSecrets:\n          - name: pg-creds\n        stackSpec:\n          outputs:\n            - dataset: dataos://pgdepot:public/out?acl=rw\n";
    assert_workflow(&load("wf2.yaml", v2), "workflow", "wf2");
}

#[test]
fn services_and_workers_in_both_layouts() {
    for (kind, layout) in [
        ("service", "service"),
        ("worker", "worker"),
        ("service", "spec"),
        ("worker", "spec"),
    ] {
        let text = format!(
            "name: {kind}-x\nversion: v1\ntype: {kind}\nowner: sam\ntenant: engineering\n{layout}:\n  compute: runnable-default\n  runAsUser: dpdeveloper\n  replicas: 1\n  dataosSecrets: [{{name: pg-creds}}]\n  stackSpec:\n    source: \"dataos://pgdepot:public/orders\"\n"
        );
        assert_workflow(&load("s.yaml", &text), kind, &format!("{kind}-x"));
    }
}

#[test]
fn minerva_cluster_v1_and_v2() {
    let v1 = "name: mc1\nversion: v1\ntype: cluster\nowner: maria\ntenant: engineering\ncluster:\n  compute: runnable-default\n  type: minerva\n  runAsUser: dpdeveloper\nminerva:\n  depots:\n    - address: dataos://pgdepot:default\n";
    let v2 = "name: mc2\nversion: v1alpha\ntype: minerva\nowner: maria\ntenant: engineering\nspec:\n  compute: runnable-default\n  runAsUser: dpdeveloper\n  depots:\n    - address: \"dataos://pgdepot?purpose=rw\"\n";
    for (name, text) in [("mc1", v1), ("mc2", v2)] {
        let ws = load("c.yaml", text);
        assert!(rows(&ws, "resource").contains(&format!("engineering,cluster,{name},maria,maria")));
        assert!(rows(&ws, "run_as_user").contains(&format!("engineering,{name},dpdeveloper")));
        let deps = rows(&ws, "depends_on");
        assert!(deps.contains(&format!("engineering,{name},compute,runnable-default")));
        assert!(deps.contains(&format!("engineering,{name},depot,pgdepot")));
    }
}

#[test]
fn secret_instance_secret_compute_lakehouse_and_data_product() {
    let text = "name: is1\nversion: v1\ntype: instance-secret\nowner: maria\ntenant: engineering\ninstance-secret:\n  type: key-value-properties\n  acl: r\n  data: {a: b}\n---\nname: c2\nversion: v1\ntype: compute\nowner: maria\ntenant: engineering\nspec: {dataplane: hub}\n---\nname: lh\nversion: v1alpha\ntype: lakehouse\nowner: maria\ntenant: engineering\nlakehouse:\n  compute: runnable-default\n  secrets: [{name: pg-creds}]\n---\nname: dp\nversion: v1beta\ntype: data-product\nowner: sam\ntenant: engineering\nspec:\n  compute: runnable-default\n  inputs: [{refType: dataos, ref: \"dataos://pgdepot:public/orders\"}]\n";
    let ws = load("many.yaml", text);
    let res = rows(&ws, "resource");
    for r in [
        "secret,is1,maria",
        "compute,c2,maria",
        "lakehouse,lh,maria",
        "data-product,dp,sam",
    ] {
        let (k, rest) = r.split_once(',').unwrap();
        let (n, o) = rest.split_once(',').unwrap();
        assert!(
            res.contains(&format!("engineering,{k},{n},{o},{o}")),
            "{r} in {res:?}"
        );
    }
    let deps = rows(&ws, "depends_on");
    assert!(deps.contains("engineering,lh,secret,pg-creds"));
    assert!(deps.contains("engineering,dp,depot,pgdepot"));
    assert!(deps.contains("engineering,dp,compute,runnable-default"));
}

#[test]
fn tenant_from_the_tenants_directory_convention() {
    let text = "name: wfx\nversion: v1\ntype: workflow\nowner: sam\nworkflow:\n  dag:\n    - name: a\n      spec: {compute: runnable-default}\n";
    let ws = open_with_base(&[
        ("shared.yaml", SHARED),
        ("x/tenants/engineering/wf.yaml", text),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(rows(&ws, "depends_on").contains("engineering,wfx,compute,runnable-default"));
}

#[test]
fn facts_keep_the_manifest_file_and_line() {
    let ws = load("wf.yaml", WORKFLOW_V1);
    // The resource fact is the document (line 1); run_as_user the runAsUser value (line 12).
    assert!(origins(&ws, "resource").contains("wf.yaml:1"));
    assert!(origins(&ws, "run_as_user").contains("wf.yaml:12"));
    // Second document of shared.yaml starts after the first `---` (line 8).
    assert!(origins(&ws, "resource").contains("shared.yaml:8"));
}
