//! What changed between the spec an env was built from and the one the
//! project wants now, in words: the reasons `status` and `sync` print, and
//! the files a "changed since" message names. The parts that name files
//! (requirement files, pip's options and `find-links`) are in [`parts`].

mod parts;
mod venv;

use std::path::Path;

use super::{LocalArchive, Spec, local};

/// The reasons a recorded spec differs from the wanted one, one short line each.
pub(crate) fn diff(old: &Spec, new: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let (oi, ni) = (&old.interpreter, &new.interpreter);
    if oi.version != ni.version || oi.implementation != ni.implementation {
        out.push(format!(
            "interpreter {} {} → {} {}",
            oi.implementation, oi.version, ni.implementation, ni.version
        ));
    } else if oi.path != ni.path {
        out.push(format!(
            "interpreter `{}` → `{}`",
            oi.path.display(),
            ni.path.display()
        ));
    }
    if old.venv != new.venv {
        venv::venv_diff(&mut out, &old.venv, &new.venv);
    }
    if old.lock.is_some() == new.lock.is_some() {
        requirements_diff(&mut out, old, new);
    } else {
        // Installed from a lock now, or no longer: what the requirements,
        // groups and files say was not what pip installed on one side
        // (a locked spec holds none of them), so listing them as added or
        // dropped would be untrue. Only the pip options both keep count.
        let kept = |pip: &super::PipSpec| {
            let mut pip = pip.clone();
            pip.args.clear();
            for links in &mut pip.find_links {
                links.files.clear();
            }
            pip
        };
        let (o, n) = (kept(&old.pip), kept(&new.pip));
        if o != n {
            parts::pip(&mut out, &o, &n);
        }
    }
    lock_diff(&mut out, old, new);
    // An extra of a locked project is said by both the project's and the
    // lock's selection: once is enough.
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|line| seen.insert(line.clone()));
    if out.is_empty() && old != new {
        out.push("spec changed".to_owned());
    }
    out
}

/// What changed in what penv.toml asks pip for, between two specs both
/// installed from a lock or both not: requirements, groups, extras, the
/// project itself, requirement files, pip options, local sources.
fn requirements_diff(out: &mut Vec<String>, old: &Spec, new: &Spec) {
    list_diff(out, "", &old.requirements, &new.requirements);
    selection_diff(out, "group", &old.groups, &new.groups);
    selection_diff(out, "extra", &old.extras, &new.extras);
    match (&old.package, &new.package) {
        (None, Some(_)) => out.push("the project itself is now installed".to_owned()),
        (Some(_), None) => out.push("the project itself is no longer installed".to_owned()),
        (Some(o), Some(n)) => {
            for extra in n.extras.iter().filter(|e| !o.extras.contains(e)) {
                out.push(format!("extra `{extra}` selected"));
            }
            for extra in o.extras.iter().filter(|e| !n.extras.contains(e)) {
                out.push(format!("extra `{extra}` no longer selected"));
            }
        }
        (None, None) => {}
    }
    parts::requirement_files(out, &old.requirement_files, &new.requirement_files);
    if old.pip != new.pip {
        let before = out.len();
        parts::pip(out, &old.pip, &new.pip);
        if out.len() == before {
            out.push("pip options changed".to_owned());
        }
    }
    for project in &new.local_projects {
        if let Some(o) = old.local_projects.iter().find(|o| o.path == project.path) {
            local::diff(out, o, project);
        }
    }
    for links in &new.named_find_links {
        if let Some(o) = old
            .named_find_links
            .iter()
            .find(|o| o.location == links.location)
        {
            parts::find_links(out, o, links);
        }
    }
    archives_diff(out, &old.local_archives, &new.local_archives);
}

/// What changed in a selection of named requirement lists (groups, extras):
/// `kind `name` selected`, `no longer selected`, or its lines' diff.
fn selection_diff(
    out: &mut Vec<String>,
    kind: &str,
    old: &std::collections::BTreeMap<String, Vec<String>>,
    new: &std::collections::BTreeMap<String, Vec<String>>,
) {
    let names: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for name in names {
        match (old.get(name), new.get(name)) {
            (None, Some(_)) => out.push(format!("{kind} `{name}` selected")),
            (Some(_), None) => out.push(format!("{kind} `{name}` no longer selected")),
            (Some(o), Some(n)) => list_diff(out, &format!("{kind} `{name}`: "), o, n),
            (None, None) => {}
        }
    }
}

