//! Installing the spec's requirements with the env's own pip:
//! `<env>/bin/python -I -m pip install …`. Never a base interpreter's pip.
//!
//! pip runs in its own process group; Ctrl-C and SIGTERM reach penv, which
//! passes them on once and waits for pip to stop, so the caller can roll
//! back. pip's exit code and its stderr are reported as they are.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    if let Some(url) = &spec.pip.index_url {
        args.extend(["--index-url".to_owned(), url.clone()]);
    }
    for url in &spec.pip.extra_index_urls {
        args.extend(["--extra-index-url".to_owned(), url.clone()]);
    }
    for link in &spec.pip.find_links {
        // Relative directories are recorded relative to the project root.
        let location = if link.location.contains("://") {
            link.location.clone()
        } else {
            root.join(&link.location).display().to_string()
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
pub fn install(
    env: &Path,
    project_root: &Path,
    args: &[String],
    printer: &Printer,
    guard: &SignalGuard,
) -> Result<(), InstallError> {
    let python = platform::env_python(env);
    let mut cmd = Command::new(&python);
    cmd.arg("-I").arg("-m").arg("pip").args(args);
    // From the project root, so relative paths in requirement lines and pip
    // args (`./wheels/x.whl`, `-e .`) mean the same wherever penv was started.
    cmd.current_dir(project_root);
    cmd.env("VIRTUAL_ENV", env)
        .env_remove("PYTHONHOME")
        .env("PIP_NO_INPUT", "1");
    // The environment forms of the options penv refuses in `pip.args`: they
    // would install outside the env while penv records it as built.
    for var in PIP_OUTSIDE_ENV_VARS {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    printer.verbose(&format!(
        "running `{} -I -m pip {}`",
        python.display(),
        args.join(" ")
    ));
    let progress = printer.step("Installing requirements with pip");
    let mut child = cmd.spawn().map_err(|source| InstallError::Spawn {
        python: python.clone(),
        source,
    })?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let out_reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut tail: Vec<String> = Vec::new();
    let mut collected = 0usize;
    let status = loop {
        while let Ok(line) = rx.try_recv() {
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
            } else if line.starts_with("Successfully installed") {
                printer.verbose(&line);
            }
            tail.push(line);
            if tail.len() > 30 {
                tail.remove(0);
            }
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
            let _ = out_reader.join();
            let _ = err_reader.join();
            return Err(InstallError::Interrupted(sig));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let _ = out_reader.join();
    tail.extend(rx.try_iter());
    let stderr = err_reader.join().unwrap_or_default();
    progress.finish();
    if let Some(sig) = guard.received() {
        return Err(InstallError::Interrupted(sig));
    }
    if status.success() {
        if let Some(done) = tail
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
            stderr,
            stdout_tail: tail.join("\n"),
        })
    }
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
