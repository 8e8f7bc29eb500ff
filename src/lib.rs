//! penv: declarative per-project Python environments.
//!
//! Three layers; imports only point down, and within the stages only
//! leftwards along the pipeline (no cycle between top-level modules, nor
//! between the files of one folder: `just graph` checks it, file by file):
//!
//! ```text
//! commands/   one file per command: arguments in, one call, a summary out
//!    │
//! ops/        what commands share: sync (fast path, lock, recover, restore
//!    │        or build), build (the transaction), use_env (as it is)
//! plan.rs     project + request + interpreter → spec + hash
//!    │
//! stages      penv.toml ──► request ──► interpreter ──► spec ──► env ──► pip ──► state
//!             (project/)   (python::   (python/)      (spec/)  (venv/)  (installer/) (state.rs,
//!                           precedence)                                              written last)
//! ```
//!
//! | module | what it owns |
//! | --- | --- |
//! | `commands/` | parsing done by [`cli`]; each command builds a plan and options, calls one operation, prints |
//! | `ops/` | `sync` (the no-op fast path under a reader's lock, else the writer lock, recovery, re-plan, stash restore or build; before it, the lock's freshness: `--locked` refuses a stale lock, a plain sync locks again), `build` (the transaction around create, seed, install, state; `build/passes`, a lock's pip runs), `derive` (a new env cloned from the nearest one and brought to the target by content; `derive/target`, what is kept; `derive/removal`, a removal's target read from the installed metadata; `derive/left_out`, what is not cloned because it would be uninstalled), `artifacts` (what each distribution was installed from, by pip's `--report`), `stored` (projects' envs offered to the store, when the spec hash covers all that decides them, and kept there by a detached `penv store-keep` once the command is done; `stored/put`, the clone put in place only while it holds what the env was built with), `use_env` (`which`, `run --no-sync`), `script` (a PEP 723 script's env: the store's entry for its block, its use recorded, the store evicted after a build), `lock` (resolving once in a scratch venv, each part apart only when the graph cannot say (`lock/roots`), writing `pylock.toml`, its freshness by the inputs hash), `doctor`, `envs` (list, prune), `cache` (clean), `edit` (`add`/`remove`: the edit, then a sync; the files put back if it fails), `init` (a project file from what the directory holds), `foreign` (other tools' files, read or not, as `init` and `doctor` name them), `hook` (git hooks that sync: finding the hooks dir, adding and removing penv's marked block), `pin` (`.python-version`, checked against the machine and `requires-python`), `activate` (the one set of activation variables `run`, `shell` and `activate` use, and each shell's quoting), `shell` (starting the user's shell activated: nesting refused, prompt marked after the user's rc files), `tree` (the installed dependency graph, markers and extras evaluated; `tree/walk` the tree shown, `tree/render` its text), `outdated` (the env's pip asked for the newest on the index and the newest the requirements allow), `export` (a requirements file from the lock's selection or the env as built), `inspect` (what those three refuse) |
//! | `plan.rs` | the pipeline's first three stages, once: the project's request inputs and the resolved interpreter (`plan/python`), `requires-python`, the spec and its hash (from `pylock.toml` when there is one); re-planned under the lock and checked after pip |
//! | [`project`] | finding and loading `penv.toml` (or `[tool.penv]`), or a script's `# /// script` block (`script/`, PEP 723), its serde model, validation, what it reads of other tools' tables (`tool_uv`, `poetry`: Poetry's and PDM's), `[tasks]` (checked on load, ordered by `depends`), locations for errors, editing its requirement arrays in place (`edit`) |
//! | `python/` | which request applies (`precedence`), discovery, choice, the probe and its cache (`interpreter`, the script in `probe_script`), resolution to a base (`resolve`) |
//! | `requirement.rs` | PEP 508 requirement strings (checked, canonical), panics of the parser contained |
//! | [`spec`] | the canonical spec and its sha256 (the env's identity): requirement files (`reqfile/`), `find-links`, local projects, `pip.args`, the diff shown when it changed |
//! | `lock/` | `pylock.toml` (PEP 751): its serde model and parser (`model`), every entry checked as it is read (`check`: each value that can reach pip parsed by `fields`, each wheel's and sdist's file name matched to its entry by `filename`, local files regular), and writing one from pip's resolution (which group or extra needs which package read from that one resolution's dependency graph: `parts`); selecting one file per package for an interpreter, groups and extras (`select`, with PEP 751 markers in `markers` and wheel tags in `tags`), and the entries pip cannot hash-check (`unhashed`: directories, checkouts); no credentials in a lock, the index's given back at install time (`auth`); uv's `uv.lock` (`uv/`: its graph walked for one interpreter into PEP 751 entries that `check` reads as any lock's, and `fresh`, whether it is still `pyproject.toml`'s); beside `spec/`, which may use its model |
//! | `venv/` | every rule about what an env is: `paths`, `readiness` (the one verdict), `owned` (the one ownership check and the one way to delete an env), `check` and `drift` (interpreter and contents as built), `found` (any tool's env on disk: kind, Python, size by inode, `found/tally`), `installed` (a distribution's version, from its `METADATA`), `metadata` (every installed distribution's name, version, `Requires-Dist` and `REQUESTED`), `create`, `seed/`, `relocate` (what names the env's path, rewritten after every install so the env works anywhere), `txn` (crash-safe replacement: a relocatable env built beside and swapped in, `txn/swap`; else built in place), `stash`, `kept` (user work rescued), `record` (each distribution's `RECORD`: the files it owns, edits in place, `REQUESTED`), `clone` (link modes) |
//! | `installer/` | the env's own pip: its arguments, running it, its output |
//! | `state.rs` | `penv-state.json`, written last: an env without one is never trusted |
//! | `registry.rs` | the envs penv synced, one small file per env in the data dir (`penv envs`) |
//!
//! Cross-cutting leaves, importing no stage: `fs` (file-system access;
//! every read opens without waiting and takes only a regular file;
//! `fs/remove.rs` is the only code that deletes, and only
//! `venv::owned` asks it to delete an env; `fs/digest_cache.rs` remembers
//! files' sha256 by their identity), `text_file` (the one capped
//! reader of files a project controls), `process` (the one child-process
//! runner: deadline, capped capture, signal forwarding), `env_vars` (the
//! only code that reads the environment), `printer` (the only code that
//! prints), `platform` (every OS difference), [`diagnostics`] (how errors
//! look, for anything that implements its trait, and how a path is written:
//! escaped for people, lossless or marked in JSON), `error` ([`Error`], with
//! each variant's hint), `credentials` (index credentials: hashed, shown
//! and passed to pip differently).

pub mod cli;
mod commands;
mod credentials;
pub mod diagnostics;
mod env_vars;
mod error;
mod fs;
mod installer;
mod lock;
mod ops;
mod plan;
mod platform;
mod printer;
mod process;
pub mod project;
mod python;
mod registry;
mod requirement;
pub mod spec;
mod state;
mod text_file;
mod venv;

use std::process::ExitCode;

pub use error::Error;

/// Runs penv with parsed arguments and returns the process's exit code.
pub fn run(cli: cli::Cli) -> ExitCode {
    let vars = env_vars::EnvVars::from_process();
    let printer = printer::Printer::new(
        cli.quiet,
        cli.verbose,
        cli.color,
        vars.no_color,
        vars.no_progress,
    );
    let code = match commands::dispatch(cli, vars, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&diagnostics::render_styled(&err));
            ExitCode::from(err.exit_code())
        }
    };
    // What the command offered to the store is kept, and what it moved
    // into a trash deleted, by detached penvs.
    ops::stored::keep_pending();
    venv::owned::trash::empty_pending();
    code
}
