//! IDE settings that name an interpreter: VS Code's
//! `.vscode/settings.json` (`python.defaultInterpreterPath`, and the older
//! `python.pythonPath`) and PyCharm's project SDK (`.idea/misc.xml` names
//! it; the SDK table in PyCharm's own settings gives its path). An IDE
//! pointed elsewhere runs, lints and debugs with another interpreter than
//! `penv run` does.

use std::path::{Path, PathBuf};

use super::{Finding, inside};
use crate::diagnostics::display_path;
use crate::env_vars::EnvVars;

/// A settings file: small; a larger one is not read.
const SETTINGS: crate::text_file::Kind = crate::text_file::Kind {
    what: "an IDE settings file",
    cap: 4 * 1024 * 1024,
};

pub(super) fn check(vars: &EnvVars, root: &Path, env: &Path) -> Vec<Finding> {
    let mut out = Vec::new();
    let vscode = root.join(".vscode/settings.json");
    for (key, value) in vscode_interpreters(&vscode) {
        let path = expand(&value, root, vars.home.as_deref());
        if !names_env(&path, env) {
            out.push(Finding {
                check: "ide",
                message: format!(
                    "`{}` sets `{key}` to `{value}`, not the project's env `{}`: VS Code runs and lints with another interpreter",
                    display_path(&vscode),
                    display_path(env)
                ),
                hint: format!(
                    "set `\"{key}\": \"${{workspaceFolder}}/{}\"` (or pick `{}` with \"Python: Select Interpreter\")",
                    env_rel(env, root),
                    display_path(&env.join("bin/python"))
                ),
            });
        }
    }
    if let Some((name, home)) = pycharm_sdk(vars, root)
        && !names_env(&home, env)
    {
        out.push(Finding {
            check: "ide",
            message: format!(
                "PyCharm's project interpreter `{name}` (`.idea/misc.xml`) is `{}`, not the project's env `{}`",
                display_path(&home),
                display_path(env)
            ),
            hint: format!(
                "in PyCharm: Settings → Project → Python Interpreter → Add → Existing → `{}`",
                display_path(&env.join("bin/python"))
            ),
        });
    }
    out
}

/// Whether an IDE's interpreter setting names the env: its python (or the
/// env directory itself, which some settings accept).
fn names_env(path: &Path, env: &Path) -> bool {
    super::real(path) == super::real(env) || inside(path, env)
}

fn env_rel(env: &Path, root: &Path) -> String {
    env.strip_prefix(root)
        .map_or_else(|_| env.display().to_string(), |p| p.display().to_string())
        + "/bin/python"
}

/// `${workspaceFolder}`, `~` and relative paths, as VS Code resolves them.
fn expand(value: &str, root: &Path, home: Option<&Path>) -> PathBuf {
    let value = value
        .replace("${workspaceFolder}", &root.display().to_string())
        .replace("${workspaceRoot}", &root.display().to_string());
    let path = match (value.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(&value),
    };
    if path.is_absolute() {
        path
    } else {
        root.join(path)
    }
}

/// The interpreter settings of a VS Code `settings.json` (JSON with
/// comments and trailing commas, as VS Code writes it), key and value.
fn vscode_interpreters(file: &Path) -> Vec<(&'static str, String)> {
    let Ok(Some(text)) = crate::text_file::read_optional(file, SETTINGS) else {
        return Vec::new();
    };
    let options = jsonc_parser::ParseOptions::default();
    let Ok(serde_json::Value::Object(map)) = jsonc_parser::parse_to_serde_value(&text, &options)
    else {
        return Vec::new();
    };
    ["python.defaultInterpreterPath", "python.pythonPath"]
        .into_iter()
        .filter_map(|key| Some((key, map.get(key)?.as_str()?.to_owned())))
        .collect()
}

/// PyCharm's project SDK: its name from `.idea/misc.xml`, its interpreter
/// from the SDK table of the newest PyCharm settings that define it.
fn pycharm_sdk(vars: &EnvVars, root: &Path) -> Option<(String, PathBuf)> {
    let misc = crate::text_file::read_optional(&root.join(".idea/misc.xml"), SETTINGS).ok()??;
    let doc = roxmltree::Document::parse(&misc).ok()?;
    let name = doc
        .descendants()
        .find(|n| n.attribute("name") == Some("ProjectRootManager"))?
        .attribute("project-jdk-name")?
        .to_owned();
    let config = vars
        .xdg_config_home
        .clone()
        .or_else(|| vars.home.as_ref().map(|h| h.join(".config")))?;
    let mut tables: Vec<PathBuf> = std::fs::read_dir(config.join("JetBrains"))
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("options/jdk.table.xml")))
        .filter(|p| p.is_file())
        .collect();
    // `PyCharm2024.3` sorts after `PyCharm2024.1`: the newest settings win.
    tables.sort();
    tables.iter().rev().find_map(|table| {
        let text = crate::text_file::read(table, SETTINGS).ok()?;
        let home = sdk_home(&text, &name)?;
        let home = match (home.strip_prefix("$USER_HOME$"), &vars.home) {
            (Some(rest), Some(user_home)) => user_home.join(rest.trim_start_matches('/')),
            _ => PathBuf::from(home),
        };
        Some((name.clone(), home))
    })
}

/// The `homePath` of the SDK named `name` in a `jdk.table.xml`.
fn sdk_home(table: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(table).ok()?;
    doc.descendants()
        .filter(|n| n.has_tag_name("jdk"))
        .find(|jdk| {
            jdk.children()
                .any(|c| c.has_tag_name("name") && c.attribute("value") == Some(name))
        })?
        .children()
        .find(|c| c.has_tag_name("homePath"))?
        .attribute("value")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vscode_settings_with_comments_and_trailing_commas_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("settings.json");
        std::fs::write(
            &file,
            "{\n  // the project's env\n  \"python.defaultInterpreterPath\": \"${workspaceFolder}/.venv/bin/python\", /* old: */\n  \"python.pythonPath\": \"/usr/bin/python3\",\n  \"editor.rulers\": [88,],\n}\n",
        )
        .unwrap();
        assert_eq!(
            vscode_interpreters(&file),
            vec![
                (
                    "python.defaultInterpreterPath",
                    "${workspaceFolder}/.venv/bin/python".to_owned()
                ),
                ("python.pythonPath", "/usr/bin/python3".to_owned()),
            ]
        );
        assert_eq!(
            expand("${workspaceFolder}/.venv/bin/python", Path::new("/p"), None),
            PathBuf::from("/p/.venv/bin/python")
        );
        assert_eq!(
            expand(".venv/bin/python", Path::new("/p"), None),
            PathBuf::from("/p/.venv/bin/python")
        );
        assert_eq!(
            expand(
                "~/envs/x/bin/python",
                Path::new("/p"),
                Some(Path::new("/h"))
            ),
            PathBuf::from("/h/envs/x/bin/python")
        );
    }

    #[test]
    fn the_sdk_table_gives_the_named_sdks_home() {
        let table = r#"<application><component name="ProjectJdkTable">
<jdk version="2"><name value="Python 3.11 (other)"/><type value="Python SDK"/><homePath value="/usr/bin/python3.11"/></jdk>
<jdk version="2"><name value="Python 3.12 (proj)"/><type value="Python SDK"/><homePath value="$USER_HOME$/proj/.venv/bin/python"/></jdk>
</component></application>"#;
        assert_eq!(
            sdk_home(table, "Python 3.12 (proj)").as_deref(),
            Some("$USER_HOME$/proj/.venv/bin/python")
        );
        assert_eq!(sdk_home(table, "nope"), None);
    }
}
