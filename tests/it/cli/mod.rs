//! The promises the bad-input corpus (`tests/cmd/bad-input/`) makes beyond
//! its trycmd output ([`cases`]): exit 2, no panic, a hint, and the project
//! directory left exactly as it was (trycmd's `.out` check only compares the
//! files it lists, so an env created beside them would go unnoticed; the
//! snapshot test below compares the whole tree).

mod cases;
mod completions;
mod edit_bytes;
mod hardening;
mod hash;
mod python_list;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::interpreters::{Files, copy_tree, fake_cpython_3_12};
use cases::{PENV, common_env, place_fake_interpreters};

/// One bad-input case: its arguments and its own variables.
struct Case {
    name: String,
    /// The case's `.in` directory, or its `fs.base` (cases that share one).
    input: PathBuf,
    /// Where penv runs, relative to `input` (its `fs.cwd`; empty for `input`).
    cwd: PathBuf,
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
        // `fs.base` and `fs.cwd`, relative to the case file, as trycmd reads them.
        let fs = |key: &str| doc.get("fs")?.get(key)?.as_str();
        let input = fs("base").map_or_else(|| path.with_extension("in"), |base| dir.join(base));
        let cwd = fs("cwd").map_or_else(PathBuf::new, |cwd| {
            dir.join(cwd).strip_prefix(&input).unwrap().to_owned()
        });
        cases.push(Case {
            name: path.file_stem().unwrap().to_string_lossy().into_owned(),
            input,
            cwd,
            args,
            env,
        });
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
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
    place_fake_interpreters();
    let cases = bad_input_cases();
    assert!(
        cases.len() >= 40,
        "the bad-input corpus has {} cases",
        cases.len()
    );
    for case in &cases {
        let tmp = crate::common::scratch::tempdir();
        let dir = tmp.path().join("project");
        copy_tree(&case.input, &dir, Files::Copy, &[".keep"]);
        let before = snapshot(&dir);
        let out = penv_command(&dir.join(&case.cwd), &case.args, &case.env)
            .env("PENV_CACHE_DIR", tmp.path().join("cache"))
            .output()
            .expect("penv runs");
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
    let tmp = crate::common::scratch::tempdir();
    let dir = &tmp.path().join("project");
    std::fs::create_dir(dir).unwrap();
    let fake = fake_cpython_3_12();
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
    let tmp = crate::common::scratch::tempdir();
    let world = std::fs::Permissions::from_mode(0o777);
    let dir = &tmp.path().join("project");
    std::fs::create_dir(dir).unwrap();
    let fake = fake_cpython_3_12();
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
