//! The uv.lock reader on hand-written locks in uv's format: the walk
//! (edges' markers, extras turned on by an edge, versions told apart,
//! groups and extras marked), entries refused as a `pylock.toml`'s are,
//! and `--locked`'s comparison with `pyproject.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use super::fresh::{Declared, changes};
use super::*;
use crate::lock::select::marker_environment;
use crate::python::interpreter::Markers;

fn markers(version: &str) -> Markers {
    Markers {
        implementation_name: "cpython".into(),
        implementation_version: version.into(),
        os_name: "posix".into(),
        platform_machine: "x86_64".into(),
        platform_python_implementation: "CPython".into(),
        platform_release: "6.0".into(),
        platform_system: "Linux".into(),
        platform_version: "#1".into(),
        python_full_version: version.into(),
        python_version: version.rsplit_once('.').unwrap().0.into(),
        sys_platform: "linux".into(),
    }
}

const HASH: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// A registry package with one wheel.
fn pkg(name: &str, version: &str, extra: &str) -> String {
    format!(
        "[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{extra}wheels = [{{ url = \"https://files.example/{name}-{version}-py3-none-any.whl\", hash = \"{HASH}\" }}]\n\n"
    )
}

/// The shape `uv lock` writes (see the module docs): a project `demo`
/// needing `alpha` (which needs `beta` 1 below Python 3.12, `beta` 2 from
/// it), an extra `g` (`gamma`, which turns on `delta`'s extra `x`: `eps`),
/// groups `dev` (`tester`) and `win` (`winonly`, on Windows only).
fn demo() -> String {
    let mut text = "version = 1\nrevision = 3\nrequires-python = \">=3.8\"\n\n".to_owned();
    text += &pkg(
        "alpha",
        "1.0",
        "dependencies = [\n  { name = \"beta\", version = \"1.0\", source = { registry = \"https://pypi.org/simple\" }, marker = \"python_full_version < '3.12'\" },\n  { name = \"beta\", version = \"2.0\", source = { registry = \"https://pypi.org/simple\" }, marker = \"python_full_version >= '3.12'\" },\n]\n",
    );
    text += &pkg("beta", "1.0", "");
    text += &pkg("beta", "2.0", "");
    text += &pkg("delta", "1.0", "");
    text += "[package.optional-dependencies]\nx = [{ name = \"eps\" }]\n\n";
    text += "[[package]]\nname = \"demo\"\nversion = \"0.1\"\nsource = { editable = \".\" }\ndependencies = [{ name = \"alpha\" }]\n\n[package.optional-dependencies]\ng = [{ name = \"gamma\" }]\n\n[package.dev-dependencies]\ndev = [{ name = \"tester\" }]\nwin = [{ name = \"winonly\", marker = \"sys_platform == 'win32'\" }]\n\n";
    text += "[package.metadata]\nrequires-dist = [\n  { name = \"alpha\" },\n  { name = \"gamma\", marker = \"extra == 'g'\" },\n]\nprovides-extras = [\"g\"]\n\n[package.metadata.requires-dev]\ndev = [{ name = \"tester\", specifier = \">=1, <3\" }]\nwin = [{ name = \"winonly\", marker = \"sys_platform == 'win32'\" }]\n\n";
    text += &pkg("eps", "1.0", "");
    text += &pkg(
        "gamma",
        "1.0",
        "dependencies = [{ name = \"delta\", extra = [\"x\"] }]\n",
    );
    text += &pkg("tester", "1.0", "");
    text += &pkg("winonly", "1.0", "");
    text
}

fn converted(text: &str, version: &str) -> Result<PyLock, crate::lock::LockFileError> {
    let path = Path::new("/p/uv.lock");
    let lock = parse(text, path)?;
    for_interpreter(&lock, text, path, &markers(version), &["dev".to_owned()])
}

/// Each entry: name, version, marker.
fn entries(lock: &PyLock) -> Vec<(String, String, Option<String>)> {
    lock.packages
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.version.clone().unwrap_or_default(),
                p.marker.clone(),
            )
        })
        .collect()
}

