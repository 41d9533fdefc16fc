//! Reference checks (F0101, F0102, F0103) and duplicate definitions (F0104).

use super::names::did_you_mean;
use super::parse::Name;
use super::read::Reader;
use crate::diag::Diagnostic;
use crate::source::Span;

impl Reader<'_> {
    /// "line 12" in the same file, "other.facts:12" in another, for "defined at".
    pub(super) fn at(&self, earlier: Span, here: Span) -> String {
        match self.sources.get(earlier.file) {
            Some(_) if earlier.file == here.file => {
                format!("line {}", self.sources.locate(earlier).line)
            }
            Some(_) => {
                let l = self.sources.locate(earlier);
                format!("{}:{}", l.file, l.line)
            }
            None => "an earlier read".into(),
        }
    }

    pub(super) fn duplicate(&mut self, what: String, earlier: Span, here: Span) {
        let at = self.at(earlier, here);
        let mut d = Diagnostic::error("F0104", format!("{what} is already defined at {at}"))
            .at(here)
            .label("defined again here")
            .help("remove one of the two definitions, or give this one another name");
        if self.sources.get(earlier.file).is_some() {
            d = d.related(earlier, "first defined here");
        }
        self.diags.push(d);
    }

    pub(super) fn check_user(&mut self, u: &Name) -> bool {
        let known = if self.known.built {
            self.known.users.contains(u.text.as_str())
        } else {
            self.users.contains_key(u.text.as_str())
        };
        if known {
            return true;
        }
        if u.capitalised {
            return false; // already F0002
        }
        let mut d = Diagnostic::error("F0101", format!("unknown user \"{}\"", u.text))
            .at(u.span)
            .label("no such user");
        match did_you_mean(&u.text, self.users.keys().map(String::as_str)) {
            Some(s) => {
                d.message.push_str(&format!("; did you mean \"{s}\"?"));
                d = d.help(format!("did you mean \"{s}\"?"));
            }
            None => d = d.help(format!("declare it: `user {} type person.`", u.text)),
        }
        self.error(d);
        false
    }

    pub(super) fn check_tenant(&mut self, t: &Name) -> bool {
        let known = if self.known.built {
            self.known.tenants.contains(t.text.as_str())
        } else {
            self.tenants.contains_key(t.text.as_str())
        };
        if known {
            return true;
        }
        if t.capitalised {
            return false; // already F0002
        }
        let mut d = Diagnostic::error("F0102", format!("unknown tenant \"{}\"", t.text))
            .at(t.span)
            .label("no such tenant");
        match did_you_mean(&t.text, self.tenants.keys().map(String::as_str)) {
            Some(s) => {
                d.message.push_str(&format!("; did you mean \"{s}\"?"));
                d = d.help(format!("did you mean \"{s}\"?"));
            }
            None => d = d.help(format!("declare it: `tenant {}.`", t.text)),
        }
        self.error(d);
        false
    }

    /// The kind of resource `name` in `tenant`, or F0103 (with a did-you-mean, or the
    /// tenants that do have such a resource).
    pub(super) fn check_resource(
        &mut self,
        tenant: &str,
        name: &str,
        span: Span,
    ) -> Option<String> {
        let kind = if self.known.built {
            self.known.resource(tenant, name).map(str::to_owned)
        } else {
            self.resources
                .get(&(tenant.to_owned(), name.to_owned()))
                .map(|(k, _)| k.clone())
        };
        if kind.is_some() {
            return kind;
        }
        let mut d = Diagnostic::error(
            "F0103",
            format!("no resource \"{name}\" in tenant {tenant}"),
        )
        .at(span)
        .label("no such resource");
        let here = self
            .resources
            .keys()
            .filter(|(t, _)| t == tenant)
            .map(|(_, r)| r.as_str());
        let elsewhere: Vec<&str> = self
            .resources
            .keys()
            .filter(|(t, r)| r == name && t != tenant)
            .map(|(t, _)| t.as_str())
            .collect();
        if let Some(s) = did_you_mean(name, here) {
            d.message.push_str(&format!("; did you mean \"{s}\"?"));
            d = d.help(format!("did you mean \"{s}\"?"));
        } else if let Some(t) = elsewhere.first() {
            d = d.help(format!("there is a resource \"{name}\" in tenant {t}"));
        } else {
            d = d.help(format!(
                "declare it: `resource {name} in {tenant} type: ... owner: ... .`"
            ));
        }
        self.error(d);
        None
    }
}
