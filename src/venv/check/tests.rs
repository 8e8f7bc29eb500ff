//! The base-interpreter check against envs whose base moved, vanished or was swapped.

use super::*;

/// A base install at `root/base` (`bin/python3.99`, maybe
/// `lib/python3.99/os.py`) and an env at `root/env` built from it.
fn layout(root: &Path, stdlib_beside: bool, recorded_stdlib: Option<PathBuf>) -> State {
    let base_bin = root.join("base/bin");
    std::fs::create_dir_all(&base_bin).unwrap();
    let binary = base_bin.join("python3.99");
    std::fs::write(&binary, "#!/bin/sh\n").unwrap();
    if stdlib_beside {
        std::fs::create_dir_all(root.join("base/lib/python3.99")).unwrap();
        std::fs::write(root.join("base/lib/python3.99/os.py"), "").unwrap();
    }
    let env = root.join("env");
    std::fs::create_dir_all(env.join("bin")).unwrap();
    std::fs::write(
        env.join("pyvenv.cfg"),
        format!("home = {}\n", base_bin.display()),
    )
    .unwrap();
    std::os::unix::fs::symlink(&binary, env.join("bin/python")).unwrap();
    let mut spec = crate::spec::example();
    spec.interpreter.version = "3.99.0".into();
    State {
        format: crate::state::STATE_FORMAT,
        hash: "0".repeat(64),
        spec,
        base: Fingerprint::of(&binary).unwrap(),
        base_stdlib: recorded_stdlib,
        venv_path: env,
        penv_version: "test".into(),
        pip_version: None,
        relocatable: None,
        created: 0,
        last_used: 0,
        as_built: None,
        origin: None,
        selection: None,
    }
}

#[test]
fn an_intact_base_is_not_broken() {
    let tmp = tempfile::tempdir().unwrap();
    let state = layout(tmp.path(), true, None);
    assert_eq!(
        check_base(&tmp.path().join("env"), &state),
        BaseCheck::default()
    );
}

#[test]
fn a_missing_env_python_or_stdlib_is_broken() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path().join("env");
    let state = layout(tmp.path(), false, None);
    let check = check_base(&env, &state);
    assert!(
        check.broken[0].contains("standard library of Python 3.99"),
        "{check:?}"
    );
    std::fs::remove_file(env.join("bin/python")).unwrap();
    let check = check_base(&env, &state);
    assert!(
        check.broken[0].contains("bin/python` is missing"),
        "{check:?}"
    );
}

/// The env's interpreter changed in place, in every way that would pass
/// the other checks: broken, saying what changed.
#[cfg(unix)]
#[test]
fn an_interpreter_replaced_in_place_is_broken() {
    let tmp = tempfile::tempdir().unwrap();
    let env = tmp.path().join("env");
    let mut state = layout(tmp.path(), true, None);
    std::os::unix::fs::symlink("python", env.join("bin/python3")).unwrap();
    std::fs::write(env.join("bin/python3.99-config"), "").unwrap();
    state.as_built = Some(crate::venv::drift::record(&env).unwrap());
    let built = state.as_built.clone().unwrap();
    let names: Vec<&str> = built.python.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["python", "python3"]);
    assert_eq!(check_base(&env, &state), BaseCheck::default());
    let broken = |state: &State| check_base(&env, state).broken;
    // A link to another binary of the same version.
    let other = tmp.path().join("other/bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("python3.99"), "#!/bin/sh\n").unwrap();
    std::fs::remove_file(env.join("bin/python")).unwrap();
    std::os::unix::fs::symlink(other.join("python3.99"), env.join("bin/python")).unwrap();
    let reasons = broken(&state);
    assert!(
        reasons[0].contains("`bin/python` was replaced: it was a link to"),
        "{reasons:?}"
    );
    // A script in its place.
    std::fs::remove_file(env.join("bin/python")).unwrap();
    std::fs::write(
        env.join("bin/python"),
        "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n",
    )
    .unwrap();
    let reasons = broken(&state);
    assert!(reasons[0].contains("it is now a file"), "{reasons:?}");
    // A copied binary changed or replaced in place.
    state.as_built.as_mut().unwrap().python[0].is = identity(&env.join("bin/python")).unwrap();
    assert_eq!(check_base(&env, &state), BaseCheck::default());
    std::fs::write(
        env.join("bin/python"),
        "#!/bin/sh\nexec /usr/bin/python3.13 \"$@\"\n",
    )
    .unwrap();
    assert!(
        broken(&state)[0].contains("replaced or modified"),
        "{:?}",
        broken(&state)
    );
    state.as_built = Some(built.clone());
    std::fs::remove_file(env.join("bin/python")).unwrap();
    std::os::unix::fs::symlink(
        tmp.path().join("base/bin/python3.99"),
        env.join("bin/python"),
    )
    .unwrap();
    assert_eq!(check_base(&env, &state), BaseCheck::default());
    // Added and removed entries.
    std::os::unix::fs::symlink("python", env.join("bin/python3.99")).unwrap();
    std::fs::remove_file(env.join("bin/python3")).unwrap();
    let reasons = broken(&state);
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("`bin/python3` was removed")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("`bin/python3.99` was added")),
        "{reasons:?}"
    );
    std::fs::remove_file(env.join("bin/python3.99")).unwrap();
    std::os::unix::fs::symlink("python", env.join("bin/python3")).unwrap();
    // `home` edited to another install (of the same version: it exists,
    // its standard library is there).
    std::fs::create_dir_all(tmp.path().join("other/lib/python3.99")).unwrap();
    std::fs::write(tmp.path().join("other/lib/python3.99/os.py"), "").unwrap();
    std::fs::write(
        env.join("pyvenv.cfg"),
        format!("home = {}\n", other.display()),
    )
    .unwrap();
    let reasons = broken(&state);
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(
        reasons[0].contains("`pyvenv.cfg`'s `home` was"),
        "{reasons:?}"
    );
    // System site-packages switched on by hand.
    std::fs::write(
        env.join("pyvenv.cfg"),
        format!(
            "home = {}\ninclude-system-site-packages = true\n",
            built.home
        ),
    )
    .unwrap();
    let reasons = broken(&state);
    assert!(
        reasons[0].contains("`include-system-site-packages` was `(none)`"),
        "{reasons:?}"
    );
}

#[test]
fn a_relocated_binary_finds_the_stdlib_recorded_at_build_time() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("prefix/lib/python3.99");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("os.py"), "").unwrap();
    let state = layout(tmp.path(), false, Some(elsewhere.clone()));
    let env = tmp.path().join("env");
    assert_eq!(check_base(&env, &state), BaseCheck::default());
    // The recorded stdlib gone too: broken after all.
    std::fs::remove_file(elsewhere.join("os.py")).unwrap();
    assert!(!check_base(&env, &state).broken.is_empty());
}
