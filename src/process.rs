//! Running child processes: one runner that starts a child with piped
//! output, reads it (captured up to a cap, or line by line as it comes),
//! and waits for it with an optional deadline while forwarding Ctrl-C /
//! SIGTERM, so the child stops first and penv cleans up after it.
//!
//! Invariant: penv never exits while a child it started is still running;
//! a child past its deadline is killed and reaped before the runner
//! returns; a signal to penv is passed on to the child and recorded, and
//! the caller decides (roll back, then exit 130 or 143).

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most bytes of each of a child's streams the runner keeps when it
/// captures; the rest is read and dropped, so a child that prints without
/// end (an "interpreter" that is `yes`) costs time until its timeout, not
/// memory.
pub(crate) const MAX_CAPTURED: u64 = 4 * 1024 * 1024;

/// How often the runner looks at the child, the deadline and the signals
/// when no output arrives.
const TICK: Duration = Duration::from_millis(2);

/// Which of a child's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
}

/// What receives a child's output line by line.
pub(crate) type LineSink<'a> = &'a mut dyn FnMut(Stream, &str);

/// How [`watch`] treats a child.
#[derive(Default)]
pub(crate) struct Watch<'a> {
    /// Killed (and the run an [`io::ErrorKind::TimedOut`] error) after this long.
    pub(crate) timeout: Option<Duration>,
    /// Signals to pass on; the run ends [`Ended::Interrupted`] when one came.
    pub(crate) guard: Option<&'a SignalGuard>,
    /// Called with each line as it comes, instead of capturing the streams.
    pub(crate) lines: Option<LineSink<'a>>,
}

/// How a watched child ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// It exited by itself; the streams are empty when they went to
    /// [`Watch::lines`].
    Exited(Output),
    /// penv received a signal, passed it on, and the child has stopped.
    Interrupted(Interrupt),
}

/// Starts penv with `args` detached, through a short-lived middle process
/// (`args` and `--detach`, waited for, which runs [`spawn_detached`]), so
/// the detached penv is nobody's child (no zombie under a command `penv
/// run` execs, none for a `wait()` there to reap); whether it started.
pub(crate) fn start_detached(args: &[OsString]) -> bool {
    penv_detached(args).is_ok_and(|mut cmd| cmd.arg("--detach").status().is_ok_and(|s| s.success()))
}

/// The middle of [`start_detached`]: starts penv with `args` and returns.
pub(crate) fn spawn_detached(args: &[OsString]) -> io::Result<()> {
    penv_detached(args)?.spawn().map(drop)
}

/// penv itself with `args`, to be started detached: in its own process
/// group (a Ctrl-C at the terminal is not for it), in `/`, with nothing
/// inherited to print to or read from.
fn penv_detached(args: &[OsString]) -> io::Result<Command> {
    #[allow(
        clippy::disallowed_methods,
        reason = "penv starts itself; the path of its own executable is no setting"
    )]
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    // In `/`: it keeps no directory of the user's busy (the paths it is
    // given are absolute).
    cmd.args(args)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    Ok(cmd)
}

/// Starts `cmd` with no stdin and both output streams piped, as [`watch`] takes it.
///
/// An executable still open for writing somewhere (`ETXTBSY`: being copied
/// or installed, or its write handle inherited for a moment by a child
/// another thread forked) is tried again for up to a second.
pub(crate) fn spawn_piped(cmd: &mut Command) -> io::Result<Child> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == io::ErrorKind::ExecutableFileBusy && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Waits for `child` as `how` says. Its streams (piped, see
/// [`spawn_piped`]) are read on their own threads so a full pipe never
/// blocks it; they are drained to the end either way.
pub(crate) fn watch(mut child: Child, how: Watch<'_>) -> io::Result<Ended> {
    let Watch {
        timeout,
        guard,
        mut lines,
    } = how;
    let (tx, rx) = mpsc::channel::<(Stream, String)>();
    let streaming = lines.is_some();
    let readers = [
        reader(child.stdout.take(), Stream::Out, streaming, tx.clone()),
        reader(child.stderr.take(), Stream::Err, streaming, tx),
    ];
    let start = Instant::now();
    let mut forwarded = 0usize;
    let mut interrupted = None;
    let status: ExitStatus = loop {
        if let Ok((stream, line)) = rx.recv_timeout(TICK)
            && interrupted.is_none()
            && let Some(f) = lines.as_mut()
        {
            f(stream, &line);
            // Drain what else is there before looking at the child again.
            while let Ok((stream, line)) = rx.try_recv() {
                f(stream, &line);
            }
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if let Some(guard) = guard {
            let now = guard.received.load(Ordering::SeqCst);
            if now != 0 && now != forwarded {
                forward(&child, now);
                forwarded = now;
                interrupted = guard.received();
            }
        }
        if let Some(timeout) = timeout
            && start.elapsed() > timeout
        {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {timeout:?}"),
            ));
        }
    };
    let [out, err] = readers.map(|r| r.join().unwrap_or_default());
    if let Some(sig) = interrupted {
        return Ok(Ended::Interrupted(sig));
    }
    if let Some(f) = lines.as_mut() {
        for (stream, line) in rx.try_iter() {
            f(stream, &line);
        }
    }
    Ok(Ended::Exited(Output {
        status,
        stdout: out,
        stderr: err,
    }))
}

