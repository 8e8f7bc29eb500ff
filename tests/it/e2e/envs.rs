//! `penv envs`, `penv envs prune` and `penv cache`: real envs in temporary
//! trees (penv-made, `python -m venv`, one whose copied base interpreter was
//! removed, one orphaned, one stale), and a tree of sentinels — a non-env
//! directory, a symlinked `pyvenv.cfg`, a symlink into another tree with an
//! env, `VIRTUAL_ENV`'s env — that survives every combination of flags.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::data_safety::bare_toml;
use crate::common::Sandbox;
use crate::common::interpreters::copied_python;
use crate::common::output::{assert_code, stderr, stdout};

/// penv in `dir`, with a private data directory (the registry).
fn penv_in(sb: &Sandbox, dir: &Path) -> Command {
    let mut cmd = sb.penv();
    cmd.current_dir(dir)
        .env("PENV_DATA_DIR", sb.tmp.path().join("data"));
    cmd
}

fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    out
}

/// A project at `dir` whose env penv built with `python`.
fn synced_project(sb: &Sandbox, dir: &Path, python: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("penv.toml"), bare_toml(python, "p", "")).unwrap();
    run_ok(penv_in(sb, dir).arg("sync"));
}

fn envs_json(sb: &Sandbox, scan: &Path) -> Value {
    let out = run_ok(
        penv_in(sb, &sb.project)
            .args(["envs", "--json", "--scan"])
            .arg(scan),
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The listed env at `path`: (state, kind).
fn entry<'a>(json: &'a Value, path: &Path) -> &'a Value {
    let path = path.canonicalize().unwrap();
    json["envs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path.display().to_string())
        .unwrap_or_else(|| panic!("`{}` not listed in {json:#}", path.display()))
}

#[test]
fn envs_lists_each_env_with_its_kind_and_state_and_prune_deletes_only_what_it_selects() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let root = sb.tmp.path().canonicalize().unwrap();
    let tree = root.join("tree");
    // penv-made and fresh.
    synced_project(&sb, &tree.join("fresh"), python);
    // penv-made, then its project wants something else: stale.
    synced_project(&sb, &tree.join("stale"), python);
    std::fs::write(tree.join("stale/penv.toml"), bare_toml(python, "other", "")).unwrap();
    // penv-made with `--group dev`: compared with that selection, fresh.
    let grouped = tree.join("grouped");
    std::fs::create_dir_all(&grouped).unwrap();
    std::fs::write(
        grouped.join("penv.toml"),
        format!("{}\n[groups]\ndev = []\n", bare_toml(python, "g", "")),
    )
    .unwrap();
    run_ok(penv_in(&sb, &grouped).args(["sync", "--group", "dev"]));
    // penv-made, then its project file removed: orphaned.
    synced_project(&sb, &tree.join("gone"), python);
    std::fs::remove_file(tree.join("gone/penv.toml")).unwrap();
    // `python -m venv`: ok.
    let plain = tree.join("plain/.venv");
    run_ok(
        Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&plain),
    );
    // `python -m venv` from a copied interpreter, then the copy removed: broken.
    let Some(copy) = copied_python(python, &root.join("copied-python")) else {
        crate::skip!("a copied interpreter does not run on this machine");
    };
    let broken = tree.join("broken/.venv");
    run_ok(
        Command::new(&copy)
            .args(["-m", "venv", "--without-pip"])
            .arg(&broken),
    );
    std::fs::remove_dir_all(root.join("copied-python")).unwrap();

    let json = envs_json(&sb, &tree);
    for (path, state, kind) in [
        (tree.join("fresh/.venv"), "ok", "penv"),
        (grouped.join(".venv"), "ok", "penv"),
        (tree.join("stale/.venv"), "stale", "penv"),
        (tree.join("gone/.venv"), "orphaned", "penv"),
        (plain.clone(), "ok", "venv"),
        (broken.clone(), "broken", "venv"),
    ] {
        let e = entry(&json, &path);
        assert_eq!(
            (e["state"].as_str(), e["kind"].as_str()),
            (Some(state), Some(kind)),
            "{e:#}"
        );
        assert!(e["size"].as_u64().unwrap() > 0, "{e:#}");
        assert!(
            e["python"].as_str().is_some_and(|v| v.starts_with('3')),
            "{e:#}"
        );
    }
    assert_eq!(
        entry(&json, &tree.join("fresh/.venv"))["last-used-from"],
        "penv"
    );
    assert_eq!(entry(&json, &plain)["last-used-from"], "files");
    // The store's entries are the shared test cache's, whatever other
    // tests left there: not this tree's.
    let listed = json["envs"].as_array().unwrap();
    let ours = listed.iter().filter(|e| e["state"] != "store").count();
    assert_eq!(ours, 6, "{json:#}");
    // The table says the same, with a total.
    let table = stdout(&run_ok(
        penv_in(&sb, &sb.project)
            .args(["envs", "--scan"])
            .arg(&tree),
    ));
    assert!(
        table.contains("orphaned") && table.contains("on disk, each file counted once"),
        "{table}"
    );

    // Without `--yes` off a terminal: refused, exit 2, nothing deleted.
    let out = penv_in(&sb, &sb.project)
        .args(["envs", "prune", "--broken", "--orphaned", "--scan"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--yes"), "{}", stderr(&out));
    assert!(broken.exists() && tree.join("gone/.venv").exists());
    // `--dry-run` lists, deletes nothing.
    let out = run_ok(
        penv_in(&sb, &sb.project)
            .args([
                "envs",
                "prune",
                "--broken",
                "--orphaned",
                "--dry-run",
                "--scan",
            ])
            .arg(&tree),
    );
    assert!(stdout(&out).contains("(broken)") && stdout(&out).contains("(orphaned)"));
    assert!(broken.exists() && tree.join("gone/.venv").exists());
    // `--yes`: the broken and the orphaned go; the rest stays.
    let out = run_ok(
        penv_in(&sb, &sb.project)
            .args(["envs", "prune", "--broken", "--orphaned", "--yes", "--scan"])
            .arg(&tree),
    );
    assert!(stderr(&out).contains("Freed"), "{}", stderr(&out));
    assert!(!broken.exists() && !tree.join("gone/.venv").exists());
    for kept in [
        tree.join("fresh/.venv"),
        tree.join("stale/.venv"),
        grouped.join(".venv"),
        plain,
    ] {
        assert!(kept.join("pyvenv.cfg").is_file(), "{}", kept.display());
    }
    // The orphan is forgotten by the registry too.
    let json = envs_json(&sb, &root.join("project"));
    let listed = json["envs"].as_array().unwrap();
    let ours = listed.iter().filter(|e| e["state"] != "store").count();
    assert_eq!(ours, 3, "{json:#}");
}

/// A fake venv: a directory with a `pyvenv.cfg` whose base is gone (broken).
fn fake_venv(dir: &Path) {
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::write(
        dir.join("pyvenv.cfg"),
        "home = /nonexistent/bin\nversion = 3.12.1\n",
    )
    .unwrap();
    std::fs::write(dir.join("bin/tool"), "x").unwrap();
}

/// The sentinel tree: every path listed must survive any prune; returns
/// (the scanned tree, `VIRTUAL_ENV`'s env, the one env that may go, sentinels).
fn sentinel_tree(root: &Path) -> (PathBuf, PathBuf, PathBuf, Vec<PathBuf>) {
    let tree = root.join("tree");
    let other = root.join("other");
    // A directory that is not an env, with data.
    std::fs::create_dir_all(tree.join("data/lib")).unwrap();
    std::fs::write(tree.join("data/lib/notes.txt"), "mine").unwrap();
    // A directory with a fake `pyvenv.cfg` symlinked in.
    std::fs::create_dir_all(tree.join("fake")).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("some.cfg"), "home = /nonexistent\n").unwrap();
    std::os::unix::fs::symlink(other.join("some.cfg"), tree.join("fake/pyvenv.cfg")).unwrap();
    std::fs::write(tree.join("fake/precious.txt"), "mine").unwrap();
    // A symlink into another tree holding an env.
    fake_venv(&other.join("envs/.venv"));
    std::os::unix::fs::symlink(other.join("envs"), tree.join("link")).unwrap();
    // The env of `VIRTUAL_ENV`, broken and old like the decoy.
    let active = tree.join("active/.venv");
    fake_venv(&active);
    // An env holding `src/` (editable checkouts: maybe the user's work).
    fake_venv(&tree.join("withsrc/.venv"));
    std::fs::create_dir_all(tree.join("withsrc/.venv/src/mypkg")).unwrap();
    std::fs::write(tree.join("withsrc/.venv/src/mypkg/work.py"), "mine").unwrap();
    // Envs where a scan must not look.
    fake_venv(&tree.join("node_modules/x/.venv"));
    fake_venv(&tree.join(".git/.venv"));
    // A project folder that is a venv too (`python -m venv .`), broken and
    // old like the decoy: the user's files beside the venv's.
    fake_venv(&tree.join("proj"));
    std::fs::write(tree.join("proj/app.py"), "mine").unwrap();
    // A project folder holding `conda-meta/` (issue 23: deleted whole), old
    // like the decoy: the same evidence as a venv, so refused alike.
    let condaproj = tree.join("condaproj");
    for d in ["conda-meta", ".git", "src2"] {
        std::fs::create_dir_all(condaproj.join(d)).unwrap();
    }
    std::fs::write(condaproj.join("app.py"), "mine").unwrap();
    std::fs::write(condaproj.join("src2/lib.py"), "mine").unwrap();
    // A conda base holding another conda env under `envs/`.
    for base in [tree.join("conda"), tree.join("conda/envs/a")] {
        std::fs::create_dir_all(base.join("conda-meta")).unwrap();
        std::fs::write(base.join("conda-meta/history"), "").unwrap();
    }
    // The decoy: a broken env that prune may delete.
    let decoy = tree.join("decoy/.venv");
    fake_venv(&decoy);
    let sentinels = vec![
        tree.join("data/lib/notes.txt"),
        tree.join("fake/precious.txt"),
        tree.join("fake/pyvenv.cfg"),
        other.join("some.cfg"),
        other.join("envs/.venv/pyvenv.cfg"),
        other.join("envs/.venv/bin/tool"),
        active.join("pyvenv.cfg"),
        active.join("bin/tool"),
        tree.join("withsrc/.venv/src/mypkg/work.py"),
        tree.join("withsrc/.venv/pyvenv.cfg"),
        tree.join("node_modules/x/.venv/pyvenv.cfg"),
        tree.join(".git/.venv/pyvenv.cfg"),
        tree.join("proj/app.py"),
        tree.join("proj/pyvenv.cfg"),
        tree.join("condaproj/app.py"),
        tree.join("condaproj/src2/lib.py"),
        tree.join("condaproj/conda-meta"),
        tree.join("conda/conda-meta/history"),
        tree.join("conda/envs/a/conda-meta/history"),
    ];
    (tree, active, decoy, sentinels)
}

