//! Rows: copies with room, bulk appends and forgetting against one-by-one inserts.

use super::*;

fn tuple(i: u32) -> Vec<Value> {
    vec![Value(i % 7), Value(i)]
}

/// A copy made with room holds the same rows, finds them by tuple and by index key
/// alike, and takes the rows it made room for without growing any table.
#[test]
fn a_copy_with_room_is_the_same_rows_and_takes_more_without_growing() {
    let mut rows = Rows::new(2, &[vec![0], vec![1]]);
    let prov = Prov { rule: 0, detail: 1 };
    for i in 0..1000 {
        let t = tuple(i);
        rows.insert_if_absent(hash_values(t.iter().copied()), &t, prov);
    }
    rows.kill(3, 1);
    let mut copy = rows.with_room(2000);
    let caps = |r: &Rows| {
        (
            r.data.capacity(),
            r.dedup.capacity(),
            r.indexes[0].buckets.capacity(),
        )
    };
    let before = caps(&copy);
    for i in 1000..3000 {
        let t = tuple(i);
        assert!(copy.insert_if_absent(hash_values(t.iter().copied()), &t, prov));
        rows.insert_if_absent(hash_values(t.iter().copied()), &t, prov);
    }
    assert_eq!(caps(&copy), before, "no table grew");
    assert_eq!((copy.len(), copy.live()), (rows.len(), rows.live()));
    for i in 0..3000 {
        let t = tuple(i);
        let h = hash_values(t.iter().copied());
        assert_eq!(copy.find(h, &t), rows.find(h, &t), "row of {i}");
        for (ix, col) in [(0, 0), (1, 1)] {
            let key = hash_values([t[col]].into_iter());
            let a: Vec<u32> = copy.index_rows(ix, key).collect();
            let b: Vec<u32> = rows.index_rows(ix, key).collect();
            assert_eq!(a, b, "index {ix} of {i}");
        }
    }
    assert_eq!(
        copy.find(hash_values(tuple(3).into_iter()), &tuple(3)),
        None,
        "dead"
    );
}

/// Forgetting walks only the chains of the rows it unlinks (rows linked before `prev`
/// was made, and after, in walked and unwalked buckets alike), and every chain then
/// holds exactly the rows not forgotten, in order, with `prev` the inverse of `next`.
#[test]
fn forgetting_unlinks_from_the_chains_it_walks() {
    let prov = Prov { rule: 0, detail: 1 };
    let mut rows = Rows::new(2, &[vec![0]]);
    let add = |rows: &mut Rows, i: u32| {
        let t = tuple(i);
        rows.insert_if_absent(hash_values(t.iter().copied()), &t, prov);
    };
    for i in 0..700 {
        add(&mut rows, i);
    }
    let mut gone = std::collections::BTreeSet::new();
    for r in [3, 10, 696] {
        rows.kill(r, 1);
        rows.forget(r);
        gone.insert(r);
    }
    assert_eq!(rows.indexes[0].walked.len(), 1, "one bucket (key 3) walked");
    for i in 700..1400 {
        add(&mut rows, i);
    }
    // Bucket 3 again (walked), bucket 5 (rows from before and after `prev`), its last.
    for r in [17, 703, 5, 698, 1398] {
        rows.kill(r, 2);
        rows.forget(r);
        gone.insert(r);
    }
    let index = &rows.indexes[0];
    for k in 0..7u32 {
        let key = hash_values([Value(k)].into_iter());
        let chain: Vec<u32> = rows.index_rows(0, key).collect();
        let want: Vec<u32> = (0..1400)
            .filter(|r| r % 7 == k && !gone.contains(r))
            .collect();
        assert_eq!(chain, want, "bucket {k}");
        if index.walked.contains(&key) {
            for w in chain.windows(2) {
                assert_eq!(index.prev[w[1] as usize], w[0], "prev in bucket {k}");
            }
        }
    }
}

/// Appending a buffer at once (indexes linked on two threads) makes the rows, ids and
/// index chains that inserting the tuples one by one makes, skipping those held.
#[test]
fn appending_at_once_equals_inserting_one_by_one() {
    let indexes = [vec![0], vec![1], vec![0, 1], vec![1, 0]];
    let prov = Prov { rule: 0, detail: 1 };
    let mut one = Rows::new(2, &indexes);
    for i in 0..500 {
        let t = tuple(i * 3);
        one.insert_if_absent(hash_values(t.iter().copied()), &t, prov);
    }
    one.kill(10, 1);
    let mut bulk = one.clone();
    let mut pending = Pending::new(2);
    for i in 0..150_000 {
        let t = tuple(i);
        pending.insert(hash_values(t.iter().copied()), &t);
    }
    let mut added = 0;
    for i in 0..pending.len() {
        added += usize::from(one.insert_if_absent(pending.hash(i), pending.row(i), prov));
    }
    assert_eq!(bulk.append_absent(&pending, prov), added);
    assert_eq!((bulk.len(), bulk.live()), (one.len(), one.live()));
    assert_eq!(bulk.data, one.data);
    for (a, b) in bulk.indexes.iter().zip(&one.indexes) {
        assert_eq!((&a.next, &a.prev), (&b.next, &b.prev));
        assert!(
            !a.linked_back && a.prev.is_empty(),
            "built only when forgetting"
        );
        assert_eq!(a.buckets.len(), b.buckets.len());
    }
    for i in (0..150_000).step_by(97) {
        let t = tuple(i);
        let key = hash_values([t[1]].into_iter());
        let a: Vec<u32> = bulk.index_rows(1, key).collect();
        assert_eq!(a, one.index_rows(1, key).collect::<Vec<u32>>(), "{i}");
    }
}

/// The dedup table grows by reading the rows in order while every row is in it, and by
/// hashbrown's rehash once some are dead: both ways every row is found, no tuple twice.
#[test]
fn the_dedup_table_grows_both_ways_and_finds_every_row() {
    let mut rows = Rows::new(2, &[vec![0]]);
    let prov = Prov { rule: 0, detail: 1 };
    let add = |rows: &mut Rows, i: u32| {
        let t = tuple(i);
        rows.insert_if_absent(hash_values(t.iter().copied()), &t, prov)
    };
    let mut caps = vec![rows.dedup.capacity()];
    for i in 0..5000 {
        assert!(add(&mut rows, i));
        assert!(!add(&mut rows, i / 2), "a tuple held is not added again");
        caps.push(rows.dedup.capacity());
    }
    caps.dedup();
    assert!(caps.len() > 5, "the table grew several times: {caps:?}");
    rows.kill(10, 1);
    for i in 5000..20000 {
        assert!(add(&mut rows, i)); // grows with a dead row held
    }
    for i in 0..20000 {
        let t = tuple(i);
        let found = rows.find(hash_values(t.iter().copied()), &t);
        assert_eq!(found, (i != 10).then_some(i), "row of {i}");
    }
    assert_eq!(
        rows.dedup.len(),
        20000,
        "the dead row keeps its entry until forgotten"
    );
}
