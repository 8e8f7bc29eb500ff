//! PEP 723 scripts: `penv run script.py` with a `# /// script` block builds
//! the store's env for the block (with wheels the test builds, found
//! through `[tool.penv.pip] find-links` relative to the script), runs the
//! script there, and the next run uses it as it is; another block is
//! another entry; `which`/`status --script` name it; a half-built entry
//! (a `kill -9` mid-build, a missing state file) is never used.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::Sandbox;
use crate::common::build_wheel_with;
use crate::common::output::{assert_code, stderr, stdout};

/// The sandbox's wheels: `alpha` 1.0 and `beta` 1.0 and 2.0, each module
/// with its `VERSION`.
pub(super) fn sandbox_with_script_wheels() -> Sandbox {
    let sb = Sandbox::new();
    for (name, version) in [("alpha", "1.0"), ("beta", "1.0"), ("beta", "2.0")] {
        build_wheel_with(
            &sb.wheels,
            name,
            version,
            &[],
            &format!("VERSION = {version:?}\n"),
        );
    }
    sb
}

/// A script printing its modules' versions, its prefix and its arguments,
/// whose block asks for `deps` with `python`, offline, from `../wheels`
/// (the sandbox's, relative to the script in the project directory).
pub(super) fn script_text(python: &Path, deps: &[&str]) -> String {
    let quoted: Vec<String> = deps.iter().map(|d| format!("{d:?}")).collect();
    format!(
        "#!/usr/bin/env python3\n# /// script\n# requires-python = \">=3.8\"\n# dependencies = [{}]\n# [tool.penv]\n# python = \"{}\"\n# [tool.penv.pip]\n# find-links = [\"../wheels\"]\n# no-index = true\n# ///\nimport sys, alpha, beta\nprint(alpha.VERSION, beta.VERSION, sys.prefix, *sys.argv[1:])\n",
        quoted.join(", "),
        python.display()
    )
}

/// Waits for the detached penvs keeping envs in `cache`'s store: each
/// holds its entry's writer's lock (`envs/.penv/*.lock`) from before the
/// sync that started it returned until the entry is in place.
pub(super) fn wait_for_keepers(cache: &Path) {
    let locks = std::fs::read_dir(cache.join("envs/.penv"))
        .into_iter()
        .flatten();
    for entry in locks.flatten() {
        if entry.path().extension().is_some_and(|e| e == "lock")
            && let Ok(file) = std::fs::File::open(entry.path())
        {
            file.lock_shared().unwrap();
        }
    }
}

/// A cache of the test's own (so its store holds only the test's
/// entries), with the pip seeds of the shared test cache copied in when
/// there are some (so no test prepares pip again).
pub(super) fn private_cache(sb: &Sandbox) -> PathBuf {
    let cache = sb.tmp.path().join("cache");
    std::fs::create_dir_all(&cache).unwrap();
    let seed = sb.cache.join("seed");
    // Only the seeds that are complete: another test may be preparing one
    // meanwhile, in a `.seed-…` directory that vanishes when it is done.
    // The copy only saves time: a seed that fails to copy is dropped, and
    // this test prepares its own.
    for entry in std::fs::read_dir(&seed).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let into = cache.join("seed");
        std::fs::create_dir_all(&into).unwrap();
        let copied = Command::new("cp")
            .arg("-a")
            .arg(entry.path())
            .arg(&into)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !copied {
            let _ = std::fs::remove_dir_all(into.join(entry.file_name()));
        }
    }
    cache
}

/// penv with a private data directory (the registry) and `cache` as its
/// cache (where the store is), bounded by the default `PENV_STORE_MAX`
/// (the sandbox's shared cache keeps nothing: `PENV_STORE_MAX=0`).
pub(super) fn penv(sb: &Sandbox, cache: &Path) -> Command {
    let mut cmd = sb.penv();
    cmd.env("PENV_DATA_DIR", sb.tmp.path().join("data"))
        .env("PENV_CACHE_DIR", cache)
        .env_remove("PENV_STORE_MAX");
    cmd
}

#[track_caller]
pub(super) fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}\n{}", stdout(&out), stderr(&out));
    out
}

/// The entry `which --script` names for `script` (its env directory).
pub(super) fn entry_of(sb: &Sandbox, cache: &Path, script: &str) -> PathBuf {
    let out = ok(penv(sb, cache).args(["which", "--script", script]));
    let python = PathBuf::from(stdout(&out).trim());
    python.parent().unwrap().parent().unwrap().to_owned()
}

