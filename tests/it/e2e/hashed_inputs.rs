//! What is hashed is what pip installs (issue 10: 1, 2, 4).

use super::*;

// ---- what is hashed is what pip installs (issue 10: 1, 2, 4) ----

/// A PEP 517 backend small enough to write into a test project: it reads
/// `name`, `version` and `dependencies` from `pyproject.toml` and builds an
/// editable wheel (a `.pth` naming the directory) or a plain one (the
/// module). With `requires = []` pip builds it offline. When a file `gate`
/// is in the directory, each build first creates `building` and waits (at
/// most a minute) for `go`: the tests edit files at that moment, while pip
/// is surely running and has read its requirement files.
const LOCAL_BACKEND: &str = r#"
import ast, base64, hashlib, os, re, time, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

def _meta():
    text = open(os.path.join(HERE, "pyproject.toml")).read()
    name = re.search(r'^name = "(.*)"', text, re.M).group(1)
    version = re.search(r'^version = "(.*)"', text, re.M).group(1)
    deps = ast.literal_eval(re.search(r'^dependencies = (.*)$', text, re.M).group(1))
    return name, version, deps

def _gate():
    if os.path.exists(os.path.join(HERE, "gate")):
        open(os.path.join(HERE, "building"), "w").close()
        for _ in range(1200):
            if os.path.exists(os.path.join(HERE, "go")):
                return
            time.sleep(0.05)

def _wheel(directory, files):
    _gate()
    name, version, deps = _meta()
    module = name.replace("-", "_")
    dist = "%s-%s.dist-info" % (module, version)
    files = dict(files(module))
    files[dist + "/METADATA"] = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version) + "".join("Requires-Dist: %s\n" % d for d in deps)
    files[dist + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: penv-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    wheel = "%s-%s-py3-none-any.whl" % (module, version)
    record = []
    with zipfile.ZipFile(os.path.join(directory, wheel), "w") as z:
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(dist + "/RECORD,,")
        z.writestr(dist + "/RECORD", "\n".join(record) + "\n")
    return wheel

def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, lambda m: {m + ".pth": HERE + "\n"})

def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory, lambda m: {m + ".py": open(os.path.join(HERE, m + ".py")).read()})
"#;

/// Writes a local project `name` 1.0 into `dir`: `pyproject.toml` with these
/// `dependencies`, the in-tree backend, and module `name` (`VERSION = "1.0"`).
pub(super) fn write_local_project(dir: &Path, name: &str, dependencies: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("pyproject.toml"),
        local_pyproject(name, dependencies),
    )
    .unwrap();
    std::fs::write(dir.join("backend.py"), LOCAL_BACKEND).unwrap();
    std::fs::write(dir.join(format!("{name}.py")), "VERSION = \"1.0\"\n").unwrap();
}

pub(super) fn local_pyproject(name: &str, dependencies: &[&str]) -> String {
    let deps: Vec<String> = dependencies.iter().map(|d| format!("{d:?}")).collect();
    format!(
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"{name}\"\nversion = \"1.0\"\ndependencies = [{}]\n",
        deps.join(", ")
    )
}

/// Waits (at most a minute) for `path` to exist; false if it never does.
pub(super) fn wait_for_file(path: &Path) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_mins(1) {
        if path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

#[test]
fn files_named_by_pip_args_are_hashed_like_requirement_files() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "").replace(
            "no-index = true",
            "no-index = true\nargs = [\"-r\", \"prod.txt\", \"--constraint=pins.txt\"]",
        ),
    );
    sb.write("prod.txt", "-r base.txt\n");
    sb.write("base.txt", "tinypkg\n");
    sb.write("pins.txt", "tinypkg==1.0\n");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    // The include of a `-r` file, and the `-c` file, are hashed too.
    sb.write("base.txt", "tinypkg\notherpkg\n");
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`base.txt`: +otherpkg");
    sb.ok(&["sync"]);
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    sb.write("pins.txt", "tinypkg==2.0\n");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "`pins.txt`: +tinypkg==2.0, -tinypkg==1.0");
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("2.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // A missing one is an error pointing at `[pip] args`.
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "").replace(
            "no-index = true",
            "no-index = true\nargs = [\"-rmissing.txt\"]",
        ),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 2, "requirement file `missing.txt` does not exist");
    assert_stderr_says(&out, "penv.toml:");
}

