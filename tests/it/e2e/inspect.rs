//! `penv tree`, `penv outdated` and `penv export` on real envs, offline.

use super::*;

/// `app` → `libb` ↔ `libc` (a cycle), `tool` → `libc`; a requirement
/// for Windows only, which does not apply here.
fn graph_project(python: &Path) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(
        &sb.wheels,
        "app",
        "1.0",
        &["libb>=1", "winonly ; sys_platform == 'win32'"],
    );
    build_wheel(&sb.wheels, "libb", "1.0", &["libc"]);
    build_wheel(&sb.wheels, "libc", "1.0", &["libb"]);
    build_wheel(&sb.wheels, "tool", "1.0", &["LibC"]);
    write_requirements(&sb, python, &["app", "tool"]);
    sb.ok(&["sync"]);
    sb
}

/// The lines of stdout but those of the seeded pip.
fn lines_but_pip(out: &str) -> Vec<&str> {
    out.lines().filter(|l| !l.starts_with("pip v")).collect()
}

#[test]
fn tree_shows_the_installed_graph_with_markers_cycles_and_repeats_marked() {
    let python = require_python!();
    let sb = graph_project(python);
    assert_eq!(
        lines_but_pip(&sb.ok(&["tree"])),
        [
            "app v1.0",
            "└── libb v1.0 (>=1)",
            "    └── libc v1.0",
            "        └── libb v1.0 (cycle)",
            "tool v1.0",
            "└── libc v1.0 (*)",
        ]
    );
    assert_eq!(
        sb.ok(&["tree", "--invert", "LibC"])
            .lines()
            .collect::<Vec<_>>(),
        [
            "libc v1.0",
            "├── libb v1.0",
            "│   ├── app v1.0 (>=1)",
            "│   └── libc v1.0 (cycle)",
            "└── tool v1.0",
        ]
    );
    assert_eq!(
        lines_but_pip(&sb.ok(&["tree", "--depth", "0"])),
        ["app v1.0 (…)", "tool v1.0 (…)"]
    );
    let json: serde_json::Value =
        serde_json::from_str(&sb.ok(&["tree", "app", "--json"])).expect("JSON");
    let app = &json["roots"][0];
    assert_eq!(app["name"], "app");
    assert_eq!(app["requested"], true);
    assert_eq!(app["dependencies"][0]["name"], "libb");
    assert_eq!(app["dependencies"][0]["required"], ">=1");
    assert_eq!(
        app["dependencies"][0]["dependencies"][0]["dependencies"][0]["mark"],
        "cycle"
    );

    let out = sb.run(&["tree", "nosuch"]);
    assert_exit_and_stderr(&out, 2, "`nosuch` is not installed in the env");
    // No env: says so, and how to make one.
    std::fs::remove_dir_all(sb.env()).unwrap();
    let out = sb.run(&["tree"]);
    assert_exit_and_stderr(&out, 2, "is missing");
}

#[test]
fn outdated_compares_the_installed_with_what_the_spec_allows_and_the_newest() {
    let python = require_python!();
    let sb = synced_sandbox(python, &["tinypkg<2", "otherpkg"]);
    // A newer `otherpkg` appears in the find-links directory.
    build_wheel(&sb.wheels, "otherpkg", "1.1", &[]);
    let rows: serde_json::Value =
        serde_json::from_str(&sb.ok(&["outdated", "--json"])).expect("JSON");
    assert_eq!(
        rows,
        serde_json::json!([
            { "name": "otherpkg", "installed": "1.0", "allowed": "1.1", "latest": "1.1" },
            { "name": "tinypkg", "installed": "1.0", "allowed": "1.0", "latest": "2.0" },
        ])
    );
    let out = sb.run(&["outdated"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>(),
        [
            "package   installed  allowed  latest",
            "otherpkg  1.0        1.1      1.1",
            "tinypkg   1.0        1.0      2.0",
        ]
    );
    // Nothing was installed.
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // An env without pip has nothing to ask the index with.
    sb.write_offline_toml(python, "[venv]\npip = false");
    sb.ok(&["sync"]);
    let out = sb.run(&["outdated"]);
    assert_exit_and_stderr(&out, 2, "has no pip to ask the index");
}

/// `pip list --format freeze` of the env at `env`, but pip's own.
fn freeze(env: &Path) -> Vec<String> {
    let out = Command::new(env.join("bin/python"))
        .args([
            "-m",
            "pip",
            "list",
            "--format",
            "freeze",
            "--disable-pip-version-check",
        ])
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut lines: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| !l.starts_with("pip==") && !l.starts_with("setuptools=="))
        .map(str::to_ascii_lowercase)
        .collect();
    lines.sort();
    lines
}

