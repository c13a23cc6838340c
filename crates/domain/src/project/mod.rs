//! Projects from call to acceptance: the pure engines of the project life cycle.
//!
//! - [`lifecycle`]: calls, applications, projects, milestones and change requests as state
//!   machines, and the call's deadline with its grace period.
//! - [`form`]: the configurable application form and the check of answers and attachments.
//! - [`eligibility`]: eligibility rules in gaodi-expr over the applicant's registry data, and the
//!   automatic screening with its reasons.
//! - [`draw`]: the auditable, replayable seeded random draw of an expert panel and its substitutes.
//! - [`conflict`]: typed, dated conflicts of interest between experts and applications, explained.
//! - [`review`]: review templates, aggregation of the experts' scores and the ranking of a call.

pub mod conflict;
pub mod draw;
pub mod eligibility;
pub mod form;
pub mod lifecycle;
pub mod review;

/// Asserts that both locale files hold `code` with exactly the English and Chinese texts of its
/// `| code | English | 中文 |` row in `source` (a module's text, by `include_str!`).
#[cfg(test)]
fn assert_doc_row_in_locales(source: &str, code: &str) {
    let prefix = format!("//! | `{code}` | ");
    let row = source.lines().find_map(|line| line.strip_prefix(&prefix)).unwrap_or_else(|| panic!("no row for {code}"));
    let cells: Vec<&str> = row.trim_end_matches(" |").split(" | ").collect();
    let (section, key) = code.split_once('.').expect("codes are section.key");
    for (text, expected) in [
        (include_str!("../../../../locales/en.toml"), cells[0]),
        (include_str!("../../../../locales/zh-CN.toml"), cells[1]),
    ] {
        let table: toml::Table = toml::from_str(text).expect("locale files are TOML");
        let found = table.get(section).and_then(|s| s.get(key)).and_then(toml::Value::as_str);
        assert_eq!(found, Some(expected), "locale text of {code}");
    }
}
