//! A project as uv left it (issue 24): `penv sync` installs what its
//! `uv.lock` pins for the groups and extras chosen, the graph walked from
//! the project for this interpreter, hash-checked; `--locked` refuses a
//! `uv.lock` that no longer matches `pyproject.toml`; a tampered file and
//! a hostile entry are refused.

use sha2::{Digest, Sha256};

use super::*;

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

/// A `[[package]]` from the sandbox's `wheels/` (beside the project), its
/// wheel's hash written as uv writes one for an index's file.
fn package(sb: &Sandbox, name: &str, version: &str, deps: &str) -> String {
    let wheel = sb.wheels.join(format!("{name}-{version}-py3-none-any.whl"));
    format!(
        "[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"../wheels\" }}\n{deps}wheels = [\n    {{ path = \"{name}-{version}-py3-none-any.whl\", hash = \"sha256:{}\" }},\n]\n\n",
        sha256(&wheel)
    )
}

const PYPROJECT: &str = r#"[project]
name = "demo"
version = "0.1"
requires-python = ">=3.8"
dependencies = ["alpha"]

[project.optional-dependencies]
g = ["gamma"]

[dependency-groups]
dev = ["tester"]
lint = ["linter"]
docs = ["docsy"]

[tool.uv]
package = false
default-groups = ["dev", "lint"]
"#;

/// A project uv would lock: `alpha` (needing `beta`, 1.0 below Python
/// 3.8 and 2.0 from it), extra `g` (`gamma`), groups `dev`, `lint`
/// (uv's default groups) and `docs`; its `uv.lock` written as uv writes one.
fn uv_project(python: &Path) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "alpha", "1.0", &["beta"]);
    build_wheel(&sb.wheels, "beta", "1.0", &[]);
    build_wheel(&sb.wheels, "beta", "2.0", &[]);
    for name in ["gamma", "tester", "linter", "docsy"] {
        build_wheel(&sb.wheels, name, "1.0", &[]);
    }
    sb.write(
        "pyproject.toml",
        &format!(
            "{PYPROJECT}\n[tool.penv]\npython = \"{}\"\n\n[tool.penv.pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            python.display(),
            sb.wheels.display()
        ),
    );
    sb.write("uv.lock", &uv_lock(&sb));
    sb
}

fn uv_lock(sb: &Sandbox) -> String {
    let mut text = "version = 1\nrevision = 3\nrequires-python = \">=3.8\"\n\n".to_owned();
    text += &package(
        sb,
        "alpha",
        "1.0",
        "dependencies = [\n    { name = \"beta\", version = \"1.0\", source = { registry = \"../wheels\" }, marker = \"python_full_version < '3.8'\" },\n    { name = \"beta\", version = \"2.0\", source = { registry = \"../wheels\" }, marker = \"python_full_version >= '3.8'\" },\n]\n",
    );
    text += &package(sb, "beta", "1.0", "");
    text += &package(sb, "beta", "2.0", "");
    text += "[[package]]\nname = \"demo\"\nversion = \"0.1\"\nsource = { virtual = \".\" }\ndependencies = [\n    { name = \"alpha\" },\n]\n\n\
             [package.optional-dependencies]\ng = [\n    { name = \"gamma\" },\n]\n\n\
             [package.dev-dependencies]\ndev = [\n    { name = \"tester\" },\n]\ndocs = [\n    { name = \"docsy\" },\n]\nlint = [\n    { name = \"linter\" },\n]\n\n\
             [package.metadata]\nrequires-dist = [\n    { name = \"alpha\" },\n    { name = \"gamma\", marker = \"extra == 'g'\" },\n]\nprovides-extras = [\"g\"]\n\n\
             [package.metadata.requires-dev]\ndev = [{ name = \"tester\" }]\ndocs = [{ name = \"docsy\" }]\nlint = [{ name = \"linter\" }]\n\n";
    for name in ["docsy", "gamma", "linter", "tester"] {
        text += &package(sb, name, "1.0", "");
    }
    text
}

