//! The pip runs that install a lock's selection into a new env: the
//! hash-checked files from a requirement file penv writes beside the env,
//! then the entries pip cannot hash-check.

use crate::Error;
use crate::installer;
use crate::ops::Ctx;
use crate::plan::Plan;

/// The pip runs that install a lock's selection: its files, hash-checked,
/// from a requirement file beside the env (in `.penv/`, outside what is
/// built and stashed); then the entries pip cannot hash-check
/// (directories, checkouts, archives without a hash), `--no-deps`.
/// When a locked URL was given index credentials (`lock::auth`), the file
/// is written for its owner only, and is deleted when the returned
/// [`SecretFile`] is dropped.
pub(super) fn lock_passes(
    ctx: &Ctx,
    plan: &Plan,
    spec: &crate::spec::Spec,
    lock: &crate::spec::LockSpec,
) -> Result<(Vec<Pass>, Option<SecretFile>), Error> {
    if !lock.untagged.is_empty() {
        ctx.printer.warn(&format!(
            "platform wheels of {} in the lock were passed over{}",
            lock.untagged
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            crate::lock::select::UNKNOWN_TAGS
        ));
    }
    let root = &plan.project.root;
    let mut passes = Vec::new();
    let mut secret_file = None;
    if !lock.selected.is_empty() {
        let file = plan
            .paths
            .work
            .join(format!("{}.pylock.txt", plan.paths.name));
        let (text, secret) = installer::lock_requirements(lock, &spec.pip)?;
        if secret {
            crate::fs::write_atomic_private(&file, text.as_bytes())?;
            secret_file = Some(SecretFile(file.clone()));
        } else {
            crate::fs::write_atomic(&file, text.as_bytes())?;
        }
        passes.push((
            installer::lock_args(spec, root, &file),
            "Installing requirements with pip",
        ));
    }
    if let Some(args) = installer::unhashed_args(spec, root)? {
        ctx.printer.verbose(&format!(
            "installing without a hash check (pip cannot check a source tree or a checkout): {}",
            lock.unhashed
                .iter()
                .map(|u| format!("`{}` ({})", u.name, u.kind()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        passes.push((args, "Installing the lock's local and VCS entries with pip"));
    }
    Ok((passes, secret_file))
}

/// One `pip` run: its arguments and its progress line.
pub(super) type Pass = (Vec<String>, &'static str);

/// A file penv wrote with a secret in it, deleted when dropped.
pub(super) struct SecretFile(std::path::PathBuf);

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = crate::fs::delete_file(&self.0);
    }
}
