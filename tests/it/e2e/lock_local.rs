//! A lock with entries pip cannot hash-check (issue 12): a local package
//! under `-e ./pkg` is locked as a `directory` entry and installed, editable,
//! after the hash-checked wheels; its metadata is part of the env's
//! identity; and `penv run` re-locks a stale lock first, as `penv sync` does.

use super::*;

/// A PEP 517 backend with no requirements (pip builds it offline) for
/// `localpkg` 0.3, which needs `tinypkg`. Its editable wheel is a `.pth`
/// file naming the source directory, as setuptools' is: an edit of
/// `localpkg.py` is seen without reinstalling; its regular wheel is a copy.
const EDITABLE_BACKEND: &str = r#"
import os, zipfile
DIST = "localpkg-0.3.dist-info"
METADATA = "Metadata-Version: 2.1\nName: localpkg\nVersion: 0.3\nRequires-Dist: tinypkg\n"
def _wheel(directory, files):
    name = "localpkg-0.3-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
        z.writestr(DIST + "/METADATA", METADATA)
        z.writestr(DIST + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(DIST + "/RECORD", "")
    return name
def build_wheel(directory, config_settings=None, metadata_directory=None):
    with open("localpkg.py") as f:
        return _wheel(directory, {"localpkg.py": f.read()})
def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, {"localpkg.pth": os.path.abspath(".") + "\n"})
"#;

const PYPROJECT: &str =
    "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n";

/// A project with `tinypkg` 1.0 (a wheel, hash-checked) and `./pkg`
/// (`localpkg`, needing `tinypkg`) installed with `[pip] args = ["-e", "./pkg"]`.
fn local_package_sandbox(python: &Path) -> Sandbox {
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    sb.write("pkg/pyproject.toml", PYPROJECT);
    sb.write("pkg/backend.py", EDITABLE_BACKEND);
    sb.write("pkg/localpkg.py", "VERSION = 'first'\n");
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "")
            .replace("[pip]\n", "[pip]\nargs = [\"-e\", \"./pkg\"]\n"),
    );
    sb
}

#[test]
fn an_editable_directory_in_the_lock_installs_editable_and_its_metadata_is_hashed() {
    let python = require_python!();
    let sb = local_package_sandbox(python);
    sb.ok(&["lock"]);
    let lock = std::fs::read_to_string(sb.project.join("pylock.toml")).unwrap();
    assert!(
        lock.contains("directory = { path = \"pkg\", editable = true }"),
        "{lock}"
    );
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("first"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // The wheel went through the hash-checked pass, the directory did not.
    let reqs = std::fs::read_to_string(sb.project.join(".penv/.venv.pylock.txt")).unwrap();
    let lines: Vec<&str> = reqs.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 1, "{reqs}");
    // From the project's `find-links`: by name and version, as a build
    // from requirements installs it (no `direct_url.json`).
    assert!(lines[0].starts_with("tinypkg==1.0 "), "{reqs}");
    assert!(lines[0].contains("--hash=sha256:"), "{reqs}");
    // Editable: an edit of the source is what the env imports, no sync needed.
    sb.write("pkg/localpkg.py", "VERSION = 'edited'\n");
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("edited"));
    assert_exit_and_stderr(&sb.run(&["sync", "--check"]), 0, "is up to date");
    // Its metadata is part of the env's identity: an edit makes it stale…
    sb.write(
        "pkg/pyproject.toml",
        &format!("{PYPROJECT}# a dependency changed\n"),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_code(&out, 1);
    let said = format!("{}{}", stdout(&out), stderr(&out));
    // The lock is out of date first (a plain sync locks again), naming the file.
    assert!(
        said.contains("`pylock.toml` is out of date")
            && said.contains("`pyproject.toml` of `-e ./pkg` changed"),
        "{said}"
    );
    // …and the lock's too (what it resolved may have changed): `--locked`
    // refuses, a plain sync locks again and rebuilds.
    let out = sb.run(&["sync", "--locked"]);
    assert_exit_and_stderr(&out, 2, "is out of date against the project file");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "is out of date, locking again first");
    assert_stderr_says(&out, "Built `.venv`");
    assert_exit_and_stderr(&sb.run(&["sync", "--locked"]), 0, "is up to date");
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("edited"));
}

/// `penv run` uses the lock as a plain `penv sync` does: a stale lock is
/// locked again first, then the env is brought up to date, then the command runs.
#[test]
fn run_locks_again_first_when_the_lock_is_out_of_date() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    sb.ok(&["lock"]);
    sb.ok(&["sync"]);
    write_requirements(&sb, python, &["tinypkg==1.0", "otherpkg"]);
    let out = sb
        .penv()
        .args([
            "run",
            "python",
            "-c",
            "import otherpkg, tinypkg; print(otherpkg.VERSION, tinypkg.VERSION)",
        ])
        .output()
        .unwrap();
    assert_exit_and_stderr(&out, 0, "is out of date, locking again first");
    assert_eq!(stdout(&out).trim(), "1.0 1.0");
    assert_code(&sb.run(&["lock", "--check"]), 0);
    // Fresh: `run` neither locks nor builds.
    let out = sb.run(&["run", "python", "-c", "import otherpkg"]);
    assert_code(&out, 0);
    assert!(stderr(&out).trim().is_empty(), "{}", stderr(&out));
    // `--no-sync` touches neither the lock nor the env.
    write_requirements(&sb, python, &["tinypkg==1.0"]);
    let before = std::fs::read(sb.project.join("pylock.toml")).unwrap();
    let out = sb.run(&["run", "--no-sync", "python", "-c", "import otherpkg"]);
    assert_code(&out, 0);
    assert_eq!(
        std::fs::read(sb.project.join("pylock.toml")).unwrap(),
        before
    );
}