/// The modules of the test's packages the env imports.
fn installed(sb: &Sandbox) -> Vec<String> {
    modules_and_beta(sb, &["alpha", "beta", "gamma", "tester", "linter", "docsy"])
}

#[test]
fn sync_installs_what_the_uv_lock_pins_for_the_default_groups() {
    let python = require_python!();
    let sb = uv_project(python);
    let out = sb.run(&["sync", "--locked"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_says(&out, "uv.lock");
    assert_eq!(
        installed(&sb),
        ["alpha", "beta", "tester", "linter", "beta=2.0"],
        "the project's dependencies and uv's default groups, beta by the edge's marker"
    );
    sb.ok(&["sync", "--extra", "g", "--group", "docs"]);
    assert_eq!(
        installed(&sb),
        [
            "alpha", "beta", "gamma", "tester", "linter", "docsy", "beta=2.0"
        ]
    );
    sb.ok(&["sync", "--no-default-groups"]);
    assert_eq!(installed(&sb), ["alpha", "beta", "beta=2.0"]);
}

#[test]
fn locked_refuses_a_uv_lock_the_pyproject_has_moved_away_from() {
    let python = require_python!();
    let sb = uv_project(python);
    let pyproject = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    sb.write(
        "pyproject.toml",
        &pyproject.replace("dev = [\"tester\"]", "dev = [\"tester>=2\"]"),
    );
    let out = sb.run(&["sync", "--locked"]);
    assert_code(&out, 2);
    assert_stderr_says(&out, "uv.lock");
    assert_stderr_says(&out, "group `dev`: `tester>=2` not in the lock");
    assert_stderr_says(&out, "uv lock");
    assert!(!sb.env().exists(), "nothing built");
    // A plain sync installs it as it is, and says so.
    let out = sb.run(&["sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_says(&out, "no longer matches `pyproject.toml`");
    // `sync --check` counts the stale lock as a stale env, and its hint
    // is one that works: a plain sync does not lock a `uv.lock` again.
    let out = sb.run(&["sync", "--check"]);
    assert_code(&out, 1);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("uv.lock"), "{said}");
    assert!(said.contains("run `uv lock` to update it"), "{said}");
    assert!(!said.contains("to lock again"), "{said}");
    // With `--locked`, the sync it names refuses the stale lock: uv first.
    let out = sb.run(&["sync", "--locked", "--check"]);
    assert_code(&out, 1);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        said.contains("Run `uv lock`, then `penv sync --locked`"),
        "{said}"
    );
    assert!(!said.contains("installs it as it is"), "{said}");
}

#[test]
fn a_wheel_that_is_not_the_one_locked_is_refused() {
    let python = require_python!();
    let sb = uv_project(python);
    // The file changed after the lock was written: another wheel, same name.
    build_wheel_with_module(&sb.wheels, "tester", "1.0", "EVIL = True\n");
    let out = sb.run(&["sync"]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).to_lowercase().contains("hash"),
        "{}",
        stderr(&out)
    );
    assert!(!sb.env().join("lib").exists() || installed_tester_is_not_evil(&sb));
}

fn build_wheel_with_module(dir: &Path, name: &str, version: &str, module: &str) {
    crate::common::build_wheel_with(dir, name, version, &[], module);
}

fn installed_tester_is_not_evil(sb: &Sandbox) -> bool {
    let (ok, _) = sb.env_python("import tester; tester.EVIL");
    !ok
}

#[test]
fn a_hostile_uv_lock_entry_is_refused_with_its_line() {
    let python = require_python!();
    let sb = uv_project(python);
    let text = uv_lock(&sb).replace(
        "name = \"linter\"",
        "name = \"linter\\n--index-url https://evil.example\"",
    );
    let text = text.replace(
        "{ name = \"linter\" }",
        "{ name = \"linter\\n--index-url https://evil.example\" }",
    );
    sb.write("uv.lock", &text);
    let out = sb.run(&["sync", "--frozen"]);
    assert_code(&out, 2);
    let line = text
        .lines()
        .position(|l| l.starts_with("name = \"linter"))
        .unwrap();
    assert_stderr_says(&out, &format!("uv.lock:{line}:"));
    assert_stderr_says(&out, "`name`");
    assert!(!sb.env().exists(), "nothing built");
}

#[test]
fn doctor_names_the_uv_lock_it_reads_and_a_lock_it_does_not() {
    let python = require_python!();
    let sb = uv_project(python);
    sb.ok(&["sync"]);
    let out = sb.run(&["doctor", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let others = json["other-tools-files"].to_string();
    assert!(
        others.contains("uv.lock: installed as uv sync --frozen would"),
        "{others}"
    );
    assert!(others.contains("[tool.uv]"), "{others}");
    assert_eq!(json["findings"].as_array().unwrap().len(), 0, "{json}");
    sb.write("poetry.lock", "# a Poetry lock\n");
    let out = sb.run(&["doctor"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).contains("`poetry.lock` is not read"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("(foreign-lock)"), "{}", stdout(&out));
    // penv's own lock comes first: uv.lock is passed over, and said to be.
    sb.write(
        "pylock.toml",
        "lock-version = \"1.0\"\ncreated-by = \"hand\"\n",
    );
    let out = sb.run(&["doctor"]);
    assert!(
        stdout(&out).contains("`uv.lock` is not read: `pylock.toml` comes first"),
        "{}",
        stdout(&out)
    );
    // …and the hint does not ask for the `penv lock` that wrote it.
    assert!(
        stdout(&out).contains("delete `uv.lock` if `pylock.toml` replaces it"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn penv_lock_writes_its_own_lock_and_leaves_uv_lock_alone() {
    let python = require_python!();
    let sb = uv_project(python);
    let before = std::fs::read(sb.project.join("uv.lock")).unwrap();
    let out = sb.run(&["lock"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_says(&out, "`uv.lock` is left as it is (`uv lock` updates it)");
    assert_eq!(std::fs::read(sb.project.join("uv.lock")).unwrap(), before);
    assert!(sb.project.join("pylock.toml").is_file());
    // `pylock.toml` comes first now.
    let out = sb.run(&["sync", "--locked"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stderr_says(&out, "pylock.toml");
}

/// One verdict (issue 24): on a stale `uv.lock`, `status` and `doctor`
/// say what `sync --check` says — the env is stale, run `uv lock` — and
/// `add` is refused, naming `uv add`, before anything is written.
#[test]
fn status_doctor_and_check_agree_on_a_stale_uv_lock() {
    let python = require_python!();
    let sb = uv_project(python);
    sb.ok(&["sync"]);
    assert_eq!(status_json(&sb)["state"], "fresh");
    let pyproject = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    sb.write(
        "pyproject.toml",
        &pyproject.replace("dev = [\"tester\"]", "dev = [\"tester>=2\"]"),
    );
    assert_code(&sb.run(&["sync", "--check"]), 1);
    let status = status_json(&sb);
    assert_eq!(status["state"], "stale", "{status}");
    let reasons = status["reasons"].to_string();
    assert!(reasons.contains("uv.lock"), "{status}");
    assert!(reasons.contains("tester>=2"), "{status}");
    let out = sb.run(&["doctor"]);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert!(said.contains("`uv.lock` is out of date"), "{said}");
    assert!(said.contains("run `uv lock`"), "{said}");
    let before = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    let out = sb.run(&["add", "gamma"]);
    assert_code(&out, 2);
    assert_stderr_says(&out, "run `uv add gamma`");
    let after = std::fs::read_to_string(sb.project.join("pyproject.toml")).unwrap();
    assert_eq!(before, after);
}
