//! `penv lock` (issue 12: 1, 2, `lock --check`): real pip resolving
//! offline from wheels the tests build, the written `pylock.toml` read back
//! as TOML and checked against PEP 751's required keys and the hashes the
//! tests compute.

use super::*;

/// The sha256 of a file, hex.
fn sha256_file(path: &Path) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

fn lock_text(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.project.join("pylock.toml")).expect("pylock.toml written")
}

fn lock_doc(sb: &Sandbox) -> toml_edit::DocumentMut {
    lock_text(sb).parse().expect("pylock.toml is TOML")
}

/// The `[[packages]]` table named `name`.
fn package<'a>(doc: &'a toml_edit::DocumentMut, name: &str) -> Option<&'a toml_edit::Table> {
    doc["packages"]
        .as_array_of_tables()
        .expect("[[packages]]")
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
}

fn version_of(doc: &toml_edit::DocumentMut, name: &str) -> Option<String> {
    package(doc, name).map(|p| p["version"].as_str().unwrap().to_owned())
}

/// The one wheel of `name`: its `path` and `sha256`.
fn wheel_of(doc: &toml_edit::DocumentMut, name: &str) -> (String, String) {
    let wheels = package(doc, name).unwrap()["wheels"].as_array().unwrap();
    assert_eq!(wheels.len(), 1, "{wheels}");
    let wheel = wheels.get(0).unwrap().as_inline_table().unwrap();
    let hashes = wheel["hashes"].as_inline_table().unwrap();
    (
        wheel["path"].as_str().unwrap().to_owned(),
        hashes["sha256"].as_str().unwrap().to_owned(),
    )
}

/// Checks the keys PEP 751 requires, and that every package is installable
/// from what it records: a version and an artifact with a sha256.
#[track_caller]
fn assert_valid_pep751(doc: &toml_edit::DocumentMut) {
    assert_eq!(doc["lock-version"].as_str(), Some("1.0"));
    assert_eq!(doc["created-by"].as_str(), Some("penv"));
    let environments = doc["environments"].as_array().unwrap();
    let marker = environments.get(0).unwrap().as_str().unwrap();
    for key in [
        "python_full_version == '",
        "implementation_name == '",
        "sys_platform == '",
        "platform_machine == '",
    ] {
        assert!(marker.contains(key), "{marker}");
    }
    assert!(doc["requires-python"].as_str().is_some());
    let packages = doc["packages"].as_array_of_tables().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "packages sorted by name");
    for p in packages {
        assert!(p["version"].as_str().is_some(), "{p}");
        let artifacts: Vec<&toml_edit::InlineTable> = p
            .get("wheels")
            .and_then(|w| w.as_array())
            .into_iter()
            .flatten()
            .filter_map(|w| w.as_inline_table())
            .chain(p.get("sdist").and_then(|s| s.as_inline_table()))
            .collect();
        assert!(!artifacts.is_empty(), "{p}");
        for a in artifacts {
            assert!(a.contains_key("path") || a.contains_key("url"), "{a}");
            let sha = a["hashes"].as_inline_table().unwrap()["sha256"]
                .as_str()
                .unwrap();
            assert_eq!(sha.len(), 64, "{a}");
        }
    }
    let inputs = doc["tool"]["penv"]["inputs-hash"].as_str().unwrap();
    assert_eq!(inputs.len(), 64);
}

