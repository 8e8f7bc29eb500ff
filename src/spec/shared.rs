//! Whether an env built for a spec may stand for every env of that spec:
//! put in the store, or cloned from it by another checkout or script.
//!
//! Invariant: the spec hash covers every byte that decides the env —
//! requirement lines, requirement files, local archives and `find-links`
//! directories by content (`local`, `find_links`), the interpreter and the
//! options — except what this module names. Anything it names decides the
//! env without being in the hash, so such an env is never shared: a local
//! project (built from a source tree that is not hashed, and an editable
//! one points into its checkout), the project itself, a lock's entries
//! without a hash, a `${VAR}` that pip expands (another checkout may expand
//! it to other bytes), a URL to an archive or a checkout without a hash, a
//! requirement file behind a URL. (The project itself may be shared once
//! taken out of the env, when its dependencies are static: `own`.) An index (or a `find-links` page) is
//! named by its URL, as for every build: what it serves later is pip's.

use super::{Spec, pip_args};

impl Spec {
    /// Why an env of this spec may not be shared by its hash, if it may not.
    pub(crate) fn not_shareable(&self) -> Option<String> {
        if self.package.is_some() {
            return Some("it holds the project itself, built from this checkout".to_owned());
        }
        if let Some(project) = self.local_projects.first() {
            return Some(format!(
                "`{}` is built from a local source tree, which is not hashed",
                project.requirement
            ));
        }
        if let Some(entry) = self.lock.as_ref().and_then(|l| l.unhashed.first()) {
            return Some(format!("the lock's `{}` has no hash", entry.name));
        }
        if let Some(link) = self
            .pip
            .find_links
            .iter()
            .find(|l| l.location.for_pip().contains("${"))
        {
            return Some(format!(
                "`find-links` `{}` names a variable",
                link.location.for_pip()
            ));
        }
        let requirements = self
            .all_requirements()
            .into_iter()
            .map(str::to_owned)
            .chain(
                self.requirement_files
                    .iter()
                    .filter(|f| !f.constraint)
                    .flat_map(|f| {
                        f.lines
                            .iter()
                            .filter(|l| !l.starts_with('-'))
                            .map(|l| super::local::requirement_part(l))
                    }),
            );
        for text in requirements {
            if let Some(why) = unkeyed_requirement(&text) {
                return Some(why);
            }
        }
        let option_lines = self
            .requirement_files
            .iter()
            .flat_map(|f| f.lines.iter().filter(|l| l.starts_with('-')))
            .filter_map(|l| shlex::split(l));
        for words in option_lines.chain(std::iter::once(self.pip.args.clone())) {
            if let Some(why) = unkeyed_options(&pip_args::parse(&words)) {
                return Some(why);
            }
        }
        None
    }
}

/// Why a requirement's text decides the env beyond the hash, if it does: a
/// `${VAR}`, or a URL (but a local file's, hashed as a local archive) that
/// carries no hash.
fn unkeyed_requirement(text: &str) -> Option<String> {
    if text.contains("${") {
        return Some(format!("`{text}` names a variable, expanded by pip"));
    }
    let url = text.contains("://");
    let local_file =
        text.starts_with("file:") || text.contains("@ file:") || text.contains("@file:");
    let hashed = text.contains("sha256=") || text.contains("--hash");
    (url && !local_file && !hashed).then(|| format!("`{text}` is a URL without a hash"))
}

/// Why the options of a requirement file line or `[pip] args` decide the
/// env beyond the hash, if they do.
fn unkeyed_options(named: &pip_args::Named) -> Option<String> {
    if let Some((_, value)) = named.editables.first() {
        return Some(format!("`-e {value}` is installed from a source tree"));
    }
    if let Some((_, file, _)) = named
        .files
        .iter()
        .find(|(_, f, _)| f.contains("://") || f.contains("${"))
    {
        return Some(format!("requirement file `{file}` is not read by penv"));
    }
    if let Some((_, link)) = named.find_links.iter().find(|(_, l)| l.contains("${")) {
        return Some(format!("`find-links` `{link}` names a variable"));
    }
    named
        .requirements
        .iter()
        .find_map(|(_, text)| unkeyed_requirement(text))
}

#[cfg(test)]
mod tests {
    use crate::spec::example;

    #[test]
    fn index_requirements_are_shareable() {
        assert_eq!(example().not_shareable(), None);
    }

    #[test]
    fn what_the_hash_does_not_cover_is_not_shareable() {
        type Change = Box<dyn Fn(&mut crate::spec::Spec)>;
        let cases: Vec<(&str, Change)> = vec![
            (
                "the project itself",
                Box::new(|s| s.package = Some(crate::spec::PackageSpec { extras: vec![] })),
            ),
            (
                "names a variable",
                Box::new(|s| s.requirements.push("pkg @ ${WHEELS}/pkg.whl".into())),
            ),
            (
                "URL without a hash",
                Box::new(|s| s.requirements.push("pkg @ https://h/pkg-1.0.tar.gz".into())),
            ),
            (
                "URL without a hash",
                Box::new(|s| {
                    s.requirement_files[0]
                        .lines
                        .push("git+https://h/r.git#egg=r".into());
                }),
            ),
            (
                "source tree",
                Box::new(|s| s.pip.args = vec!["-e".into(), "git+https://h/r.git#egg=r".into()]),
            ),
            (
                "not read by penv",
                Box::new(|s| {
                    s.requirement_files[0]
                        .lines
                        .push("-r https://h/reqs.txt".into());
                }),
            ),
            (
                "names a variable",
                Box::new(|s| s.pip.args = vec!["--find-links".into(), "${WHEELS}".into()]),
            ),
        ];
        for (want, change) in cases {
            let mut spec = example();
            change(&mut spec);
            let why = spec.not_shareable().unwrap_or_default();
            assert!(why.contains(want), "{want}: {why}");
        }
    }

    #[test]
    fn hashed_urls_and_local_archives_are_shareable() {
        let mut spec = example();
        spec.requirements
            .push("pkg @ https://h/pkg-1.0.tar.gz#sha256=00".into());
        spec.requirements
            .push("pkg2 @ file:///w/pkg2-1.0-py3-none-any.whl".into());
        spec.requirement_files[0]
            .lines
            .push("--extra-index-url https://h/simple".into());
        assert_eq!(spec.not_shareable(), None);
    }
}
