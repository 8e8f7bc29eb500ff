//! penv's command line as trycmd cases (`tests/cmd/**/*.toml`), and the
//! promises the bad-input corpus (`tests/cmd/bad-input/`) makes beyond its
//! output: exit 2, no panic, a hint, and the project directory left exactly
//! as it was (trycmd's `.out` check only compares the files it lists, so an
//! env created beside them would go unnoticed; the snapshot test below
//! compares the whole tree).
//!
//! Regenerate the expected output with `TRYCMD=overwrite cargo test --test cli`
//! and read every changed message before committing it.
//!
//! Every case runs with a cleared environment (`env.inherit = false` in each
//! case file, so the developer's `VIRTUAL_ENV`, `PIP_*`, `PYTHON*` and
//! `PENV_*` never leak in) plus the variables set here. Interpreters are a
//! fake `fake-python3` in the case's project dir (a shell script answering
//! penv's probe), so no case depends on the Pythons of the machine.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const PENV: &str = env!("CARGO_BIN_EXE_penv");
const PATH: &str = "/usr/bin:/bin";

/// The trycmd cases' probe cache: outside every case's project dir, emptied
/// at each run (entries are keyed by the binary's path, and every sandbox's
/// fake interpreter has a new one).
fn trycmd_cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("penv-cli-cache")
}

/// The variables every case gets (a case's own `[env] add` cannot override
/// these: trycmd lets the runner's values win).
fn common_env() -> Vec<(&'static str, String)> {
    vec![
        ("PATH", PATH.to_owned()),
        ("PENV_NO_PROGRESS", "1".to_owned()),
        ("NO_COLOR", "1".to_owned()),
        ("LANG", "C.UTF-8".to_owned()),
    ]
}

#[test]
fn cli_cases() {
    let cases = trycmd::TestCases::new();
    cases.register_bin("penv", Path::new(PENV));
    for (key, value) in common_env() {
        cases.env(key, value);
    }
    let cache = trycmd_cache_dir();
    let _ = std::fs::remove_dir_all(&cache);
    cases.env("PENV_CACHE_DIR", cache.display().to_string());
    cases
        .insert_var("[VERSION]", env!("CARGO_PKG_VERSION"))
        .expect("a valid substitution");
    cases
        .case("tests/cmd/*.toml")
        .case("tests/cmd/bad-input/*.toml");
}

/// One bad-input case: its arguments and its own variables.
struct Case {
    name: String,
    input: PathBuf,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

fn bad_input_cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/bad-input");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/cmd/bad-input exists") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let args = doc["args"]
            .as_array()
            .expect("args")
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let env = doc["env"]["add"]
            .as_inline_table()
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_owned(), v.as_str().unwrap().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            doc["status"]["code"].as_integer(),
            Some(2),
            "{}: bad input must exit 2",
            path.display()
        );
        cases.push(Case {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            input: path.with_extension("in"),
            args,
            env,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Copies a case's `.in` dir as trycmd does: symlinks as symlinks,
/// permissions kept, `.keep` files left out.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).follow_links(false) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        let kind = entry.file_type();
        if kind.is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &dest).unwrap();
        } else if entry.file_name() != ".keep" {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Everything about a tree that penv could change: each entry's kind,
/// permissions, bytes or link target.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    use sha2::Digest as _;
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = entry.unwrap();
        let meta = entry.path().symlink_metadata().unwrap();
        let mode = meta.permissions().mode();
        let what = if meta.is_symlink() {
            format!(
                "link {}",
                std::fs::read_link(entry.path()).unwrap().display()
            )
        } else if meta.is_dir() {
            format!("dir {mode:o}")
        } else {
            let bytes = std::fs::read(entry.path()).unwrap();
            format!(
                "file {mode:o} {}",
                hex::encode(sha2::Sha256::digest(&bytes))
            )
        };
        out.insert(entry.path().strip_prefix(root).unwrap().to_owned(), what);
    }
    out
}

/// Runs penv in `dir` with the cases' hermetic environment, its cache in
/// `cache` beside `dir` (the parent is a temp dir).
fn penv(dir: &Path, args: &[String], env: &BTreeMap<String, String>) -> std::process::Output {
    penv_command(dir, args, env).output().expect("penv runs")
}

fn penv_command(dir: &Path, args: &[String], env: &BTreeMap<String, String>) -> Command {
    let mut cmd = Command::new(PENV);
    cmd.current_dir(dir).env_clear().args(args).envs(env);
    for (key, value) in common_env() {
        cmd.env(key, value);
    }
    cmd.env("PENV_CACHE_DIR", dir.parent().unwrap().join("cache"));
    cmd
}

/// Drops root to `nobody` for the tests that need permissions to hold.
const SETPRIV: &str = "/usr/bin/setpriv";

/// What every bad-input error must look like, beyond its exact words.
fn assert_clear_error(name: &str, stderr: &str) {
    assert!(
        stderr.starts_with("error: "),
        "{name}: stderr does not start with `error: `:\n{stderr}"
    );
    for bad in ["panicked", "RUST_BACKTRACE", "Error {", "Os { code"] {
        assert!(
            !stderr.contains(bad),
            "{name}: `{bad}` in stderr:\n{stderr}"
        );
    }
    // clap's usage errors carry their own pointer to `--help`.
    assert!(
        stderr.contains("\nhint: ") || stderr.contains("try '--help'"),
        "{name}: no hint:\n{stderr}"
    );
}

