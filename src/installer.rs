//! Installing the spec's requirements with the env's own pip:
//! `<env>/bin/python -I -m pip install …`. Never a base interpreter's pip.
//!
//! pip runs in its own process group; Ctrl-C and SIGTERM reach penv, which
//! passes them on once and waits for pip to stop, so the caller can roll
//! back. pip's exit code and its stderr are reported as they are.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::credentials::Redactor;
use crate::platform;
use crate::printer::Printer;
use crate::process::{Interrupt, SignalGuard};
use crate::spec::Spec;

/// Errors of the install step.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// pip could not be started.
    #[error("could not run `{}`", python.display())]
    Spawn {
        /// The env's python.
        python: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// pip failed.
    #[error("`pip install` failed (exit code {code})")]
    Pip {
        /// pip's exit code (or signal, as 128+N).
        code: i32,
        /// pip's stderr.
        stderr: String,
        /// The last lines of pip's stdout.
        stdout_tail: String,
    },
    /// penv was interrupted while pip ran.
    #[error("interrupted while pip was installing")]
    Interrupted(Interrupt),
}

impl InstallError {
    /// What to do, judged from pip's words.
    pub fn hint(&self) -> Option<String> {
        let Self::Pip { stderr, .. } = self else {
            return None;
        };
        let hint = if stderr.contains("No space left on device") {
            "free some disk space (the new env is built beside the old one), then run `penv sync` again"
        } else if stderr.contains("Max retries exceeded")
            || stderr.contains("Failed to establish a new connection")
        {
            "pip could not reach the package index: check the network and `[pip] index-url`, or install offline with `find-links` and `no-index = true`"
        } else if stderr.contains("No matching distribution")
            || stderr.contains("Could not find a version")
            || stderr.contains("ResolutionImpossible")
        {
            "fix the requirement pip names above (or where pip looks: `[pip] index-url`, `find-links`), then run `penv sync` again"
        } else {
            "fix what pip reports above, then run `penv sync` again"
        };
        Some(hint.to_owned())
    }

    /// pip's own words.
    pub fn detail(&self) -> Option<String> {
        match self {
            Self::Pip {
                stderr,
                stdout_tail,
                ..
            } => {
                let text = if stderr.trim().is_empty() {
                    stdout_tail
                } else {
                    stderr
                };
                Some(format!("pip said:\n```\n{}\n```", text.trim_end()))
            }
            _ => None,
        }
    }
}

/// pip's environment variables that send an install outside the env.
const PIP_OUTSIDE_ENV_VARS: &[&str] = &[
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PIP_PYTHON",
];

/// The arguments after `python -I -m pip`.
pub fn pip_args(spec: &Spec, root: &Path, top_files: &[String]) -> Vec<String> {
    let mut args: Vec<String> = ["install", "--disable-pip-version-check", "--no-input"]
        .map(str::to_owned)
        .to_vec();
    // `for_pip`: the URLs as written (or expanded), not as the spec shows them.
    if let Some(url) = &spec.pip.index_url {
        args.extend(["--index-url".to_owned(), url.for_pip().to_owned()]);
    }
    for url in &spec.pip.extra_index_urls {
        args.extend(["--extra-index-url".to_owned(), url.for_pip().to_owned()]);
    }
    for link in &spec.pip.find_links {
        // Relative directories are recorded relative to the project root.
        let location = link.location.for_pip();
        let location = if location.contains("://") {
            location.to_owned()
        } else {
            root.join(location).display().to_string()
        };
        args.extend(["--find-links".to_owned(), location]);
    }
    if spec.pip.no_index {
        args.push("--no-index".to_owned());
    }
    // Before the user's args, so `args = ["--compile"]` still wins.
    if !spec.pip.compile_bytecode {
        args.push("--no-compile".to_owned());
    }
    args.extend(spec.pip.args.iter().cloned());
    args.extend(spec.all_requirements().into_iter().map(str::to_owned));
    for file in top_files {
        args.extend(["-r".to_owned(), root.join(file).display().to_string()]);
    }
    args
}