#[test]
fn pip_args_alone_install_an_editable_project_and_track_its_metadata() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "")
            .replace("no-index = true", "no-index = true\nargs = [\"-e\", \".\"]"),
    );
    write_local_project(&sb.project, "localpkg", &["tinypkg==1.0"]);
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "Built `.venv`");
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("1.0"));
    assert_eq!(imported(&sb, "tinypkg").as_deref(), Some("1.0"));
    assert_code(&sb.run(&["sync", "--check"]), 0);
    // A new dependency in the project's own metadata: stale, and sync installs it.
    sb.write(
        "pyproject.toml",
        &local_pyproject("localpkg", &["tinypkg==1.0", "otherpkg"]),
    );
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`pyproject.toml` of `-e .` changed");
    let out = sb.run(&["sync"]);
    assert_exit_and_stderr(&out, 0, "`pyproject.toml` of `-e .` changed");
    assert_eq!(imported(&sb, "otherpkg").as_deref(), Some("1.0"));
    // `setup.cfg` and `setup.py` count too (pip reads them when they are there).
    sb.write("setup.cfg", "[metadata]\n");
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`setup.cfg` of `-e .` added");
}

/// A project whose dependencies its build reads from a file
/// (setuptools' `dynamic = ["dependencies"]` with `{file = …}`; the test's
/// backend reads `requirements.in` likewise): that file is hashed with
/// the metadata, so an edit makes the env and the lock stale.
#[test]
fn a_dependency_file_the_metadata_names_is_hashed_with_it() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write("penv.toml", &sb.offline_toml(python, "package = true"));
    write_local_project(&sb.project, "dynpkg", &[]);
    sb.write(
        "backend.py",
        &LOCAL_BACKEND.replace(
            "deps = ast.literal_eval(re.search(r'^dependencies = (.*)$', text, re.M).group(1))",
            "deps = open(os.path.join(HERE, \"requirements.in\")).read().split()",
        ),
    );
    sb.write(
        "pyproject.toml",
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n\
         [project]\nname = \"dynpkg\"\nversion = \"1.0\"\ndynamic = [\"dependencies\"]\n\n\
         [tool.setuptools.dynamic]\ndependencies = {file = [\"requirements.in\"]}\n",
    );
    sb.write("requirements.in", "tinypkg\n");
    sb.ok(&["sync"]);
    assert!(imported(&sb, "tinypkg").is_some());
    assert_eq!(imported(&sb, "otherpkg"), None);
    sb.ok(&["lock"]);
    sb.write("requirements.in", "tinypkg\notherpkg\n");
    let out = sb.run(&["lock", "--check"]);
    assert_exit_and_stderr(&out, 1, "`requirements.in` of `-e .` changed");
    std::fs::remove_file(sb.project.join("pylock.toml")).unwrap();
    let out = sb.run(&["sync", "--check"]);
    assert_exit_and_stderr(&out, 1, "`requirements.in` of `-e .` changed");
    sb.ok(&["sync"]);
    assert!(imported(&sb, "otherpkg").is_some());
    assert_code(&sb.run(&["sync", "--check"]), 0);
}

#[test]
fn local_projects_are_tracked_wherever_they_are_named() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let outside = sb.tmp.path().join("outside pkg");
    write_local_project(&sb.project.join("sub"), "subpkg", &[]);
    write_local_project(&sb.project.join("plain"), "plainpkg", &[]);
    write_local_project(&outside, "outpkg", &[]);
    write_local_project(&sb.project.join("grouped"), "grouppkg", &[]);
    let url = format!("file://{}", outside.display()).replace(' ', "%20");
    let grouped = format!("file://{}", sb.project.join("grouped").display());
    sb.write(
        "penv.toml",
        &sb.offline_toml(
            python,
            &format!(
                "requirements = [\"outpkg @ {url}\"]\nrequirement-files = [\"requirements.txt\"]\n\
                 default-groups = [\"dev\"]\n[groups]\ndev = [\"grouppkg @ {grouped}\"]"
            ),
        ),
    );
    sb.write("requirements.txt", "-e ./sub\n./plain  # not editable\n");
    sb.ok(&["sync"]);
    for module in ["subpkg", "plainpkg", "outpkg", "grouppkg"] {
        assert_eq!(imported(&sb, module).as_deref(), Some("1.0"), "{module}");
    }
    assert_code(&sb.run(&["sync", "--check"]), 0);
    for (dir, module, named) in [
        (sb.project.join("sub"), "subpkg", "-e ./sub".to_owned()),
        (sb.project.join("plain"), "plainpkg", "./plain".to_owned()),
        (outside.clone(), "outpkg", format!("outpkg @ {url}")),
        (
            sb.project.join("grouped"),
            "grouppkg",
            format!("grouppkg @ {grouped}"),
        ),
    ] {
        std::fs::write(
            dir.join("pyproject.toml"),
            local_pyproject(module, &["otherpkg"]),
        )
        .unwrap();
        let out = sb.run(&["sync", "--check"]);
        assert_exit_and_stderr(&out, 1, &format!("`pyproject.toml` of `{named}` changed"));
        std::fs::write(dir.join("pyproject.toml"), local_pyproject(module, &[])).unwrap();
        assert_code(&sb.run(&["sync", "--check"]), 0);
    }
    // A path that is not there is pip's to report, as it would be without penv.
    sb.write("requirements.txt", "-e ./sub\n./nowhere\n");
    assert_code(&sb.run(&["hash"]), 0);
}
