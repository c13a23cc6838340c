//! The shared part of every registry import: column specifications (Chinese headers in the
//! templates; Chinese, English or key accepted on reading), row errors with sheet, line, column,
//! value and reason, and the report. Imports are all-or-nothing: rows are parsed and checked
//! first, and only a file without a single bad row is written, in one transaction.

use serde::Serialize;

use crate::tabular::{Table, TableRow};

/// Why a value was refused: an i18n key and its named arguments.
pub type Reason = (&'static str, Vec<(&'static str, String)>);

/// One column of an import template.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub key: &'static str,
    /// The header in the template (what clerks see).
    pub zh: &'static str,
    pub en: &'static str,
    pub required: bool,
}

impl ColumnSpec {
    pub const fn required(key: &'static str, zh: &'static str, en: &'static str) -> ColumnSpec {
        ColumnSpec { key, zh, en, required: true }
    }

    pub const fn optional(key: &'static str, zh: &'static str, en: &'static str) -> ColumnSpec {
        ColumnSpec { key, zh, en, required: false }
    }
}

/// A bad row (or a bad header, with line 1).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowError {
    pub sheet: String,
    pub line: usize,
    /// The header as written in the file (or the template's header if the column is missing).
    pub column: String,
    pub value: String,
    /// i18n key of the reason, with its arguments.
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
}

/// What an import did, or why it wrote nothing.
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportReport {
    pub kind: String,
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Non-empty means nothing was written.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Where each template column sits in a table, after checking the headers.
pub struct ColumnMap {
    sheet: String,
    positions: Vec<(ColumnSpec, Option<usize>)>,
}

fn normalise(h: &str) -> String {
    h.trim().replace(['（', '）'], "").replace(['(', ')', ' ', '\u{3000}'], "").to_lowercase()
}

impl ColumnMap {
    /// Matches the table's headers to the specs (by Chinese header, English header or key,
    /// ignoring spaces and brackets). Missing required columns and unknown columns are errors.
    pub fn new(table: &Table, specs: &[ColumnSpec]) -> Result<ColumnMap, Vec<RowError>> {
        let mut errors = Vec::new();
        let headers: Vec<String> = table.headers.iter().map(|h| normalise(h)).collect();
        let mut positions = Vec::new();
        for spec in specs {
            let names = [normalise(spec.zh), normalise(spec.en), normalise(spec.key)];
            let pos = headers.iter().position(|h| names.contains(h));
            if pos.is_none() && spec.required {
                errors.push(RowError {
                    sheet: table.sheet.clone(),
                    line: 1,
                    column: spec.zh.to_owned(),
                    value: String::new(),
                    code: "import.missing_column",
                    args: vec![("column", spec.zh.to_owned())],
                });
            }
            positions.push((*spec, pos));
        }
        for (i, h) in table.headers.iter().enumerate() {
            if !positions.iter().any(|(_, p)| *p == Some(i)) {
                errors.push(RowError {
                    sheet: table.sheet.clone(),
                    line: 1,
                    column: h.clone(),
                    value: h.clone(),
                    code: "import.unknown_column",
                    args: vec![("column", h.clone())],
                });
            }
        }
        if errors.is_empty() {
            Ok(ColumnMap { sheet: table.sheet.clone(), positions })
        } else {
            Err(errors)
        }
    }

    /// The cell of `key` in `row` (empty if the optional column is absent).
    pub fn get<'r>(&self, row: &'r TableRow, key: &str) -> &'r str {
        self.positions
            .iter()
            .find(|(s, _)| s.key == key)
            .and_then(|(_, p)| *p)
            .and_then(|p| row.cells.get(p))
            .map_or("", String::as_str)
    }

    /// An error about `key` in `row`.
    pub fn error(&self, row: &TableRow, key: &str, code: &'static str, args: Vec<(&'static str, String)>) -> RowError {
        let spec = self.positions.iter().find(|(s, _)| s.key == key).map(|(s, _)| *s);
        RowError {
            sheet: self.sheet.clone(),
            line: row.line,
            column: spec.map_or(key, |s| s.zh).to_owned(),
            value: self.get(row, key).to_owned(),
            code,
            args,
        }
    }

    /// The value of a required column, or an error naming it.
    pub fn required<'r>(&self, row: &'r TableRow, key: &str, errors: &mut Vec<RowError>) -> Option<&'r str> {
        let v = self.get(row, key);
        if v.is_empty() {
            let column = self.positions.iter().find(|(s, _)| s.key == key).map_or(key, |(s, _)| s.zh);
            errors.push(self.error(row, key, "import.required", vec![("column", column.to_owned())]));
            None
        } else {
            Some(v)
        }
    }
}

impl ColumnMap {
    /// The date in an optional column: `None` for an empty cell, and for a bad one, which is
    /// reported as `import.bad_date`.
    pub fn optional_date(&self, row: &TableRow, key: &str, errors: &mut Vec<RowError>) -> Option<time::Date> {
        match self.get(row, key) {
            "" => None,
            v => {
                let d = parse_date(v);
                if d.is_none() {
                    errors.push(self.error(row, key, "import.bad_date", vec![("value", v.to_owned())]));
                }
                d
            }
        }
    }

    /// The organisation named by its code in column `key` (upper-cased), looked up in `known`;
    /// an empty cell is `None`, an unknown code is reported as `import.unknown_organisation`.
    pub fn organisation<T: Clone>(
        &self,
        row: &TableRow,
        key: &str,
        known: &std::collections::HashMap<String, T>,
        errors: &mut Vec<RowError>,
    ) -> Option<T> {
        match self.get(row, key) {
            "" => None,
            v => {
                let found = known.get(&v.to_uppercase()).cloned();
                if found.is_none() {
                    errors.push(self.error(row, key, "import.unknown_organisation", vec![("value", v.to_owned())]));
                }
                found
            }
        }
    }
}

/// Parses an optional ISO date cell (`2021-03-05`, also `2021/3/5` and `2021.3.5`).
pub fn parse_date(s: &str) -> Option<time::Date> {
    let s = s.split(' ').next().unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u8 = parts[1].parse().ok()?;
    let d: u8 = parts[2].parse().ok()?;
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_clerks_type() {
        let d = time::macros::date!(2021 - 03 - 05);
        for s in ["2021-03-05", "2021/3/5", "2021.3.5", "2021-03-05 00:00:00"] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("2021-02-30"), None);
        assert_eq!(parse_date("5/3/2021x"), None);
    }
}
