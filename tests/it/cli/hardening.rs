//! Input hardening: FIFOs, devices, unbounded walks.

use super::*;

// ---- input hardening: FIFOs, devices, unbounded walks ----
//
// FIFOs and symlinks to devices cannot be committed to a trycmd case, and
// the deep chains are thousands of files, so these make them on the spot.
// Every run has a deadline: a regression (a blocking open, a read without
// end) fails the test instead of hanging it.

/// How long one penv run may take here; each finishes in milliseconds.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs penv like [`penv`], killing it (and failing) at [`DEADLINE`].
fn penv_with_deadline(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(PENV);
    cmd.current_dir(dir)
        .env_clear()
        .args(args)
        .env("HOME", "/nonexistent/penv-test-home")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (key, value) in common_env() {
        cmd.env(key, value);
    }
    cmd.env("PENV_CACHE_DIR", dir.parent().unwrap().join("cache"));
    let child = cmd.spawn().expect("penv runs");
    match crate::common::output::wait_with_deadline(child, DEADLINE) {
        Ok(out) => out,
        Err(e) => panic!("penv {args:?} in `{}` did not finish: {e}", dir.display()),
    }
}

/// A project dir in `tmp` with the fake CPython 3.12.4 and `penv_toml`.
fn fake_project(tmp: &tempfile::TempDir, penv_toml: &str) -> PathBuf {
    let dir = tmp.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    let fake = fake_cpython_3_12();
    std::fs::copy(&fake, dir.join("fake-python3")).unwrap();
    std::fs::write(dir.join("penv.toml"), penv_toml).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
}

/// Runs each of `commands` in `dir`: exit 2, a clear error containing every
/// one of `needles`, the project dir left as it was.
fn assert_refused(dir: &Path, commands: &[&[&str]], needles: &[&str]) {
    for args in commands {
        let before = snapshot_without_following(dir);
        let out = penv_with_deadline(dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "penv {args:?}:\n{stderr}");
        assert_clear_error(&format!("penv {args:?}"), &stderr);
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "penv {args:?}: no `{needle}` in:\n{stderr}"
            );
        }
        assert!(
            before == snapshot_without_following(dir),
            "penv {args:?} changed the project dir"
        );
    }
}

/// [`snapshot`] reads every file; this one must not open a FIFO or a
/// device (it would hang the test itself), so it records those by kind.
fn snapshot_without_following(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.unwrap();
        let meta = entry.path().symlink_metadata().unwrap();
        let what = if meta.is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(entry.path()).unwrap().display()
            )
        } else if meta.is_file() {
            format!("file {:?}", std::fs::read(entry.path()).unwrap())
        } else {
            format!("{:?}", meta.file_type())
        };
        out.insert(entry.path().strip_prefix(root).unwrap().to_owned(), what);
    }
    out
}

const EVERY_READING_COMMAND: &[&[&str]] =
    &[&["hash"], &["sync"], &["sync", "--check"], &["status"]];

#[test]
fn a_fifo_or_a_device_as_python_version_is_refused_without_hanging() {
    let tmp = crate::common::scratch::tempdir();
    // No `python` in penv.toml: `.python-version` is the request.
    let dir = fake_project(&tmp, "requirements = []\n");
    let version_file = dir.join(".python-version");
    mkfifo(&version_file);
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &[
            "`.python-version` is a FIFO (named pipe), not a regular file",
            "hint: replace `.python-version` with a regular file",
        ],
    );
    std::fs::remove_file(&version_file).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &version_file).unwrap();
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`.python-version` (a symlink to `/dev/zero`) is a character device, not a regular file"],
    );
}

#[test]
fn a_fifo_or_a_device_as_a_requirement_file_or_include_is_refused_without_hanging() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(
        &tmp,
        "python = \"./fake-python3\"\nrequirement-files = [\"requirements.txt\"]\n",
    );
    let reqs = dir.join("requirements.txt");
    mkfifo(&reqs);
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &[
            "`requirements.txt` is a FIFO (named pipe), not a regular file (named at penv.toml:2:22)",
        ],
    );
    std::fs::remove_file(&reqs).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &reqs).unwrap();
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`requirements.txt` (a symlink to `/dev/zero`) is a character device"],
    );
    // An include: named where it is included.
    std::fs::remove_file(&reqs).unwrap();
    std::fs::write(&reqs, "rich\n-r base.txt\n").unwrap();
    mkfifo(&dir.join("base.txt"));
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`base.txt` is a FIFO (named pipe), not a regular file (named at requirements.txt:2:1)"],
    );
    std::fs::remove_file(dir.join("base.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("base.txt")).unwrap();
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &[
            "`base.txt` (a symlink to `/dev/zero`) is a character device, not a regular file (named at requirements.txt:2:1)",
        ],
    );
}

