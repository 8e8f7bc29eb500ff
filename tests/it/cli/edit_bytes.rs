//! `penv add` / `penv remove --no-sync` through the binary: the project
//! file's bytes outside the edited entry survive (issue 23: a CRLF
//! `penv.toml` came back LF, a UTF-8 byte order mark was dropped, and a new
//! entry went after a trailing comment, which `remove` then took along).

use super::*;

fn run(dir: &Path, args: &[&str]) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let out = penv(dir, &args, &BTreeMap::new());
    assert!(
        out.status.success(),
        "penv {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn add_then_remove_keeps_crlf_a_byte_order_mark_and_trailing_comments() {
    let tmp = crate::common::scratch::tempdir();
    let dir = tmp.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("penv.toml");
    let original =
        b"\xef\xbb\xbf# mine\r\nrequirements = [\"six\",\r\n  # note\r\n]\r\n\r\n[groups]\r\ndev = [ \"pytest\" ]  # tools\r\n";
    std::fs::write(&file, original).unwrap();
    run(&dir, &["add", "--no-sync", "attrs>=1"]);
    let added = std::fs::read(&file).unwrap();
    assert_eq!(
        added,
        b"\xef\xbb\xbf# mine\r\nrequirements = [\"six\",\r\n  \"attrs>=1\",\r\n  # note\r\n]\r\n\r\n[groups]\r\ndev = [ \"pytest\" ]  # tools\r\n",
        "{}",
        String::from_utf8_lossy(&added)
    );
    run(&dir, &["add", "--no-sync", "--group", "dev", "ruff"]);
    run(&dir, &["remove", "--no-sync", "attrs"]);
    run(&dir, &["remove", "--no-sync", "--group", "dev", "ruff"]);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        original,
        "{}",
        String::from_utf8_lossy(&std::fs::read(&file).unwrap())
    );
}
