//! Running child processes: waiting with a deadline, and waiting while
//! forwarding Ctrl-C / SIGTERM so the child stops first and penv cleans up
//! after it.
//!
//! Invariant: penv never exits while a child it started is still running;
//! a signal to penv is passed on to the child and recorded, and the caller
//! decides (roll back, then exit 130 or 143).

use std::io::{self, Read};
use std::process::{Child, ExitStatus, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The most bytes of each of a child's streams [`wait_with_timeout`] keeps;
/// the rest is read and dropped, so a child that prints without end (an
/// "interpreter" that is `yes`) costs time until its timeout, not memory.
pub const MAX_CAPTURED: u64 = 4 * 1024 * 1024;

/// Waits for `child`, collecting its output (at most [`MAX_CAPTURED`] bytes
/// of each stream), killing it after `timeout`.
pub fn wait_with_timeout(mut child: Child, timeout: Duration) -> io::Result<Output> {
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || read_all(stdout));
    let err_reader = std::thread::spawn(move || read_all(stderr));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

fn read_all(stream: Option<impl Read>) -> Vec<u8> {
    let mut buf = Vec::new();
    if let Some(mut s) = stream {
        let _ = s.by_ref().take(MAX_CAPTURED).read_to_end(&mut buf);
        // Keep the pipe drained, so the child is not blocked on a full pipe
        // and ends (or times out) as it would have.
        let _ = io::copy(&mut s, &mut io::sink());
    }
    buf
}

#[cfg(all(test, unix))]
mod capture_tests {
    use super::*;

    #[test]
    fn a_child_that_prints_without_end_costs_time_not_memory() {
        let child = std::process::Command::new("sh")
            .args(["-c", "exec yes"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let err = wait_with_timeout(child, Duration::from_millis(500)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let child = std::process::Command::new("sh")
            .args(["-c", "head -c 5000000 /dev/zero"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_with_timeout(child, Duration::from_secs(20)).unwrap();
        assert!(out.status.success());
        assert_eq!(out.stdout.len() as u64, MAX_CAPTURED);
    }
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
    pub fn exit_code(self) -> u8 {
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
pub struct SignalGuard {
    // 0: none, 2: SIGINT, 15: SIGTERM (the last one received).
    received: Arc<AtomicUsize>,
}

impl SignalGuard {
    /// Starts catching SIGINT and SIGTERM.
    pub fn install() -> Self {
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
    pub fn received(&self) -> Option<Interrupt> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            15 => Some(Interrupt::Term),
            _ => Some(Interrupt::Int),
        }
    }

    /// Waits for `child`, passing SIGTERM on to it (SIGINT from a terminal
    /// reaches the whole process group already; from `kill` it does not, so
    /// it is passed on too). Returns the child's status.
    pub fn wait(&self, child: &mut Child) -> io::Result<ExitStatus> {
        let mut forwarded = 0usize;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            let now = self.received.load(Ordering::SeqCst);
            if now != 0 && now != forwarded {
                forward(child, now);
                forwarded = now;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

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
fn forward(child: &mut Child, _signal: usize) {
    let _ = child;
}