/// Asserts that `.penv/` holds no directory: the scratch venv is gone.
#[track_caller]
fn assert_no_scratch_left(sb: &Sandbox) {
    let dirs: Vec<_> = std::fs::read_dir(sb.project.join(".penv"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name())
        .collect();
    assert!(dirs.is_empty(), "{dirs:?}");
}

#[test]
fn lock_records_versions_hashes_and_group_markers() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    build_wheel(&sb.wheels, "devtool", "0.5", &["otherpkg"]);
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\"]\ndefault-groups = [\"dev\"]\n[groups]\ndev = [\"devtool\"]\nempty = []\n",
    );
    let out = sb.run(&["lock"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "Locked 3 packages");
    let doc = lock_doc(&sb);
    assert_valid_pep751(&doc);
    // The newest in find-links, with the hash of the very file.
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("2.0"));
    let wheel = sb.wheels.join("tinypkg-2.0-py3-none-any.whl");
    assert_eq!(
        wheel_of(&doc, "tinypkg"),
        (wheel.display().to_string(), sha256_file(&wheel))
    );
    let wheel = sb.wheels.join("otherpkg-1.0-py3-none-any.whl");
    assert_eq!(wheel_of(&doc, "otherpkg").1, sha256_file(&wheel));
    // Needed by the requirements: no marker; only by a group: the group's.
    assert!(package(&doc, "tinypkg").unwrap().get("marker").is_none());
    for name in ["devtool", "otherpkg"] {
        assert_eq!(
            package(&doc, name).unwrap()["marker"].as_str(),
            Some("'dev' in dependency_groups"),
            "{name}"
        );
    }
    let groups: Vec<&str> = doc["dependency-groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert_eq!(groups, ["dev", "empty"]);
    assert_eq!(
        doc["default-groups"]
            .as_array()
            .unwrap()
            .get(0)
            .unwrap()
            .as_str(),
        Some("dev")
    );
    // Locking builds no env, and leaves no scratch venv behind.
    assert!(!sb.env().exists());
    assert_no_scratch_left(&sb);
}

#[test]
fn lock_is_byte_identical_when_run_again() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\", \"otherpkg\"]\n[groups]\nt = [\"tinypkg<2\"]\n",
    );
    sb.ok(&["lock"]);
    let first = lock_text(&sb);
    let mtime = std::fs::metadata(sb.project.join("pylock.toml"))
        .unwrap()
        .modified()
        .unwrap();
    let out = sb.run(&["lock"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "is unchanged");
    assert_eq!(lock_text(&sb), first);
    let again = std::fs::metadata(sb.project.join("pylock.toml"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(mtime, again, "an unchanged lock is not written again");
}

#[test]
fn wheels_inside_the_project_are_recorded_relative_to_the_lock() {
    let python = require_python!();
    let (sb, _local) = sandbox_with_project_wheels();
    sb.write(
        "penv.toml",
        &format!(
            "python = \"{}\"\nrequirements = [\"tinypkg\"]\n[pip]\nfind-links = [\"wheels\"]\nno-index = true\n",
            python.display()
        ),
    );
    sb.ok(&["lock"]);
    let (path, sha) = wheel_of(&lock_doc(&sb), "tinypkg");
    assert_eq!(path, "wheels/tinypkg-1.0-py3-none-any.whl");
    assert_eq!(sha, sha256_file(&sb.project.join(&path)));
}

#[test]
fn relocking_keeps_pins_and_upgrade_package_moves_one() {
    let python = require_python!();
    let sb = Sandbox::new();
    build_wheel(&sb.wheels, "tinypkg", "1.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "1.0", &[]);
    sb.write_offline_toml(python, "requirements = [\"tinypkg\", \"otherpkg\"]\n");
    sb.ok(&["lock"]);
    // Newer versions appear; a requirement is added: the old pins hold.
    build_wheel(&sb.wheels, "tinypkg", "2.0", &[]);
    build_wheel(&sb.wheels, "otherpkg", "2.0", &[]);
    build_wheel(&sb.wheels, "thirdpkg", "1.0", &[]);
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\", \"otherpkg\", \"thirdpkg\"]\n",
    );
    let out = sb.run(&["lock"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "Added `thirdpkg` 1.0");
    let doc = lock_doc(&sb);
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(version_of(&doc, "otherpkg").as_deref(), Some("1.0"));
    assert_eq!(version_of(&doc, "thirdpkg").as_deref(), Some("1.0"));
    // One package freed (named as a user may spell it): only it moves.
    let out = sb.run(&["lock", "--upgrade-package", "TinyPkg"]);
    assert_code(&out, 0);
    assert_stderr_says(&out, "Updated `tinypkg` 1.0 -> 2.0");
    let doc = lock_doc(&sb);
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("2.0"));
    assert_eq!(version_of(&doc, "otherpkg").as_deref(), Some("1.0"));
    // A requirement that no longer allows its pin drops that pin alone.
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg<2\", \"otherpkg\", \"thirdpkg\"]\n",
    );
    sb.ok(&["lock"]);
    let doc = lock_doc(&sb);
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(version_of(&doc, "otherpkg").as_deref(), Some("1.0"));
    // `--upgrade`: everything to the newest allowed.
    sb.ok(&["lock", "--upgrade"]);
    let doc = lock_doc(&sb);
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("1.0"));
    assert_eq!(version_of(&doc, "otherpkg").as_deref(), Some("2.0"));
}