#[test]
fn a_fifo_or_a_device_as_the_project_file_is_refused_not_passed_over() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(&tmp, "python = \"./fake-python3\"\n");
    // A pyproject.toml beside penv.toml is read for `requires-python`.
    mkfifo(&dir.join("pyproject.toml"));
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`pyproject.toml` is a FIFO (named pipe)"],
    );
    std::fs::remove_file(dir.join("pyproject.toml")).unwrap();
    // penv.toml itself: an error here, not a search that goes on upwards.
    let toml = dir.join("penv.toml");
    std::fs::remove_file(&toml).unwrap();
    mkfifo(&toml);
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`penv.toml` is a FIFO (named pipe), not a regular file"],
    );
    std::fs::remove_file(&toml).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &toml).unwrap();
    assert_refused(
        &dir,
        EVERY_READING_COMMAND,
        &["`penv.toml` (a symlink to `/dev/zero`) is a character device, not a regular file"],
    );
}

/// Issue 23: a FIFO at a hook's path made `penv hook install` wait forever,
/// and a FIFO script given to `penv run` was taken for no script ("no
/// penv.toml found"). Every file penv reads that a user controls is opened
/// without waiting and refused unless it is a regular file: the hook, the
/// script, penv.toml and a requirement file, for every command that reads
/// them.
#[test]
fn a_fifo_at_a_hook_a_script_the_project_file_or_a_requirement_file_never_hangs_penv() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(
        &tmp,
        "python = \"./fake-python3\"\nrequirements = [\"six\"]\nrequirement-files = [\"requirements.txt\"]\n",
    );
    std::fs::write(dir.join("requirements.txt"), "rich\n").unwrap();
    // A hook: git's `post-merge` is a FIFO.
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&dir)
        .output();
    if git.is_ok_and(|o| o.status.success()) {
        let hooks = dir.join(".git/hooks");
        std::fs::create_dir_all(&hooks).unwrap();
        mkfifo(&hooks.join("post-merge"));
        assert_refused(
            &dir,
            &[&["hook", "install"], &["hook", "uninstall"]],
            &[
                "`.git/hooks/post-merge` is a FIFO (named pipe), not a hook script penv can edit",
                "hint: remove it",
            ],
        );
        std::fs::remove_file(hooks.join("post-merge")).unwrap();
    } else {
        crate::skip!("no git to make a repository with");
    }
    // A script: named as what it is, not passed over.
    mkfifo(&dir.join("job.py"));
    assert_refused(
        &dir,
        &[
            &["run", "job.py"],
            &["run", "--no-sync", "job.py"],
            &["sync", "--script", "job.py"],
            &["status", "--script", "job.py"],
        ],
        &["`job.py` is a FIFO (named pipe), not a regular file"],
    );
    std::fs::remove_file(dir.join("job.py")).unwrap();
    // A requirement file, for the commands that edit or run.
    let reqs = dir.join("requirements.txt");
    std::fs::remove_file(&reqs).unwrap();
    mkfifo(&reqs);
    // (`add --no-sync attrs` and `remove --no-sync six` edit penv.toml
    // alone, and need not read it.)
    let editing: &[&[&str]] = &[
        &["remove", "--no-sync", "rich"],
        &["run", "python", "-c", "pass"],
        &["lock"],
        &["doctor"],
    ];
    assert_refused(
        &dir,
        editing,
        &["`requirements.txt` is a FIFO (named pipe), not a regular file"],
    );
    std::fs::remove_file(&reqs).unwrap();
    std::fs::write(&reqs, "rich\n").unwrap();
    // penv.toml itself.
    let toml = dir.join("penv.toml");
    std::fs::remove_file(&toml).unwrap();
    mkfifo(&toml);
    assert_refused(
        &dir,
        &[
            editing,
            &[
                &["add", "--no-sync", "attrs"],
                &["remove", "--no-sync", "six"],
            ],
        ]
        .concat(),
        &["`penv.toml` is a FIFO (named pipe), not a regular file"],
    );
}

