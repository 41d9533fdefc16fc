//! The durable history under `--data DIR`: every accepted change, committed (SQLite, WAL,
//! `synchronous=FULL`) before it is acknowledged, with its author, time, statements and
//! the decisions it changed. On start the changes are replayed in order on the model
//! opened from the files, so a restart (after `kill -9` too) loses nothing acknowledged
//! and shows nothing half-applied: a change is one SQLite transaction.
//!
//! The schema is the one a shared Postgres would hold for several servers (see
//! docs/server.md): plain tables keyed by revision, text and JSON columns, no SQLite-only
//! types.

use super::changes::Tuple;
use super::kept::Applied;
use super::state::Live;
use super::watch::Event;
use crate::load::Text;
use crate::syntax::ast::Const;
use rusqlite::{params, Connection};
use std::path::Path;

pub struct History {
    db: Option<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
  revision     INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  author       TEXT NOT NULL,
  source       TEXT NOT NULL,
  assert_text  TEXT NOT NULL,
  retract_text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS decisions (
  revision  INTEGER NOT NULL REFERENCES changes (revision),
  relation  TEXT NOT NULL,
  fact      TEXT NOT NULL,
  args      TEXT NOT NULL,
  holds     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_by_fact ON decisions (fact, revision);
";

/// One change in the history of a decision.
pub struct Flip {
    pub revision: u64,
    pub at: String,
    pub author: String,
    pub source: String,
    pub assert: String,
    pub retract: String,
    pub holds: bool,
}

impl History {
    /// Opens (or creates) `DIR/history.sqlite3`. The inputs' fingerprint is kept in it:
    /// a history recorded on other rules or facts is refused rather than replayed on them.
    pub fn open(dir: &Path, rules: &[Text], facts: &[Text]) -> Result<History, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("error: --data {}: {e}", dir.display()))?;
        let path = dir.join("history.sqlite3");
        let fail = |e: rusqlite::Error| format!("error: {}: {e}", path.display());
        let db = Connection::open(&path).map_err(fail)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        db.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        db.execute_batch(SCHEMA).map_err(fail)?;
        let base = fingerprint(rules, facts);
        let known: Option<String> = db
            .query_row("SELECT value FROM meta WHERE key = 'base'", [], |r| {
                r.get(0)
            })
            .ok();
        match known {
            Some(k) if k != base => {
                return Err(format!(
                    "error: the history in {} was recorded on other rules or facts (fingerprint {k}, these are {base})\n  = help: start with the rules and facts it was recorded on, or give another --data directory",
                    path.display()
                ))
            }
            Some(_) => {}
            None => {
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('base', ?1), ('schema', '1')",
                    params![base],
                )
                .map_err(fail)?;
            }
        }
        Ok(History { db: Some(db) })
    }

    fn db(&self) -> Result<&Connection, String> {
        self.db
            .as_ref()
            .ok_or_else(|| "the history is closed".to_string())
    }

    /// Applies every recorded change, in order, to the model opened from the files.
    pub fn replay(&mut self, live: &mut Live) -> Result<(), String> {
        let db = self.db()?;
        let mut stmt = db
            .prepare("SELECT revision, retract_text, assert_text FROM changes ORDER BY revision")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(|e| e.to_string())?;
        for row in rows {
            let (revision, retract, assert) = row.map_err(|e| e.to_string())?;
            let revision = revision as u64;
            if revision != live.revision + 1 {
                return Err(format!(
                    "error: the history skips from revision {} to {revision}",
                    live.revision
                ));
            }
            super::changes::replay(live, revision, &retract, &assert)?;
        }
        Ok(())
    }

    /// Commits one change and its decisions; returns once it is on disk.
    pub fn record(&mut self, e: &Event) -> Result<(), String> {
        let db = self.db.as_mut().ok_or("the history is closed")?;
        let tx = db.transaction().map_err(|e| e.to_string())?;
        tx.execute(
            "INSERT INTO changes (revision, at, author, source, assert_text, retract_text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![e.revision as i64, e.at, e.author, e.source, e.assert, e.retract],
        )
        .map_err(|e| e.to_string())?;
        {
            let mut ins = tx
                .prepare("INSERT INTO decisions (revision, relation, fact, args, holds) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(|e| e.to_string())?;
            for (list, holds) in [(&e.gained, true), (&e.lost, false)] {
                for (rel, values) in list {
                    ins.execute(params![
                        e.revision as i64,
                        rel,
                        fact_text(rel, values),
                        args_json(values),
                        holds
                    ])
                    .map_err(|e| e.to_string())?;
                }
            }
        }
        tx.commit().map_err(|e| e.to_string())
    }

    /// The texts of the changes after revision `after` up to `upto`, oldest first (for
    /// the explorer's replay of changes whose texts the server no longer keeps). Their
    /// source files are not the model's: `files` is empty.
    pub fn texts_between(&self, after: u64, upto: u64) -> Result<Vec<Applied>, String> {
        let db = self.db()?;
        let err = |e: rusqlite::Error| e.to_string();
        let mut stmt = db
            .prepare("SELECT revision, retract_text, assert_text FROM changes WHERE revision > ?1 AND revision <= ?2 ORDER BY revision")
            .map_err(err)?;
        let rows = stmt
            .query_map(params![after as i64, upto as i64], |r| {
                Ok(Applied {
                    revision: r.get::<_, i64>(0)? as u64,
                    retract: r.get(1)?,
                    assert: r.get(2)?,
                    files: (0, 0),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// The last `n` changes, oldest first, with their decisions.
    pub fn recent(&self, n: usize) -> Result<Vec<Event>, String> {
        let mut events = self.events(
            "SELECT revision, at, author, source, assert_text, retract_text FROM changes ORDER BY revision DESC LIMIT ?1",
            params![n as i64],
        )?;
        events.reverse();
        Ok(events)
    }

    /// The changes after revision `after` up to `upto`, oldest first (for a watch that
    /// resumes from further back than memory keeps).
    pub fn between(&self, after: u64, upto: u64) -> Result<Vec<Event>, String> {
        self.events(
            "SELECT revision, at, author, source, assert_text, retract_text FROM changes WHERE revision > ?1 AND revision <= ?2 ORDER BY revision",
            params![after as i64, upto as i64],
        )
    }

    fn events(&self, sql: &str, args: impl rusqlite::Params) -> Result<Vec<Event>, String> {
        let db = self.db()?;
        let err = |e: rusqlite::Error| e.to_string();
        let mut stmt = db.prepare(sql).map_err(err)?;
        let mut events: Vec<Event> = stmt
            .query_map(args, |r| {
                Ok(Event {
                    revision: r.get::<_, i64>(0)? as u64,
                    at: r.get(1)?,
                    author: r.get(2)?,
                    source: r.get(3)?,
                    assert: r.get(4)?,
                    retract: r.get(5)?,
                    rules: Vec::new(),
                    gained: Vec::new(),
                    lost: Vec::new(),
                })
            })
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let mut dec = db
            .prepare(
                "SELECT relation, args, holds FROM decisions WHERE revision = ?1 ORDER BY rowid",
            )
            .map_err(err)?;
        for e in &mut events {
            let rows = dec
                .query_map(params![e.revision as i64], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                    ))
                })
                .map_err(err)?;
            for row in rows {
                let (rel, args, holds) = row.map_err(err)?;
                let t: Tuple = (rel, parse_args(&args));
                if holds {
                    e.gained.push(t);
                } else {
                    e.lost.push(t);
                }
            }
        }
        Ok(events)
    }

    /// When the decision `fact` (as [`fact_text`] spells it) became true or false, and by
    /// which change, oldest first.
    pub fn flips(&self, fact: &str) -> Result<Vec<Flip>, String> {
        let db = self.db()?;
        let err = |e: rusqlite::Error| e.to_string();
        let mut stmt = db
            .prepare(
                "SELECT c.revision, c.at, c.author, c.source, c.assert_text, c.retract_text, d.holds
                 FROM decisions d JOIN changes c ON c.revision = d.revision
                 WHERE d.fact = ?1 ORDER BY c.revision",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![fact], |r| {
                Ok(Flip {
                    revision: r.get::<_, i64>(0)? as u64,
                    at: r.get(1)?,
                    author: r.get(2)?,
                    source: r.get(3)?,
                    assert: r.get(4)?,
                    retract: r.get(5)?,
                    holds: r.get(6)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// Closes the database (its WAL checkpointed).
    pub fn close(&mut self) {
        if let Some(db) = self.db.take() {
            let _ = db.close();
        }
    }
}

/// A decision as one string: `relation(a, b)`, the key of the history.
pub fn fact_text(relation: &str, values: &[Const]) -> String {
    let args: Vec<String> = values.iter().map(crate::table::plain).collect();
    format!("{relation}({})", args.join(", "))
}

fn args_json(values: &[Const]) -> String {
    serde_json::Value::Array(values.iter().map(crate::table::json_value).collect()).to_string()
}

fn parse_args(text: &str) -> Vec<Const> {
    let v: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    v.into_iter()
        .map(|x| match x {
            serde_json::Value::Number(n) => Const::Num(n.as_i64().unwrap_or(0)),
            serde_json::Value::String(s) => Const::Sym(s),
            other => Const::Sym(other.to_string()),
        })
        .collect()
}

/// FNV-1a over the inputs' names and texts: stable across builds and platforms.
fn fingerprint(rules: &[Text], facts: &[Text]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for t in rules.iter().chain(facts) {
        for b in t.name.bytes().chain([0]).chain(t.text.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The time now, RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}