#[test]
fn no_combination_of_prune_flags_deletes_anything_but_a_venv_not_in_use() {
    let sb = Sandbox::new();
    let filters = ["--broken", "--orphaned", "--stashes", "--older-than=0s"];
    let modes: [&[&str]; 3] = [&["--yes"], &["--dry-run"], &[]];
    for mask in 1..(1u32 << filters.len()) {
        for (m, mode) in modes.iter().enumerate() {
            let root = sb.tmp.path().join(format!("case-{mask}-{m}"));
            std::fs::create_dir_all(&root).unwrap();
            let root = root.canonicalize().unwrap();
            let (tree, active, decoy, sentinels) = sentinel_tree(&root);
            let mut cmd = penv_in(&sb, &sb.project);
            cmd.env("VIRTUAL_ENV", &active).args(["envs", "prune"]);
            for (i, f) in filters.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    cmd.arg(f);
                }
            }
            cmd.args(*mode).arg("--scan").arg(&tree);
            let out = cmd.output().unwrap();
            let what = format!(
                "flags {mask:04b} {mode:?}:\n{}\n{}",
                stdout(&out),
                stderr(&out)
            );
            for s in &sentinels {
                assert!(
                    std::fs::symlink_metadata(s).is_ok(),
                    "{} was deleted; {what}",
                    s.display()
                );
            }
            // `--broken`, or `--older-than` alone (with a state filter it narrows).
            let selects_decoy = mask & 1 != 0 || mask == 0b1000;
            let deleted = *mode == ["--yes"] && selects_decoy;
            assert_eq!(!decoy.exists(), deleted, "{what}");
            if mode.is_empty() && selects_decoy {
                assert_code(&out, 2);
            }
            // What prune lists is what it deletes: the decoy alone; the
            // envs it never deletes whole are left, saying why, before.
            if *mode == ["--dry-run"] && selects_decoy {
                assert!(what.contains("Would delete 1 env "), "{what}");
                assert!(
                    what.contains("proj`: it is a venv that also holds `app.py`"),
                    "{what}"
                );
            }
            if *mode == ["--yes"] {
                assert_code(&out, 0);
            }
        }
    }
}