#[test]
fn lock_check_says_missing_fresh_and_stale_without_resolving() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]\n");
    assert_exit_and_stderr(&sb.run(&["lock", "--check"]), 1, "does not exist");
    sb.ok(&["lock"]);
    // Fresh by the recorded hash: pip is not asked (it would find nothing now).
    for entry in std::fs::read_dir(&sb.wheels).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    assert_exit_and_stderr(&sb.run(&["lock", "--check"]), 0, "is up to date");
    sb.write_offline_toml(python, "requirements = [\"tinypkg\", \"otherpkg\"]\n");
    let out = sb.run(&["lock", "--check"]);
    assert_exit_and_stderr(&out, 1, "is out of date");
    assert_stderr_says(&out, "`requirements`: added `otherpkg`");
    assert_stderr_says(&out, "Run `penv lock`");
    // A lock another tool wrote has no inputs hash: out of date, saying so.
    sb.write(
        "pylock.toml",
        "lock-version = \"1.0\"\ncreated-by = \"uv\"\n[[packages]]\nname = \"x\"\nversion = \"1\"\n",
    );
    assert_exit_and_stderr(&sb.run(&["lock", "--check"]), 1, "written by `uv`");
}

#[test]
fn a_broken_lock_is_an_error_pointing_into_it() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]\n");
    sb.write(
        "pylock.toml",
        "lock-version = \"2.0\"\ncreated-by = \"future\"\n",
    );
    let out = sb.run(&["lock", "--check"]);
    assert_exit_and_stderr(&out, 2, "penv reads version 1 locks");
    sb.write("pylock.toml", "lock-version = \"1.0\"\ncreated-by = \n");
    assert_exit_and_stderr(&sb.run(&["lock"]), 2, "pylock.toml:2:");
}

#[test]
fn a_failed_resolution_writes_nothing_and_cleans_up() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write_offline_toml(python, "requirements = [\"nosuchpkg\"]\n");
    let out = sb.run(&["lock"]);
    assert_exit_and_stderr(&out, 2, "pip could not resolve the project for the lock");
    assert_stderr_says(&out, "nosuchpkg");
    assert_stderr_says(&out, "then run `penv lock` again");
    assert!(!sb.project.join("pylock.toml").exists());
    assert_no_scratch_left(&sb);
}

/// A PEP 517 backend with no requirements (pip builds it offline) for
/// `localpkg` 0.3, which needs `tinypkg`.
const LOCAL_BACKEND: &str = r#"
import os, zipfile
def _wheel(directory):
    dist = "localpkg-0.3.dist-info"
    name = "localpkg-0.3-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        z.writestr("localpkg.py", "VERSION = '0.3'\n")
        z.writestr(dist + "/METADATA", "Metadata-Version: 2.1\nName: localpkg\nVersion: 0.3\nRequires-Dist: tinypkg\n")
        z.writestr(dist + "/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        z.writestr(dist + "/RECORD", "")
    return name
def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)
def build_editable(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)
"#;

#[test]
fn a_local_directory_is_recorded_as_a_directory_entry() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    sb.write(
        "localpkg/pyproject.toml",
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
    );
    sb.write("localpkg/backend.py", LOCAL_BACKEND);
    sb.write(
        "penv.toml",
        &sb.offline_toml(python, "[groups]\ndev = [\"otherpkg\"]\n")
            .replace("[pip]\n", "[pip]\nargs = [\"-e\", \"./localpkg\"]\n"),
    );
    sb.ok(&["lock"]);
    let doc = lock_doc(&sb);
    let local = package(&doc, "localpkg").unwrap();
    // A source tree has no version a lock can promise (PEP 751).
    assert!(local.get("version").is_none(), "{local}");
    let directory = local["directory"].as_inline_table().unwrap();
    assert_eq!(directory["path"].as_str(), Some("localpkg"));
    assert_eq!(directory["editable"].as_bool(), Some(true));
    assert_eq!(version_of(&doc, "tinypkg").as_deref(), Some("2.0"));
    // What `[pip] args` installs is needed without any group: no marker.
    assert!(local.get("marker").is_none(), "{local}");
    assert!(package(&doc, "tinypkg").unwrap().get("marker").is_none());
    assert_eq!(
        package(&doc, "otherpkg").unwrap()["marker"].as_str(),
        Some("'dev' in dependency_groups")
    );
}

