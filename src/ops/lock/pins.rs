//! Which pins of the existing lock a re-lock keeps, and what moved.
//!
//! Invariant: a pin is dropped only when asked (`--upgrade`,
//! `--upgrade-package`) or when a requirement no longer allows it; every
//! other versioned package of the old lock reaches pip as `name==version`,
//! rendered from the parsed name and version.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use super::Options;
use crate::lock::model::PyLock;
use crate::lock::normalize_name;
use crate::spec::Spec;

/// The existing lock's pins pip keeps: `name==version` for each versioned
/// package, except those `options` frees and those a requirement of `spec`
/// no longer allows.
pub(super) fn kept_pins(existing: Option<&PyLock>, options: &Options, spec: &Spec) -> Vec<String> {
    let Some(existing) = existing else {
        return Vec::new();
    };
    if options.upgrade {
        return Vec::new();
    }
    let freed: BTreeSet<String> = options
        .upgrade_packages
        .iter()
        .map(|n| normalize_name(n))
        .collect();
    let allowed = allowed_versions(spec);
    existing
        .packages
        .iter()
        .filter_map(|p| {
            // Rendered from the parsed name and version (both checked when
            // the lock was read), never the lock's text: a pin reaches pip
            // as a line of its constraint file.
            let name = crate::lock::fields::name(&p.name).ok()?.to_string();
            let version = crate::lock::fields::version(p.version.as_deref()?).ok()?;
            if freed.contains(&name) {
                return None;
            }
            if let Some(specifiers) = allowed.get(&name)
                && !specifiers.iter().all(|s| s.contains(&version))
            {
                return None;
            }
            Some(format!("{name}=={version}"))
        })
        .collect()
}

/// The version specifiers each directly named package must satisfy.
fn allowed_versions(spec: &Spec) -> BTreeMap<String, Vec<pep440_rs::VersionSpecifiers>> {
    let mut allowed: BTreeMap<String, Vec<_>> = BTreeMap::new();
    // Requirement files' requirement lines too (not their options), and
    // constraint files' (`-c`): a pin a constraint no longer allows goes
    // alone, never every pin with it (pip would refuse the set, and the
    // resolution be made again from nothing).
    let file_lines = spec
        .requirement_files
        .iter()
        .flat_map(|f| f.lines.iter().map(String::as_str))
        .filter(|l| !l.starts_with('-'));
    for text in spec.all_requirements().into_iter().chain(file_lines) {
        // Normalized by the spec; non-ASCII ones (kept as written) are skipped,
        // as `pep508_rs` may panic on them.
        if !text.is_ascii() {
            continue;
        }
        if let Ok(req) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(text)
            && let Some(pep508_rs::VersionOrUrl::VersionSpecifier(specifiers)) = req.version_or_url
            && let Ok(specifiers) = pep440_rs::VersionSpecifiers::from_str(&specifiers.to_string())
        {
            allowed
                .entry(normalize_name(req.name.as_ref()))
                .or_default()
                .push(specifiers);
        }
    }
    allowed
}

/// What moved between the old lock and the new one.
pub(super) fn changes(old: Option<&PyLock>, new: &PyLock) -> Vec<String> {
    let versions = |lock: &PyLock| -> BTreeMap<String, String> {
        lock.packages
            .iter()
            .map(|p| {
                (
                    normalize_name(&p.name),
                    p.version.clone().unwrap_or_default(),
                )
            })
            .collect()
    };
    let old = old.map(versions).unwrap_or_default();
    let new = versions(new);
    let mut out = Vec::new();
    for (name, version) in &new {
        match old.get(name) {
            None => out.push(format!("Added `{name}` {version}").trim_end().to_owned()),
            Some(before) if before != version => {
                out.push(format!("Updated `{name}` {before} -> {version}"));
            }
            Some(_) => {}
        }
    }
    for (name, version) in &old {
        if !new.contains_key(name) {
            // A directory or a checkout has no version to say.
            out.push(format!("Removed `{name}` {version}").trim_end().to_owned());
        }
    }
    out.sort_by(|a, b| a.split('`').nth(1).cmp(&b.split('`').nth(1)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn lock_with(packages: &[(&str, &str)]) -> PyLock {
        let text = packages.iter().fold(
            "lock-version = \"1.0\"\ncreated-by = \"penv\"\n".to_owned(),
            |text, (n, v)| format!("{text}[[packages]]\nname = \"{n}\"\nversion = \"{v}\"\n"),
        );
        crate::lock::parse(&text, Path::new("p")).unwrap()
    }

    #[test]
    fn pins_are_kept_unless_freed_or_no_longer_allowed() {
        let old = lock_with(&[("Tiny_Pkg", "1.0"), ("other", "1.0"), ("third", "3.0")]);
        let mut spec = crate::spec::example();
        spec.requirements = vec!["other>=2".into(), "third".into()];
        spec.groups.clear();
        let options = Options::default();
        assert_eq!(
            kept_pins(Some(&old), &options, &spec),
            ["tiny-pkg==1.0", "third==3.0"]
        );
        let options = Options {
            upgrade_packages: vec!["TINY.pkg".into()],
            ..Options::default()
        };
        assert_eq!(kept_pins(Some(&old), &options, &spec), ["third==3.0"]);
        let options = Options {
            upgrade: true,
            ..Options::default()
        };
        assert!(kept_pins(Some(&old), &options, &spec).is_empty());
    }

    /// A constraint file's line restricts a pin as a requirement's does.
    #[test]
    fn a_pin_a_constraint_no_longer_allows_goes_alone() {
        let old = lock_with(&[("idna", "3.10"), ("six", "1.16.0")]);
        let mut spec = crate::spec::example();
        spec.requirements = vec!["idna".into(), "six".into()];
        spec.groups.clear();
        spec.requirement_files = vec![crate::spec::FileSpec {
            path: "constraints.txt".into(),
            sha256: String::new(),
            constraint: true,
            lines: vec!["idna<3.10".into()],
        }];
        assert_eq!(
            kept_pins(Some(&old), &Options::default(), &spec),
            ["six==1.16.0"]
        );
    }

    /// A pin is a line of pip's constraint file: rendered from the parsed
    /// name and version, never as the lock writes them.
    #[test]
    fn pins_are_rendered_from_parsed_values() {
        let old = lock_with(&[("Zope.Interface", "5.0-beta"), ("x", "1.0.0+Local_1")]);
        let mut spec = crate::spec::example();
        spec.requirements.clear();
        spec.groups.clear();
        assert_eq!(
            kept_pins(Some(&old), &Options::default(), &spec),
            ["zope-interface==5.0b0", "x==1.0.0+local.1"]
        );
    }

    #[test]
    fn changes_name_what_moved() {
        let old = lock_with(&[("a", "1"), ("b", "1")]);
        let new = lock_with(&[("b", "2"), ("c", "1")]);
        assert_eq!(
            changes(Some(&old), &new),
            ["Removed `a` 1", "Updated `b` 1 -> 2", "Added `c` 1"]
        );
        let unversioned = lock_with(&[]);
        let mut dir = lock_with(&[("b", "2")]);
        dir.packages[0].version = None;
        assert_eq!(changes(Some(&dir), &unversioned), ["Removed `b`"]);
    }
}