/// Waits for `child`, collecting its output (at most [`MAX_CAPTURED`] bytes
/// of each stream), killing it after `timeout`.
pub fn wait_with_timeout(child: Child, timeout: Duration) -> io::Result<Output> {
    let how = Watch {
        timeout: Some(timeout),
        ..Watch::default()
    };
    match watch(child, how)? {
        Ended::Exited(output) => Ok(output),
        Ended::Interrupted(_) => unreachable!("no guard, no interruption"),
    }
}

/// Runs `cmd` (no stdin, output captured) with a deadline: [`spawn_piped`]
/// then [`wait_with_timeout`].
pub(crate) fn output_within(cmd: &mut Command, timeout: Duration) -> io::Result<Output> {
    wait_with_timeout(spawn_piped(cmd)?, timeout)
}

/// Reads one stream to its end: its first [`MAX_CAPTURED`] bytes are
/// returned, or, when `streaming`, every line is sent on `tx`.
fn reader(
    stream: Option<impl Read + Send + 'static>,
    which: Stream,
    streaming: bool,
    tx: mpsc::Sender<(Stream, String)>,
) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let Some(mut s) = stream else {
            return buf;
        };
        if streaming {
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if tx.send((which, line)).is_err() {
                    break;
                }
            }
            return buf;
        }
        let _ = s.by_ref().take(MAX_CAPTURED).read_to_end(&mut buf);
        // Keep the pipe drained, so the child is not blocked on a full pipe
        // and ends (or times out) as it would have.
        let _ = io::copy(&mut s, &mut io::sink());
        buf
    })
}

/// The exit code, or 128+N for a signal.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(1)
}

/// A signal penv received while it had work under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// SIGINT (Ctrl-C): exit 130.
    Int,
    /// SIGTERM: exit 143.
    Term,
}

impl Interrupt {
    /// The exit code penv ends with: 128 + the signal number.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Self::Int => 130,
            Self::Term => 143,
        }
    }
}

/// Records SIGINT and SIGTERM instead of dying from them, for as long as
/// penv has work that must be finished or undone. Signals keep being caught
/// after the first (a second Ctrl-C does not skip the rollback).
#[derive(Debug, Clone)]
pub(crate) struct SignalGuard {
    // 0: none, 2: SIGINT, 15: SIGTERM (the last one received).
    received: Arc<AtomicUsize>,
}

impl SignalGuard {
    /// Starts catching SIGINT and SIGTERM.
    pub(crate) fn install() -> Self {
        let received = Arc::new(AtomicUsize::new(0));
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            for sig in [SIGINT, SIGTERM] {
                let r = Arc::clone(&received);
                // Registration fails only for forbidden signals; these are not.
                #[allow(clippy::cast_sign_loss)]
                let _ = signal_hook::flag::register_usize(sig, r, sig as usize);
            }
        }
        Self { received }
    }

    /// The signal received so far, if any.
    pub(crate) fn received(&self) -> Option<Interrupt> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            15 => Some(Interrupt::Term),
            _ => Some(Interrupt::Int),
        }
    }
}

/// Passes SIGTERM or SIGINT on to `child` (SIGINT from a terminal reaches
/// the whole process group already, but pip runs in its own group, and from
/// `kill` it reaches penv alone).
#[cfg(unix)]
fn forward(child: &Child, signal: usize) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let sig = if signal == 15 {
        Signal::SIGTERM
    } else {
        Signal::SIGINT
    };
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = kill(Pid::from_raw(pid), sig);
    }
}

#[cfg(not(unix))]
fn forward(child: &Child, _signal: usize) {
    let _ = child;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn a_child_that_prints_without_end_costs_time_not_memory() {
        let err = output_within(&mut sh("exec yes"), Duration::from_millis(500)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let out = output_within(
            &mut sh("head -c 5000000 /dev/zero"),
            Duration::from_secs(20),
        )
        .unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len() as u64, MAX_CAPTURED);
    }

    #[test]
    fn lines_come_in_order_per_stream_and_nothing_is_captured() {
        let child = spawn_piped(&mut sh("echo a; echo b >&2; echo c; exit 3")).unwrap();
        let mut seen = Vec::new();
        let mut record = |s: Stream, l: &str| seen.push((s, l.to_owned()));
        let how = Watch {
            lines: Some(&mut record),
            ..Watch::default()
        };
        let Ended::Exited(out) = watch(child, how).unwrap() else {
            panic!("not interrupted")
        };
        assert_eq!(exit_code(out.status), 3);
        assert!(out.stdout.is_empty() && out.stderr.is_empty());
        let of = |s| {
            seen.iter()
                .filter(|(t, _)| *t == s)
                .map(|(_, l)| l.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(of(Stream::Out), ["a", "c"]);
        assert_eq!(of(Stream::Err), ["b"]);
    }
}