#[test]
fn a_pip_without_report_is_refused_naming_pip_version() {
    use super::pip_seed::{bundled_pip, private_run, repackaged_pip};
    let python = require_python!();
    let Some(bundled) = bundled_pip(python) else {
        skip!("the interpreter bundles no pip");
    };
    let sb = sandbox_with_wheels();
    // The bundled pip's code, claiming a version before `--report` (22.2).
    repackaged_pip(python, &bundled, &sb.wheels, "22.0");
    sb.write_offline_toml(
        python,
        "requirements = [\"tinypkg\"]\n[venv]\npip-version = \"==22.0\"",
    );
    let out = private_run(&sb, &["lock"]);
    assert_exit_and_stderr(&out, 2, "pip 22.0 cannot resolve without installing");
    assert_stderr_says(&out, "pip-version");
    assert!(!sb.project.join("pylock.toml").exists());
    assert_no_scratch_left(&sb);
}

#[test]
fn a_vcs_requirement_is_recorded_with_its_commit() {
    vcs_requirement(None);
}

/// A project in a subdirectory of its repository (`#subdirectory=`):
/// recorded, so a sync of the lock builds it from there. It was dropped,
/// and the sync failed ("neither 'setup.py' nor 'pyproject.toml' found").
#[test]
fn a_vcs_requirement_in_a_subdirectory_keeps_it_and_installs_from_the_lock() {
    vcs_requirement(Some("pkgs/local"));
}

/// A git checkout of `localpkg` (at its root, or in `sub`) locked, and
/// what the lock records of it.
fn vcs_requirement(sub: Option<&str>) {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let repo = sb.tmp.path().canonicalize().unwrap().join("repo");
    let project = sub.map_or_else(|| repo.clone(), |s| repo.join(s));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
    )
    .unwrap();
    std::fs::write(project.join("backend.py"), LOCAL_BACKEND).unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(&repo)
            .output()
    };
    match git(&["init", "-q", "-b", "main"]) {
        Ok(out) if out.status.success() => {}
        _ => skip!("no git"),
    }
    assert!(git(&["add", "-A"]).unwrap().status.success());
    assert!(git(&["commit", "-qm", "one"]).unwrap().status.success());
    let commit = String::from_utf8(git(&["rev-parse", "HEAD"]).unwrap().stdout).unwrap();
    // `localhost`: pip before 24 refuses a `git+file:` URL without a host;
    // in a requirement file, which pip reads as written (penv.toml's
    // requirements are normalized, which drops it).
    let fragment = sub
        .map(|s| format!("#subdirectory={s}"))
        .unwrap_or_default();
    sb.write(
        "reqs.txt",
        &format!(
            "localpkg @ git+file://localhost{}@main{fragment}\n",
            repo.display()
        ),
    );
    sb.write_offline_toml(python, "requirement-files = [\"reqs.txt\"]");
    sb.ok(&["lock"]);
    let doc = lock_doc(&sb);
    let local = package(&doc, "localpkg").unwrap();
    assert!(local.get("version").is_none(), "{local}");
    let vcs = local["vcs"].as_inline_table().unwrap();
    assert_eq!(vcs["type"].as_str(), Some("git"));
    assert_eq!(vcs["commit-id"].as_str(), Some(commit.trim()));
    assert_eq!(vcs["requested-revision"].as_str(), Some("main"));
    assert_eq!(
        vcs["path"].as_str(),
        Some(repo.display().to_string().as_str())
    );
    assert_eq!(vcs.get("subdirectory").and_then(|v| v.as_str()), sub);
    // The lock installs it, from its subdirectory.
    sb.ok(&["sync", "--frozen"]);
    assert_eq!(imported(&sb, "localpkg").as_deref(), Some("0.3"));
    if sub.is_some() {
        // A lock made with uv records it as pip's does.
        let uv = crate::require_uv!();
        let path = sb.project.join("pylock.toml");
        let by_pip = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut cmd = sb.penv();
        let out = crate::common::uv::with_uv(&mut cmd, &sb, uv)
            .env("PENV_INSTALLER", "uv")
            .arg("lock")
            .output()
            .unwrap();
        assert_code(&out, 0);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            super::lock_with_uv::without_package_requires_python(&by_pip)
        );
    }
}
