//! The configurable application form of a call: sections of fields (text, long text, number,
//! money, date, attachment with size and type limits) and the check of an applicant's answers.
//!
//! # Error codes
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `form.bad_key` | Field key {key} is not valid: use lower-case letters, digits and _. | 字段标识 {key} 无效：只能用小写字母、数字和下划线。 |
//! | `form.duplicate_key` | Field key {key} is used twice in the form. | 表单中字段标识 {key} 重复。 |
//! | `form.empty` | The form has no fields. | 表单没有任何字段。 |
//! | `form.unknown_field` | The form has no field {key}. | 表单中没有字段 {key}。 |
//! | `form.too_long` | {label_en} has {len} characters; at most {max} are allowed. | {label_zh}有 {len} 个字，最多 {max} 个。 |
//! | `form.not_a_number` | {label_en} must be a number, not {value}. | {label_zh}应为数字，不能是 {value}。 |
//! | `form.not_money` | {label_en} must be an amount such as 120.5 (10k yuan), not {value}. | {label_zh}应为金额（万元），如 120.5，不能是 {value}。 |
//! | `form.not_a_date` | {label_en} must be a date as 2021-06-30, not {value}. | {label_zh}应为日期，如 2021-06-30，不能是 {value}。 |
//! | `form.file_too_large` | The file for {label_en} has {size} bytes; at most {max} are allowed. | {label_zh}的文件大小 {size} 字节，最大 {max} 字节。 |
//! | `form.file_type` | The file {file} for {label_en} is not allowed: use {accept}. | {label_zh}的文件 {file} 类型不允许：请用 {accept}。 |

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::{Money, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Number,
    /// An amount in 万元, kept exact.
    Money,
    Date,
    /// An attachment, checked against `max_bytes` and `accept`.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Most characters of a text answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    /// Largest attachment in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// Allowed attachment extensions, lower case without the dot (`pdf`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title_zh: String,
    pub title_en: String,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormTemplate {
    pub sections: Vec<Section>,
}

/// An attachment as uploaded: its file name and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub size: u64,
}

