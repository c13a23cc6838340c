//! Test support for the error-message tables in module doc comments.
//!
//! Each domain module documents its error messages as `| code | English | 中文 |` rows, and the
//! web layer renders the Chinese text from `args()`. The table is the contract, so every module
//! checks it the same way here rather than each keeping its own copy of the parser.

use std::collections::BTreeSet;
use std::fmt::Display;

/// Checks `samples` (one error per variant) against the message table in `source`, the text
/// of the module that defines the error type (pass `include_str!` of that file).
///
/// Asserts that the samples cover distinct codes, that the table has exactly one row per
/// sample, that each sample's English template filled in with `args` is exactly its `Display`
/// output, and that its Chinese template has no placeholder left unfilled by `args`.
pub(crate) fn assert_doc_table_matches<E: Display>(
    source: &str,
    samples: &[E],
    code: impl Fn(&E) -> &'static str,
    args: impl Fn(&E) -> Vec<(&'static str, String)>,
) {
    let templates = doc_templates(source);
    let codes: BTreeSet<&str> = samples.iter().map(&code).collect();
    assert_eq!(codes.len(), samples.len(), "one sample per variant");
    assert_eq!(templates.len(), samples.len(), "one template row per variant");
    for error in samples {
        let (en, zh) = templates
            .iter()
            .find(|(row_code, _, _)| row_code == code(error))
            .map(|(_, en, zh)| (en.as_str(), zh.as_str()))
            .unwrap_or_else(|| panic!("no template row for {}", code(error)));
        let args = args(error);
        assert_eq!(render(en, &args), error.to_string());
        assert!(!render(zh, &args).contains('{'), "zh placeholder unfilled: {zh}");
    }
}

/// Reads the `| code | English | 中文 |` rows of a module doc comment.
fn doc_templates(source: &str) -> Vec<(String, String, String)> {
    source
        .lines()
        .filter_map(|line| line.strip_prefix("//! | `"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            (cells[0].trim_end_matches('`').to_owned(), cells[1].to_owned(), cells[2].trim_end_matches(" |").to_owned())
        })
        .collect()
}

fn render(template: &str, args: &[(&'static str, String)]) -> String {
    args.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}
