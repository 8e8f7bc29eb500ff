//! Relocatable envs: what pip and venv write with the env's absolute path,
//! rewritten after every install into forms that find the env from their
//! own location, so an env built in `.penv/` works once renamed to `.venv`,
//! and a moved or copied project's env works where it is now.
//!
//! Rewritten (POSIX; on Windows pip's `.exe` launchers embed the path and
//! nothing is rewritten):
//! - console scripts in `bin/` whose shebang runs a python of the env
//!   (`#!<env>/bin/python`, or pip's `/bin/sh` trampoline for long paths and
//!   spaces): the trampoline uv's `--relocatable` writes, which execs the
//!   `python` beside the script's real path (`realpath`, so a symlink to
//!   the script elsewhere still finds the env; it needs `realpath(1)`);
//! - `bin/activate` (bash, zsh): `VIRTUAL_ENV` from `${BASH_SOURCE:-$0}`;
//!   a shell that names neither (dash, POSIX `sh`) gets the path penv last
//!   synced the env at;
//! - `bin/activate.fish`: `VIRTUAL_ENV` from `status filename`;
//! - `bin/activate.csh` and `pyvenv.cfg`'s informational `command` line:
//!   csh cannot find the file it sources, so they name the env's path
//!   ([`point_at`]), which `penv sync` updates after a move.
//!
//! `Activate.ps1` finds the env from its own location already.
//!
//! Invariant: an env is relocatable ([`Relocation::relocatable`]) only when,
//! after the rewrite, no file in `bin/` (nor a symlink there) and no `*.pth`,
//! `*.egg-link`, `__editable__*` or `direct_url.json` in site-packages still
//! holds the path it was built at: an editable install checked out into the
//! env, or a package that writes its own absolute path, keeps the env bound
//! to its path, and the caller builds it in place.

use crate::diagnostics::escape_path;
use std::path::{Path, PathBuf};

use crate::fs::{self, FsError};

mod activate;
#[cfg(test)]
mod tests;

use activate::{activate_fish, activate_sh, point_csh, repoint_sh_fallback};

/// What the first lines of a relocated console script say: run the
/// `python` beside this script's real path (uv's `--relocatable` form).
pub(crate) const TRAMPOLINE_HEAD: &str =
    "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/";

/// The largest file in `bin/` read to be rewritten or scanned: a script is a
/// few KiB; a compiled tool of hundreds of MiB is scanned in that prefix.
const SCAN_CAP: u64 = 64 * 1024 * 1024;

/// What [`relocate`] did and found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Relocation {
    /// Files rewritten.
    pub(crate) rewritten: usize,
    /// Files that still hold the path the env was built at, each with why.
    pub(crate) blockers: Vec<String>,
}

impl Relocation {
    /// Whether the env works at any path it is moved to.
    pub(crate) fn relocatable(&self) -> bool {
        self.blockers.is_empty()
    }
}

/// Rewrites the env at `dir` (built there: pip and venv wrote `dir` into
/// it) so that it finds itself from its own location once moved; `home` is
/// the path it is to be used at (written where a path must be: csh's
/// activate, `pyvenv.cfg`'s `command`). Then scans for what still names `dir`.
pub(crate) fn relocate(dir: &Path, home: &Path) -> Result<Relocation, FsError> {
    let mut out = Relocation::default();
    if cfg!(windows) {
        out.blockers.push(
            "on Windows the console scripts are `.exe` launchers that embed the env's path"
                .to_owned(),
        );
        return Ok(out);
    }
    let needles = spellings(dir);
    let bin = dir.join("bin");
    let mut entries = fs::list_dir(&bin)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let path = bin.join(&name);
        let name = name.to_string_lossy().into_owned();
        if kind.is_symlink() {
            let target = fs::read_link(&path)?;
            if needles.iter().any(|n| target.starts_with(n)) {
                out.blockers.push(format!(
                    "`bin/{name}` is a symlink to `{}`, inside the env by its absolute path",
                    escape_path(&target)
                ));
            }
            continue;
        }
        if !kind.is_file() || native_executable(&path)? {
            continue;
        }
        let bytes = read_capped(&path)?;
        let rewritten = match name.as_str() {
            "activate" => rewrite_text(&bytes, |t| activate_sh(t, &needles, home)),
            "activate.fish" => rewrite_text(&bytes, |t| activate_fish(t, &needles)),
            "activate.csh" => rewrite_text(&bytes, |t| Some(point_csh(t, &needles, home))),
            _ => needles
                .iter()
                .find_map(|n| relocated_script(&bytes, &n.join("bin"))),
        };
        if let Some(new) = &rewritten
            && *new != bytes
        {
            replace_keeping_mode(&path, new)?;
            out.rewritten += 1;
        }
        let now = rewritten.as_deref().unwrap_or(&bytes);
        // activate and activate.csh name `home` on purpose (see above).
        let scanned = match name.as_str() {
            "activate" | "activate.csh" if rewritten.is_some() => without_line_of(now, home),
            _ => now.to_vec(),
        };
        if needles.iter().any(|n| contains(&scanned, n)) {
            out.blockers.push(format!(
                "`bin/{name}` holds the env's absolute path in a form penv does not rewrite"
            ));
        }
    }
    point_cfg(dir, &needles, home)?;
    scan_site_packages(dir, &needles, &mut out.blockers)?;
    Ok(out)
}

