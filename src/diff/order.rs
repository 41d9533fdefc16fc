//! The order of changes: by user, tenant, then the whole tuple, each compared as
//! constants (`Const`'s order). Values are ranked once per symbol table, so sorting
//! millions of tuples compares `u32`s instead of strings.

use crate::engine::{Symbols, Value};

/// Every value's place among its table's constants in `Const` order (a bijection: two
/// values are two constants), and back.
pub(super) struct Ranks {
    rank: Vec<u32>,
    value: Vec<Value>,
}

impl Ranks {
    pub(super) fn of(symbols: &Symbols) -> Ranks {
        let consts = symbols.constants();
        let mut value: Vec<Value> = (0..consts.len() as u32).map(Value).collect();
        value.sort_unstable_by(|a, b| consts[a.0 as usize].cmp(&consts[b.0 as usize]));
        let mut rank = vec![0; value.len()];
        for (r, v) in value.iter().enumerate() {
            rank[v.0 as usize] = r as u32;
        }
        Ranks { rank, value }
    }

    #[inline]
    fn rank(&self, v: Value) -> u32 {
        self.rank[v.0 as usize]
    }
}

/// The columns in the order they are compared: the user's, the tenant's, then the others
/// in tuple order. Comparing tuples in this column order is comparing (user, tenant,
/// whole tuple): when user and tenant are equal, so are their positions in the tuple.
fn key_columns(arity: usize, user: Option<usize>, tenant: Option<usize>) -> Vec<usize> {
    let first: Vec<usize> = user.into_iter().chain(tenant).collect();
    let rest = (0..arity).filter(|c| !first.contains(c));
    first.iter().copied().chain(rest).collect()
}

/// Sorts `rows` (`arity` values each, no two equal) by user, tenant and tuple.
pub(super) fn sort_rows(
    rows: &mut [Value],
    arity: usize,
    user: Option<usize>,
    tenant: Option<usize>,
    ranks: &Ranks,
) {
    if arity == 0 || rows.len() <= arity {
        return;
    }
    let cols = key_columns(arity, user, tenant);
    if arity <= 4 {
        // The ranks packed into one integer, first column highest: sorting the keys is
        // sorting the tuples, and a key gives its tuple back.
        let shift = |i: usize| 32 * (arity - 1 - i) as u32;
        let mut keys: Vec<u128> = rows
            .chunks_exact(arity)
            .map(|row| {
                cols.iter().enumerate().fold(0u128, |k, (i, &c)| {
                    k | (ranks.rank(row[c]) as u128) << shift(i)
                })
            })
            .collect();
        keys.sort_unstable();
        for (row, k) in rows.chunks_exact_mut(arity).zip(&keys) {
            for (i, &c) in cols.iter().enumerate() {
                row[c] = ranks.value[(k >> shift(i)) as u32 as usize];
            }
        }
        return;
    }
    let keys: Vec<u32> = rows
        .chunks_exact(arity)
        .flat_map(|row| cols.iter().map(|&c| ranks.rank(row[c])))
        .collect();
    let key = |i: u32| &keys[i as usize * arity..][..arity];
    let mut order: Vec<u32> = (0..(rows.len() / arity) as u32).collect();
    order.sort_unstable_by(|&a, &b| key(a).cmp(key(b)));
    let sorted: Vec<Value> = order
        .iter()
        .flat_map(|&i| &rows[i as usize * arity..][..arity])
        .copied()
        .collect();
    rows.copy_from_slice(&sorted);
}

/// [`sort_rows`] comparing the constants themselves: for a few rows, cheaper than
/// ranking every constant of the table first.
pub(super) fn sort_rows_by_constants(
    rows: &mut [Value],
    arity: usize,
    user: Option<usize>,
    tenant: Option<usize>,
    symbols: &Symbols,
) {
    if arity == 0 || rows.len() <= arity {
        return;
    }
    let cols = key_columns(arity, user, tenant);
    let mut order: Vec<&[Value]> = rows.chunks_exact(arity).collect();
    order.sort_unstable_by(|a, b| {
        cols.iter()
            .map(|&c| symbols.constant(a[c]).cmp(symbols.constant(b[c])))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let sorted: Vec<Value> = order.into_iter().flatten().copied().collect();
    rows.copy_from_slice(&sorted);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::Const;

    /// Sorted by ranks equals sorted by constants, for packed and unpacked arities.
    #[test]
    fn rank_order_is_constant_order() {
        let mut s = Symbols::new();
        let consts = [
            Const::Num(10),
            Const::Sym("b".into()),
            Const::Num(-2),
            Const::Sym("3".into()),
            Const::Num(3),
            Const::Sym("a b".into()),
            Const::Sym("A".into()),
        ];
        let vals: Vec<Value> = consts.iter().map(|c| s.intern(c)).collect();
        let ranks = Ranks::of(&s);
        for arity in [1, 2, 3, 5] {
            let mut rows = Vec::new();
            let mut n = 0usize;
            for a in 0..vals.len() {
                for b in 0..vals.len() {
                    let row: Vec<Value> = (0..arity).map(|i| vals[(a * 3 + b * i) % 7]).collect();
                    if !rows.chunks(arity).any(|r: &[Value]| r == row.as_slice()) {
                        rows.extend(row);
                        n += 1;
                    }
                }
            }
            let (user, tenant) = if arity >= 3 {
                (Some(2), Some(0))
            } else {
                (None, Some(arity - 1))
            };
            let as_consts = |rows: &[Value]| -> Vec<Vec<Const>> {
                rows.chunks(arity)
                    .map(|r| r.iter().map(|&v| s.constant(v).clone()).collect())
                    .collect()
            };
            let mut expected = as_consts(&rows);
            expected.sort_by_key(|t| {
                (
                    user.map(|c| t[c].clone()),
                    tenant.map(|c| t[c].clone()),
                    t.clone(),
                )
            });
            let mut by_constants = rows.clone();
            sort_rows(&mut rows, arity, user, tenant, &ranks);
            assert_eq!(as_consts(&rows), expected, "arity {arity}");
            sort_rows_by_constants(&mut by_constants, arity, user, tenant, &s);
            assert_eq!(by_constants, rows, "arity {arity}, by constants");
            assert_eq!(rows.len(), n * arity);
        }
    }
}
