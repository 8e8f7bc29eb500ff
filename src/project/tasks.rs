//! `[tasks]` (or `[tool.penv.tasks]`): checked when the project loads —
//! names, commands that split into words, `depends` naming tasks, no
//! cycle — and the order `penv run NAME` runs a task and its dependencies
//! in.
//!
//! Invariant: a project that loaded has tasks that can all be ordered, so
//! [`order`] never meets a cycle or an unknown name it was not given.

use std::collections::BTreeMap;

use super::model::{TaskCommand, TaskConfig};
use super::{Project, ProjectError};
use crate::diagnostics::did_you_mean;

/// Makes the error for a key path, a message and a hint (`validate`'s).
type Invalid<'a> = &'a dyn Fn(&[&str], String, Option<String>) -> ProjectError;

/// The tasks to run for `name`, dependencies first (depth first, in the
/// order `depends` lists them), each once; `name` last. A cycle is the
/// error, as the chain of names that closes it (`a`, `b`, `a`).
pub(crate) fn order<'a>(
    tasks: &'a BTreeMap<String, TaskConfig>,
    name: &'a str,
) -> Result<Vec<&'a str>, Vec<String>> {
    fn visit<'a>(
        tasks: &'a BTreeMap<String, TaskConfig>,
        name: &'a str,
        path: &mut Vec<&'a str>,
        done: &mut Vec<&'a str>,
    ) -> Result<(), Vec<String>> {
        if done.contains(&name) {
            return Ok(());
        }
        if let Some(at) = path.iter().position(|n| *n == name) {
            let mut cycle: Vec<String> = path[at..].iter().map(|n| (*n).to_owned()).collect();
            cycle.push(name.to_owned());
            return Err(cycle);
        }
        path.push(name);
        for dep in tasks.get(name).map(TaskConfig::depends).unwrap_or_default() {
            visit(tasks, dep, path, done)?;
        }
        path.pop();
        done.push(name);
        Ok(())
    }
    let mut done = Vec::new();
    visit(tasks, name, &mut Vec::new(), &mut done)?;
    Ok(done)
}

/// A task name: letters, digits, `-`, `_`, `.` and `:`, starting and ending
/// with a letter or digit (so it never looks like an option or a path).
fn is_valid_task_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

/// Checks every task; each refusal points at the key it is about.
pub(super) fn validate(project: &Project, invalid: Invalid<'_>) -> Result<(), ProjectError> {
    let tasks = &project.config.tasks;
    for (name, task) in tasks {
        if !is_valid_task_name(name) {
            return Err(invalid(
                &["tasks", name],
                format!("invalid task name `{}`", crate::diagnostics::excerpt(name)),
                Some("task names are letters, digits, `-`, `_`, `.` and `:`, starting and ending with a letter or digit".to_owned()),
            ));
        }
        let cmd_key: &[&str] = match task {
            TaskConfig::Table(_) => &["tasks", name, "cmd"],
            _ => &["tasks", name],
        };
        match task.command() {
            Some(command) => check_command(&command, cmd_key, invalid)?,
            None if task.depends().is_empty() => {
                return Err(invalid(
                    &["tasks", name],
                    format!("task `{name}` has no `cmd` and no `depends`: it would do nothing"),
                    Some("add `cmd = \"…\"`, or `depends = [\"other\", …]` for a task made of others".to_owned()),
                ));
            }
            None => {}
        }
        for (i, dep) in task.depends().iter().enumerate() {
            if !tasks.contains_key(dep) {
                let hint = match did_you_mean(dep, tasks.keys().map(String::as_str)) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => "`depends` names tasks of `[tasks]`".to_owned(),
                };
                return Err(invalid(
                    &["tasks", name, "depends", &i.to_string()],
                    format!("task `{name}` depends on `{dep}`, which is not a task"),
                    Some(hint),
                ));
            }
        }
        let Some(table) = task.table() else { continue };
        for key in table.env.keys() {
            if key.is_empty() || key.contains(['=', '\0']) {
                return Err(invalid(
                    &["tasks", name, "env"],
                    format!(
                        "`{}` cannot be the name of an environment variable",
                        crate::diagnostics::excerpt(key)
                    ),
                    Some("a variable's name is not empty and holds no `=`".to_owned()),
                ));
            }
        }
        if table.cwd.as_deref().is_some_and(|c| c.trim().is_empty()) {
            return Err(invalid(
                &["tasks", name, "cwd"],
                "`cwd` is empty".to_owned(),
                Some("leave it out to run in the project file's directory".to_owned()),
            ));
        }
    }
    for name in tasks.keys() {
        if let Err(cycle) = order(tasks, name) {
            let chain = cycle
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" → ");
            return Err(invalid(
                &["tasks", &cycle[0], "depends"],
                format!("tasks depend on each other in a cycle: {chain}"),
                Some(
                    "remove one of these `depends` entries: a task cannot run before itself"
                        .to_owned(),
                ),
            ));
        }
    }
    Ok(())
}

fn check_command(
    command: &TaskCommand,
    key: &[&str],
    invalid: Invalid<'_>,
) -> Result<(), ProjectError> {
    match command.words() {
        None => Err(invalid(
            key,
            "the command line has a quote that is never closed".to_owned(),
            Some("close the quote, or write the command as an array of arguments: `[\"pytest\", \"-k\", \"a b\"]`".to_owned()),
        )),
        Some(words) if words.first().is_none_or(String::is_empty) => Err(invalid(
            key,
            "the command is empty".to_owned(),
            Some("write the program and its arguments: `\"pytest -x\"` or `[\"pytest\", \"-x\"]`".to_owned()),
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tasks(pairs: &[(&str, &[&str])]) -> BTreeMap<String, TaskConfig> {
        pairs
            .iter()
            .map(|(name, deps)| {
                let table = super::super::model::TaskTable {
                    cmd: Some(TaskCommand::Line("true".into())),
                    depends: deps.iter().map(|d| (*d).to_owned()).collect(),
                    ..Default::default()
                };
                ((*name).to_owned(), TaskConfig::Table(table))
            })
            .collect()
    }

    #[test]
    fn dependencies_run_first_each_once_in_the_order_listed() {
        let t = tasks(&[
            ("all", &["lint", "test"]),
            ("lint", &["fmt"]),
            ("test", &["fmt", "build"]),
            ("fmt", &[]),
            ("build", &[]),
        ]);
        assert_eq!(
            order(&t, "all").unwrap(),
            ["fmt", "lint", "build", "test", "all"]
        );
        assert_eq!(order(&t, "fmt").unwrap(), ["fmt"]);
    }

    #[test]
    fn a_cycle_is_named_from_where_it_closes() {
        let t = tasks(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(order(&t, "a").unwrap_err(), ["a", "b", "c", "a"]);
        let t = tasks(&[("x", &["x"])]);
        assert_eq!(order(&t, "x").unwrap_err(), ["x", "x"]);
    }

    #[test]
    fn task_names_never_look_like_options_or_paths() {
        for ok in ["test", "lint:fix", "build.docs", "a_b-c"] {
            assert!(is_valid_task_name(ok), "{ok}");
        }
        for bad in ["", "-x", "a/b", "run.", " t", "ü"] {
            assert!(!is_valid_task_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_line_is_split_as_a_shell_would() {
        let c = TaskCommand::Line("pytest -k 'a b' \"c d\" e\\ f".into());
        assert_eq!(c.words().unwrap(), ["pytest", "-k", "a b", "c d", "e f"]);
        assert!(TaskCommand::Line("echo 'open".into()).words().is_none());
    }
}