/// After a move: points what must name a path (csh's activate, the
/// fallback of `activate`, `pyvenv.cfg`'s `command`) at the env's new path
/// `home`. Best effort per file: the env works without it (in bash, zsh,
/// fish and every console script).
pub(crate) fn point_at(env: &Path, was: &Path, home: &Path) -> Result<(), FsError> {
    if cfg!(windows) {
        return Ok(());
    }
    let needles = spellings(was);
    for name in ["activate", "activate.csh"] {
        let path = env.join("bin").join(name);
        let Some(bytes) = fs::read_optional(&path)? else {
            continue;
        };
        let new = match name {
            "activate" => rewrite_text(&bytes, |t| Some(repoint_sh_fallback(t, &needles, home))),
            _ => rewrite_text(&bytes, |t| Some(point_csh(t, &needles, home))),
        };
        if let Some(new) = new
            && new != bytes
        {
            replace_keeping_mode(&path, &new)?;
        }
    }
    point_cfg(env, &needles, home)
}

/// After a clone of an env synced at `was` into `dir`, to be used at
/// `home`: points what names a path at `home` ([`point_at`]), then
/// relocates what pip wrote into `dir` since ([`relocate`]).
pub(crate) fn relocate_clone(dir: &Path, was: &Path, home: &Path) -> Result<Relocation, FsError> {
    point_at(dir, was, home)?;
    relocate(dir, home)
}

/// `dir` as written and, when it differs, canonically (pip writes
/// `sys.executable`, which is the path as invoked).
fn spellings(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_owned()];
    if let Ok(canonical) = dir.canonicalize()
        && canonical != dir
    {
        out.push(canonical);
    }
    out
}

/// Whether `path` starts as a compiled executable does (ELF, Mach-O, a
/// universal Mach-O): not read. pip copies one from its wheel byte for byte
/// (it rewrites only `#!python` shebangs), and the wheel was linked before
/// the env existed, so it cannot name the env's path; reading it cost
/// seconds for tools that ship one (ruff's is about 30 MB).
fn native_executable(path: &Path) -> Result<bool, FsError> {
    use std::io::Read;
    const MAGICS: [[u8; 4]; 6] = [
        *b"\x7fELF",
        [0xfe, 0xed, 0xfa, 0xce],
        [0xfe, 0xed, 0xfa, 0xcf],
        [0xce, 0xfa, 0xed, 0xfe],
        [0xcf, 0xfa, 0xed, 0xfe],
        [0xca, 0xfe, 0xba, 0xbe],
    ];
    let file = std::fs::File::open(path).map_err(|e| FsError::new("read", path, e))?;
    let mut head = Vec::with_capacity(4);
    file.take(4)
        .read_to_end(&mut head)
        .map_err(|e| FsError::new("read", path, e))?;
    Ok(MAGICS.iter().any(|m| head == m))
}

fn read_capped(path: &Path) -> Result<Vec<u8>, FsError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| FsError::new("read", path, e))?;
    let mut bytes = Vec::new();
    file.take(SCAN_CAP)
        .read_to_end(&mut bytes)
        .map_err(|e| FsError::new("read", path, e))?;
    Ok(bytes)
}

/// Replaces `path` atomically with `bytes`, keeping its permissions (not
/// synced: the env's state, synced, is written after).
fn replace_keeping_mode(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let perms = std::fs::metadata(path)
        .map_err(|e| FsError::new("inspect", path, e))?
        .permissions();
    fs::replace_unsynced(path, bytes, perms)
}

fn rewrite_text(bytes: &[u8], f: impl FnOnce(&str) -> Option<String>) -> Option<Vec<u8>> {
    f(std::str::from_utf8(bytes).ok()?).map(String::into_bytes)
}

pub(super) fn contains(haystack: &[u8], needle: &Path) -> bool {
    let needle = needle.as_os_str().as_encoded_bytes();
    !needle.is_empty() && memchr::memmem::find(haystack, needle).is_some()
}

/// `bytes` without the lines that name `home` (penv wrote those).
fn without_line_of(bytes: &[u8], home: &Path) -> Vec<u8> {
    let home = home.as_os_str().as_encoded_bytes();
    bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| memchr::memmem::find(line, home).is_none())
        .flatten()
        .copied()
        .collect()
}

