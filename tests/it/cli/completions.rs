//! `penv completions SHELL` and `penv generate-man DIR`: generated from the
//! clap definition, so each must name every command penv has (a command
//! missing from them fails here), and the bash script must parse.

use std::path::Path;
use std::process::Command;

use clap::CommandFactory as _;

use crate::common::output::{assert_code, stdout};
use crate::common::penv_bin;

/// Every visible command and subcommand, as its path (`["penv", "hook", "install"]`).
fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, parent: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut path = parent.to_vec();
            path.push(sub.get_name().to_owned());
            walk(sub, &path, out);
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(&penv::cli::Cli::command(), &["penv".to_owned()], &mut out);
    out
}

/// What each shell's script holds for the command at `path`: the entry
/// that completes it, in that generator's own form.
fn entry(shell: &str, path: &[String]) -> String {
    let name = path.last().unwrap();
    match shell {
        "bash" => format!("cmd=\"{}\"", path.join("__subcmd__")),
        "zsh" => format!("'{name}:"),
        "fish" => format!("-a \"{name}\""),
        _ => format!("'{}'", path.join(";")),
    }
}

fn completions(shell: &str) -> String {
    let out = Command::new(penv_bin())
        .args(["completions", shell])
        .env_clear()
        .output()
        .unwrap();
    assert_code(&out, 0);
    stdout(&out)
}

#[test]
fn the_completions_of_every_shell_name_every_command() {
    let paths = command_paths();
    let has = |words: &[&str]| paths.iter().any(|p| p == words);
    assert!(
        has(&["penv", "hook", "uninstall"]) && has(&["penv", "sync"]),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p[1] == "generate-man"), "hidden");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = completions(shell);
        for path in &paths {
            let entry = entry(shell, path);
            assert!(
                script.contains(&entry),
                "{shell} completions lack `{}` (no `{entry}`)",
                path.join(" ")
            );
        }
        // A hidden command is not offered (`clap_complete` would).
        assert!(!script.contains("generate-man"), "{shell}: {script}");
    }
}

#[test]
fn the_bash_completion_parses_and_completes_subcommands() {
    let script = completions("bash");
    let Ok(out) = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .output()
    else {
        skip!("no bash");
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Source it and ask for `penv ho<TAB>`, as bash would.
    let ask = format!(
        "{script}\nCOMP_WORDS=(penv ho); COMP_CWORD=1; COMP_LINE='penv ho'; COMP_POINT=7; _penv penv ho penv; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    );
    let out = Command::new("bash").arg("-c").arg(&ask).output().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        "hook",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generate_man_writes_a_page_per_command() {
    let tmp = crate::common::scratch::tempdir();
    let dir = tmp.path().join("man");
    let out = Command::new(penv_bin())
        .arg("generate-man")
        .arg(&dir)
        .env_clear()
        .output()
        .unwrap();
    assert_code(&out, 0);
    let page = |name: &str| std::fs::read_to_string(dir.join(format!("{name}.1")));
    assert!(page("penv").unwrap().starts_with(".ie"), "a roff page");
    for path in command_paths() {
        let name = path.join("-");
        let text = page(&name).unwrap_or_else(|e| panic!("no page `{name}.1`: {e}"));
        assert!(text.contains(&format!(".TH {name} 1")), "{name}: {text}");
    }
    let count = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(count, command_paths().len() + 1);
    assert!(!Path::new(&dir).join("penv-generate-man.1").exists());
}