#[test]
fn cache_clean_deletes_only_penvs_own_subdirectories_of_a_shared_cache() {
    require_python!();
    let sb = Sandbox::new();
    let shared = sb.tmp.path().join("shared-cache");
    // Another tool's `seed/` and files, in a cache `PENV_CACHE_DIR` shares.
    for d in ["seed/pip-24", "someone-elses"] {
        std::fs::create_dir_all(shared.join(d)).unwrap();
    }
    std::fs::write(shared.join("someone-elses/file"), "theirs").unwrap();
    std::fs::write(shared.join("seed/pip-24/pip.py"), "theirs").unwrap();
    // penv's own part: the probe cache `python list` fills (and tags).
    run_ok(
        penv_in(&sb, &sb.project)
            .env("PENV_CACHE_DIR", &shared)
            .args(["python", "list"]),
    );
    assert!(shared.join("interpreters/CACHEDIR.TAG").is_file());
    let dir = stdout(&run_ok(
        penv_in(&sb, &sb.project)
            .env("PENV_CACHE_DIR", &shared)
            .args(["cache", "dir"]),
    ));
    assert!(
        dir.contains(&shared.display().to_string()) && dir.contains("seed/"),
        "{dir}"
    );
    let out = run_ok(
        penv_in(&sb, &sb.project)
            .env("PENV_CACHE_DIR", &shared)
            .args(["cache", "clean"]),
    );
    assert!(!shared.join("interpreters").exists());
    // Untagged: maybe another tool's, so left, and said so.
    assert!(shared.join("seed/pip-24/pip.py").is_file());
    assert!(
        stderr(&out).contains("no penv `CACHEDIR.TAG`"),
        "{}",
        stderr(&out)
    );
    assert!(shared.join("someone-elses/file").is_file());
}