#[test]
fn a_script_runs_in_the_store_env_of_its_block_and_its_second_run_builds_nothing() {
    let python = crate::require_python!();
    let sb = sandbox_with_script_wheels();
    let cache = private_cache(&sb);
    // A surrounding project asking for something else: the block wins.
    sb.write("penv.toml", "requirements = [\"not-installed-anywhere\"]\n");
    sb.write("tool.py", &script_text(python, &["alpha", "beta==2.0"]));
    let out = ok(penv(&sb, &cache).args(["run", "tool.py", "a", "b"]));
    let printed = stdout(&out);
    let words: Vec<&str> = printed.split_whitespace().collect();
    assert_eq!(words[..2], ["1.0", "2.0"], "{printed}");
    assert_eq!(words[3..], ["a", "b"]);
    assert!(
        stderr(&out).contains("Installing requirements"),
        "{}",
        stderr(&out)
    );
    let entry = entry_of(&sb, &cache, "tool.py");
    assert_eq!(Path::new(words[2]), entry, "the script ran in the entry");
    assert!(entry.starts_with(cache.join("envs")), "{}", entry.display());
    assert!(
        !sb.project.join(".venv").exists(),
        "no env beside the script"
    );

    // The second run uses the entry as it is: the state is not rewritten
    // (its mtime and `created` stay) and nothing is built.
    let state = entry.join("penv-state.json");
    let before = (
        std::fs::metadata(&state).unwrap().modified().unwrap(),
        std::fs::read(&state).unwrap(),
    );
    let out = ok(penv(&sb, &cache).args(["run", "tool.py", "again"]));
    assert!(stdout(&out).ends_with("again\n"), "{}", stdout(&out));
    assert!(!stderr(&out).contains("Creating venv"), "{}", stderr(&out));
    let after = (
        std::fs::metadata(&state).unwrap().modified().unwrap(),
        std::fs::read(&state).unwrap(),
    );
    assert_eq!(before, after, "the state was written again");
    // No Python is needed before the script's own: with none on `PATH`
    // (the block names its interpreter by path, whose probe is cached),
    // the run still succeeds without building.
    let out = ok(penv(&sb, &cache)
        .env("PATH", "/nonexistent")
        .args(["run", "tool.py", "offline"]));
    assert!(stdout(&out).ends_with("offline\n"), "{}", stdout(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));

    let out = ok(penv(&sb, &cache).args(["status", "--script", "tool.py", "--json"]));
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["state"], "fresh");
    assert_eq!(status["env"], entry.display().to_string());
    let out = ok(penv(&sb, &cache).args(["sync", "--script", "tool.py", "--check"]));
    assert!(stderr(&out).contains("up to date"), "{}", stderr(&out));

    // Another block is another entry; the first stays, and is used again
    // when the block is put back.
    sb.write("tool.py", &script_text(python, &["alpha", "beta==1.0"]));
    let out = ok(penv(&sb, &cache).args(["run", "tool.py"]));
    assert!(stdout(&out).starts_with("1.0 1.0 "), "{}", stdout(&out));
    let other = entry_of(&sb, &cache, "tool.py");
    assert_ne!(other, entry);
    assert!(entry.join("penv-state.json").is_file());
    sb.write("tool.py", &script_text(python, &["alpha", "beta==2.0"]));
    let out = ok(penv(&sb, &cache).args(["run", "tool.py"]));
    assert!(!stderr(&out).contains("Creating venv"), "{}", stderr(&out));
    assert_eq!(entry_of(&sb, &cache, "tool.py"), entry);

    // `penv envs` lists both as store entries; `cache clean` leaves them.
    let out = ok(penv(&sb, &cache).args(["envs", "--json"]));
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for e in [&entry, &other] {
        let listed = listing["envs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["path"] == e.canonicalize().unwrap().display().to_string())
            .unwrap_or_else(|| panic!("{} not listed: {listing:#}", e.display()));
        assert_eq!(listed["state"], "store");
    }
    // The project's own env is untouched by all this: it was never built.
    assert!(!sb.project.join(".venv").exists());
}