impl FormTemplate {
    /// The form of an ordinary municipal call.
    #[must_use]
    pub fn standard() -> FormTemplate {
        let f = |key: &str, zh: &str, en: &str, kind, required, max_len| Field {
            key: key.into(),
            label_zh: zh.into(),
            label_en: en.into(),
            kind,
            required,
            max_len,
            max_bytes: None,
            accept: Vec::new(),
        };
        FormTemplate {
            sections: vec![
                Section {
                    title_zh: "项目概况".into(),
                    title_en: "Overview".into(),
                    fields: vec![
                        f("summary", "项目摘要", "Summary", FieldKind::LongText, true, Some(2000)),
                        f("field", "技术领域", "Technology field", FieldKind::Text, true, Some(60)),
                        f("start_on", "计划开始日期", "Planned start", FieldKind::Date, true, None),
                        f("months", "实施期（月）", "Duration (months)", FieldKind::Number, true, None),
                    ],
                },
                Section {
                    title_zh: "预算".into(),
                    title_en: "Budget".into(),
                    fields: vec![f(
                        "own_funds",
                        "自筹经费（万元）",
                        "Own funds (10k yuan)",
                        FieldKind::Money,
                        true,
                        None,
                    )],
                },
                Section {
                    title_zh: "附件".into(),
                    title_en: "Attachments".into(),
                    fields: vec![Field {
                        accept: vec!["pdf".into()],
                        // The server's default request limit (2 MiB); a call may allow more where the server does.
                        max_bytes: Some(2 * 1024 * 1024),
                        ..f("proposal", "项目申报书（PDF）", "Proposal (PDF)", FieldKind::File, false, None)
                    }],
                },
            ],
        }
    }

    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| &s.fields)
    }

    #[must_use]
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields().find(|f| f.key == key)
    }

    /// Checks the template itself.
    ///
    /// # Errors
    /// The first bad or repeated key, or an empty form.
    pub fn validate(&self) -> Result<(), FormError> {
        let mut seen = BTreeSet::new();
        for f in self.fields() {
            let ok =
                !f.key.is_empty() && f.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !ok {
                return Err(FormError::BadKey { key: f.key.clone() });
            }
            if !seen.insert(f.key.as_str()) {
                return Err(FormError::DuplicateKey { key: f.key.clone() });
            }
        }
        if seen.is_empty() {
            return Err(FormError::Empty);
        }
        Ok(())
    }

    /// Checks and normalises the answers to the non-file fields (money to its exact form in
    /// 万元, text trimmed). Empty answers are dropped; whether required ones are there is a
    /// screening finding ([`FormTemplate::missing`]), since a draft may be incomplete.
    ///
    /// # Errors
    /// The first answer that is not acceptable, naming its field.
    pub fn check_answers(&self, answers: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, FormError> {
        let mut out = BTreeMap::new();
        for (key, raw) in answers {
            let field = self.field(key).ok_or_else(|| FormError::UnknownField { key: key.clone() })?;
            let value = raw.trim();
            if value.is_empty() {
                continue;
            }
            let bad = |make: fn(&Field, String) -> FormError| make(field, value.to_owned());
            let normal = match field.kind {
                FieldKind::Text | FieldKind::LongText => {
                    let len = value.chars().count();
                    if let Some(max) = field.max_len.filter(|&m| len > m as usize) {
                        return Err(FormError::TooLong {
                            label_zh: field.label_zh.clone(),
                            label_en: field.label_en.clone(),
                            len,
                            max,
                        });
                    }
                    value.to_owned()
                }
                FieldKind::Number => match value.parse::<f64>() {
                    Ok(x) if x.is_finite() => value.to_owned(),
                    _ => {
                        return Err(bad(|f, v| FormError::NotANumber {
                            label_zh: f.label_zh.clone(),
                            label_en: f.label_en.clone(),
                            value: v,
                        }))
                    }
                },
                FieldKind::Money => match Money::parse_unit(value, Unit::WanYuan) {
                    Ok(m) => m.to_exact_string(Unit::WanYuan),
                    Err(_) => {
                        return Err(bad(|f, v| FormError::NotMoney {
                            label_zh: f.label_zh.clone(),
                            label_en: f.label_en.clone(),
                            value: v,
                        }))
                    }
                },
                FieldKind::Date => {
                    let fmt = time::macros::format_description!("[year]-[month]-[day]");
                    match time::Date::parse(value, &fmt) {
                        Ok(d) => d.to_string(),
                        Err(_) => {
                            return Err(bad(|f, v| FormError::NotADate {
                                label_zh: f.label_zh.clone(),
                                label_en: f.label_en.clone(),
                                value: v,
                            }))
                        }
                    }
                }
                FieldKind::File => return Err(FormError::UnknownField { key: key.clone() }),
            };
            out.insert(key.clone(), normal);
        }
        Ok(out)
    }

    /// Checks an attachment for a file field.
    ///
    /// # Errors
    /// An unknown or non-file field, a file too large or of a type not accepted.
    pub fn check_upload(&self, key: &str, upload: &Upload<'_>) -> Result<(), FormError> {
        let field = self
            .field(key)
            .filter(|f| f.kind == FieldKind::File)
            .ok_or_else(|| FormError::UnknownField { key: key.to_owned() })?;
        if let Some(max) = field.max_bytes.filter(|&m| upload.size > m) {
            return Err(FormError::FileTooLarge {
                label_zh: field.label_zh.clone(),
                label_en: field.label_en.clone(),
                size: upload.size,
                max,
            });
        }
        let ext = upload.file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if !field.accept.is_empty() && !field.accept.contains(&ext) {
            return Err(FormError::FileType {
                label_zh: field.label_zh.clone(),
                label_en: field.label_en.clone(),
                file: upload.file_name.to_owned(),
                accept: field.accept.join(", "),
            });
        }
        Ok(())
    }

    /// Labels (in Chinese) of required fields without an answer; `present` tells which keys
    /// have one (answers and attachments).
    #[must_use]
    pub fn missing(&self, present: &dyn Fn(&str) -> bool) -> Vec<String> {
        self.fields().filter(|f| f.required && !present(&f.key)).map(|f| f.label_zh.clone()).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    BadKey { key: String },
    DuplicateKey { key: String },
    Empty,
    UnknownField { key: String },
    TooLong { label_zh: String, label_en: String, len: usize, max: u32 },
    NotANumber { label_zh: String, label_en: String, value: String },
    NotMoney { label_zh: String, label_en: String, value: String },
    NotADate { label_zh: String, label_en: String, value: String },
    FileTooLarge { label_zh: String, label_en: String, size: u64, max: u64 },
    FileType { label_zh: String, label_en: String, file: String, accept: String },
}

impl FormError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FormError::BadKey { .. } => "form.bad_key",
            FormError::DuplicateKey { .. } => "form.duplicate_key",
            FormError::Empty => "form.empty",
            FormError::UnknownField { .. } => "form.unknown_field",
            FormError::TooLong { .. } => "form.too_long",
            FormError::NotANumber { .. } => "form.not_a_number",
            FormError::NotMoney { .. } => "form.not_money",
            FormError::NotADate { .. } => "form.not_a_date",
            FormError::FileTooLarge { .. } => "form.file_too_large",
            FormError::FileType { .. } => "form.file_type",
        }
    }

    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let label = |zh: &String, en: &String| vec![("label_zh", zh.clone()), ("label_en", en.clone())];
        match self {
            FormError::BadKey { key } | FormError::DuplicateKey { key } | FormError::UnknownField { key } => {
                vec![("key", key.clone())]
            }
            FormError::Empty => Vec::new(),
            FormError::TooLong { label_zh, label_en, len, max } => {
                let mut a = label(label_zh, label_en);
                a.extend([("len", len.to_string()), ("max", max.to_string())]);
                a
            }
            FormError::NotANumber { label_zh, label_en, value }
            | FormError::NotMoney { label_zh, label_en, value }
            | FormError::NotADate { label_zh, label_en, value } => {
                let mut a = label(label_zh, label_en);
                a.push(("value", value.clone()));
                a
            }
            FormError::FileTooLarge { label_zh, label_en, size, max } => {
                let mut a = label(label_zh, label_en);
                a.extend([("size", size.to_string()), ("max", max.to_string())]);
                a
            }
            FormError::FileType { label_zh, label_en, file, accept } => {
                let mut a = label(label_zh, label_en);
                a.extend([("file", file.clone()), ("accept", accept.clone())]);
                a
            }
        }
    }
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::BadKey { key } => {
                write!(f, "Field key {key} is not valid: use lower-case letters, digits and _.")
            }
            FormError::DuplicateKey { key } => write!(f, "Field key {key} is used twice in the form."),
            FormError::Empty => write!(f, "The form has no fields."),
            FormError::UnknownField { key } => write!(f, "The form has no field {key}."),
            FormError::TooLong { label_en, len, max, .. } => {
                write!(f, "{label_en} has {len} characters; at most {max} are allowed.")
            }
            FormError::NotANumber { label_en, value, .. } => write!(f, "{label_en} must be a number, not {value}."),
            FormError::NotMoney { label_en, value, .. } => {
                write!(f, "{label_en} must be an amount such as 120.5 (10k yuan), not {value}.")
            }
            FormError::NotADate { label_en, value, .. } => {
                write!(f, "{label_en} must be a date as 2021-06-30, not {value}.")
            }
            FormError::FileTooLarge { label_en, size, max, .. } => {
                write!(f, "The file for {label_en} has {size} bytes; at most {max} are allowed.")
            }
            FormError::FileType { label_en, file, accept, .. } => {
                write!(f, "The file {file} for {label_en} is not allowed: use {accept}.")
            }
        }
    }
}