fn entry(name: &str, version: &str, marker: Option<&str>) -> (String, String, Option<String>) {
    (name.into(), version.into(), marker.map(str::to_owned))
}

#[test]
fn walks_the_graph_for_the_interpreter_marking_groups_and_extras() {
    let lock = converted(&demo(), "3.11.4").unwrap();
    assert_eq!(
        entries(&lock),
        vec![
            entry("alpha", "1.0", None),
            entry("beta", "1.0", None),
            entry("delta", "1.0", Some("'g' in extras")),
            entry("demo", "0.1", None),
            entry("eps", "1.0", Some("'g' in extras")),
            entry("gamma", "1.0", Some("'g' in extras")),
            entry("tester", "1.0", Some("'dev' in dependency_groups")),
        ]
    );
    assert_eq!(lock.extras, ["g"]);
    assert_eq!(lock.dependency_groups, ["dev", "win"]);
    assert_eq!(lock.default_groups, ["dev"]);
    assert_eq!(lock.requires_python.as_deref(), Some(">=3.8"));
    let demo = &lock.packages[3];
    let dir = demo.directory.as_ref().unwrap();
    assert_eq!((dir.path.as_str(), dir.editable), (".", Some(true)));
    let alpha = &lock.packages[0];
    assert_eq!(alpha.index.as_deref(), Some("https://pypi.org/simple"));
    assert_eq!(alpha.wheels[0].hashes["sha256"], "0".repeat(64));
}

#[test]
fn an_edges_marker_chooses_between_two_versions() {
    let lock = converted(&demo(), "3.12.1").unwrap();
    let betas: Vec<_> = entries(&lock)
        .into_iter()
        .filter(|(n, ..)| n == "beta")
        .collect();
    assert_eq!(betas, vec![entry("beta", "2.0", None)]);
}

#[test]
fn an_edge_naming_no_package_is_refused() {
    let text = demo().replace("{ name = \"tester\" }", "{ name = \"nowhere\" }");
    let err = converted(&text, "3.11.4").unwrap_err();
    assert!(err.to_string().contains("`nowhere`"), "{err}");
}

#[test]
fn a_hostile_name_is_refused_with_its_package_line() {
    let text = demo().replace("name = \"eps\"", "name = \"eps; rm -rf\"");
    let text = text.replace("{ name = \"eps\" }", "{ name = \"eps; rm -rf\" }");
    let err = converted(&text, "3.11.4").unwrap_err();
    let LockFileError::Uv { location, message } = &err else {
        panic!("{err:?}")
    };
    assert!(message.contains("`name`"), "{message}");
    assert!(location.text.contains("[[package]]"), "{location:?}");
    let package_line = text
        .lines()
        .position(|l| l == "name = \"eps; rm -rf\"")
        .unwrap();
    // 1-based: the line before the name's, its `[[package]]`.
    assert_eq!(location.line, package_line, "{location:?}");
}

#[test]
fn a_url_that_is_not_one_is_refused() {
    let text = demo().replace(
        "https://files.example/tester-1.0-py3-none-any.whl",
        "https://files.example/tester-1.0-py3-none-any.whl --index-url https://evil.example",
    );
    let err = converted(&text, "3.11.4").unwrap_err();
    assert!(err.to_string().contains("tester"), "{err}");
}

#[test]
fn another_format_version_is_refused() {
    let text = demo().replacen("version = 1\n", "version = 2\n", 1);
    let err = parse(&text, Path::new("uv.lock")).unwrap_err();
    assert!(err.to_string().contains("version = 2"), "{err}");
    assert_eq!(err.location().unwrap().line, 1);
}

#[test]
fn a_lock_without_the_project_is_refused() {
    let text = demo().replace(
        "source = { editable = \".\" }",
        "source = { editable = \"sub\" }",
    );
    let err = converted(&text, "3.11.4").unwrap_err();
    assert!(
        err.to_string()
            .contains("no package of the lock is the project"),
        "{err}"
    );
}

