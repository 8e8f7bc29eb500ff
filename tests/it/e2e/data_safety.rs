//! Nothing is deleted that penv did not make (issue 9).

use super::*;

// ---- data safety: nothing deleted that penv did not make (issue 9) ----

/// A project file for a pip-less env (quick to build); `prompt` is part of
/// the spec, so changing it makes a sync rebuild.
pub(super) fn bare_toml(python: &Path, prompt: &str, venv_extra: &str) -> String {
    format!(
        "python = \"{}\"\n[venv]\npip = false\nprompt = \"{prompt}\"\n{venv_extra}\n",
        python.display()
    )
}

/// Another project beside the sandbox's (`<tmp>/other-project`) whose env
/// penv built, with a user's file in it; returns that env.
fn other_project(sb: &Sandbox, python: &Path) -> PathBuf {
    let dir = sb.tmp.path().canonicalize().unwrap().join("other-project");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("penv.toml"), bare_toml(python, "other", "")).unwrap();
    assert_code(
        &sb.penv().current_dir(&dir).arg("sync").output().unwrap(),
        0,
    );
    std::fs::write(dir.join(".venv/lib/user-notes.txt"), "precious").unwrap();
    dir.join(".venv")
}

/// Every entry under `dir` (links not followed): its kind, and its bytes
/// or link target.
fn tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let what = if e.path_is_symlink() {
                format!("link {}", std::fs::read_link(e.path()).unwrap().display())
            } else if e.file_type().is_dir() {
                "dir".to_owned()
            } else {
                format!("file {:?}", std::fs::read(e.path()).unwrap())
            };
            (e.path().to_owned(), what)
        })
        .collect()
}

/// `env` (another project's) is exactly as it was and still fresh.
#[track_caller]
fn assert_untouched(
    sb: &Sandbox,
    env: &Path,
    before: &std::collections::BTreeMap<PathBuf, String>,
) {
    assert!(tree(env) == *before, "the other project's env changed");
    let out = sb
        .penv()
        .current_dir(env.parent().unwrap())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "fresh", "{status}");
}

/// The hash prefix a stash entry of the sandbox's current spec is named by.
fn short_hash(sb: &Sandbox) -> String {
    sb.ok(&["hash"]).trim()[..16].to_owned()
}

#[test]
fn a_symlinked_stash_entry_is_refused_never_marked_or_pruned_through() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    let stash = sb.project.join(".penv/stash");
    // Named for a spec this project has had (pruned) and for the one it
    // wants next (restored): neither may act through the link.
    for (next, keep) in [("b", 0), ("a", 3)] {
        sb.write(
            "penv.toml",
            &bare_toml(python, next, &format!("keep-stashed = {keep}")),
        );
        let hash = short_hash(&sb);
        sb.write("penv.toml", &bare_toml(python, "z", "keep-stashed = 0"));
        sb.ok(&["sync"]);
        let built = std::fs::read(state_file(&sb)).unwrap();
        std::fs::create_dir_all(&stash).unwrap();
        let entry = stash.join(format!(".venv-{hash}-1"));
        std::os::unix::fs::symlink("../../../other-project/.venv", &entry).unwrap();
        sb.write(
            "penv.toml",
            &bare_toml(python, next, &format!("keep-stashed = {keep}")),
        );
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, &format!(".venv-{hash}-1"));
        assert_stderr_says(&out, "symlink");
        assert_untouched(&sb, &other, &before);
        // Refused before anything moved: the env is the one built before.
        assert_eq!(std::fs::read(state_file(&sb)).unwrap(), built);
        assert!(!sb.project.join(".penv/old-.venv").exists());
        std::fs::remove_file(&entry).unwrap();
    }
}

