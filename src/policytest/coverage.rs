//! Rule coverage: which rules fired in some test and which never did.
//!
//! A rule **fires** in a test when some instance of its body holds in that test's model
//! (checked at every `expect`, so facts revoked later still count). In a model at its
//! fixpoint that is exactly "the rule derives its head for that instance", whether or not
//! another rule derived the same fact first. Rules are found firing cheaply from the
//! recorded origin of each derived tuple first; the rest are searched by the explanation
//! matcher, within its work budget (ample for test-sized instances).

use crate::engine::{Model, Origin};
use crate::program::{Program, RuleId};
use serde_json::{json, Value as Json};

/// One rule of the program and whether it fired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCoverage {
    /// The `@name`, else the `file:line` label.
    pub name: String,
    /// `file:line` of the rule's head.
    pub location: String,
    pub doc: Option<String>,
    pub fired: bool,
}

impl RuleCoverage {
    /// Written `@name` (not just the location)?
    pub fn named(&self) -> bool {
        self.name != self.location
    }

    /// The file part of the location.
    pub fn file(&self) -> &str {
        self.location
            .rsplit_once(':')
            .map_or(self.location.as_str(), |(f, _)| f)
    }
}

/// Every rule of the program, in source order, with whether it fired in some test.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    pub rules: Vec<RuleCoverage>,
    /// The threshold of `--min-coverage`, if any.
    pub min: Option<f64>,
}

impl Coverage {
    /// No rule fired yet.
    pub fn new(program: &Program) -> Coverage {
        let rules = program
            .rules()
            .map(|r| {
                let info = program.rule_info(r);
                RuleCoverage {
                    name: info.name.clone(),
                    location: info.label.clone(),
                    doc: info.doc.clone(),
                    fired: false,
                }
            })
            .collect();
        Coverage { rules, min: None }
    }

    /// Mark the rules that fire in this model (compiled from the same rule texts).
    pub fn observe(&mut self, model: &Model) {
        let program = model.program();
        if program.rules().count() != self.rules.len() {
            return;
        }
        for rel in program.relations().filter(|&r| program.is_derived(r)) {
            for t in model.tuples(rel) {
                if let Some(Origin::Derived { rule, .. }) = model.origin(rel, t) {
                    if let Some(c) = self.rules.get_mut(rule.0 as usize) {
                        c.fired = true;
                    }
                }
            }
        }
        for (i, c) in self.rules.iter_mut().enumerate() {
            if !c.fired {
                c.fired = crate::explain::body_holds(model, RuleId(i as u32));
            }
        }
    }

    pub fn fired(&self) -> usize {
        self.rules.iter().filter(|r| r.fired).count()
    }

    pub fn total(&self) -> usize {
        self.rules.len()
    }

    /// Percentage of rules that fired; 100 when there are no rules.
    pub fn percent(&self) -> f64 {
        if self.rules.is_empty() {
            100.0
        } else {
            self.fired() as f64 * 100.0 / self.total() as f64
        }
    }

    /// Below `--min-coverage`? Compared as shown (one decimal), so the line printed and
    /// the verdict agree.
    pub fn below_min(&self) -> bool {
        let shown = (self.percent() * 10.0).round() / 10.0;
        self.min.is_some_and(|m| shown < m)
    }

    pub fn never_fired(&self) -> impl Iterator<Item = &RuleCoverage> {
        self.rules.iter().filter(|r| !r.fired)
    }

    /// `coverage: F/T rules fired (P%)`, then the rules that never fired, grouped by file,
    /// each with its location, name and doc; then the threshold verdict, if any.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "coverage: {}/{} rules fired ({:.1}%)\n",
            self.fired(),
            self.total(),
            self.percent()
        );
        let mut file: Option<&str> = None;
        for r in self.never_fired() {
            if file != Some(r.file()) {
                file = Some(r.file());
                out.push_str(&format!("never fired in {}:\n", r.file()));
            }
            if r.named() {
                out.push_str(&format!("  {} @{}\n", r.location, r.name));
            } else {
                out.push_str(&format!("  {} (unnamed)\n", r.location));
            }
            for line in r.doc.iter().flat_map(|d| d.lines()) {
                out.push_str(&format!("      /// {}\n", line.trim()));
            }
        }
        if let Some(min) = self.min {
            if self.below_min() {
                out.push_str(&format!(
                    "coverage {:.1}% is below --min-coverage {min}%\n",
                    self.percent()
                ));
            }
        }
        out
    }

    /// `{"fired", "total", "percent", "never_fired": [{"rule", "location", "doc"}]}`, plus
    /// `"min"` and `"below_min"` with `--min-coverage`.
    pub fn to_json(&self) -> Json {
        let never: Vec<Json> = self
            .never_fired()
            .map(|r| json!({"rule": r.name, "location": r.location, "doc": r.doc}))
            .collect();
        let mut o = json!({
            "fired": self.fired(),
            "total": self.total(),
            "percent": (self.percent() * 10.0).round() / 10.0,
            "never_fired": never,
        });
        if let Some(min) = self.min {
            o["min"] = json!(min);
            o["below_min"] = json!(self.below_min());
        }
        o
    }

    /// LCOV tracefile (what editors' and CI services' coverage views read): per rule
    /// file, each rule's head line as a line record (`DA:line,1` fired, `0` never) and
    /// each named rule as a function record.
    pub fn to_lcov(&self) -> String {
        let mut files: Vec<&str> = Vec::new();
        for r in &self.rules {
            if !files.contains(&r.file()) {
                files.push(r.file());
            }
        }
        let mut out = String::new();
        for file in files {
            let rules: Vec<&RuleCoverage> =
                self.rules.iter().filter(|r| r.file() == file).collect();
            let line =
                |r: &RuleCoverage| r.location[file.len()..].trim_start_matches(':').to_string();
            let hit = |r: &RuleCoverage| u8::from(r.fired);
            out.push_str(&format!("TN:\nSF:{file}\n"));
            let named: Vec<&&RuleCoverage> = rules.iter().filter(|r| r.named()).collect();
            for r in &named {
                out.push_str(&format!("FN:{},{}\n", line(r), r.name));
            }
            for r in &named {
                out.push_str(&format!("FNDA:{},{}\n", hit(r), r.name));
            }
            let fnh = named.iter().filter(|r| r.fired).count();
            out.push_str(&format!("FNF:{}\nFNH:{fnh}\n", named.len()));
            for r in &rules {
                out.push_str(&format!("DA:{},{}\n", line(r), hit(r)));
            }
            let lh = rules.iter().filter(|r| r.fired).count();
            out.push_str(&format!("LF:{}\nLH:{lh}\nend_of_record\n", rules.len()));
        }
        out
    }
}
