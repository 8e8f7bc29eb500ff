//! The hash the `hash*` trycmd cases print (as `[..]`: it covers the
//! interpreter's path, which is the sandbox's) is checked here, on copies of
//! those cases' projects with the shared fake interpreter: 64 lowercase hex
//! digits; the one `status --json` reports; the same after edits the spec
//! ignores (comments, whitespace, key and requirement order, another project
//! directory with the same interpreter); different after edits that change
//! what is installed (a requirement, a group, another interpreter).

use std::path::{Path, PathBuf};

use super::cases::{PENV, common_env, place_fake_interpreters};
use crate::common::interpreters::{Files, copy_tree, fake_python};
use crate::common::output::{show, stdout};

/// A copy of the trycmd case `name`'s project in `tmp`, and its path.
fn case_project(tmp: &Path, name: &str, to: &str) -> PathBuf {
    place_fake_interpreters();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/cmd/{name}.in"));
    let dir = tmp.join(to);
    copy_tree(&from, &dir, Files::Copy, &[".keep"]);
    dir
}

/// `penv ARGS` in `dir` with the cases' environment; its stdout, asserting success.
fn penv_ok(dir: &Path, args: &[&str]) -> String {
    let mut cmd = std::process::Command::new(PENV);
    cmd.current_dir(dir)
        .env_clear()
        .args(args)
        .env("HOME", "/nonexistent/penv-test-home")
        .env("PENV_CACHE_DIR", dir.parent().unwrap().join("cache"));
    for (key, value) in common_env() {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("penv runs");
    assert!(out.status.success(), "penv {args:?}: {}", show(&out));
    stdout(&out)
}

/// `penv hash` in `dir`, checked to be one line of 64 lowercase hex digits.
fn hash(dir: &Path, args: &[&str]) -> String {
    let out = penv_ok(dir, &[&["hash"], args].concat());
    let hash = out.strip_suffix('\n').expect("one line");
    assert!(
        hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "not a sha256: {out:?}"
    );
    hash.to_owned()
}

fn status_hash(dir: &Path) -> String {
    let status: serde_json::Value =
        serde_json::from_str(&penv_ok(dir, &["status", "--json"])).unwrap();
    status["hash"].as_str().expect("a hash").to_owned()
}

#[test]
fn every_hash_case_prints_the_sha256_status_reports() {
    let tmp = crate::common::scratch::tempdir();
    for (name, args) in [
        ("hash", &[][..]),
        ("hash-empty-file", &["--python", "./fake-python3"][..]),
        ("hash-requirement-file-forms", &[][..]),
    ] {
        let dir = case_project(tmp.path(), name, name);
        let first = hash(&dir, args);
        assert_eq!(hash(&dir, args), first, "{name}: not deterministic");
        if args.is_empty() {
            assert_eq!(status_hash(&dir), first, "{name}: `status --json` differs");
        }
    }
}

#[test]
fn the_hash_ignores_layout_but_not_meaning() {
    let tmp = crate::common::scratch::tempdir();
    let dir = case_project(tmp.path(), "hash", "project");
    let toml = dir.join("penv.toml");
    let base = hash(&dir, &[]);
    let write = |text: &str| std::fs::write(&toml, text).unwrap();

    // Comments, whitespace, key order: the same spec.
    write("# a comment\n[groups]\ndev = [ \"pytest\" ]  # tests\n\n");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.insert_str(
        0,
        "requirements=[ \"rich>=13\" ]\npython   =   \"./fake-python3\"\n",
    );
    write(&text);
    assert_eq!(hash(&dir, &[]), base, "layout changed the hash:\n{text}");

    // A requirement more, a group selected, another interpreter: another spec.
    write(
        "python = \"./fake-python3\"\nrequirements = [\"rich>=13\", \"attrs\"]\n[groups]\ndev = [\"pytest\"]\n",
    );
    let more = hash(&dir, &[]);
    assert_ne!(more, base, "a new requirement did not change the hash");
    write(
        "python = \"./fake-python3\"\nrequirements = [\"attrs\", \"rich>=13\"]\n[groups]\ndev = [\"pytest\"]\n",
    );
    assert_eq!(hash(&dir, &[]), more, "requirement order changed the hash");
    write(
        "python = \"./fake-python3\"\nrequirements = [\"rich>=13\"]\n[groups]\ndev = [\"pytest\"]\n",
    );
    assert_eq!(hash(&dir, &[]), base);
    assert_ne!(
        hash(&dir, &["--group", "dev"]),
        base,
        "a group did not change the hash"
    );
    fake_python(&dir, "fake-python3.13", "cpython", "3.13.1");
    assert_ne!(
        hash(&dir, &["--python", "./fake-python3.13"]),
        base,
        "another interpreter did not change the hash"
    );
}

#[test]
fn the_hash_does_not_depend_on_the_project_directory() {
    let tmp = crate::common::scratch::tempdir();
    // One interpreter outside both copies, named by its absolute path.
    let python = fake_python(
        &tmp.path().join("python/bin"),
        "python3",
        "cpython",
        "3.12.4",
    );
    let text = format!(
        "python = \"{}\"\nrequirements = [\"rich>=13\"]\n",
        python.display()
    );
    let hashes: Vec<String> = ["one", "elsewhere/two"]
        .iter()
        .map(|name| {
            let dir = tmp.path().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("penv.toml"), &text).unwrap();
            hash(&dir, &[])
        })
        .collect();
    assert_eq!(hashes[0], hashes[1]);
}