#[test]
fn a_symlinked_stash_dir_is_refused_not_followed() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    // Give the other project a stash entry, then link this project's stash to it.
    let other_dir = other.parent().unwrap();
    std::fs::write(other_dir.join("penv.toml"), bare_toml(python, "other2", "")).unwrap();
    assert_code(
        &sb.penv()
            .current_dir(other_dir)
            .arg("sync")
            .output()
            .unwrap(),
        0,
    );
    let their_stash = other_dir.join(".penv/stash");
    let before = tree(&their_stash);
    assert!(before.len() > 1, "the other project has a stash entry");
    sb.write("penv.toml", &bare_toml(python, "a", "keep-stashed = 0"));
    sb.ok(&["sync"]);
    std::os::unix::fs::symlink(&their_stash, sb.project.join(".penv/stash")).unwrap();
    for keep in ["keep-stashed = 0", "keep-stashed = 3"] {
        sb.write("penv.toml", &bare_toml(python, "b", keep));
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, ".penv/stash");
        assert_stderr_says(&out, "symlink");
        assert!(
            tree(&their_stash) == before,
            "the other project's stash changed"
        );
    }
}

/// A record of a rebuild under way, as a killed penv leaves it.
fn write_intent(sb: &Sandbox, aside: bool) {
    let env = sb.env();
    let intent = serde_json::json!({
        "pid": 1,
        "started": 0,
        "env": env,
        "aside": aside.then(|| sb.project.join(".penv/old-.venv")),
        "new-hash": "0".repeat(64),
    });
    std::fs::write(sb.project.join(".penv/txn-.venv.json"), intent.to_string()).unwrap();
}

#[test]
fn a_symlinked_old_env_with_an_intent_record_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    write_intent(&sb, true);
    let aside = sb.project.join(".penv/old-.venv");
    std::os::unix::fs::symlink("../../other-project/.venv", &aside).unwrap();
    for args in [&["sync"][..], &["run", "python", "-c", "pass"][..]] {
        let out = sb.run(args);
        assert_exit_and_stderr(&out, 2, ".penv/old-.venv");
        assert_stderr_says(&out, "symlink");
        assert_untouched(&sb, &other, &before);
        assert!(aside.is_symlink());
    }
}

#[test]
fn a_symlinked_env_path_to_another_penv_env_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    let before = tree(&other);
    sb.write("penv.toml", &bare_toml(python, "other", ""));
    std::os::unix::fs::symlink("../other-project/.venv", sb.env()).unwrap();
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "is a symlink");
    assert_untouched(&sb, &other, &before);
    // Even with a killed rebuild's record and an old env waiting aside:
    // the link is never taken for the partial build.
    std::fs::create_dir_all(sb.project.join(".penv/old-.venv")).unwrap();
    std::fs::write(sb.project.join(".penv/old-.venv/pyvenv.cfg"), "").unwrap();
    write_intent(&sb, true);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "symlink");
    assert_untouched(&sb, &other, &before);
    assert!(sb.project.join(".penv/old-.venv/pyvenv.cfg").is_file());
}

/// The repro: a home directory with `thesis.tex` and an empty
/// `penv-state.json`, named through a symlinked parent.
#[test]
fn home_reached_through_a_symlinked_parent_is_refused() {
    let python = require_python!();
    let sb = Sandbox::new();
    std::fs::write(sb.home.join("thesis.tex"), "chapter 1").unwrap();
    std::fs::write(sb.home.join("penv-state.json"), "").unwrap();
    let links = sb.tmp.path().join("links");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink(sb.home.parent().unwrap(), links.join("h")).unwrap();
    let home_name = sb.home.file_name().unwrap().to_str().unwrap();
    for path in [
        format!("../links/h/{home_name}"),
        format!("../links/h/{home_name}/../{home_name}"),
    ] {
        sb.write(
            "penv.toml",
            &bare_toml(python, "a", &format!("path = \"{path}\"")),
        );
        for args in [&["sync"][..], &["sync", "--force"][..]] {
            let out = sb.run(args);
            assert_exit_and_stderr(&out, 2, "your home directory");
            assert_eq!(
                std::fs::read_to_string(sb.home.join("thesis.tex")).unwrap(),
                "chapter 1"
            );
        }
    }
    // A parent of the home directory, through the same link.
    sb.write(
        "penv.toml",
        &bare_toml(python, "a", "path = \"../links/h\""),
    );
    assert_code(&sb.run(&["sync"]), 2);
    assert!(sb.home.join("thesis.tex").is_file());
}