/// What changed about the lock an env is installed from.
fn lock_diff(out: &mut Vec<String>, old: &Spec, new: &Spec) {
    let pin = |name: &str, version: &Option<String>| match version {
        Some(v) => format!("{name}=={v}"),
        None => name.to_owned(),
    };
    let pins = |lock: &super::LockSpec| -> Vec<String> {
        let files = lock.selected.iter().map(|s| pin(&s.name, &s.version));
        let unhashed = lock.unhashed.iter().map(|u| pin(&u.name, &u.version));
        files.chain(unhashed).collect()
    };
    match (&old.lock, &new.lock) {
        (None, Some(n)) => out.push(format!("installed from `{}` now", n.path)),
        (Some(o), None) => out.push(format!(
            "no longer installed from `{}`: from the project's requirements now",
            o.path
        )),
        (Some(o), Some(n)) if o != n => {
            if o.sha256 != n.sha256 {
                out.push(format!("the lock `{}` changed", n.path));
            }
            for (kind, was, is) in [
                ("group", &o.groups, &n.groups),
                ("extra", &o.extras, &n.extras),
            ] {
                for name in is.iter().filter(|g| !was.contains(g)) {
                    out.push(format!("{kind} `{name}` selected"));
                }
                for name in was.iter().filter(|g| !is.contains(g)) {
                    out.push(format!("{kind} `{name}` no longer selected"));
                }
            }
            let before = out.len();
            list_diff(out, "lock: ", &pins(o), &pins(n));
            if out.len() == before && (o.selected != n.selected || o.unhashed != n.unhashed) {
                out.push("lock: other files selected".to_owned());
            }
        }
        _ => {}
    }
}

/// The files whose contents differ between two specs of one project, as a
/// message names them: requirement files, local projects' metadata files,
/// `find-links` directories (whose listing changed).
pub(crate) fn changed_files(old: &Spec, new: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |name: String| {
        let name = format!("`{name}`");
        if !out.contains(&name) {
            out.push(name);
        }
    };
    if let (Some(o), Some(n)) = (&old.lock, &new.lock)
        && o.sha256 != n.sha256
    {
        push(n.path.clone());
    }
    for file in &new.requirement_files {
        if old
            .requirement_files
            .iter()
            .find(|f| f.path == file.path)
            .is_none_or(|o| o.sha256 != file.sha256)
        {
            push(file.path.clone());
        }
    }
    for file in &old.requirement_files {
        if !new.requirement_files.iter().any(|f| f.path == file.path) {
            push(file.path.clone());
        }
    }
    for project in &new.local_projects {
        let old_metadata = old
            .local_projects
            .iter()
            .find(|o| o.path == project.path)
            .map(|o| &o.metadata);
        for name in local::files(old_metadata, &project.metadata) {
            if old_metadata.and_then(|m| m.get(name)) != project.metadata.get(name) {
                push(if project.path == "." {
                    name.clone()
                } else {
                    Path::new(&project.path).join(name).display().to_string()
                });
            }
        }
    }
    for links in new.pip.find_links.iter().chain(&new.named_find_links) {
        if !old.pip.find_links.contains(links) && !old.named_find_links.contains(links) {
            push(links.location.to_string());
        }
    }
    for archive in &new.local_archives {
        if old
            .local_archives
            .iter()
            .any(|o| o.path == archive.path && o.sha256 != archive.sha256)
        {
            push(archive.path.clone());
        }
    }
    out
}

/// Local archives whose bytes changed under the same path: "`dist/x.whl`
/// changed" (one named or dropped shows as a requirement that changed).
fn archives_diff(out: &mut Vec<String>, old: &[LocalArchive], new: &[LocalArchive]) {
    for archive in new {
        if old
            .iter()
            .any(|o| o.path == archive.path && o.sha256 != archive.sha256)
        {
            out.push(format!("`{}` changed", archive.path));
        }
    }
}

