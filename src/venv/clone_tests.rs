//! Tests of [`super`]: cloning an env's tree in every link mode.

use super::*;

fn clone_tree(from: &Path, to: &Path, mode: LinkMode) -> Result<Cloned, FsError> {
    clone_tree_without(from, to, mode, &BTreeSet::new())
}

fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("lib/site-packages/pkg")).unwrap();
    std::fs::create_dir_all(root.join("bin")).unwrap();
    std::fs::write(root.join("lib/site-packages/pkg/__init__.py"), "X = 1\n").unwrap();
    std::fs::write(root.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    std::fs::write(root.join(crate::state::STATE_FILE), "{}").unwrap();
    std::os::unix::fs::symlink("/usr/bin/python3", root.join("bin/python")).unwrap();
}

/// A `.pyc` is trusted while its source's mtime is the one it records:
/// a clone with new mtimes would compile every module again.
#[test]
fn every_mode_keeps_the_modification_time_and_a_read_only_mode() {
    use std::os::unix::fs::PermissionsExt;
    for mode in [LinkMode::Auto, LinkMode::Hardlink, LinkMode::Copy] {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("a"), tmp.path().join("b"));
        tree(&from);
        let source = from.join("lib/site-packages/pkg/__init__.py");
        let then =
            std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
        crate::fs::set_modified(&source, then).unwrap();
        std::fs::set_permissions(&source, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::create_dir(&to).unwrap();
        clone_tree(&from, &to, mode).unwrap();
        let copied = std::fs::metadata(to.join("lib/site-packages/pkg/__init__.py")).unwrap();
        assert_eq!(copied.modified().unwrap(), then, "{mode:?}");
        assert_eq!(copied.permissions().mode() & 0o777, 0o444, "{mode:?}");
    }
}

#[test]
fn every_mode_clones_files_dirs_and_symlinks_but_not_the_state() {
    for mode in [LinkMode::Auto, LinkMode::Hardlink, LinkMode::Copy] {
        let tmp = tempfile::tempdir().unwrap();
        let (from, to) = (tmp.path().join("a"), tmp.path().join("b"));
        tree(&from);
        std::fs::create_dir(&to).unwrap();
        let cloned = clone_tree(&from, &to, mode).unwrap();
        assert_eq!(cloned.files, 2, "{mode:?}");
        assert_eq!(
            std::fs::read_to_string(to.join("lib/site-packages/pkg/__init__.py")).unwrap(),
            "X = 1\n"
        );
        assert_eq!(
            std::fs::read_link(to.join("bin/python")).unwrap(),
            Path::new("/usr/bin/python3")
        );
        assert!(!to.join(crate::state::STATE_FILE).exists(), "{mode:?}");
        let shared = shared_files(&to, &from);
        match cloned.mode {
            LinkMode::Hardlink => assert_eq!(shared.len(), 2),
            LinkMode::Copy | LinkMode::Clone => assert!(shared.is_empty()),
            LinkMode::Auto => unreachable!("auto settles on a mode"),
        }
    }
}

#[test]
fn pth_files_are_copied_even_when_hard_linking() {
    let tmp = tempfile::tempdir().unwrap();
    let (from, to) = (tmp.path().join("a"), tmp.path().join("b"));
    tree(&from);
    std::fs::write(from.join("lib/site-packages/easy-install.pth"), "/src\n").unwrap();
    std::fs::create_dir(&to).unwrap();
    let cloned = clone_tree(&from, &to, LinkMode::Hardlink).unwrap();
    assert_eq!(cloned.files, 3);
    let shared = shared_files(&to, &from);
    assert!(
        shared
            .iter()
            .all(|f| f.extension().is_none_or(|e| e != "pth")),
        "{shared:?}"
    );
    assert!(shared.contains(&PathBuf::from("lib/site-packages/pkg/__init__.py")));
    assert_eq!(
        std::fs::read_to_string(to.join("lib/site-packages/easy-install.pth")).unwrap(),
        "/src\n"
    );
}

#[test]
fn a_clone_onto_an_existing_file_fails_and_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (from, to) = (tmp.path().join("a"), tmp.path().join("b"));
    tree(&from);
    std::fs::create_dir_all(&to).unwrap();
    std::fs::write(to.join("pyvenv.cfg"), "mine").unwrap();
    let err = clone_tree(&from, &to, LinkMode::Copy).unwrap_err();
    assert!(err.to_string().contains("pyvenv.cfg"), "{err}");
    assert_eq!(
        std::fs::read_to_string(to.join("pyvenv.cfg")).unwrap(),
        "mine"
    );
}

#[test]
fn link_modes_parse_and_name_themselves() {
    for mode in [
        LinkMode::Auto,
        LinkMode::Clone,
        LinkMode::Hardlink,
        LinkMode::Copy,
    ] {
        assert_eq!(LinkMode::parse(mode.name()), Ok(mode));
    }
    assert!(
        LinkMode::parse("symlink")
            .unwrap_err()
            .contains("`symlink`")
    );
    assert!(LinkMode::parse("reflink").is_err());
}

/// Skips a test that cannot run its scenario here, saying why; under CI
/// (`CI=true`), fails instead.
fn skip_unless_ci(why: &str) {
    #[allow(clippy::disallowed_methods, reason = "a test's own switch")]
    let ci = std::env::var_os("CI").is_some_and(|v| v == "true" || v == "1");
    assert!(!ci, "cannot run under CI: {why}");
    eprintln!("skipped: {why}");
}

/// A hard link the file system refuses (here: across file systems,
/// `/dev/shm` and the temp dir) becomes a copy, as uv's does.
#[test]
fn a_refused_hard_link_is_a_copy() {
    use std::os::unix::fs::MetadataExt;
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target");
    let (Ok(shm), Ok(tmp)) = (
        tempfile::tempdir_in("/dev/shm"),
        tempfile::tempdir_in(&target),
    ) else {
        skip_unless_ci("no /dev/shm or target dir to cross");
        return;
    };
    let dev = |p: &Path| std::fs::metadata(p).unwrap().dev();
    if dev(shm.path()) == dev(tmp.path()) {
        skip_unless_ci("/dev/shm and the target dir are one file system");
        return;
    }
    let (from, to) = (shm.path().join("env"), tmp.path().join("clone"));
    tree(&from);
    std::fs::create_dir_all(&to).unwrap();
    let cloned = clone_tree(&from, &to, LinkMode::Hardlink).unwrap();
    assert_eq!(cloned.mode, LinkMode::Copy);
    assert_eq!(
        std::fs::read(to.join("lib/site-packages/pkg/__init__.py")).unwrap(),
        std::fs::read(from.join("lib/site-packages/pkg/__init__.py")).unwrap()
    );
}

#[test]
fn auto_with_uv_is_uvs_own_default_and_every_other_mode_stays() {
    use crate::project::Installer;
    let auto_uv = LinkMode::Auto.with_installer(Installer::Uv);
    let want = if cfg!(target_os = "macos") {
        LinkMode::Auto
    } else {
        LinkMode::Hardlink
    };
    assert_eq!(auto_uv, want);
    assert_eq!(
        LinkMode::Auto.with_installer(Installer::Pip),
        LinkMode::Auto
    );
    for mode in [LinkMode::Clone, LinkMode::Hardlink, LinkMode::Copy] {
        for installer in [Installer::Pip, Installer::Uv] {
            assert_eq!(mode.with_installer(installer), mode);
        }
    }
}