/// A fresh venv (the real Python's own `venv`, with pip) into which
/// `pip install --require-hashes -r exported` installs; its freeze.
fn installed_from(sb: &Sandbox, python: &Path, exported: &Path, find_links: bool) -> Vec<String> {
    let fresh = sb.tmp.path().join(format!("fresh-{find_links}"));
    let status = Command::new(python)
        .args(["-m", "venv"])
        .arg(&fresh)
        .status()
        .unwrap();
    assert!(status.success());
    let mut pip = Command::new(fresh.join("bin/python"));
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-index",
    ]);
    if find_links {
        pip.arg("--find-links").arg(&sb.wheels);
    }
    let out = pip
        .args(["--require-hashes", "-r"])
        .arg(exported)
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    freeze(&fresh)
}

#[test]
fn export_round_trips_the_env_as_built_through_pip_require_hashes() {
    let python = require_python!();
    let sb = graph_project(python);
    let exported = sb.project.join("exported.txt");
    let out = sb.run(&["export", "-o", exported.to_str().unwrap()]);
    assert_code(&out, 0);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.starts_with("# Exported by penv from the env as built"),
        "{text}"
    );
    for name in ["app", "libb", "libc", "tool"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("{name}==1.0 --hash=sha256:"))),
            "{name}: {text}"
        );
    }
    assert!(
        !text.contains("\npip=="),
        "the seeded pip is not a pin: {text}"
    );
    assert_eq!(
        installed_from(&sb, python, &exported, true),
        freeze(&sb.env())
    );
    // Without hashes, on stdout.
    let plain = sb.ok(&["export", "--no-hashes"]);
    assert!(plain.lines().any(|l| l == "app==1.0"), "{plain}");
    assert!(!plain.contains("--hash"), "{plain}");
    // No lock to export as one.
    let out = sb.run(&["export", "--format", "pylock"]);
    assert_exit_and_stderr(&out, 2, "`--format pylock` exports");
    // A stale env is not exported as if it were the project's.
    write_requirements(&sb, python, &["app"]);
    let out = sb.run(&["export"]);
    assert_exit_and_stderr(&out, 2, "is stale");
}

#[test]
fn export_from_the_lock_writes_its_selection_with_urls_and_hashes() {
    let python = require_python!();
    let sb = graph_project(python);
    sb.ok(&["lock"]);
    let exported = sb.project.join("exported.txt");
    sb.ok(&["export", "-o", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.starts_with("# Exported by penv from `pylock.toml`"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("app @ file://") && l.contains(" --hash=sha256:")),
        "{text}"
    );
    // The lock's URLs are files: no index needed.
    assert_eq!(
        installed_from(&sb, python, &exported, false),
        freeze(&sb.env())
    );
    // Installed from the lock, pip marks every entry `REQUESTED`: the
    // tree's roots are then what nothing requires.
    sb.ok(&["sync"]);
    assert!(
        std::fs::read_to_string(state_file(&sb))
            .unwrap()
            .contains("\"lock\"")
    );
    assert_eq!(
        lines_but_pip(&sb.ok(&["tree", "--depth", "1"])),
        [
            "app v1.0",
            "└── libb v1.0 (>=1) (…)",
            "tool v1.0",
            "└── libc v1.0 (…)"
        ]
    );
    let pylock = sb.ok(&["export", "--format", "pylock"]);
    assert!(pylock.starts_with("lock-version = \"1.0\""), "{pylock}");
    assert!(pylock.contains("name = \"libc\""), "{pylock}");
}
