//! The marker environment a lock is made for: the plan's interpreter's, as
//! pip's report gives it (for a resolution pip did not make: uv's, or none).

use std::collections::BTreeMap;

use crate::plan::Plan;

/// The marker environment of the plan's interpreter, as pip's report gives it.
pub(super) fn environment(plan: &Plan) -> BTreeMap<String, String> {
    let Some(m) = &plan.python.info.markers else {
        return fallback_environment(plan);
    };
    [
        ("python_full_version", &m.python_full_version),
        ("python_version", &m.python_version),
        ("implementation_name", &m.implementation_name),
        ("sys_platform", &m.sys_platform),
        ("platform_machine", &m.platform_machine),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.clone()))
    .collect()
}

/// The environment of a lock with nothing in it (pip was not run).
pub(super) fn fallback_environment(plan: &Plan) -> BTreeMap<String, String> {
    let info = &plan.python.info;
    BTreeMap::from([
        ("python_full_version".to_owned(), info.version.clone()),
        ("python_version".to_owned(), info.major_minor()),
        (
            "implementation_name".to_owned(),
            info.implementation.clone(),
        ),
    ])
}
