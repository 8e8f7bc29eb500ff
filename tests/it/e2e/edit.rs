//! `penv add`, `penv remove` and `penv init` (issue 13: 3, 4) against real
//! envs: the file edited in place, the env synced from it, the lock made
//! again, and a failed sync leaving the file as it was.

use super::*;

const TOML_EXTRA: &str =
    "# what the app needs\nrequirements = [\n    \"otherpkg\",  # keep this comment\n]\n";

/// A [`sandbox_with_wheels`] whose penv.toml requires `otherpkg`, with a comment.
fn project() -> Option<Sandbox> {
    let python = crate::common::real_python()?;
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, TOML_EXTRA);
    Some(sb)
}

/// [`project`], or the end of the calling test ([`crate::skip!`]).
macro_rules! project {
    () => {
        match project() {
            Some(sb) => sb,
            None => crate::skip!("no python3 on PATH (or no `PENV_TEST_PYTHON` interpreter)"),
        }
    };
}

fn penv_toml(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.project.join("penv.toml")).unwrap()
}

#[test]
fn add_installs_from_local_wheels_and_edits_the_file_in_place() {
    let sb = project!();
    let before = penv_toml(&sb);
    let out = sb.run(&["add", "TinyPkg==1.0"]);
    assert_code(&out, 0);
    assert_stderr_says(
        &out,
        "Added `tinypkg==1.0` to `requirements` of `penv.toml`",
    );
    assert_eq!(
        penv_toml(&sb),
        before.replace(
            "    \"otherpkg\",  # keep this comment\n]",
            "    \"otherpkg\",  # keep this comment\n    \"tinypkg==1.0\",\n]"
        )
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // Adding it again with another specifier replaces it in place.
    sb.ok(&["add", "tinypkg>=2"]);
    assert!(
        penv_toml(&sb).contains("    \"tinypkg>=2\",\n]"),
        "{}",
        penv_toml(&sb)
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

#[test]
fn add_without_a_specifier_writes_the_installed_version_as_a_lower_bound() {
    let sb = project!();
    let out = sb.run(&["add", "tinypkg", "--group", "dev"]);
    assert_code(&out, 0);
    assert_stderr_says(
        &out,
        "Added `tinypkg>=2.0` to `[groups] dev` of `penv.toml`",
    );
    assert!(
        penv_toml(&sb).ends_with("\n[groups]\ndev = [\"tinypkg>=2.0\"]\n"),
        "{}",
        penv_toml(&sb)
    );
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    // What was built is what the file says now.
    assert_code(&sb.run(&["sync", "--check", "--group", "dev"]), 0);
}

#[test]
fn a_failed_sync_leaves_the_file_and_the_env_as_they_were() {
    let sb = project!();
    sb.ok(&["sync"]);
    let before = penv_toml(&sb);
    let out = sb.run(&["add", "tinypkg==9"]);
    assert_code(&out, 2);
    assert_stderr_says(&out, "`penv.toml` was put back as it was.");
    assert_eq!(penv_toml(&sb), before);
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // A bare name that cannot be installed: the same.
    let out = sb.run(&["add", "nosuchpkg"]);
    assert_code(&out, 2);
    assert_eq!(penv_toml(&sb), before);
}

#[test]
fn remove_syncs_the_env_without_the_package() {
    let sb = project!();
    sb.ok(&["add", "tinypkg==1.0"]);
    let out = sb.run(&["remove", "OtherPkg"]);
    assert_code(&out, 0);
    assert_stderr_says(
        &out,
        "Removed `otherpkg` from `requirements` of `penv.toml`",
    );
    assert!(
        penv_toml(&sb).contains("requirements = [\n    \"tinypkg==1.0\",\n]"),
        "{}",
        penv_toml(&sb)
    );
    assert_eq!(imported(&sb, "otherpkg"), None);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    let out = sb.run(&["remove", "otherpkg"]);
    assert_exit_and_stderr(&out, 2, "`otherpkg` is not in `requirements`");
}

#[test]
fn add_locks_again_when_there_is_a_lock() {
    let sb = project!();
    sb.ok(&["lock"]);
    let out = sb.run(&["add", "tinypkg==1.0"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "locking again first");
    let lock = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(lock.contains("name = \"tinypkg\""), "{lock}");
    assert_code(&sb.run(&["sync", "--locked", "--check"]), 0);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

/// `git` in the sandbox, with its own HOME.
fn git(sb: &Sandbox, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(&sb.project)
        .env_clear()
        .env("PATH", Sandbox::path_var())
        .env("HOME", &sb.home)
        .output()
        .expect("git runs")
}

#[test]
fn init_in_a_git_repo_with_requirement_files_and_python_version() {
    let python = crate::require_python!();
    if Command::new("git").arg("--version").output().is_err() {
        crate::skip!("no git on PATH");
    }
    let sb = sandbox_with_wheels();
    let version = Command::new(python)
        .args([
            "-I",
            "-c",
            "import sys; print('%d.%d' % sys.version_info[:2])",
        ])
        .output()
        .unwrap();
    let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
    sb.write(".python-version", &format!("{version}\n"));
    sb.write("requirements.txt", "tinypkg==1.0\n");
    sb.write("requirements-dev.txt", "-r requirements.txt\notherpkg\n");
    sb.write(".gitignore", "*.pyc");
    assert_code(&git(&sb, &["init", "-q", "."]), 0);
    let out = sb.run(&["init"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "`requirements-dev.txt`: group `dev`");
    assert_stderr_says(
        &out,
        "Added `/.venv/` to `.gitignore`: git did not ignore the env",
    );
    let text = penv_toml(&sb);
    assert!(
        text.contains(&format!(
            "python = \"{version}\"  # from `.python-version`\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("requirement-files = [\"requirements.txt\"]\n"),
        "{text}"
    );
    assert!(
        text.contains("dev = { requirement-files = [\"requirements-dev.txt\"] }\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(sb.project.join(".gitignore")).unwrap(),
        "*.pyc\n/.venv/\n"
    );
    assert_code(&git(&sb, &["check-ignore", "-q", ".venv/pyvenv.cfg"]), 0);
    // Never overwritten; the second run says git ignores the env already.
    let out = sb.run(&["init"]);
    assert_exit_and_stderr(&out, 2, "`penv.toml` already exists");
    assert_eq!(penv_toml(&sb), text);
    std::fs::remove_file(sb.project.join("penv.toml")).unwrap();
    let out = sb.run(&["init"]);
    assert_stderr_says(&out, "git ignores `.venv` already");
    assert_eq!(penv_toml(&sb), text);
    // What it wrote syncs (offline: the sandbox's wheels).
    std::fs::write(
        sb.project.join("penv.toml"),
        format!(
            "{text}\n[pip]\nfind-links = [\"{}\"]\nno-index = true\n",
            sb.wheels.display()
        ),
    )
    .unwrap();
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
}

/// A package a requirement file holds: `add` and `remove` refuse, and each
/// hint works when followed (issue 23: `remove`'s said "delete the line
/// there and run the command again", which then failed: nothing left to
/// remove).
#[test]
fn the_hints_for_a_package_in_a_requirement_file_work_when_followed() {
    let sb = project!();
    let python = crate::common::real_python().unwrap();
    sb.write_offline_toml(
        python,
        "requirements = [\"otherpkg\"]\nrequirement-files = [\"requirements.txt\"]\n",
    );
    sb.write("requirements.txt", "# pinned by hand\ntinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    let out = sb.run(&["remove", "tinypkg"]);
    assert_code(&out, 2);
    assert_stderr_says(
        &out,
        "hint: penv edits only TOML: delete line 2 of `requirements.txt` yourself, then run `penv sync`",
    );
    sb.write("requirements.txt", "# pinned by hand\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg"), None);
    // `add`: delete the line there, then `penv add` puts it in penv.toml.
    sb.write("requirements.txt", "tinypkg==1.0\n");
    let out = sb.run(&["add", "tinypkg>=2"]);
    assert_code(&out, 2);
    assert_stderr_says(
        &out,
        "or delete the line there and run `penv add` again to have it in `penv.toml` instead",
    );
    sb.write("requirements.txt", "");
    sb.ok(&["add", "tinypkg>=2"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
}

/// A group's own requirement files count as the top-level ones do: `add
/// --group` does not write a second entry, `remove --group` names the file.
#[test]
fn a_package_in_a_groups_requirement_file_is_named_by_add_and_remove() {
    let sb = project!();
    let python = crate::common::real_python().unwrap();
    sb.write_offline_toml(
        python,
        "requirements = [\"otherpkg\"]\n\n[groups]\ndev = { requirement-files = [\"requirements-dev.txt\"] }\n",
    );
    sb.write("requirements-dev.txt", "tinypkg\n");
    for args in [
        &["remove", "--no-sync", "--group", "dev", "tinypkg"][..],
        &["add", "--no-sync", "--group", "dev", "tinypkg"],
    ] {
        let out = sb.run(args);
        assert_code(&out, 2);
        assert_stderr_says(&out, "`requirements-dev.txt`");
    }
    let toml = std::fs::read_to_string(sb.project.join("penv.toml")).unwrap();
    assert_eq!(toml.matches("tinypkg").count(), 0, "{toml}");
}
