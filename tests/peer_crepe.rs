//! The interpreter against the crepe encoding of the same rules, on generated workloads:
//! every derived relation must have the same size (and, for small inputs, the same tuples).

#[path = "../benches/support/crepe_programs.rs"]
mod crepe_programs;
#[path = "../benches/support/workload.rs"]
mod workload;

#[test]
fn generator_hits_its_target_size_and_leaves_some_workloads_blocked() {
    let w = workload::access(20_000, 3);
    let n = w.len();
    assert!((16_000..24_000).contains(&n), "{n} base facts");
    let sizes = crepe_programs::access::run(&w);
    eprintln!("{n} base facts, derived {sizes:?}");
    let [_, effective, _, _, missing, blocked, runnable] = sizes;
    assert!(effective < w.grant.len(), "some grants must not take effect: {sizes:?}");
    assert!(missing > 0 && blocked > 0 && runnable > 0, "{sizes:?}");
}
