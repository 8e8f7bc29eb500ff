//! The env on disk: where it and penv's working files live, whether it
//! matches the spec, and how it is built, replaced and removed.
//!
//! Beside the env (in its parent directory) penv keeps a `.penv/` folder on
//! the same file system, so that moving an env aside, back, or into the
//! stash is a rename: `txn-<name>.json` (the intent record of a rebuild
//! under way), `new-<name>` (a relocatable env being built, swapped with
//! the env once complete), `old-<name>` (the env being replaced in place), `stash/` (envs kept
//! for branch switches), `kept/` (user work found in envs penv deleted,
//! see [`kept`]), `<name>.lock`. It carries a `.gitignore` of `*`. None of
//! them is ever followed through a symlink: a link where penv expects its
//! own directory is refused, naming it.

pub mod check;
pub(crate) mod clone;
pub mod create;
pub mod drift;
pub mod found;
pub(crate) mod installed;
pub mod kept;
pub(crate) mod metadata;
pub mod owned;
mod paths;
pub mod readiness;
pub(crate) mod record;
pub mod relocate;
pub mod seed;
pub mod stash;
pub mod store;
pub mod txn;

pub use paths::EnvPaths;
pub(crate) use readiness::{Readiness, Want};
