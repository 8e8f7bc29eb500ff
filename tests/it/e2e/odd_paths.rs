//! Paths that are not valid UTF-8, or hold a newline, fed to every command
//! that prints paths (issue 23: `envs --scan DIR --json` and `python list
//! --json` panicked, exit 101). Text shows such a path quoted and escaped
//! on one line (`"caf\xe9/…"`, `"new\nline/…"`); JSON gives a string when
//! the path is UTF-8 (a newline escaped by JSON) and `{"lossy", "hex"}`
//! when it is not. No command panics.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt as _;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

use super::data_safety::bare_toml;
use crate::common::Sandbox;
use crate::common::output::show;

/// The directory names tried: a byte that is not UTF-8, and a newline.
fn odd_names() -> [(OsString, &'static str); 2] {
    [
        (OsString::from_vec(b"caf\xe9".to_vec()), "caf\\xe9"),
        (OsString::from("new\nline"), "new\\nline"),
    ]
}

/// Runs `cmd` and asserts it did not panic (exit 101, a Rust panic message).
#[track_caller]
fn no_panic(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert_ne!(out.status.code(), Some(101), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{}", show(&out));
    out
}

/// The JSON on stdout, which must parse.
#[track_caller]
fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(out)))
}

/// What a path looks like in JSON: its text, or its bytes from `hex`.
fn path_of(value: &Value) -> PathBuf {
    match value {
        Value::String(s) => PathBuf::from(s),
        Value::Object(o) => {
            let hex = o["hex"].as_str().expect("hex");
            assert!(o["lossy"].is_string(), "{value}");
            PathBuf::from(OsString::from_vec(hex::decode(hex).unwrap()))
        }
        other => panic!("not a path: {other}"),
    }
}

/// No line of the output holds a piece of an odd path split off by its
/// newline, and each mention is the escaped form.
#[track_caller]
fn one_line_each(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(
            !text.lines().any(|l| l.starts_with("line/")),
            "a path printed over two lines: {}",
            show(out)
        );
        assert!(!stream.contains(&0xe9), "a raw byte printed: {}", show(out));
    }
}

#[test]
fn every_command_that_prints_paths_takes_paths_that_are_not_utf8_or_hold_a_newline() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let root = sb.tmp.path().canonicalize().unwrap();
    for (i, (name, shown)) in odd_names().into_iter().enumerate() {
        let odd = root.join(&name);
        // An interpreter found on `PATH` in the odd directory.
        let bin = odd.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(python, bin.join("python3")).unwrap();
        let mut path_var = bin.clone().into_os_string();
        path_var.push(":");
        path_var.push(Sandbox::path_var());
        // A project in the odd directory; its env where penv builds one (a
        // path that is not UTF-8 is refused as an env).
        let project = odd.join("proj");
        std::fs::create_dir_all(&project).unwrap();
        let env_dir = root.join(format!("envs-{i}"));
        let toml = bare_toml(
            python,
            "odd",
            &format!("path = \"{}\"\n", env_dir.join(".venv").display()),
        );
        std::fs::write(project.join("penv.toml"), toml).unwrap();
        std::fs::write(project.join("script.py"), "print('hi')\n").unwrap();
        // A venv in the odd directory, for the scan.
        let venv = odd.join("v");
        let made = Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv)
            .output()
            .unwrap();
        assert!(venv.join("pyvenv.cfg").is_file(), "{}", show(&made));
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&project)
            .output();
        let penv = || {
            let mut cmd = sb.penv();
            cmd.current_dir(&project)
                .env("PATH", &path_var)
                .env("PENV_DATA_DIR", root.join("data"));
            cmd
        };
        let out = no_panic(penv().arg("sync"));
        assert!(out.status.success(), "{}", show(&out));
        one_line_each(&out);
        for args in [
            &["status"][..],
            &["which", "python"],
            &["doctor"],
            &["python", "list"],
            &["python", "find", ">=3"],
            &["cache", "dir"],
            &["hash"],
            &["run", "python", "script.py"],
            &["run", "script.py"],
            &["add", "--no-sync", "six"],
            &["remove", "--no-sync", "six"],
        ] {
            let out = no_panic(penv().args(args));
            one_line_each(&out);
            // `doctor` may find something (exit 1) in a sandbox.
            assert!(
                out.status.success() || args == ["doctor"],
                "{args:?}: {}",
                show(&out)
            );
        }
        if git.is_ok_and(|o| o.status.success()) {
            // git's answer is read as bytes: the hooks go into this
            // repository, not a mangled path.
            let out = no_panic(penv().args(["hook", "install"]));
            one_line_each(&out);
            assert!(out.status.success(), "{}", show(&out));
            assert!(project.join(".git/hooks/post-merge").is_file());
        }
        // The scan lists the odd venv, escaped in the table, lossless in JSON.
        let table = no_panic(penv().args(["envs", "--scan"]).arg(&odd));
        one_line_each(&table);
        assert!(
            String::from_utf8_lossy(&table.stdout).contains(shown),
            "{}",
            show(&table)
        );
        let listing = json(&no_panic(
            penv().args(["envs", "--json", "--scan"]).arg(&odd),
        ));
        let paths: Vec<PathBuf> = listing["envs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| path_of(&e["path"]))
            .collect();
        assert!(paths.contains(&venv), "{listing:#}");
        for e in listing["envs"].as_array().unwrap() {
            if !e["project-file"].is_null() {
                path_of(&e["project-file"]);
            }
        }
        let out = no_panic(
            penv()
                .args(["envs", "prune", "--older-than", "0s", "--dry-run", "--scan"])
                .arg(&odd),
        );
        one_line_each(&out);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(shown),
            "{}",
            show(&out)
        );
        // `python list --json`: the odd directory's python, lossless.
        let list = json(&no_panic(penv().args(["python", "list", "--json"])));
        let found: Vec<PathBuf> = list["interpreters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| path_of(&c["path"]))
            .collect();
        assert!(found.contains(&bin.join("python3")), "{list:#}");
        for s in list["searched"].as_array().unwrap() {
            path_of(&s["dir"]);
        }
        for args in [&["status", "--json"][..], &["doctor", "--json"]] {
            let value = json(&no_panic(penv().args(args)));
            assert_eq!(
                path_of(&value["project-file"]),
                project.join("penv.toml"),
                "{value:#}"
            );
        }
        // The cache directory itself in the odd directory.
        let out = no_panic(
            penv()
                .env("PENV_CACHE_DIR", odd.join("cache"))
                .args(["cache", "dir"]),
        );
        one_line_each(&out);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(shown),
            "{}",
            show(&out)
        );
        // `init` in the odd directory, and `lock --check`.
        let fresh = odd.join("fresh");
        std::fs::create_dir_all(&fresh).unwrap();
        std::fs::write(fresh.join("requirements.txt"), "six\n").unwrap();
        let out = no_panic(penv().current_dir(&fresh).arg("init"));
        one_line_each(&out);
        assert!(out.status.success(), "{}", show(&out));
        let out = no_panic(penv().args(["lock", "--check"]));
        one_line_each(&out);
        assert_eq!(out.status.code(), Some(1), "{}", show(&out));
        // A project whose own env would be in the odd directory: refused,
        // naming it escaped.
        let inside = odd.join("inside");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::write(inside.join("penv.toml"), bare_toml(python, "in", "")).unwrap();
        let out = no_panic(penv().current_dir(&inside).arg("sync"));
        one_line_each(&out);
    }
}