/// The env's own files can be committed too (or planted): a state file or a
/// `pyvenv.cfg` that is a device makes the env broken, and nothing hangs.
#[test]
fn an_env_whose_state_or_pyvenv_cfg_is_a_device_is_broken_and_nothing_hangs() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(&tmp, "python = \"./fake-python3\"\n");
    let env = dir.join(".venv");
    std::fs::create_dir(&env).unwrap();
    std::os::unix::fs::symlink("/dev/zero", env.join("penv-state.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", env.join("pyvenv.cfg")).unwrap();
    let out = penv_with_deadline(&dir, &["status"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("state:       broken"), "{stdout}");
    assert!(
        stdout.contains("`.venv/penv-state.json` (a symlink to `/dev/zero`) is a character device, not a regular file"),
        "{stdout}"
    );
    std::fs::remove_file(env.join("penv-state.json")).unwrap();
    mkfifo(&env.join("penv-state.json"));
    let out = penv_with_deadline(&dir, &["sync", "--check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a FIFO (named pipe), not a regular file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_requirement_include_chain_twelve_thousand_files_deep_is_an_error_not_a_crash() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(
        &tmp,
        "python = \"./fake-python3\"\nrequirement-files = [\"r0.txt\"]\n",
    );
    for i in 0..12_000 {
        std::fs::write(
            dir.join(format!("r{i}.txt")),
            format!("-r r{}.txt\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.join("r12000.txt"), "rich\n").unwrap();
    assert_refused(
        &dir,
        &[&["hash"], &["sync"]],
        &[
            "error: requirement file include chain deeper than 64 files at r63.txt:1:1 (starting from `r0.txt`)",
            "hint: flatten the chain",
        ],
    );
}

#[test]
fn markers_nested_a_hundred_thousand_deep_are_an_error_not_a_crash() {
    let tmp = crate::common::scratch::tempdir();
    let nested = format!(
        "rich; {}python_version > '3'{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let dir = fake_project(
        &tmp,
        &format!(
            "python = \"./fake-python3\"\nrequirement-files = [\"requirements.txt\"]\nrequirements = [\"{nested}\"]\n"
        ),
    );
    std::fs::write(dir.join("requirements.txt"), format!("{nested}\n")).unwrap();
    assert_refused(
        &dir,
        &[&["hash"]],
        &[
            "penv.toml:3:17: invalid requirement `rich; (((",
            "parentheses nested more than 32 deep",
        ],
    );
    std::fs::write(
        dir.join("penv.toml"),
        "python = \"./fake-python3\"\nrequirement-files = [\"requirements.txt\"]\n",
    )
    .unwrap();
    assert_refused(
        &dir,
        &[&["hash"]],
        &["in `requirements.txt`: parentheses nested more than 32 deep"],
    );
}

/// `[venv] path` is `$HOME`, spelled through a symlinked parent (`links/h
/// -> /`): refused like `$HOME` itself, pointing at the key, touching
/// nothing. (A trycmd case once held that link; a link to `/` committed in
/// the tree makes every tool that walks the repository follow it into the
/// whole file system, so it is made here, in a temp dir, instead.)
#[test]
fn home_spelled_through_a_symlinked_parent_is_refused_with_the_key_shown() {
    let tmp = crate::common::scratch::tempdir();
    let dir = fake_project(
        &tmp,
        "python = \"./fake-python3\"\n\n[venv]\npath = \"links/h/usr\"\n",
    );
    std::fs::create_dir(dir.join("links")).unwrap();
    std::os::unix::fs::symlink("/", dir.join("links/h")).unwrap();
    let before = snapshot(&dir);
    let mut cmd = Command::new(PENV);
    cmd.current_dir(&dir)
        .env_clear()
        .arg("sync")
        .env("HOME", "/usr")
        .env("PENV_CACHE_DIR", tmp.path().join("cache"));
    for (key, value) in common_env() {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("penv runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to use `links/h/usr` as the env: it is your home directory
 --> penv.toml:4:8
  |
4 | path = \"links/h/usr\"
  |        ^^^^^^^^^^^^^

hint: set `[venv] path` to a directory of its own, e.g. `.venv`
"
    );
    assert!(before == snapshot(&dir), "the project dir changed");
}
