//! The store's keep off the critical path: a detached `penv store-keep`
//! clones a project's env once the sync has returned, and keeps it only
//! while the env is still the one built; a checkout of the same spec waits
//! for it rather than build.

use super::*;

/// penv with a cache of the test's own whose store keeps projects' envs.
fn with_store(sb: &Sandbox, cache: &Path) -> Command {
    let mut cmd = super::script::penv(sb, cache);
    cmd.env("PENV_STORE_MAX", "10G");
    cmd
}

#[track_caller]
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert_code(&out, 0);
    stderr(&out)
}

/// The store's entries (directories with a state file).
fn entries(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache.join("envs"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.join("penv-state.json").is_file())
                .collect()
        })
        .unwrap_or_default()
}

/// Another checkout of the sandbox's project (its `penv.toml` copied).
fn other_checkout(sb: &Sandbox) -> PathBuf {
    let other = sb.tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::copy(sb.project.join("penv.toml"), other.join("penv.toml")).unwrap();
    other
}

/// `penv doctor --json` of the sandbox's project, as text.
fn doctor_json(sb: &Sandbox, cache: &Path) -> String {
    let out = with_store(sb, cache)
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A sandbox whose env (`tinypkg`) is built with the store keeping
/// nothing, and the test's own cache.
fn built_unkept(python: &Path) -> (Sandbox, PathBuf) {
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]");
    ok(with_store(&sb, &cache)
        .env("PENV_STORE_MAX", "0")
        .arg("sync"));
    std::fs::create_dir_all(cache.join("envs/.penv")).unwrap();
    (sb, cache)
}

/// The name of the store's entry for a project env of spec `hash` named
/// `.venv`: the first 16 hex digits of sha256 of `penv-project`, the hash
/// and the activation prompt (apart from a script's entry of that hash).
fn entry_name(hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let key = Sha256::digest(format!("penv-project\0{hash}\0.venv").as_bytes());
    hex::encode(key)[..16].to_owned()
}

/// The spec hash of the sandbox's env, from its state.
fn env_hash(sb: &Sandbox) -> String {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sb.env().join("penv-state.json")).unwrap()).unwrap();
    state["hash"].as_str().unwrap().to_owned()
}

/// The digest of the env's listing, as the sync hands it to the keeper:
/// sha256 (hex) of the sorted lines naming each entry at the top of
/// site-packages (`lib/pythonX.Y/site-packages/NAME`) and every path of the
/// env outside `lib*/` (`bin/python`, `pyvenv.cfg`), `__pycache__` aside.
fn listing(sb: &Sandbox) -> String {
    use sha2::{Digest, Sha256};
    let env = sb.env();
    let site = super::oracle::site_packages(&env).unwrap();
    let dir = site.strip_prefix(&env).unwrap().display().to_string();
    let mut names: Vec<String> = std::fs::read_dir(&site)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "__pycache__")
        .map(|n| format!("{dir}/{n}"))
        .collect();
    let outside_lib = walkdir::WalkDir::new(&env)
        .min_depth(1)
        .into_iter()
        .filter_entry(|e| {
            e.file_name() != "__pycache__"
                && !(e.depth() == 1
                    && ["lib", "lib64"].contains(&&*e.file_name().to_string_lossy()))
        });
    for entry in outside_lib {
        let entry = entry.unwrap();
        names.push(
            entry
                .path()
                .strip_prefix(&env)
                .unwrap()
                .display()
                .to_string(),
        );
    }
    names.sort();
    hex::encode(Sha256::digest(names.join("\n").as_bytes()))
}

/// `penv store-keep` (not detached) of the sandbox's env into the entry
/// for `hash`, told the top-level `listing` the sync left, as a sync
/// starts it.
fn store_keep(sb: &Sandbox, cache: &Path, hash: &str, listing: &str) -> Command {
    let mut cmd = with_store(sb, cache);
    cmd.arg("store-keep")
        .arg(sb.env())
        .arg("--entry")
        .arg(cache.join("envs").join(entry_name(hash)))
        .args(["--hash", hash, "--link-mode", "copy", "--listing", listing]);
    cmd
}

/// [`store_keep`] for the env's own hash and the `listing` the sync left,
/// run to its end.
fn keep_by_hand(sb: &Sandbox, cache: &Path, listing: &str) -> Output {
    store_keep(sb, cache, &env_hash(sb), listing)
        .output()
        .unwrap()
}

#[test]
fn the_sync_returns_before_the_keep_and_the_next_checkout_clones_the_entry() {
    let python = require_python!();
    let sb = sandbox_with_wheels();
    let cache = super::script::private_cache(&sb);
    sb.write_offline_toml(python, "requirements = [\"tinypkg\"]");
    let said = ok(with_store(&sb, &cache).args(["sync", "-v"]));
    assert!(
        said.contains("keeping a clone in the store") && !said.contains("kept a clone"),
        "{said}"
    );
    // Another checkout at once: it waits for the keeper, then clones.
    let other = other_checkout(&sb);
    let said = ok(with_store(&sb, &cache).current_dir(&other).arg("sync"));
    assert!(said.contains("cloned from the store"), "{said}");
    assert_eq!(entries(&cache).len(), 1);
}

