//! The examples of the README and `docs/` are run: every ```` ```console ````
//! block is a session to replay, its `$ ` lines commands and the lines
//! under each what the command prints (stdout and stderr as a terminal
//! shows them, `[..]` for any text within a line, `...` on a line of its
//! own for any lines; a last line `[exit N]` when the command fails).
//!
//! The line before the block says where it runs, so that none is skipped
//! by accident:
//!
//! - `<!-- example: in examples/NAME -->`: the session runs in a copy of
//!   the repository's `examples/` (offline: the wheels are in it), from
//!   `examples/NAME`, with its own HOME and penv cache and `penv` on `PATH`;
//! - `<!-- example: not run, WHY -->`: output that depends on the reader's
//!   machine (sizes, ages, their envs), kept as an illustration.
//!
//! A console block with neither fails the test, as does a session whose
//! output differs.

use std::path::Path;
use std::process::Command;

use crate::common::{Sandbox, penv_bin};
use crate::docs::pages;

/// One ```` ```console ```` block to run.
struct Session {
    /// `page:line` of the fence, for the failure message.
    place: String,
    /// The folder under `examples/` it runs in.
    dir: String,
    /// Each command with the output it shows.
    steps: Vec<(String, String)>,
}

/// The sessions of one page, or the places of console blocks that say
/// neither where they run nor why they are not run.
fn sessions(name: &str, text: &str) -> (Vec<Session>, Vec<String>) {
    let mut found = Vec::new();
    let mut unmarked = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let is_console = fence.trim_end() == "```console";
        let start = i;
        let mut body = Vec::new();
        i += 1;
        while i < lines.len() && !lines[i].trim_start().starts_with("```") {
            body.push(lines[i]);
            i += 1;
        }
        i += 1;
        if !is_console {
            continue;
        }
        let place = format!("{name}:{}", start + 1);
        let directive = start
            .checked_sub(1)
            .map(|j| lines[j].trim())
            .and_then(|l| l.strip_prefix("<!-- example:"))
            .and_then(|l| l.strip_suffix("-->"))
            .map(str::trim);
        let dir = match directive {
            Some(d) if d.starts_with("not run") => continue,
            Some(d) => {
                if let Some(dir) = d.strip_prefix("in examples/") {
                    dir.to_owned()
                } else {
                    unmarked.push(format!(
                        "{place}: `{d}` is neither `in examples/NAME` nor `not run, WHY`"
                    ));
                    continue;
                }
            }
            None => {
                unmarked.push(place);
                continue;
            }
        };
        let mut steps: Vec<(String, String)> = Vec::new();
        for line in body {
            if let Some(command) = line.strip_prefix("$ ") {
                steps.push((command.to_owned(), String::new()));
            } else if let Some((_, shown)) = steps.last_mut() {
                shown.push_str(line);
                shown.push('\n');
            } else {
                unmarked.push(format!("{place}: output before the first `$ ` command"));
            }
        }
        found.push(Session { place, dir, steps });
    }
    (found, unmarked)
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = entry.path().strip_prefix(from).unwrap();
        if rel
            .components()
            .any(|c| c.as_os_str() == ".venv" || c.as_os_str() == ".penv")
        {
            continue;
        }
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Replays a session; the differences found, one per failing command.
fn replay(session: &Session) -> Vec<String> {
    let sb = Sandbox::new();
    let root = sb.tmp.path().canonicalize().unwrap();
    let examples = root.join("examples");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &examples,
    );
    let cwd = examples.join(&session.dir);
    let cache = root.join("cache");
    let path = format!(
        "{}:{}",
        penv_bin().parent().unwrap().display(),
        Sandbox::path_var()
    );
    let mut failures = Vec::new();
    for (command, shown) in &session.steps {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("{{ {command}\n}} 2>&1"))
            .current_dir(&cwd)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", &sb.home)
            .env("PENV_CACHE_DIR", &cache)
            .env("PENV_NO_PROGRESS", "1")
            .env("LANG", "C.UTF-8")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "docs")
            .env("GIT_AUTHOR_EMAIL", "docs@example.com")
            .env("GIT_COMMITTER_NAME", "docs")
            .env("GIT_COMMITTER_EMAIL", "docs@example.com")
            .output()
            .expect("sh runs");
        let mut actual = String::from_utf8_lossy(&out.stdout).into_owned();
        match out.status.code() {
            Some(0) => {}
            Some(code) => actual = format!("{actual}[exit {code}]\n"),
            None => actual.push_str("[killed by a signal]\n"),
        }
        if let Err(err) = snapbox::Assert::new().try_eq(None, actual.into(), shown.clone().into()) {
            failures.push(format!("{}: `$ {command}`:\n{err}", session.place));
        }
    }
    failures
}

#[test]
fn every_console_example_in_the_docs_runs_as_shown() {
    require_python!();
    let mut all = Vec::new();
    let mut unmarked = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let name = if name == "README.md" {
            name
        } else {
            format!("docs/{name}")
        };
        let (found, bad) = sessions(&name, &text);
        all.extend(found);
        unmarked.extend(bad);
    }
    assert!(
        unmarked.is_empty(),
        "console blocks that say neither where they run (`<!-- example: in examples/NAME -->` \
         on the line before) nor why not (`<!-- example: not run, WHY -->`):\n{}",
        unmarked.join("\n")
    );
    assert!(
        !all.is_empty(),
        "no example is run: the docs lost their sessions"
    );
    let failures: Vec<String> = all.iter().flat_map(replay).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_session_is_read_from_its_block_and_an_unmarked_block_is_named() {
    let page = "text\n\n<!-- example: in examples/quickstart -->\n```console\n$ penv run hello.py\nHello\n...\n$ penv sync --check\n```\n\n```console\n$ penv envs\n```\n\n<!-- example: not run, machine-specific -->\n```console\n$ penv envs\n```\n";
    let (found, unmarked) = sessions("p.md", page);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].dir, "quickstart");
    assert_eq!(found[0].place, "p.md:4");
    assert_eq!(
        found[0].steps,
        vec![
            ("penv run hello.py".to_owned(), "Hello\n...\n".to_owned()),
            ("penv sync --check".to_owned(), String::new()),
        ]
    );
    assert_eq!(unmarked, vec!["p.md:11".to_owned()]);
}