/// `prefix+added, -removed`, when anything was.
fn list_diff(out: &mut Vec<String>, prefix: &str, old: &[String], new: &[String]) {
    let added: Vec<String> = new
        .iter()
        .filter(|r| !old.contains(r))
        .map(|r| format!("+{r}"))
        .collect();
    let removed: Vec<String> = old
        .iter()
        .filter(|r| !new.contains(r))
        .map(|r| format!("-{r}"))
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        let all: Vec<String> = added.into_iter().chain(removed).collect();
        out.push(format!("{prefix}{}", all.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::credentials::PipUrl;
    use crate::spec::build::canonical_requirements;
    use crate::spec::{FindLinks, LocalProject, PackageSpec, example};

    #[test]
    fn diff_names_what_changed() {
        let old = example();
        let mut new = example();
        new.interpreter.version = "3.12.4".into();
        new.requirements =
            canonical_requirements(&["requests>=2.32".into(), "httpx==0.28.1".into()]);
        new.requirement_files[0].sha256 = "1".repeat(64);
        new.requirement_files[0].lines = vec!["six".into(), "attrs".into()];
        assert_eq!(
            diff(&old, &new),
            vec![
                "interpreter cpython 3.12.1 → cpython 3.12.4",
                "+httpx==0.28.1, -rich==13.*",
                "`requirements.txt`: +attrs",
            ]
        );
    }

    #[test]
    fn diff_names_extras_and_the_project_itself() {
        let old = example();
        let mut new = example();
        new.extras.insert(
            "bye".into(),
            canonical_requirements(&["farewell==1.0".into()]),
        );
        assert_eq!(diff(&old, &new), vec!["extra `bye` selected"]);
        assert_eq!(diff(&new, &old), vec!["extra `bye` no longer selected"]);
        let mut other = new.clone();
        other.extras.insert(
            "bye".into(),
            canonical_requirements(&["farewell==2.0".into()]),
        );
        assert_eq!(
            diff(&new, &other),
            vec!["extra `bye`: +farewell==2.0, -farewell==1.0"]
        );
        let mut package = example();
        package.package = Some(PackageSpec {
            extras: vec!["cli".into()],
        });
        assert_eq!(
            diff(&old, &package),
            vec!["the project itself is now installed"]
        );
        let mut more = package.clone();
        more.package = Some(PackageSpec {
            extras: vec!["http2".into()],
        });
        assert_eq!(
            diff(&package, &more),
            vec!["extra `http2` selected", "extra `cli` no longer selected"]
        );
    }

    /// A spec installed from `pylock.toml` (what `Spec::from_lock` makes:
    /// no requirements, groups or files; `[pip] args` and listings left out).
    fn locked(from: &Spec) -> Spec {
        let mut spec = from.clone();
        spec.requirements.clear();
        spec.groups.clear();
        spec.extras.clear();
        spec.requirement_files.clear();
        spec.pip.args.clear();
        for links in &mut spec.pip.find_links {
            links.files.clear();
        }
        spec.lock = Some(crate::spec::LockSpec {
            path: "pylock.toml".into(),
            sha256: "0".repeat(64),
            selected: vec![],
            unhashed: vec![],
            untagged: vec![],
            groups: vec!["dev".into()],
            extras: vec![],
        });
        spec
    }

    /// When only the lock is new, the reason is that, not the requirements,
    /// groups and files a locked spec does not hold (issue 22).
    #[test]
    fn a_lock_appearing_is_said_as_such_and_nothing_else() {
        let mut old = example();
        old.groups
            .insert("dev".into(), canonical_requirements(&["pytest".into()]));
        old.pip.args = vec!["--prefer-binary".into()];
        old.pip.find_links = vec![FindLinks {
            location: PipUrl::new("wheels"),
            files: vec!["a-1.0-py3-none-any.whl 10".into()],
        }];
        let new = locked(&old);
        assert_eq!(diff(&old, &new), ["installed from `pylock.toml` now"]);
        assert_eq!(
            diff(&new, &old),
            ["no longer installed from `pylock.toml`: from the project's requirements now"]
        );
        // What both keep is still said.
        let mut other = locked(&old);
        other.interpreter.version = "3.12.4".into();
        other.pip.no_index = true;
        assert_eq!(
            diff(&old, &other),
            [
                "interpreter cpython 3.12.1 → cpython 3.12.4",
                "no-index false → true",
                "installed from `pylock.toml` now",
            ]
        );
    }

    /// Between two locked specs: the groups and extras selected, each once.
    #[test]
    fn a_locked_selection_names_its_groups_and_extras() {
        let old = locked(&example());
        let mut new = old.clone();
        let lock = new.lock.as_mut().unwrap();
        lock.groups.clear();
        lock.extras = vec!["async".into()];
        new.package = Some(PackageSpec {
            extras: vec!["async".into()],
        });
        let mut was = old.clone();
        was.package = Some(PackageSpec { extras: vec![] });
        assert_ne!(was.hash(), new.hash());
        assert_eq!(
            diff(&was, &new),
            ["extra `async` selected", "group `dev` no longer selected"]
        );
    }

    #[test]
    fn diff_and_changed_files_name_local_projects_and_find_links() {
        let mut old = example();
        old.local_projects = vec![LocalProject {
            requirement: "-e .".into(),
            path: ".".into(),
            metadata: BTreeMap::from([("pyproject.toml".into(), "0".repeat(64))]),
        }];
        old.named_find_links = vec![FindLinks {
            location: PipUrl::new("req/wheels"),
            files: vec!["a-1.0-py3-none-any.whl 10".into()],
        }];
        let mut new = old.clone();
        new.local_projects[0]
            .metadata
            .insert("pyproject.toml".into(), "1".repeat(64));
        new.named_find_links[0]
            .files
            .push("b-1.0-py3-none-any.whl 10".into());
        assert_ne!(old.hash(), new.hash());
        assert_eq!(
            diff(&old, &new),
            vec![
                "`pyproject.toml` of `-e .` changed",
                "`find-links` `req/wheels`: +b-1.0-py3-none-any.whl",
            ]
        );
        assert_eq!(
            changed_files(&old, &new),
            vec!["`pyproject.toml`", "`req/wheels`"]
        );
        // Without them the serialization (and the golden hash) is as before.
        assert!(
            !serde_json::to_string(&example())
                .unwrap()
                .contains("local-projects")
        );
    }
}