#[test]
fn an_env_changed_by_hand_after_its_build_is_not_kept() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    // `pip install otherpkg` by hand, after the sync returned and before
    // the keeper cloned the env.
    let pip = Command::new(sb.env().join("bin/python"))
        .args(["-m", "pip", "install", "-q", "--no-index", "--find-links"])
        .arg(&sb.wheels)
        .arg("otherpkg")
        .output()
        .unwrap();
    assert_code(&pip, 0);
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    assert!(entries(&cache).is_empty(), "{:?}", entries(&cache));
    // Taken out again, the env is the spec's: kept.
    let pip = Command::new(sb.env().join("bin/python"))
        .args(["-m", "pip", "uninstall", "-q", "-y", "otherpkg"])
        .output()
        .unwrap();
    assert_code(&pip, 0);
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    let kept = entries(&cache);
    assert_eq!(kept.len(), 1);
    let site = super::oracle::site_packages(&kept[0]).unwrap();
    assert!(site.join("tinypkg").is_dir() && !site.join("otherpkg").exists());
}

/// Python writing bytecode for a top-level module on its first import
/// (`site-packages/__pycache__`, which a build with `--no-compile` does
/// not make) is no change: the env is kept.
#[test]
fn bytecode_written_by_a_first_import_does_not_lose_the_keep() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    let site = super::oracle::site_packages(&sb.env()).unwrap();
    std::fs::create_dir_all(site.join("__pycache__")).unwrap();
    std::fs::write(site.join("__pycache__/mod.cpython-311.pyc"), "").unwrap();
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    assert_eq!(entries(&cache).len(), 1);
}

#[test]
fn an_env_of_another_spec_is_not_kept_under_this_ones_hash() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    let out = store_keep(&sb, &cache, &"0".repeat(64), &built)
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(entries(&cache).is_empty());
}

/// A `.pth` written into site-packages after the sync (or a package a
/// running `pip install` wrote before its `.dist-info`): the env's
/// top-level listing is not the one the sync left, and it is not kept.
#[test]
fn a_file_added_to_site_packages_after_the_build_is_not_kept() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    let site = super::oracle::site_packages(&sb.env()).unwrap();
    std::fs::write(site.join("zz_stray.pth"), sb.project.display().to_string()).unwrap();
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    assert!(entries(&cache).is_empty(), "{:?}", entries(&cache));
}

/// Starts a keeper of the sandbox's env and kills it half-way (as a CI
/// job's or a container's end would): it is held by a FIFO in the env's
/// `bin/`, which a copy opens and waits on, then removed. Returns the
/// half-made clone it leaves in the store's `.penv`.
fn keep_killed_half_way(sb: &Sandbox, cache: &Path) -> PathBuf {
    let fifo = sb.env().join("bin/zz-fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let hash = env_hash(sb);
    let staging = cache.join(format!("envs/.penv/new-{}", entry_name(&hash)));
    let mut keeper = store_keep(sb, cache, &hash, &listing(sb)).spawn().unwrap();
    let start = std::time::Instant::now();
    while !staging.join("bin").is_dir() {
        assert!(start.elapsed().as_secs() < 60, "the keeper never began");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    keeper.kill().unwrap();
    keeper.wait().unwrap();
    assert!(staging.is_dir() && entries(cache).is_empty());
    std::fs::remove_file(&fifo).unwrap();
    staging
}

/// A keeper killed half-way leaves its clone and intent record in the
/// store's `.penv`; the next keep of the spec undoes them and keeps the env.
#[test]
fn a_keep_killed_half_way_is_undone_by_the_next() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let staging = keep_killed_half_way(&sb, &cache);
    assert_code(&keep_by_hand(&sb, &cache, &listing(&sb)), 0);
    assert!(!staging.exists(), "the half-made clone is still there");
    let kept = entries(&cache);
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].join("bin/zz-fifo").exists());
}

/// …and when that spec is never built again, the store's eviction (after
/// any other build that keeps an env) undoes it.
#[test]
fn a_keep_killed_half_way_is_undone_by_another_specs_keep() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let staging = keep_killed_half_way(&sb, &cache);
    let intents = || {
        std::fs::read_dir(cache.join("envs/.penv"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("txn-"))
            .count()
    };
    assert_eq!(intents(), 1);
    sb.write_offline_toml(python, "requirements = [\"otherpkg\"]");
    ok(with_store(&sb, &cache).arg("sync"));
    super::script::wait_for_keepers(&cache);
    assert!(!staging.exists(), "the half-made clone is still there");
    assert_eq!(intents(), 0);
    assert_eq!(entries(&cache).len(), 1);
}