/// Whether pip has anything to install: requirements, a requirement file
/// (a constraint file alone installs nothing), or a requirement-bearing
/// `[pip] args` entry (`-e .`, `-r prod.txt`, `./pkg`).
pub fn has_work(spec: &Spec) -> bool {
    !spec.all_requirements().is_empty()
        || spec.requirement_files.iter().any(|f| !f.constraint)
        || crate::spec::pip_args::parse(&spec.pip.args).installs_something()
}

/// Runs pip in `env`, showing progress, honouring `guard`.
///
/// pip's `WARNING:` and `DEPRECATION:` messages (and an `ERROR:` pip exits 0
/// after, such as its dependency-conflict report) are shown as warnings once
/// pip succeeded; with `-v`, everything pip prints is shown as it comes.
/// All of it passes through `redactor` first.
pub fn install(
    env: &Path,
    project_root: &Path,
    args: &[String],
    redactor: &Redactor,
    printer: &Printer,
    guard: &SignalGuard,
) -> Result<(), InstallError> {
    let python = platform::env_python(env);
    let mut cmd = Command::new(&python);
    cmd.arg("-I").arg("-m").arg("pip").args(args);
    // From the project root, so relative paths in requirement lines and pip
    // args (`./wheels/x.whl`, `-e .`) mean the same wherever penv was started.
    cmd.current_dir(project_root);
    clean_pip_env(&mut cmd);
    cmd.env("VIRTUAL_ENV", env);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    printer.verbose(&redactor.redact(&format!(
        "running `{} -I -m pip {}`",
        python.display(),
        args.join(" ")
    )));
    let progress = printer.step("Installing requirements with pip");
    let mut child = cmd.spawn().map_err(|source| InstallError::Spawn {
        python: python.clone(),
        source,
    })?;
    let (tx, rx) = std::sync::mpsc::channel::<(Stream, String)>();
    let readers = [
        forward_lines(
            child.stdout.take().expect("stdout is piped"),
            Stream::Out,
            tx.clone(),
        ),
        forward_lines(
            child.stderr.take().expect("stderr is piped"),
            Stream::Err,
            tx,
        ),
    ];
    let mut output = PipOutput::default();
    let mut collected = 0usize;
    let mut handle = |stream: Stream, line: &str, output: &mut PipOutput| {
        let line = redactor.redact(line);
        if printer.is_verbose() {
            progress.suspend(|| {
                if stream == Stream::Err && is_warning_start(&line) {
                    printer.warn(&format!("pip: {}", shown_warning(&line)));
                } else {
                    printer.verbose(&format!("  {line}"));
                }
            });
        }
        if stream == Stream::Out {
            if let Some(what) = line
                .strip_prefix("Collecting ")
                .or_else(|| line.strip_prefix("Processing "))
            {
                collected += 1;
                let name = what.split_whitespace().next().unwrap_or(what);
                progress.set(&format!("Resolving: {name} ({collected} packages so far)"));
            } else if let Some(list) = line.strip_prefix("Installing collected packages: ") {
                let n = list.split(", ").count();
                progress.set(&format!(
                    "Installing {n} package{}",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        output.push(stream, line);
    };
    let status = loop {
        while let Ok((stream, line)) = rx.try_recv() {
            handle(stream, &line, &mut output);
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(source) => return Err(InstallError::Spawn { python, source }),
        }
        if let Some(sig) = guard.received() {
            let status = guard
                .wait(&mut child)
                .map_err(|source| InstallError::Spawn {
                    python: python.clone(),
                    source,
                })?;
            let _ = status;
            progress.finish();
            for reader in readers {
                let _ = reader.join();
            }
            return Err(InstallError::Interrupted(sig));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    for reader in readers {
        let _ = reader.join();
    }
    for (stream, line) in rx.try_iter() {
        handle(stream, &line, &mut output);
    }
    progress.finish();
    if let Some(sig) = guard.received() {
        return Err(InstallError::Interrupted(sig));
    }
    if status.success() {
        if !printer.is_verbose() {
            for warning in output.warnings() {
                printer.warn(&format!("pip: {warning}"));
            }
        }
        if let Some(done) = output
            .stdout_tail
            .iter()
            .rev()
            .find(|l| l.starts_with("Successfully installed"))
        {
            let n = done.split_whitespace().count().saturating_sub(2);
            printer.status(&format!(
                "Installed {n} package{}",
                if n == 1 { "" } else { "s" }
            ));
        }
        Ok(())
    } else {
        Err(InstallError::Pip {
            code: exit_code(status),
            stderr: output.stderr.join("\n"),
            stdout_tail: output.stdout_tail.join("\n"),
        })
    }
}

/// pip's environment as penv runs it: no `PYTHONHOME`, no prompts, and
/// none of the variables that would send an install outside the env.
pub fn clean_pip_env(cmd: &mut Command) {
    cmd.env_remove("PYTHONHOME").env("PIP_NO_INPUT", "1");
    // The environment forms of the options penv refuses in `pip.args`: they
    // would install outside the env while penv records it as built.
    for var in PIP_OUTSIDE_ENV_VARS {
        cmd.env_remove(var);
    }
}

/// Which of pip's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

fn forward_lines(
    pipe: impl Read + Send + 'static,
    stream: Stream,
    tx: std::sync::mpsc::Sender<(Stream, String)>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send((stream, line)).is_err() {
                break;
            }
        }
    })
}

/// What pip printed: all of stderr, the last lines of stdout.
#[derive(Debug, Default)]
struct PipOutput {
    stderr: Vec<String>,
    stdout_tail: Vec<String>,
}

/// How many lines of pip's stdout are kept for an error report.
const STDOUT_TAIL: usize = 30;

impl PipOutput {
    fn push(&mut self, stream: Stream, line: String) {
        match stream {
            Stream::Err => self.stderr.push(line),
            Stream::Out => {
                self.stdout_tail.push(line);
                if self.stdout_tail.len() > STDOUT_TAIL {
                    self.stdout_tail.remove(0);
                }
            }
        }
    }

    /// pip's warnings on stderr, each with its indented continuation lines.
    fn warnings(&self) -> Vec<String> {
        warnings_in(&self.stderr)
    }
}

/// The messages worth showing in pip's stderr: those starting `WARNING:`,
/// `DEPRECATION:` or `ERROR:` (pip logs them so; continuation lines are
/// indented), shown without pip's `WARNING: ` prefix.
fn warnings_in(stderr: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_warning = false;
    for line in stderr {
        if is_warning_start(line) {
            out.push(shown_warning(line).to_owned());
            in_warning = true;
        } else if in_warning && line.starts_with(char::is_whitespace) && !line.trim().is_empty() {
            let last = out.last_mut().expect("a warning started");
            last.push('\n');
            last.push_str(line);
        } else {
            in_warning = false;
        }
    }
    out
}

fn is_warning_start(line: &str) -> bool {
    ["WARNING:", "DEPRECATION:", "ERROR:"]
        .iter()
        .any(|p| line.starts_with(p))
}

fn shown_warning(line: &str) -> &str {
    line.strip_prefix("WARNING: ").unwrap_or(line)
}

/// The exit code, or 128+N for a signal.
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args_of(spec: &Spec) -> Vec<String> {
        pip_args(spec, Path::new("/p"), &["requirements.txt".to_owned()])
    }

    #[test]
    fn no_compile_by_default_and_before_the_users_args() {
        let mut spec = crate::spec::example();
        spec.pip.args = vec!["--compile".into()];
        let args = args_of(&spec);
        let no_compile = args.iter().position(|a| a == "--no-compile").unwrap();
        let user = args.iter().position(|a| a == "--compile").unwrap();
        assert!(no_compile < user, "{args:?}");
        assert_eq!(
            &args[..3],
            ["install", "--disable-pip-version-check", "--no-input"]
        );
        assert_eq!(&args[args.len() - 2..], ["-r", "/p/requirements.txt"]);
    }

    #[test]
    fn pip_args_that_name_something_to_install_are_work() {
        let mut spec = crate::spec::example();
        spec.requirements.clear();
        spec.requirement_files.clear();
        assert!(!has_work(&spec));
        spec.pip.args = vec!["--no-deps".into(), "-c".into(), "c.txt".into()];
        assert!(!has_work(&spec));
        for args in [
            &["-e", "."][..],
            &["--editable=."],
            &["-r", "prod.txt"],
            &["./pkg"],
        ] {
            spec.pip.args = args.iter().map(|a| (*a).to_owned()).collect();
            assert!(has_work(&spec), "{args:?}");
        }
        // A constraint file alone (here from `-c` in the args) is no work either.
        spec.pip.args = vec!["-c".into(), "c.txt".into()];
        spec.requirement_files = crate::spec::example().requirement_files;
        spec.requirement_files[0].constraint = true;
        assert!(!has_work(&spec));
    }

    #[test]
    fn compile_bytecode_drops_no_compile() {
        let mut spec = crate::spec::example();
        spec.pip.compile_bytecode = true;
        assert!(!args_of(&spec).iter().any(|a| a == "--no-compile"));
    }

    #[test]
    fn pips_warnings_are_picked_out_of_its_stderr_with_their_continuations() {
        let stderr: Vec<String> = [
            "WARNING: extpkg 1.0 does not provide the extra 'with_pyroma'",
            "DEPRECATION: a legacy thing will stop working. Discussion:",
            "  https://github.com/pypa/pip/issues/1",
            "",
            "  not a continuation after a blank line",
            "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.",
            "Some other line",
            "   indented but not after a warning",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            warnings_in(&stderr),
            vec![
                "extpkg 1.0 does not provide the extra 'with_pyroma'".to_owned(),
                "DEPRECATION: a legacy thing will stop working. Discussion:\n  https://github.com/pypa/pip/issues/1".to_owned(),
                "ERROR: pip's dependency resolver does not currently take into account all the packages that are installed.".to_owned(),
            ]
        );
    }

    #[test]
    fn urls_reach_pip_as_written_or_expanded() {
        let mut spec = crate::spec::example();
        spec.pip.index_url = Some(crate::credentials::PipUrl::new(
            "https://alice:${TOKEN}@host/simple",
        ));
        spec.pip.find_links = vec![crate::spec::FindLinks {
            location: crate::credentials::PipUrl::new("${WHEELS}"),
            files: vec![],
        }];
        let vars = crate::env_vars::UrlVars::from_pairs([("TOKEN", "t0k3n!"), ("WHEELS", "/w")]);
        let (pip, redactor) = spec.pip.expanded(&vars, |_| None).unwrap();
        spec.pip = pip;
        let args = args_of(&spec);
        let at = |flag: &str| &args[args.iter().position(|a| a == flag).unwrap() + 1];
        assert_eq!(at("--index-url"), "https://alice:t0k3n!@host/simple");
        assert_eq!(at("--find-links"), "/w");
        assert_eq!(
            redactor.redact(&args.join(" ")),
            args.join(" ").replace("t0k3n!", "${TOKEN}")
        );
    }

    #[test]
    fn hints_follow_what_pip_said() {
        let hint = |stderr: &str| {
            InstallError::Pip {
                code: 1,
                stderr: stderr.to_owned(),
                stdout_tail: String::new(),
            }
            .hint()
            .unwrap()
        };
        assert!(hint("OSError: [Errno 28] No space left on device").contains("disk space"));
        assert!(hint("ERROR: No matching distribution found for nosuch").contains("requirement"));
        assert!(hint("Max retries exceeded with url").contains("network"));
        assert!(hint("something else").contains("what pip reports"));
    }
}
