//! The walk through requirement files and their includes: order, cycles,
//! bounds, and files that are not regular files.

use std::path::{Path, PathBuf};

use super::*;
use crate::text_file::TextFileError;

#[test]
fn a_line_that_is_not_a_requirement_is_named_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("requirements.txt");
    std::fs::write(&file, "rich\n# ok\nrequests=>2\n").unwrap();
    match read_all(&[(file, None)]).unwrap_err() {
        ReqFileError::BadRequirement { text, location, .. } => {
            assert_eq!((text.as_str(), location.line), ("requests=>2", 3));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn follows_includes_relative_to_the_including_file_and_names_cycles() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir(root.join("req")).unwrap();
    std::fs::write(
        root.join("requirements.txt"),
        "-r req/base.txt\n-c req/c.txt\nx\n",
    )
    .unwrap();
    std::fs::write(root.join("req/base.txt"), "six\n").unwrap();
    std::fs::write(root.join("req/c.txt"), "six==1.16\n").unwrap();
    let files = read_all(&[(root.join("requirements.txt"), None)]).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.path.strip_prefix(root).unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            Path::new("requirements.txt"),
            Path::new("req/base.txt"),
            Path::new("req/c.txt")
        ]
    );
    assert!(files[2].constraint);

    std::fs::write(root.join("req/base.txt"), "-r ../requirements.txt\n").unwrap();
    let err = read_all(&[(root.join("requirements.txt"), None)]).unwrap_err();
    match err {
        ReqFileError::Cycle { chain, location } => {
            assert_eq!(chain.len(), 3);
            assert_eq!(chain[0], chain[2]);
            assert_eq!(location.unwrap().line, 1);
        }
        other => panic!("{other}"),
    }
}

/// `r0.txt` includes `r1.txt` … includes `r{n}.txt`, which holds `rich`.
fn include_chain(dir: &Path, n: usize) -> PathBuf {
    for i in 0..n {
        std::fs::write(
            dir.join(format!("r{i}.txt")),
            format!("-r r{}.txt\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(dir.join(format!("r{n}.txt")), "rich\n").unwrap();
    dir.join("r0.txt")
}

#[cfg(unix)]
#[test]
fn a_cycle_through_a_symlinked_directory_is_named_as_a_cycle() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap();
    // `loop/x.txt`, `loop/loop/x.txt`, … are all `x.txt`: every path is
    // new, but the file is not.
    std::os::unix::fs::symlink(".", root.join("loop")).unwrap();
    std::fs::write(root.join("x.txt"), "rich\n-r loop/x.txt\n").unwrap();
    match read_all(&[(root.join("x.txt"), None)]).unwrap_err() {
        ReqFileError::Cycle { chain, location } => {
            assert_eq!(chain, [root.join("x.txt"), root.join("loop/x.txt")]);
            assert_eq!(location.unwrap().line, 2);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn include_chains_are_bounded_and_the_bound_is_named_where_it_is_crossed() {
    let tmp = tempfile::tempdir().unwrap();
    // 64 files nested: fine.
    let top = include_chain(tmp.path(), MAX_INCLUDE_DEPTH - 1);
    assert_eq!(read_all(&[(top, None)]).unwrap().len(), MAX_INCLUDE_DEPTH);
    // One more: refused at the include that crosses the bound.
    let top = include_chain(tmp.path(), MAX_INCLUDE_DEPTH);
    match read_all(&[(top.clone(), None)]).unwrap_err() {
        ReqFileError::TooDeep {
            top: from,
            location,
        } => {
            assert_eq!(from, top);
            assert!(location.path.ends_with("r63.txt"), "{location:?}");
            assert_eq!((location.line, location.text.as_str()), (1, "-r r64.txt"));
        }
        other => panic!("{other}"),
    }
}

/// A chain of ~12,000 includes overflowed the stack (exit 134) before
/// the walk was bounded; here it must be an error, on a test thread's
/// small stack.
#[test]
fn a_chain_of_twelve_thousand_includes_is_an_error_not_a_stack_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let top = include_chain(tmp.path(), 12_000);
    let err = read_all(&[(top, None)]).unwrap_err();
    assert!(matches!(err, ReqFileError::TooDeep { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("requirement file include chain deeper than 64 files at "),
        "{err}"
    );
}

#[test]
fn requirement_files_are_bounded_in_total_not_only_each() {
    let tmp = tempfile::tempdir().unwrap();
    // Three files under the cap of one, over the cap of all (sparse: NULs).
    for i in 0..3 {
        std::fs::File::create(tmp.path().join(format!("big{i}.txt")))
            .unwrap()
            .set_len(MAX_TOTAL_SIZE / 3 + 1)
            .unwrap();
    }
    let includes = "-r big0.txt\n-r big1.txt\n-r big2.txt\n";
    let top = tmp.path().join("requirements.txt");
    std::fs::write(&top, includes).unwrap();
    match read_all(&[(top, None)]).unwrap_err() {
        ReqFileError::TotalTooLarge { path, location } => {
            assert!(path.ends_with("big2.txt"), "{}", path.display());
            assert_eq!(location.unwrap().line, 3);
        }
        other => panic!("{other}"),
    }
}

#[cfg(unix)]
#[test]
fn an_include_that_is_a_fifo_or_a_device_is_named_where_it_is_included() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.txt");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    std::os::unix::fs::symlink("/dev/zero", tmp.path().join("zero.txt")).unwrap();
    for (name, file_type) in [
        ("fifo.txt", "a FIFO (named pipe)"),
        ("zero.txt", "a character device"),
    ] {
        let top = tmp.path().join("requirements.txt");
        std::fs::write(&top, format!("rich\n-r {name}\n")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_all(&[(top, None)]));
        });
        let err = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("no hang")
            .unwrap_err();
        match &err {
            ReqFileError::Read {
                source: TextFileError::NotRegular { file_type: t, .. },
                location: Some(location),
            } => {
                assert_eq!(*t, file_type);
                assert_eq!(location.line, 2);
                assert!(err.to_string().ends_with("requirements.txt:2:1)"), "{err}");
            }
            other => panic!("{other}"),
        }
    }
}