/// A file written outside site-packages after the build (a Jupyter kernel
/// spec with `--sys-prefix`, which names the env's own interpreter) is not
/// kept; the keep given up is told to the next checkout (`-v`) and by
/// `penv doctor`, which the entry of a later keep silences.
#[test]
fn a_file_added_outside_site_packages_is_not_kept_and_the_reason_is_told() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    let kernel = sb.env().join("share/jupyter/kernels/python3");
    std::fs::create_dir_all(&kernel).unwrap();
    let python_path = sb.env().join("bin/python");
    std::fs::write(
        kernel.join("kernel.json"),
        format!("{{\"argv\": [\"{}\"]}}", python_path.display()),
    )
    .unwrap();
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    assert!(entries(&cache).is_empty(), "{:?}", entries(&cache));
    let said = doctor_json(&sb, &cache);
    assert!(
        said.contains("\"store\"") && said.contains("files were added to the env"),
        "{said}"
    );
    let other = other_checkout(&sb);
    let said = ok(with_store(&sb, &cache)
        .current_dir(&other)
        .args(["sync", "-v"]));
    assert!(
        said.contains("its keep after the build in")
            && said.contains("was given up (files were added to the env"),
        "{said}"
    );
    // The other checkout's env is kept; the record goes with it.
    super::script::wait_for_keepers(&cache);
    assert_eq!(entries(&cache).len(), 1);
    let said = doctor_json(&sb, &cache);
    assert!(!said.contains("\"store\""), "{said}");
}

/// The record of a keep given up goes once the env it was about holds
/// another spec (dropped by the store's eviction after a build), and only
/// then: another project's build leaves it.
#[test]
fn the_record_of_a_keep_given_up_goes_with_its_spec() {
    let python = require_python!();
    let (sb, cache) = built_unkept(python);
    let built = listing(&sb);
    let site = super::oracle::site_packages(&sb.env()).unwrap();
    std::fs::write(site.join("zz_stray.pth"), "").unwrap();
    assert_code(&keep_by_hand(&sb, &cache, &built), 0);
    let record = cache.join(format!("envs/.penv/{}.unkept", entry_name(&env_hash(&sb))));
    assert!(record.is_file());
    // Another project, another spec: its keep evicts, the record stays.
    let other = other_checkout(&sb);
    std::fs::write(
        other.join("penv.toml"),
        sb.offline_toml(python, "requirements = [\"otherpkg\"]"),
    )
    .unwrap();
    ok(with_store(&sb, &cache).current_dir(&other).arg("sync"));
    super::script::wait_for_keepers(&cache);
    assert!(
        record.is_file(),
        "the record went while its env holds its spec"
    );
    // Its env rebuilt for another spec (a new one, whose keep evicts).
    sb.write_offline_toml(python, "requirements = [\"tinypkg\", \"otherpkg\"]");
    ok(with_store(&sb, &cache).arg("sync"));
    super::script::wait_for_keepers(&cache);
    assert!(!record.exists(), "the record outlived its spec");
}

/// A script and a project of the same spec hash (a throwaway script with
/// the project's requirements) have store entries of their own: the
/// script's env, whose activation prompt is its entry's name, could not be
/// cloned for the project, and took its place. The project's env is kept
/// and another checkout clones it.
#[test]
fn a_script_of_the_same_spec_does_not_take_the_projects_place_in_the_store() {
    let python = require_python!();
    let sb = Sandbox::new();
    let cache = super::script::private_cache(&sb);
    let script = sb.tmp.path().join("s.py");
    std::fs::write(
        &script,
        format!(
            "# /// script\n# dependencies = []\n# [tool.penv]\n# python = \"{}\"\n\
             # [tool.penv.venv]\n# pip = false\n# ///\nimport sys\nprint(sys.prefix)\n",
            python.display()
        ),
    )
    .unwrap();
    sb.write(
        "penv.toml",
        &format!("python = \"{}\"\n[venv]\npip = false\n", python.display()),
    );
    let stdout_of = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert_code(&out, 0);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let status = stdout_of(
        with_store(&sb, &cache)
            .arg("status")
            .arg("--script")
            .arg(&script),
    );
    let hash = env_hash_of(&status);
    ok(with_store(&sb, &cache).arg("run").arg(&script));
    let said = stdout_of(with_store(&sb, &cache).arg("hash"));
    assert_eq!(said.trim(), hash, "the test needs the same spec hash");
    ok(with_store(&sb, &cache).arg("sync"));
    super::script::wait_for_keepers(&cache);
    let other = other_checkout(&sb);
    let said = ok(with_store(&sb, &cache).current_dir(&other).arg("sync"));
    assert!(said.contains("cloned from the store"), "{said}");
}

/// The `spec hash:` line of `penv status`.
fn env_hash_of(status: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix("spec hash:"))
        .map_or_else(
            || panic!("no spec hash in {status}"),
            |h| h.trim().to_owned(),
        )
}