#[test]
fn stash_entries_are_listed_as_penvs_own_and_pruned_with_stashes() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let project = sb.tmp.path().canonicalize().unwrap().join("stashing");
    synced_project(&sb, &project, python);
    // Another spec: the first env is stashed for a branch switch back.
    std::fs::write(project.join("penv.toml"), bare_toml(python, "b", "")).unwrap();
    run_ok(penv_in(&sb, &project).arg("sync"));
    let json = envs_json(&sb, &project);
    let stashed: Vec<&Value> = json["envs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["state"] == "stash")
        .collect();
    assert_eq!(stashed.len(), 1, "{json:#}");
    assert!(json["penv-own"].as_u64().unwrap() >= stashed[0]["size"].as_u64().unwrap());
    let path = PathBuf::from(stashed[0]["path"].as_str().unwrap());
    run_ok(penv_in(&sb, &project).args(["envs", "prune", "--stashes", "--yes"]));
    assert!(!path.exists());
    assert!(project.join(".venv/pyvenv.cfg").is_file());
}

/// An env a `penv run` is using (it holds the env's lock, shared, until it
/// exits) is left by `prune`, named as in use; once free, it goes.
#[test]
fn prune_leaves_an_env_in_use_by_another_penv() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let dir = sb.tmp.path().join("inuse");
    synced_project(&sb, &dir, python);
    let env = dir.join(".venv");
    let lock = std::fs::File::open(dir.join(".penv/.venv.lock")).unwrap();
    lock.lock_shared().unwrap();
    let out = run_ok(penv_in(&sb, &sb.project).args(["envs", "prune", "--older-than=0s", "--yes"]));
    assert!(
        stderr(&out).contains("Keeping") && stderr(&out).contains("in use"),
        "{}",
        stderr(&out)
    );
    assert!(env.join("pyvenv.cfg").is_file());
    lock.unlock().unwrap();
    run_ok(penv_in(&sb, &sb.project).args(["envs", "prune", "--older-than=0s", "--yes"]));
    assert!(!env.exists());
}