/// The relocated form of a console script whose shebang runs an
/// executable in `bin` (`<env>/bin`, absolute), if it is one: the
/// trampoline, then the script's body unchanged. `None` for anything else.
pub(super) fn relocated_script(bytes: &[u8], bin: &Path) -> Option<Vec<u8>> {
    let bin = format!("{}/", bin.to_str()?);
    // A script's head is text; only the body may be cut mid-character.
    let head = &bytes[..bytes.len().min(4096)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    let (first, after_first) = text.split_once('\n')?;
    let first = first.strip_suffix('\r').unwrap_or(first);
    let (command, body_at) = if first == "#!/bin/sh" {
        // pip's trampoline: `'''exec' "<exe>" [args] "$0" "$@"` then `' '''`.
        let (second, after_second) = after_first.split_once('\n')?;
        let (third, _) = after_second.split_once('\n')?;
        if third != "' '''" {
            return None;
        }
        let exec = second
            .strip_prefix("'''exec' ")?
            .strip_suffix(" \"$0\" \"$@\"")?;
        let exec = match exec.strip_prefix('"') {
            Some(quoted) => {
                let (exe, rest) = quoted.split_once('"')?;
                format!("{exe}{rest}")
            }
            None => exec.to_owned(),
        };
        (exec, first.len() + second.len() + third.len() + 3)
    } else {
        (
            first.strip_prefix("#!")?.trim_start().to_owned(),
            first.len() + 1,
        )
    };
    let rest = command.strip_prefix(&bin)?;
    let (name, args) = rest.split_once(' ').unwrap_or((rest, ""));
    // Only a python reads the trampoline as a string literal.
    let python = ["python", "pypy", "graalpy"]
        .iter()
        .any(|p| name.starts_with(p));
    if !python || name.contains(['\'', '/', '"', '\\']) || args.contains(['"', '\'', '$', '`']) {
        return None;
    }
    let args = if args.trim().is_empty() {
        String::new()
    } else {
        format!(" {}", args.trim())
    };
    let mut out = format!("{TRAMPOLINE_HEAD}'{name}'{args} \"$0\" \"$@\"\n' '''\n").into_bytes();
    out.extend_from_slice(&bytes[body_at.min(bytes.len())..]);
    Some(out)
}

/// `pyvenv.cfg`'s `command = … <dir>` (3.11+, informational) naming `home`.
fn point_cfg(dir: &Path, needles: &[PathBuf], home: &Path) -> Result<(), FsError> {
    let cfg = dir.join("pyvenv.cfg");
    let Some(bytes) = fs::read_optional(&cfg)? else {
        return Ok(());
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(());
    };
    let Some(home) = home.to_str() else {
        return Ok(());
    };
    let new: String = text
        .split_inclusive('\n')
        .map(|line| {
            let is_command = line
                .split('=')
                .next()
                .is_some_and(|k| k.trim() == "command");
            if !is_command {
                return line.to_owned();
            }
            let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            needles
                .iter()
                .filter_map(|n| n.to_str())
                .find_map(|n| {
                    body.strip_suffix(n)
                        .map(|head| format!("{head}{home}{end}"))
                })
                .unwrap_or_else(|| line.to_owned())
        })
        .collect();
    if new != text {
        fs::write_atomic(&cfg, new.as_bytes())?;
    }
    Ok(())
}

/// What in site-packages names the env's path: `*.pth`, `*.egg-link`,
/// `__editable__*` (editable installs' path hooks) and every
/// `*.dist-info/direct_url.json`.
fn scan_site_packages(
    dir: &Path,
    needles: &[PathBuf],
    blockers: &mut Vec<String>,
) -> Result<(), FsError> {
    let lib = dir.join("lib");
    if !fs::real_dir(&lib).unwrap_or(false) {
        return Ok(());
    }
    let mut checked: Vec<PathBuf> = Vec::new();
    for (version, kind) in fs::list_dir(&lib)? {
        if !kind.is_dir() {
            continue;
        }
        let site = lib.join(&version).join("site-packages");
        let Ok(entries) = fs::list_dir(&site) else {
            continue;
        };
        for (name, kind) in entries {
            let name = name.to_string_lossy();
            let path = site.join(&*name);
            if kind.is_dir() && name.ends_with(".dist-info") {
                checked.push(path.join("direct_url.json"));
            } else if kind.is_file()
                && (name.ends_with(".pth")
                    || name.ends_with(".egg-link")
                    || name.starts_with("__editable__"))
            {
                checked.push(path);
            }
        }
    }
    checked.sort();
    for path in checked {
        let Some(bytes) = fs::read_optional(&path)? else {
            continue;
        };
        if needles.iter().any(|n| contains(&bytes, n)) {
            let shown = escape_path(path.strip_prefix(dir).unwrap_or(&path));
            blockers.push(format!(
                "`{shown}` names a path inside the env (an editable install checked out into it, or a package that records where it is installed)"
            ));
        }
    }
    Ok(())
}