#[test]
fn a_half_built_entry_is_never_used() {
    let python = crate::require_python!();
    let sb = sandbox_with_script_wheels();
    let cache = private_cache(&sb);
    sb.write("half.py", &script_text(python, &["alpha", "beta"]));
    // Killed mid-pip: nothing may run in what it left.
    let mut child = penv(&sb, &cache)
        .args(["sync", "--script", "half.py", "--reinstall"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lines = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = Vec::new();
    for line in lines.lines() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("Installing requirements") {
            break;
        }
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = child.wait();
    assert!(
        seen.iter().any(|l| l.contains("Installing requirements")),
        "{seen:?}"
    );
    let out = penv(&sb, &cache)
        .args(["run", "--no-sync", "half.py", "ran"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(!stdout(&out).contains("ran"), "{}", stdout(&out));
    // The next run waits for the killed penv's pip, undoes the build and
    // builds the entry again.
    let out = ok(penv(&sb, &cache).args(["run", "half.py", "ran"]));
    assert!(stdout(&out).trim_end().ends_with("ran"), "{}", stdout(&out));

    // An entry as a build that died before its last step leaves it: penv's
    // build marker, no state file. Refused by `which` and `run --no-sync`,
    // rebuilt by `run`.
    let entry = entry_of(&sb, &cache, "half.py");
    std::fs::remove_file(entry.join("penv-state.json")).unwrap();
    let marker =
        serde_json::json!({"penv": "build-marker", "path": entry, "doing": "building", "pid": 1});
    std::fs::write(entry.join("penv-building"), marker.to_string()).unwrap();
    let out = penv(&sb, &cache)
        .args(["which", "--script", "half.py"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    let out = penv(&sb, &cache)
        .args(["run", "--no-sync", "half.py", "ran"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    let out = ok(penv(&sb, &cache).args(["run", "half.py", "ran"]));
    assert!(stdout(&out).trim_end().ends_with("ran"), "{}", stdout(&out));
    assert!(entry.join("penv-state.json").is_file());
}

#[test]
fn errors_in_a_block_name_the_script_and_line_and_a_script_without_one_runs_as_before() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    let cache = sb.tmp.path().join("cache");
    sb.write(
        "bad.py",
        "import sys\n# /// script\n# dependencies = [\"fine\", \"not ok!\"]\n# ///\n",
    );
    let out = penv(&sb, &cache).args(["run", "bad.py"]).output().unwrap();
    assert_code(&out, 2);
    assert!(stderr(&out).contains("bad.py:3:"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("invalid requirement"),
        "{}",
        stderr(&out)
    );
    sb.write(
        "two.py",
        "# /// script\n# dependencies = []\n# ///\nx = 1\n# /// script\n# dependencies = []\n# ///\n",
    );
    let out = penv(&sb, &cache)
        .args(["sync", "--script", "two.py"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(stderr(&out).contains("two.py:5:"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("second `# /// script` block"),
        "{}",
        stderr(&out)
    );
    // `--script` needs a block; `penv run` of a script without one runs it
    // in the project's env, as always (warning when a block is not closed).
    sb.write(
        "plain.py",
        "# /// script\n# dependencies = []\nprint('plain', 42)\n",
    );
    let out = penv(&sb, &cache)
        .args(["which", "--script", "plain.py"])
        .output()
        .unwrap();
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("has no `# /// script` block"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("line 1 opens one"),
        "{}",
        stderr(&out)
    );
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", python.display()),
    );
    // (`PENV_STORE_MAX=0`: the project's env is not kept in the store, so
    // any entry there would be the script's.)
    let out = ok(penv(&sb, &cache)
        .env("PENV_STORE_MAX", "0")
        .args(["run", "plain.py"]));
    assert_eq!(stdout(&out), "plain 42\n");
    assert!(
        stderr(&out).contains("never closes") || stderr(&out).contains("no `# ///` line closes"),
        "{}",
        stderr(&out)
    );
    assert!(sb.project.join(".venv/pyvenv.cfg").is_file());
    assert!(
        !cache.join("envs").exists(),
        "no store entry for a script without a block"
    );
}

/// A script with a block of no dependencies and no pip, for `python`,
/// that prints its `sys.prefix`.
fn prefix_script(python: &Path) -> String {
    format!(
        "# /// script\n# dependencies = []\n# [tool.penv]\n# python = \"{}\"\n# [tool.penv.venv]\n# pip = false\n# ///\nimport sys\nprint(sys.prefix)\n",
        python.display()
    )
}

/// The `sys.prefix` a script printed lies in `store`.
#[track_caller]
fn printed_prefix_in(out: &Output, store: &Path) {
    let prefix = PathBuf::from(stdout(out).trim());
    assert!(prefix.starts_with(store), "{}", prefix.display());
}

/// A relative `PENV_CACHE_DIR` is the directory it names from where penv
/// started (issue 23: a script's build failed, "failed to list
/// `rel-cache/envs/.penv/new-…/bin`"), also under `-C`.
#[test]
fn a_relative_cache_dir_is_taken_from_where_penv_started() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    sb.write("tool.py", &prefix_script(python));
    let out = ok(sb
        .penv()
        .env("PENV_DATA_DIR", sb.tmp.path().join("data"))
        .env("PENV_CACHE_DIR", "rel-cache")
        .env_remove("PENV_STORE_MAX")
        .args(["run", "tool.py"]));
    let prefix = PathBuf::from(stdout(&out).trim());
    assert!(
        prefix.starts_with(sb.project.join("rel-cache/envs")),
        "{}",
        prefix.display()
    );
    // From another directory with `-C`: the cache is still the one named
    // from where penv started.
    let elsewhere = sb.tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let out = ok(sb
        .penv()
        .current_dir(&elsewhere)
        .env("PENV_DATA_DIR", sb.tmp.path().join("data"))
        .env("PENV_CACHE_DIR", "other-cache")
        .env_remove("PENV_STORE_MAX")
        .arg("-C")
        .arg(&sb.project)
        .args(["run", "tool.py"]));
    let prefix = PathBuf::from(stdout(&out).trim());
    assert!(
        prefix.starts_with(elsewhere.canonicalize().unwrap().join("other-cache/envs"))
            || prefix.starts_with(elsewhere.join("other-cache/envs")),
        "{}",
        prefix.display()
    );
}

/// A script with CRLF line ends has its block read, as Python's universal
/// newlines (and uv) read it (issue 23: it was silently ignored, and the
/// script ran in the project's env, or failed for want of one).
#[test]
fn a_crlf_script_runs_in_its_blocks_env() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    sb.write("tool.py", &prefix_script(python).replace('\n', "\r\n"));
    let cache = sb.tmp.path().join("cache");
    let out = ok(penv(&sb, &cache).args(["run", "tool.py"]));
    printed_prefix_in(&out, &cache.join("envs"));
}

/// An extensionless tool with a block, run by path (`penv run ./tool`, what
/// a `#!/usr/bin/env -S penv run` shebang does), runs in its block's env as
/// `sync --script ./tool` builds it, not as a program of the project's env
/// (which, through that shebang, ran itself again and again). A bare name
/// is still a command of the env's.
#[test]
fn an_extensionless_script_run_by_path_runs_in_its_blocks_env() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", python.display()),
    );
    let text = format!("#!/usr/bin/env -S penv run\n{}", prefix_script(python));
    sb.write("tool", &text);
    let cache = sb.tmp.path().join("cache");
    let out = ok(penv(&sb, &cache).args(["run", "./tool"]));
    printed_prefix_in(&out, &cache.join("envs"));
    // A program (not text) by path runs as a program.
    let out = ok(penv(&sb, &cache).args(["run", &python.display().to_string(), "-c", "print(1)"]));
    assert_eq!(stdout(&out).trim(), "1");
    // A block that is wrong is an error naming the file, as for `tool.py`.
    sb.write(
        "bad",
        &text.replace("# dependencies = []", "# dependencies = 1"),
    );
    let out = penv(&sb, &cache).args(["run", "./bad"]).output().unwrap();
    assert_code(&out, 2);
    assert!(stderr(&out).contains("bad"), "{}", stderr(&out));
    // No block, and a shebang that would run it again: an error, not a loop.
    sb.write(
        "loop",
        "#!/usr/bin/env -S penv run
print(1)
",
    );
    let out = penv(&sb, &cache).args(["run", "./loop"]).output().unwrap();
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("its shebang runs `penv run`"),
        "{}",
        stderr(&out)
    );
    // A shell script that embeds a block stays a shell script.
    sb.write(
        "sh-tool",
        "#!/bin/sh
cat <<'EOF' > x.py
# /// script
# dependencies = []
# ///
EOF
echo shell
",
    );
    let mut perms = std::fs::metadata(sb.project.join("sh-tool"))
        .unwrap()
        .permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(sb.project.join("sh-tool"), perms).unwrap();
    let out = penv(&sb, &cache)
        .args(["run", "./sh-tool"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("shell"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
}

/// A script's env not built yet: `which --script` and `run --no-sync`
/// name the sync that builds it (`penv sync --script FILE`), not the
/// project's.
#[test]
fn a_scripts_missing_env_is_built_by_the_sync_its_hint_names() {
    let python = crate::require_python!();
    let sb = Sandbox::new();
    sb.write(
        "nb.py",
        &format!(
            "# /// script\n# dependencies = []\n# [tool.penv]\n# python = \"{}\"\n# [tool.penv.venv]\n# pip = false\n# ///\nimport sys\n",
            python.display()
        ),
    );
    let cache = sb.tmp.path().join("cache");
    for args in [
        &["which", "--script", "nb.py"][..],
        &["run", "--no-sync", "nb.py"],
    ] {
        let out = penv(&sb, &cache).args(args).output().unwrap();
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("run `penv sync --script nb.py` first"),
            "{}",
            stderr(&out)
        );
    }
}