/// A case: what it plants, and how.
type Plant<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// penv's file names without penv's evidence: refused, with and without
/// `--force`, and the directory left exactly as it was.
#[test]
fn a_state_file_or_marker_penv_did_not_write_is_no_ownership() {
    let python = require_python!();
    let sb = Sandbox::new();
    let other = other_project(&sb, python);
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    let env = sb.env();
    let venv = || {
        let _ = std::fs::remove_dir_all(&env);
        let made = Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&env)
            .status()
            .unwrap();
        assert!(made.success());
    };
    let cases: Vec<Plant> = vec![
        (
            "an empty state file beside data",
            Box::new(|| {
                let _ = std::fs::remove_dir_all(&env);
                std::fs::create_dir_all(&env).unwrap();
                std::fs::write(env.join("thesis.tex"), "chapter 1").unwrap();
                std::fs::write(env.join("penv-state.json"), "").unwrap();
            }),
        ),
        (
            "an empty state file in a venv",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-state.json"), "").unwrap();
            }),
        ),
        (
            "an invalid state file in a venv",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-state.json"), "{}").unwrap();
            }),
        ),
        (
            "another env's state file beside data",
            Box::new(|| {
                venv();
                std::fs::copy(other.join("penv-state.json"), env.join("penv-state.json")).unwrap();
                std::fs::write(env.join("thesis.tex"), "chapter 1").unwrap();
            }),
        ),
        (
            "a marker penv did not write",
            Box::new(|| {
                venv();
                std::fs::write(env.join("penv-building"), "pid 1\n").unwrap();
            }),
        ),
    ];
    for (what, plant) in &cases {
        plant();
        let before = tree(&env);
        for args in [&["sync"][..], &["sync", "--force"][..]] {
            let out = sb.run(args);
            assert_code(&out, 2);
            assert!(
                stderr(&out).contains("refusing to replace `.venv`"),
                "{what}: {}",
                stderr(&out)
            );
            assert!(tree(&env) == before, "{what}: `.venv` changed");
        }
    }
}

#[test]
fn a_lock_file_linked_to_a_user_file_is_refused_untouched() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    let victim = sb.tmp.path().join("victim.txt");
    std::fs::write(&victim, "the user's file").unwrap();
    let lock = sb.project.join(".penv/.venv.lock");
    sb.write("penv.toml", &bare_toml(python, "b", ""));
    for (how, needle) in [("hard link", "hard links"), ("symlink", "symlink")] {
        std::fs::remove_file(&lock).unwrap();
        if how == "hard link" {
            std::fs::hard_link(&victim, &lock).unwrap();
        } else {
            std::os::unix::fs::symlink(&victim, &lock).unwrap();
        }
        let out = sb.run(&["sync"]);
        assert_exit_and_stderr(&out, 2, ".venv.lock");
        assert!(stderr(&out).contains(needle), "{how}: {}", stderr(&out));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's file");
    }
    // A lock file of penv's own, holding other bytes: used, never truncated.
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(&lock, "bytes penv did not write, longer than its record\n").unwrap();
    sb.ok(&["sync"]);
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap(),
        "bytes penv did not write, longer than its record\n"
    );
}

#[test]
fn refusing_a_symlinked_penv_dir_creates_nothing_in_its_target() {
    let python = require_python!();
    let sb = Sandbox::new();
    sb.write("penv.toml", &bare_toml(python, "a", ""));
    sb.ok(&["sync"]);
    let elsewhere = sb.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(sb.project.join(".penv")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, sb.project.join(".penv")).unwrap();
    // Fresh (the fast path), then stale (a rebuild, refused): every command
    // leaves the link's target empty.
    for prompt in ["a", "b"] {
        sb.write("penv.toml", &bare_toml(python, prompt, ""));
        for args in [
            &["sync"][..],
            &["sync", "--check"][..],
            &["status"][..],
            &["which"][..],
            &["run", "python", "-c", "pass"][..],
            &["run", "--no-sync", "python", "-c", "pass"][..],
        ] {
            let _ = sb.run(args);
            let made: Vec<_> = std::fs::read_dir(&elsewhere).unwrap().collect();
            assert!(
                made.is_empty(),
                "penv {args:?} created {made:?} through the link"
            );
        }
    }
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 2, "symlink");
}