#[test]
fn a_git_source_becomes_a_checkout() {
    let text = demo().replace(
        "[[package]]\nname = \"tester\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }",
        "[[package]]\nname = \"tester\"\nversion = \"1.0\"\nsource = { git = \"https://github.com/o/tester?rev=main#0123456789abcdef0123456789abcdef01234567\" }",
    );
    let lock = converted(&text, "3.11.4").unwrap();
    let tester = lock.packages.iter().find(|p| p.name == "tester").unwrap();
    let vcs = tester.vcs.as_ref().unwrap();
    assert_eq!(vcs.url.as_deref(), Some("https://github.com/o/tester"));
    assert_eq!(vcs.requested_revision.as_deref(), Some("main"));
    assert_eq!(vcs.commit_id, "0123456789abcdef0123456789abcdef01234567");
}

fn declared_changes(deps: &[&str], extras: &[(&str, &[&str])], dev: &[&str]) -> Vec<String> {
    let text = demo();
    let lock = parse(&text, Path::new("uv.lock")).unwrap();
    let root = root_package(&lock, &text, Path::new("uv.lock")).unwrap();
    let deps: Vec<String> = deps.iter().map(|s| (*s).to_owned()).collect();
    let extras: BTreeMap<String, Vec<String>> = extras
        .iter()
        .map(|(e, r)| ((*e).to_owned(), r.iter().map(|s| (*s).to_owned()).collect()))
        .collect();
    let groups = BTreeMap::from([
        (
            "dev".to_owned(),
            dev.iter().map(|s| (*s).to_owned()).collect(),
        ),
        (
            "win".to_owned(),
            vec!["winonly ; sys_platform == \"win32\"".to_owned()],
        ),
    ]);
    changes(
        &lock,
        root,
        &Declared {
            dependencies: &deps,
            extras: &extras,
            groups,
        },
    )
}

#[test]
fn a_lock_matching_the_project_has_no_changes_whatever_the_spelling() {
    let none: Vec<String> = vec![];
    assert_eq!(
        declared_changes(&["Alpha"], &[("G", &["gamma"])], &["tester <3,>=1"]),
        none
    );
}

#[test]
fn a_changed_requirement_or_group_is_named() {
    let changed = declared_changes(&["alpha>=2"], &[("g", &["gamma"])], &["tester>=1,<3"]);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].contains("`alpha>=2` not in the lock"),
        "{changed:?}"
    );
    assert!(
        changed[0].contains("`alpha` locked and no longer asked for"),
        "{changed:?}"
    );
    let changed = declared_changes(&["alpha"], &[("g", &["gamma"])], &["tester>=1,<3", "extra"]);
    assert!(changed[0].starts_with("group `dev`"), "{changed:?}");
}

#[test]
fn markers_compare_by_meaning() {
    let env = marker_environment(&markers("3.11.4")).unwrap();
    assert!(
        crate::lock::markers::evaluate(
            "python_full_version >= '3.10'",
            &env,
            &crate::lock::markers::Sets::default()
        )
        .unwrap()
    );
    // `python_version >= "3.10"` is uv's `python_full_version >= '3.10'`.
    let text = demo().replace(
        "{ name = \"winonly\", marker = \"sys_platform == 'win32'\" }]\n\n[[package]]",
        "{ name = \"winonly\", marker = \"python_full_version >= '3.10' and sys_platform == 'win32'\" }]\n\n[[package]]",
    );
    let lock = parse(&text, Path::new("uv.lock")).unwrap();
    let root = root_package(&lock, &text, Path::new("uv.lock")).unwrap();
    let groups = BTreeMap::from([
        ("dev".to_owned(), vec!["tester>=1,<3".to_owned()]),
        (
            "win".to_owned(),
            vec!["winonly; sys_platform == 'win32' and python_version >= \"3.10\"".to_owned()],
        ),
    ]);
    let extras = BTreeMap::from([("g".to_owned(), vec!["gamma".to_owned()])]);
    let deps = vec!["alpha".to_owned()];
    let declared = Declared {
        dependencies: &deps,
        extras: &extras,
        groups,
    };
    assert_eq!(changes(&lock, root, &declared), Vec::<String>::new());
}
