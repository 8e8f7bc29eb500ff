//! `penv lock` resolves once (issue 22): the groups and extras are read
//! from the one resolution's dependency graph, pip is not run again per
//! part, and the markers are those resolving each part apart gives — which
//! penv still does, saying why, when a part names something it cannot read
//! (a wheel by path, without a name).

use super::*;

/// Wheels with dependencies, markers and extras: `app` (base) needs
/// `shared`; `tool` (group `dev`, from a requirement file including
/// another) needs `helper[fast]`, whose extra needs `speedup`, and `never`
/// on Windows only; `docs` (group `docs`) needs `shared` too.
fn graph_sandbox(python: &Path, dev_line: &str) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "app", "1.0", &["shared"]);
    build_wheel(&sb.wheels, "shared", "1.0", &[]);
    build_wheel(
        &sb.wheels,
        "tool",
        "1.0",
        &["helper[fast]", "never; sys_platform == 'win32'"],
    );
    // `Provides-Extra` too (the helper writes each requirement as a
    // `Requires-Dist:` line): pip follows no extra a package does not declare.
    build_wheel(
        &sb.wheels,
        "helper",
        "1.0",
        &["speedup; extra == 'fast'\nProvides-Extra: fast"],
    );
    build_wheel(&sb.wheels, "speedup", "1.0", &[]);
    build_wheel(&sb.wheels, "never", "1.0", &[]);
    build_wheel(&sb.wheels, "docs", "1.0", &["shared"]);
    sb.write("requirements/base.txt", "app\n");
    sb.write(
        "requirements/dev.txt",
        &format!("-r base.txt\n{dev_line}\n"),
    );
    sb.write_offline_toml(
        python,
        "requirement-files = [\"requirements/base.txt\"]\n\
         [groups]\ndev = { requirement-files = [\"requirements/dev.txt\"] }\ndocs = [\"docs\"]\n",
    );
    sb
}

/// Each package's marker, by name (`-` for none).
fn markers(sb: &Sandbox) -> Vec<(String, String)> {
    let doc: toml_edit::DocumentMut = std::fs::read_to_string(sb.project.join("pylock.toml"))
        .expect("pylock.toml written")
        .parse()
        .expect("pylock.toml is TOML");
    let packages = doc["packages"].as_array_of_tables().expect("packages");
    packages
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap().to_owned();
            let marker = p.get("marker").and_then(|m| m.as_str()).unwrap_or("-");
            (name, marker.to_owned())
        })
        .collect()
}

fn resolutions(out: &Output) -> usize {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("running `") && l.contains("--dry-run"))
        .count()
}

#[test]
fn one_resolution_marks_groups_as_resolving_each_apart_does() {
    let python = require_python!();
    let fast = graph_sandbox(python, "tool");
    let out = fast.run(&["-v", "lock"]);
    assert_code(&out, 0);
    assert_eq!(resolutions(&out), 1, "{}", stderr(&out));
    assert_stderr_says(&out, "attributed from the one resolution");
    let want: Vec<(String, String)> = [
        ("app", "-"),
        ("docs", "'docs' in dependency_groups"),
        ("helper", "'dev' in dependency_groups"),
        ("shared", "-"),
        ("speedup", "'dev' in dependency_groups"),
        ("tool", "'dev' in dependency_groups"),
    ]
    .iter()
    .map(|(n, m)| ((*n).to_owned(), (*m).to_owned()))
    .collect();
    assert_eq!(markers(&fast), want);

    // `tool` named by its wheel's path: no name to walk from, so each part
    // is resolved by pip apart, and penv says so; the markers agree.
    let wheel = fast.wheels.join("tool-1.0-py3-none-any.whl");
    let apart = graph_sandbox(python, &wheel.display().to_string());
    let out = apart.run(&["-v", "lock"]);
    assert_code(&out, 0);
    assert!(resolutions(&out) > 1, "{}", stderr(&out));
    assert_stderr_says(&out, "each group and each extra apart");
    assert_eq!(markers(&apart), want);

    // The lock installs what it says: without the group, no `tool`.
    assert_code(&fast.run(&["sync", "--frozen"]), 0);
    assert_eq!(imported(&fast, "app").as_deref(), Some("1.0"));
    assert_eq!(imported(&fast, "speedup"), None);
    assert_code(&fast.run(&["sync", "--frozen", "--group", "dev"]), 0);
    assert_eq!(imported(&fast, "speedup").as_deref(), Some("1.0"));
    assert_eq!(imported(&fast, "never"), None);
}

/// A fully hashed lock makes a shareable env: a locked sync of a new
/// checkout clones it from the store and runs no pip (the bench's `locked`
/// scenario once failed on this, finding no requirement file pip was given).
#[test]
fn a_frozen_sync_of_a_new_checkout_clones_the_locked_env_from_the_store() {
    let python = require_python!();
    let sb = graph_sandbox(python, "tool");
    let cache = super::script::private_cache(&sb);
    let penv = |dir: &Path, args: &[&str]| {
        let mut cmd = super::script::penv(&sb, &cache);
        let out = cmd.current_dir(dir).args(args).output().unwrap();
        assert_code(&out, 0);
        stderr(&out)
    };
    penv(&sb.project, &["lock"]);
    let first = penv(&sb.project, &["-v", "sync", "--frozen", "--group", "dev"]);
    assert!(first.contains("keeping a clone in the store"), "{first}");
    let other = sb.tmp.path().canonicalize().unwrap().join("checkout");
    std::fs::create_dir_all(other.join("requirements")).unwrap();
    for file in [
        "penv.toml",
        "pylock.toml",
        "requirements/base.txt",
        "requirements/dev.txt",
    ] {
        std::fs::copy(sb.project.join(file), other.join(file)).unwrap();
    }
    let said = penv(&other, &["-v", "sync", "--frozen", "--group", "dev"]);
    assert!(said.contains("cloned from the store"), "{said}");
    assert!(!said.contains("running `"), "{said}");
    let out = Command::new(other.join(".venv/bin/python"))
        .args(["-c", "import speedup, tool; print(speedup.VERSION)"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), "1.0", "{}", stderr(&out));
}
