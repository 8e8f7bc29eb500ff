//! The base interpreter removed or replaced.

use super::*;
use crate::common::interpreters::{copy_python, other_python, prefix_and_version};

// ---------------------------------------------------------------------------
// 5. The base interpreter removed or replaced

/// A penv.toml requesting `python` with one package, offline.
fn interpreter_project(p: &Project, python: &str) {
    p.sb.write(
        "penv.toml",
        &format!(
            "python = \"{python}\"\nrequirements = [\"crashpkg0=={A}\"]\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            p.sb.wheels.display()
        ),
    );
}

fn base_of_env(p: &Project) -> String {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.env().join("penv-state.json")).unwrap()).unwrap();
    state["base"]["path"].as_str().unwrap().to_owned()
}

#[test]
fn a_base_interpreter_that_is_removed_is_noticed_and_replaced() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let path = format!("{}:{}", copy.join("bin").display(), Sandbox::path_var());

    // A version request: the copy comes first on PATH, so it is chosen.
    interpreter_project(&p, &version);
    let penv = |args: &[&str]| p.penv().env("PATH", &path).args(args).output().unwrap();
    let out = penv(&["sync"]);
    assert!(out.status.success(), "{}", show(&out));
    let copied_exe = copy.join(format!("bin/python{version}"));
    assert_eq!(base_of_env(&p), copied_exe.display().to_string());
    assert_eq!(p.versions(), Some(A.to_owned()));

    std::fs::remove_dir_all(&copy).unwrap();
    let gone = format!("base interpreter `{}`", copied_exe.display());

    let run = penv(&["run", "--no-sync", "python", "-c", "pass"]);
    assert_eq!(run.status.code(), Some(2), "{}", show(&run));
    assert!(stderr(&run).contains("is broken"), "{}", show(&run));
    assert!(stderr(&run).contains(&gone), "{}", show(&run));

    let status = penv(&["status"]);
    assert!(status.status.success(), "{}", show(&status));
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("state:       broken"), "{text}");
    assert!(text.contains(&gone), "{text}");

    // The request allows another interpreter: sync rebuilds with it, saying why.
    let out = penv(&["sync"]);
    assert!(out.status.success(), "{}", show(&out));
    let err = stderr(&out);
    assert!(err.contains("Recreating `.venv` (broken):"), "{err}");
    assert!(err.contains(&gone), "{err}");
    assert_ne!(base_of_env(&p), copied_exe.display().to_string());
    assert_eq!(p.versions(), Some(A.to_owned()));
    let run = penv(&["run", "--no-sync", "python", "-c", "pass"]);
    assert!(run.status.success(), "{}", show(&run));
}

#[test]
fn a_base_interpreter_path_that_is_gone_is_a_clear_error_and_the_env_is_left_alone() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let request = copy.join("bin/python3");
    interpreter_project(&p, &request.display().to_string());
    p.ok(&["sync"]);
    assert_eq!(p.versions(), Some(A.to_owned()));

    std::fs::remove_dir_all(&copy).unwrap();
    let named = format!("`{}`", request.display());
    for args in [
        &["run", "--no-sync", "python", "-c", "pass"][..],
        &["status"],
        &["sync"],
    ] {
        let out = p.run(args);
        eprintln!(
            "penv {args:?} with the interpreter path gone: {}",
            show(&out)
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", show(&out));
        let err = stderr(&out);
        assert!(err.contains(&named), "{args:?}: {err}");
        assert!(err.contains("no such file"), "{args:?}: {err}");
        assert!(
            err.contains("penv.toml:1"),
            "{args:?} points at the request: {err}"
        );
    }
    // Nothing was touched: the env is still there, recognisably penv's.
    assert!(p.env().join("penv-state.json").is_file());
    assert!(!p.intent().exists() && !p.aside().exists());
}

#[test]
fn a_base_interpreter_replaced_by_another_version_is_refused_then_rebuilt() {
    let python = require_python!();
    let (prefix, version) = prefix_and_version(python).expect("python3 reports its prefix");
    let Some((other_prefix, other_version)) = other_python(&version) else {
        skip!("no Python 3.X other than {version} in pyenv's versions to replace it with");
    };
    let p = Project::new(python, 1, false);
    let _reaper = Reaper::new(&p.sb);
    let copy = p.sb.tmp.path().join("copied-python");
    copy_python(&prefix, &version, &copy);
    let request = copy.join("bin/python3");
    interpreter_project(&p, &request.display().to_string());
    p.ok(&["sync"]);

    // An upgrade in place: the same `bin/python3`, now another X.Y.
    std::fs::remove_dir_all(&copy).unwrap();
    copy_python(&other_prefix, &other_version, &copy);

    let run = p.run(&["run", "--no-sync", "python", "-c", "pass"]);
    eprintln!(
        "run --no-sync after {version} → {other_version}: {}",
        show(&run)
    );
    assert_eq!(run.status.code(), Some(2), "{}", show(&run));
    assert!(stderr(&run).contains("is broken"), "{}", show(&run));

    let out = p.ok(&["sync"]);
    let err = stderr(&out);
    eprintln!("sync after {version} → {other_version}: {err}");
    assert!(err.contains("Recreating `.venv` (broken):"), "{err}");
    assert!(err.contains(&format!("python{version}`")), "{err}");
    let (ok, out) = p.sb.env_python(
        "import sys, crashpkg0; print('%d.%d' % sys.version_info[:2], crashpkg0.VERSION)",
    );
    assert!(ok);
    assert_eq!(out, format!("{other_version} {A}"));
    assert_eq!(
        base_of_env(&p),
        copy.join(format!("bin/python{other_version}"))
            .display()
            .to_string()
    );
}