/// The registry's record files: (file, parsed record).
fn records(sb: &Sandbox) -> Vec<(PathBuf, Value)> {
    let Ok(dir) = std::fs::read_dir(sb.tmp.path().join("data/envs")) else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, Value)> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (p, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The record of the env at `env`.
fn record_of(sb: &Sandbox, env: &Path) -> Option<(PathBuf, Value)> {
    records(sb)
        .into_iter()
        .find(|(_, r)| r["env"] == env.display().to_string())
}

#[test]
fn envs_drops_the_records_of_envs_deleted_by_hand() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let root = sb.tmp.path().canonicalize().unwrap();
    let (kept, by_hand, whole, stashing) = (
        root.join("kept"),
        root.join("by-hand"),
        root.join("mnt/whole"),
        root.join("stashing"),
    );
    for dir in [&kept, &by_hand, &whole, &stashing] {
        synced_project(&sb, dir, python);
    }
    // `stashing` switches spec: its first env is stashed.
    std::fs::write(stashing.join("penv.toml"), bare_toml(python, "b", "")).unwrap();
    run_ok(penv_in(&sb, &stashing).arg("sync"));
    assert_eq!(records(&sb).len(), 4);

    // `rm -rf .venv` in a project that is still there: forgotten at once.
    std::fs::remove_dir_all(by_hand.join(".venv")).unwrap();
    // The env's whole directory gone too (deleted, or a volume unmounted):
    // marked, kept for a while.
    std::fs::remove_dir_all(root.join("mnt")).unwrap();
    // An env gone whose stash entries are left: kept, they are found through it.
    std::fs::remove_dir_all(stashing.join(".venv")).unwrap();
    let json = envs_json(&sb, &root.join("nothing-here-to-scan"));
    assert!(
        record_of(&sb, &by_hand.join(".venv")).is_none(),
        "{:#?}",
        records(&sb)
    );
    let (file, marked) = record_of(&sb, &whole.join(".venv")).expect("kept, marked");
    assert!(marked["missing-since"].as_u64().is_some(), "{marked:#}");
    let (_, unmarked) = record_of(&sb, &stashing.join(".venv")).unwrap();
    assert!(unmarked.get("missing-since").is_none(), "{unmarked:#}");
    assert!(record_of(&sb, &kept.join(".venv")).is_some());
    let listed: Vec<&str> = json["envs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        // The shared test cache's store entries are other tests'.
        .filter(|s| *s != "store")
        .collect();
    assert_eq!(
        listed.iter().filter(|s| **s == "stash").count(),
        1,
        "{json:#}"
    );
    assert_eq!(
        listed.len(),
        2,
        "the kept env and the stash entry: {json:#}"
    );

    // Back (remounted) before the grace period ends: the mark goes.
    synced_project(&sb, &whole, python);
    let (_, back) = record_of(&sb, &whole.join(".venv")).unwrap();
    envs_json(&sb, &root.join("nothing-here-to-scan"));
    let (_, now) = record_of(&sb, &whole.join(".venv")).unwrap();
    assert!(now.get("missing-since").is_none(), "{now:#}");
    assert_eq!(back["last-sync"], now["last-sync"]);

    // Gone again, and marked more than 30 days ago: forgotten.
    std::fs::remove_dir_all(root.join("mnt")).unwrap();
    envs_json(&sb, &root.join("nothing-here-to-scan"));
    let (file_again, mut marked) = record_of(&sb, &whole.join(".venv")).unwrap();
    assert_eq!(file, file_again);
    let since = marked["missing-since"].as_u64().unwrap();
    marked["missing-since"] = (since - 31 * 86_400).into();
    std::fs::write(&file, serde_json::to_vec(&marked).unwrap()).unwrap();
    envs_json(&sb, &root.join("nothing-here-to-scan"));
    assert!(
        record_of(&sb, &whole.join(".venv")).is_none(),
        "{:#?}",
        records(&sb)
    );
    // The others are as they were.
    assert!(record_of(&sb, &kept.join(".venv")).is_some());
    assert!(record_of(&sb, &stashing.join(".venv")).is_some());
}

#[test]
fn on_a_terminal_prune_asks_and_deletes_only_on_yes() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let tree = sb.tmp.path().canonicalize().unwrap().join("tree");
    let env = tree.join("old/.venv");
    run_ok(
        Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&env),
    );
    // penv's stdin a terminal: `script` runs it on a pseudo-terminal and
    // types what it reads from its own stdin there.
    let on_a_terminal = |answer: &str| {
        let penv = penv_in(&sb, &sb.project);
        let mut line = format!(
            "'{}' envs prune --older-than 0s --scan '{}'",
            crate::common::penv_bin().display(),
            tree.display()
        );
        line.push_str("; echo \"exit=$?\"");
        let mut cmd = Command::new("script");
        cmd.env_clear()
            .envs(penv.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("PATH", "/usr/bin:/bin")
            .current_dir(&sb.project)
            .args(["-qec", &line, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let Ok(mut child) = cmd.spawn() else {
            return None;
        };
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(answer.as_bytes()).unwrap();
        drop(stdin);
        Some(child.wait_with_output().unwrap())
    };
    let Some(out) = on_a_terminal("n\n") else {
        crate::skip!("no `script` (util-linux) to give penv a terminal");
    };
    let text = stdout(&out);
    assert!(
        text.contains("Delete them? [y/N]") && text.contains("Nothing deleted."),
        "{text}"
    );
    assert!(text.contains("exit=0"), "{text}");
    assert!(env.join("pyvenv.cfg").is_file(), "kept on `n`");
    // Anything but a yes is a no, an empty line too.
    let text = stdout(&on_a_terminal("\n").unwrap());
    assert!(text.contains("Nothing deleted."), "{text}");
    assert!(env.join("pyvenv.cfg").is_file());
    let text = stdout(&on_a_terminal("y\n").unwrap());
    assert!(text.contains("Freed"), "{text}");
    assert!(!env.exists(), "deleted on `y`");
    assert!(tree.join("old").is_dir(), "only the env");
}

/// `--scan DIR` limits every deletion to what lies under DIR (issue 23: it
/// deleted every registered env and store entry on the machine); penv's
/// own envs elsewhere go only with `--registered`.
#[test]
fn prune_with_scan_deletes_only_under_the_scanned_directories() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let root = sb.tmp.path().canonicalize().unwrap();
    let elsewhere = root.join("elsewhere");
    synced_project(&sb, &elsewhere, python);
    let cache = root.join("cache");
    let entry = cache.join("envs/0123456789abcdef");
    fake_venv(&entry);
    let tree = root.join("tree");
    let inside = tree.join("old/.venv");
    fake_venv(&inside);
    let prune = |extra: &[&str]| {
        run_ok(
            penv_in(&sb, &sb.project)
                .env("PENV_CACHE_DIR", &cache)
                .args(["envs", "prune", "--older-than", "0s", "--yes", "--scan"])
                .arg(&tree)
                .args(extra),
        )
    };
    let out = prune(&[]);
    assert!(!inside.exists(), "{}", stderr(&out));
    assert!(
        elsewhere.join(".venv/pyvenv.cfg").is_file(),
        "{}",
        stderr(&out)
    );
    assert!(entry.join("pyvenv.cfg").is_file(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Leaving 2 envs outside the scanned directories")
            && stderr(&out).contains("--registered"),
        "{}",
        stderr(&out)
    );
    // A symlinked spelling of the scanned directory widens nothing.
    std::os::unix::fs::symlink(&root, root.join("link")).unwrap();
    fake_venv(&inside);
    let out = run_ok(
        penv_in(&sb, &sb.project)
            .env("PENV_CACHE_DIR", &cache)
            .args(["envs", "prune", "--older-than", "0s", "--yes", "--scan"])
            .arg(root.join("link/tree")),
    );
    assert!(!inside.exists(), "{}", stderr(&out));
    assert!(elsewhere.join(".venv/pyvenv.cfg").is_file());
    assert!(entry.join("pyvenv.cfg").is_file());
    // `--registered` only with `--scan`: without it, penv's own envs are
    // what prune considers anyway.
    let out = penv_in(&sb, &sb.project)
        .args(["envs", "prune", "--older-than", "0s", "--registered"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    // `--registered`: penv's own envs elsewhere go too.
    let out = prune(&["--registered"]);
    assert!(!elsewhere.join(".venv").exists(), "{}", stderr(&out));
    assert!(!entry.exists(), "{}", stderr(&out));
}

/// While `penv run` runs a command in a project's env, prune leaves the
/// env (issue 23: the lock was close-on-exec, so `prune --orphaned --yes`
/// deleted it under the command); once the command ends, it goes.
#[test]
fn prune_never_deletes_a_project_env_while_penv_run_uses_it() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let dir = sb.tmp.path().canonicalize().unwrap().join("running");
    synced_project(&sb, &dir, python);
    let env = dir.join(".venv");
    let flag = sb.tmp.path().join("started");
    let release = sb.tmp.path().join("release");
    let wait = format!(
        "import os, time\nopen({flag:?}, 'w').close()\nend = time.time() + 60\nwhile not os.path.exists({release:?}) and time.time() < end:\n    time.sleep(0.05)\n",
        flag = flag.display().to_string(),
        release = release.display().to_string()
    );
    let mut running = penv_in(&sb, &dir)
        .args(["run", "python", "-c", &wait])
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !flag.exists() {
        assert!(
            start.elapsed() < std::time::Duration::from_mins(1),
            "the command never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::remove_file(dir.join("penv.toml")).unwrap();
    let out = run_ok(penv_in(&sb, &sb.project).args(["envs", "prune", "--orphaned", "--yes"]));
    assert!(
        stderr(&out).contains("Keeping") && stderr(&out).contains("in use"),
        "{}",
        stderr(&out)
    );
    assert!(
        env.join("pyvenv.cfg").is_file(),
        "deleted under the command"
    );
    // A sync does not wait for the command: the in-use lock is not the
    // writer's.
    std::fs::write(dir.join("penv.toml"), bare_toml(python, "q", "")).unwrap();
    run_ok(
        penv_in(&sb, &dir)
            .args(["sync"])
            .env("PENV_LOCK_TIMEOUT", "2"),
    );
    std::fs::remove_file(dir.join("penv.toml")).unwrap();
    std::fs::write(&release, "").unwrap();
    assert!(running.wait().unwrap().success());
    let out = run_ok(penv_in(&sb, &sb.project).args(["envs", "prune", "--orphaned", "--yes"]));
    assert!(!env.exists(), "{}", stderr(&out));
}

/// Issue 23: sizes by inode. A file hard-linked into an env and its stash
/// entry is counted once in the total (as `du` counts the trees together)
/// and shown as shared in both; the table folds the stash entry under its
/// env unless `--all`, and `--json` lists it with the env it came from.
#[test]
fn a_file_linked_into_several_envs_counts_once_and_stashes_fold_under_their_env() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    // A private cache: nothing another test writes meanwhile is listed.
    let cache = sb.tmp.path().join("cache");
    let penv = |dir: &Path| {
        let mut cmd = penv_in(&sb, dir);
        cmd.env("PENV_CACHE_DIR", &cache);
        cmd
    };
    let project = sb.tmp.path().canonicalize().unwrap().join("stashing");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("penv.toml"), bare_toml(python, "a", "")).unwrap();
    run_ok(penv(&project).arg("sync"));
    std::fs::write(project.join("penv.toml"), bare_toml(python, "b", "")).unwrap();
    run_ok(penv(&project).arg("sync"));
    let stash = std::fs::read_dir(project.join(".penv/stash"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("pyvenv.cfg").is_file())
        .expect("a stash entry");
    // 4 MB in the env, hard-linked into the stash entry.
    let big = project.join(".venv/big.bin");
    std::fs::write(&big, vec![7u8; 4_000_000]).unwrap();
    std::fs::hard_link(&big, stash.join("big.bin")).unwrap();

    let out = run_ok(penv(&project).args(["envs", "--json"]));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs = json["envs"].as_array().unwrap();
    let env = entry(&json, &project.join(".venv"));
    let entry_json = entry(&json, &stash);
    assert_eq!(entry_json["state"], "stash");
    assert_eq!(
        entry_json["stashed-from"],
        project
            .join(".venv")
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    );
    assert_eq!(env["stashed"]["count"], 1, "{env:#}");
    for e in [env, entry_json] {
        assert!(e["shared"].as_u64().unwrap() >= 4_000_000, "{e:#}");
    }
    // The total is `du`'s for every listed tree together.
    let mut du = Command::new("du");
    du.args(["-s", "-B1"]);
    for e in envs {
        du.arg(e["path"].as_str().unwrap());
    }
    for c in json["cache"].as_array().unwrap() {
        du.arg(c["path"].as_str().unwrap());
    }
    let du = du.output().unwrap();
    assert!(du.status.success(), "{}", stderr(&du));
    let du_total: u64 = stdout(&du)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(json["total"].as_u64().unwrap(), du_total, "{json:#}");
    // Summing each tree's own size, as `envs` did, counts the link twice.
    let summed: u64 = envs
        .iter()
        .chain(json["cache"].as_array().unwrap())
        .map(|e| e["size"].as_u64().unwrap())
        .sum();
    assert!(summed >= du_total + 4_000_000, "{json:#}");

    // The table: the stash entry folded under its env, listed with `--all`.
    let shown = stash.file_name().unwrap().to_string_lossy().into_owned();
    let table = stdout(&run_ok(penv(&project).arg("envs")));
    assert!(!table.contains(&shown), "{table}");
    assert!(table.contains("+ 1 stash entry, "), "{table}");
    assert!(table.contains("SHARED"), "{table}");
    let all = stdout(&run_ok(penv(&project).args(["envs", "--all"])));
    assert!(all.contains(&shown), "{all}");
    assert!(!all.contains("+ 1 stash entry"), "{all}");
}

/// An env built from a `pylock.toml` the project file has moved away from
/// is stale for `penv envs` as for `status` and `sync --check` (one
/// verdict): a sync would lock again and rebuild it.
#[test]
fn envs_says_stale_when_the_lock_the_env_comes_from_is_out_of_date() {
    let python = require_python!();
    let sb = super::sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]");
    run_ok(penv_in(&sb, &sb.project).arg("lock"));
    run_ok(penv_in(&sb, &sb.project).arg("sync"));
    assert_eq!(
        entry(&envs_json(&sb, &sb.project), &sb.env())["state"],
        "ok"
    );
    sb.write_offline_toml(python, "requirements = [\"tinypkg\", \"otherpkg\"]");
    assert_code(&sb.run(&["sync", "--check"]), 1);
    let json = envs_json(&sb, &sb.project);
    let listed = entry(&json, &sb.env());
    assert_eq!(listed["state"], "stale", "{json:#}");
    assert!(listed.to_string().contains("pylock.toml"), "{listed}");
}
