//! Test support: checks the `| code | English | 中文 |` table of a module doc comment against
//! the error types (the idea of `gaodi-domain`'s `message_table.rs`; this crate cannot use it).

use std::collections::BTreeSet;

/// One sample error: its code, args and `Display`.
pub(crate) type Sample = (&'static str, Vec<(&'static str, String)>, String);

/// Asserts that the samples have distinct codes, that the table has exactly one row per
/// sample, that each English template filled in with the sample's args is its `Display`, and
/// that the Chinese template has the same placeholders as the English one, all filled.
pub(crate) fn assert_doc_table_matches(source: &str, samples: &[Sample]) {
    let templates = doc_templates(source);
    let codes: BTreeSet<&str> = samples.iter().map(|s| s.0).collect();
    assert_eq!(codes.len(), samples.len(), "one sample per code");
    assert_eq!(templates.len(), samples.len(), "one template row per code");
    for (code, args, display) in samples {
        let (_, en, zh) = templates
            .iter()
            .find(|(row_code, _, _)| row_code == code)
            .unwrap_or_else(|| panic!("no template row for {code}"));
        assert_eq!(&render(en, args), display, "{code}");
        assert_eq!(placeholders(en), placeholders(zh), "{code}: placeholders differ");
        assert!(!render(zh, args).contains('{'), "zh placeholder unfilled: {zh}");
    }
}

/// The `| code | English | 中文 |` rows of a module doc comment.
pub(crate) fn doc_templates(source: &str) -> Vec<(String, String, String)> {
    source
        .lines()
        .filter_map(|line| line.strip_prefix("//! | `"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            (cells[0].trim_end_matches('`').to_owned(), cells[1].to_owned(), cells[2].trim_end_matches(" |").to_owned())
        })
        .collect()
}

pub(crate) fn placeholders(template: &str) -> BTreeSet<String> {
    template.split('{').skip(1).filter_map(|part| part.split_once('}').map(|(name, _)| name.to_owned())).collect()
}

fn render(template: &str, args: &[(&'static str, String)]) -> String {
    args.iter().fold(template.to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}