impl std::error::Error for FormError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_standard_form_is_valid_and_checks_answers() {
        let form = FormTemplate::standard();
        form.validate().unwrap();
        let ok = form
            .check_answers(&answers(&[
                ("summary", " 新型储能材料 "),
                ("own_funds", "120.50"),
                ("start_on", "2021-07-01"),
                ("field", ""),
            ]))
            .unwrap();
        assert_eq!(ok["summary"], "新型储能材料");
        assert_eq!(ok["own_funds"], "120.50");
        assert!(!ok.contains_key("field"));
        let missing = form.missing(&|k| ok.contains_key(k));
        assert_eq!(missing, ["技术领域", "实施期（月）"]);
    }

    #[test]
    fn bad_answers_name_the_field() {
        let form = FormTemplate::standard();
        let e = form.check_answers(&answers(&[("own_funds", "lots")])).unwrap_err();
        assert_eq!(e.to_string(), "Own funds (10k yuan) must be an amount such as 120.5 (10k yuan), not lots.");
        assert_eq!(form.check_answers(&answers(&[("start_on", "2021-02-30")])).unwrap_err().code(), "form.not_a_date");
        assert_eq!(form.check_answers(&answers(&[("colour", "red")])).unwrap_err().code(), "form.unknown_field");
        let long = "字".repeat(2001);
        assert_eq!(form.check_answers(&answers(&[("summary", &long)])).unwrap_err().code(), "form.too_long");
    }

    #[test]
    fn uploads_are_checked_for_size_and_type() {
        let form = FormTemplate::standard();
        form.check_upload("proposal", &Upload { file_name: "申报书.PDF", size: 1000 }).unwrap();
        let e = form.check_upload("proposal", &Upload { file_name: "申报书.docx", size: 1000 }).unwrap_err();
        assert_eq!(e.to_string(), "The file 申报书.docx for Proposal (PDF) is not allowed: use pdf.");
        let big = form.check_upload("proposal", &Upload { file_name: "a.pdf", size: 30 << 20 }).unwrap_err();
        assert_eq!(big.code(), "form.file_too_large");
        assert_eq!(
            form.check_upload("summary", &Upload { file_name: "a.pdf", size: 1 }).unwrap_err().code(),
            "form.unknown_field"
        );
    }

    #[test]
    fn templates_with_bad_keys_are_refused() {
        let mut form = FormTemplate::standard();
        form.sections[1].fields[0].key = "summary".into();
        assert_eq!(form.validate().unwrap_err().code(), "form.duplicate_key");
        form.sections[1].fields[0].key = "Own Funds".into();
        assert_eq!(form.validate().unwrap_err().code(), "form.bad_key");
        assert_eq!(FormTemplate { sections: Vec::new() }.validate().unwrap_err(), FormError::Empty);
    }

    #[test]
    fn the_doc_table_matches_the_messages() {
        let l = || ("项目摘要".to_owned(), "Summary".to_owned());
        let samples = [
            FormError::BadKey { key: "A".into() },
            FormError::DuplicateKey { key: "a".into() },
            FormError::Empty,
            FormError::UnknownField { key: "x".into() },
            FormError::TooLong { label_zh: l().0, label_en: l().1, len: 3, max: 2 },
            FormError::NotANumber { label_zh: l().0, label_en: l().1, value: "x".into() },
            FormError::NotMoney { label_zh: l().0, label_en: l().1, value: "x".into() },
            FormError::NotADate { label_zh: l().0, label_en: l().1, value: "x".into() },
            FormError::FileTooLarge { label_zh: l().0, label_en: l().1, size: 3, max: 2 },
            FormError::FileType { label_zh: l().0, label_en: l().1, file: "a.exe".into(), accept: "pdf".into() },
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("form.rs"),
            &samples,
            FormError::code,
            FormError::args,
        );
    }
}