#[test]
fn bad_input_exits_2_with_a_hint_and_touches_nothing() {
    let cases = bad_input_cases();
    assert!(
        cases.len() >= 40,
        "the bad-input corpus has {} cases",
        cases.len()
    );
    for case in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("project");
        copy_tree(&case.input, &dir);
        let before = snapshot(&dir);
        let out = penv(&dir, &case.args, &case.env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: exit status {}:\n{stderr}",
            case.name,
            out.status
        );
        assert!(out.stdout.is_empty(), "{}: wrote to stdout", case.name);
        assert_clear_error(&case.name, &stderr);
        let after = snapshot(&dir);
        assert!(
            before == after,
            "{}: the project dir changed:\nbefore: {:?}\nafter: {:?}",
            case.name,
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>()
        );
    }
}

/// Files too large to keep in the repository, made on the spot as sparse
/// files: penv must refuse them by size, before reading them.
#[test]
fn huge_files_are_refused_by_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = &tmp.path().join("project");
    std::fs::create_dir(dir).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cmd/bad-input/lock-timeout-garbage.in/fake-python3");
    let no_env = BTreeMap::new();

    let toml = dir.join("penv.toml");
    std::fs::File::create(&toml)
        .unwrap()
        .set_len(5 * 1024 * 1024)
        .unwrap();
    let out = penv(dir, &["sync".to_owned()], &no_env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("error: `penv.toml` is 5242880 bytes; a project file is at most"),
        "{stderr}"
    );
    assert_clear_error("huge penv.toml", &stderr);

    std::fs::copy(&fake, dir.join("fake-python3")).unwrap();
    std::fs::write(
        &toml,
        "python = \"./fake-python3\"\nrequirement-files = [\"requirements.txt\"]\n",
    )
    .unwrap();
    std::fs::File::create(dir.join("requirements.txt"))
        .unwrap()
        .set_len(17 * 1024 * 1024)
        .unwrap();
    let before = snapshot(dir);
    let out = penv(dir, &["sync".to_owned()], &no_env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("`requirements.txt` is 17825792 bytes"),
        "{stderr}"
    );
    assert_clear_error("huge requirements.txt", &stderr);
    assert!(before == snapshot(dir), "the project dir changed");
}

/// Unreadable files cannot be stored in git, so they are made here. Root
/// reads files whatever their mode, so as root (as in CI) penv runs as
/// `nobody` through `setpriv`.
#[test]
fn unreadable_files_are_errors_with_a_hint() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let world = std::fs::Permissions::from_mode(0o777);
    let dir = &tmp.path().join("project");
    std::fs::create_dir(dir).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cmd/bad-input/lock-timeout-garbage.in/fake-python3");
    std::fs::copy(&fake, dir.join("fake-python3")).unwrap();
    let toml = dir.join("penv.toml");
    std::fs::write(
        &toml,
        "python = \"./fake-python3\"\nrequirement-files = [\"requirements.txt\"]\n",
    )
    .unwrap();
    let reqs = dir.join("requirements.txt");
    std::fs::write(&reqs, "rich\n").unwrap();
    std::fs::set_permissions(&reqs, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads it anyway: run penv as `nobody`, in a tree it may enter.
    let as_nobody = std::fs::read(&reqs).is_ok();
    if as_nobody {
        if !Path::new(SETPRIV).is_file() {
            skip!(
                "root reads files whatever their mode, and there is no {SETPRIV} to drop to `nobody`"
            );
        }
        std::fs::set_permissions(tmp.path(), world.clone()).unwrap();
        std::fs::set_permissions(dir, world).unwrap();
    }
    let no_env = BTreeMap::new();
    let sync = || {
        let mut cmd = penv_command(dir, &["sync".to_owned()], &no_env);
        if as_nobody {
            let inner = cmd;
            cmd = Command::new(SETPRIV);
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(inner.get_program())
                .args(inner.get_args())
                .current_dir(dir)
                .env_clear()
                .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))));
        }
        cmd.output().expect("penv runs")
    };
    let out = sync();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("requirements.txt"), "{stderr}");
    assert_clear_error("unreadable requirements.txt", &stderr);

    std::fs::set_permissions(&toml, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = sync();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("penv.toml"), "{stderr}");
    assert_clear_error("unreadable penv.toml", &stderr);
}

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
    match penv::process::wait_with_timeout(child, DEADLINE) {
        Ok(out) => out,
        Err(e) => panic!("penv {args:?} in `{}` did not finish: {e}", dir.display()),
    }
}

/// A project dir in `tmp` with the fake CPython 3.12.4 and `penv_toml`.
fn fake_project(tmp: &tempfile::TempDir, penv_toml: &str) -> PathBuf {
    let dir = tmp.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    let fake = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cmd/bad-input/lock-timeout-garbage.in/fake-python3");
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
    let tmp = tempfile::tempdir().unwrap();
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
    let tmp = tempfile::tempdir().unwrap();
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
    let tmp = tempfile::tempdir().unwrap();
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

/// The env's own files can be committed too (or planted): a state file or a
/// `pyvenv.cfg` that is a device makes the env broken, and nothing hangs.
#[test]
fn an_env_whose_state_or_pyvenv_cfg_is_a_device_is_broken_and_nothing_hangs() {
    let tmp = tempfile::tempdir().unwrap();
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
    let tmp = tempfile::tempdir().unwrap();
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
    let tmp = tempfile::tempdir().unwrap();
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
