//! Index definitions: one TOML text holds everything a composite index needs — its code, names,
//! year and version, the aggregation tree over gaodi indicator codes (weights, directions) and
//! the [`Method`] — so that a definition can be stored, versioned and compared as one document.
//!
//! ```toml
//! code = "district_innovation"
//! name_zh = "区县科技创新指数"
//! name_en = "District innovation index"
//! year = 2025
//! version = 1
//!
//! [method.normalise]          # the sections of METHOD.toml under [method]; all optional
//! method = "minmax"
//! range = [0, 100]
//!
//! [[aggregates]]              # code, name_zh, name_en, parent (none for the root), weight
//! code = "index"
//! name_zh = "区县科技创新指数"
//! name_en = "District innovation index"
//!
//! [[indicators]]              # code, parent, weight, direction (1 or -1); optional name_zh,
//! code = "rd_intensity"       # name_en, denominator, lower, upper, transform (as in IND.csv)
//! parent = "inputs"
//! weight = 0.4
//! direction = 1
//! ```
//!
//! [`IndexDefinition::from_toml`] checks everything and names the line and the field of the
//! first problem; [`IndexDefinition::new`] checks a [`DefinitionSpec`] built in code the same
//! way (naming the field only); [`IndexDefinition::to_toml`] writes the text back (reading it
//! again gives the same definition). The checked tree is a [`Framework`] whose nodes are the
//! entries in file order, so the engine's summation order is the file order.
//! [`DISTRICT_INNOVATION_INDEX`] is the definition gaodi ships; [`panel_from_values`] turns
//! indicator values per unit and period into the [`Panel`] that [`super::build`] takes.
//!
//! # Error codes
//!
//! `{location}` is `Line L (FIELD): ` (or `FIELD: ` when the definition was not read from text)
//! and `{location_zh}` the same in Chinese. `{message}` of `index.definition.syntax` is the TOML
//! parser's English text; `{reason}` of `index.definition.framework` and
//! `index.definition.method` is the English text of the wrapped [`FrameworkError`] or
//! [`MethodError`] ([`DefinitionError::kind`] gives it, with its own `code()` and `args()`).
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `index.definition.syntax` | {location}{message} | {location_zh}TOML 格式有误：{message} |
//! | `index.definition.invalid_code` | {location}"{value}" is not a valid code; accepted: lower-case letters, digits and _, starting with a letter, at most 64 characters. | {location_zh}“{value}”不是有效代码：只能由小写字母、数字和下划线组成，以字母开头，最长 64 个字符。 |
//! | `index.definition.empty_name` | {location}the name is empty; give both name_zh and name_en. | {location_zh}名称为空；请同时填写 name_zh 和 name_en。 |
//! | `index.definition.bad_year` | {location}year {value} is not accepted; accepted: a year from 1949 to 2200. | {location_zh}年份 {value} 无效；可接受：1949 至 2200 年。 |
//! | `index.definition.bad_version` | {location}version 0 is not accepted; versions start at 1. | {location_zh}版本号不能为 0；版本号从 1 开始。 |
//! | `index.definition.bad_direction` | {location}direction {value} is not accepted; accepted: 1 (higher is better) or -1 (lower is better). | {location_zh}方向 {value} 无效；可接受：1（越高越好）或 -1（越低越好）。 |
//! | `index.definition.half_bounds` | {location}only one of lower and upper is set; set both (fixed goalposts) or neither. | {location_zh}lower 与 upper 只填了一个；请两个都填（固定上下限）或都不填。 |
//! | `index.definition.bad_transform` | {location}transform "{value}" is not recognised; accepted: sqrt, log, log10, ct_log, ct_log_original, gii_log, boxcox:LAMBDA. | {location_zh}变换“{value}”无法识别；可接受：sqrt、log、log10、ct_log、ct_log_original、gii_log、boxcox:LAMBDA。 |
//! | `index.definition.missing_weight` | {location}the aggregate has no weight; every aggregate except the root needs one. | {location_zh}该汇总节点没有权重；除根节点外每个汇总节点都需要权重。 |
//! | `index.definition.group_mean` | {location}impute method "group_mean" needs a grouping column, which indicator values do not have; accepted here: "none" or "carry". | {location_zh}插补方法“group_mean”需要分组列，而指标值没有分组列；此处可接受：“none”或“carry”。 |
//! | `index.definition.framework` | {location}{reason} | {location_zh}{reason} |
//! | `index.definition.method` | {location}{reason} | {location_zh}{reason} |
//! | `index.values.duplicate` | Indicator {code} has two values for unit {unit} in {period}; give one value per unit, period and indicator. | 指标 {code} 在 {period} 对单位 {unit} 有两个值；每个单位、时期和指标只能有一个值。 |
//! | `index.values.not_finite` | Indicator {code} has the value {value} for unit {unit} in {period}; values must be finite numbers (leave a missing value empty). | 指标 {code} 在 {period} 对单位 {unit} 的值为 {value}；值必须是有限数（缺失值请留空）。 |

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::framework::{Aggregate, Bounds, Direction, Framework, FrameworkError, Indicator, Transform};
use super::method::{ImputeMethod, Method, MethodError};
use super::{Panel, RowKey};
use crate::indicator::parse_code;

/// The district innovation index (区县科技创新指数) gaodi ships: 15 indicators of the shipped
/// catalogue in four pillars — inputs 0.25, actors 0.25, outputs 0.30, environment 0.20 — with
/// the methodology's defaults (winsorisation with the CT log fallback, min-max onto [0, 100],
/// arithmetic aggregation with weights renormalised over the indicators present). Counts are
/// not divided by size: the index measures the weight of each district in the city's system.
pub const DISTRICT_INNOVATION_INDEX: &str = r#"# 区县科技创新指数 — the district innovation index gaodi ships.
code = "district_innovation"
name_zh = "区县科技创新指数"
name_en = "District innovation index"
year = 2025
version = 1

[method.treat]
method = "winsorise"

[method.normalise]
method = "minmax"
range = [0, 100]

[method.aggregate]
method = "arithmetic"

[[aggregates]]
code = "index"
name_zh = "区县科技创新指数"
name_en = "District innovation index"

[[aggregates]]
code = "inputs"
name_zh = "创新投入"
name_en = "Innovation inputs"
parent = "index"
weight = 0.25

[[aggregates]]
code = "actors"
name_zh = "创新主体"
name_en = "Innovation actors"
parent = "index"
weight = 0.25

[[aggregates]]
code = "outputs"
name_zh = "创新产出"
name_en = "Innovation outputs"
parent = "index"
weight = 0.3

[[aggregates]]
code = "environment"
name_zh = "创新环境"
name_en = "Innovation environment"
parent = "index"
weight = 0.2

[[indicators]]
code = "rd_intensity"
parent = "inputs"
weight = 0.4
direction = 1

[[indicators]]
code = "fiscal_st_expenditure_share"
parent = "inputs"
weight = 0.3
direction = 1

[[indicators]]
code = "natl_prov_projects_approved"
parent = "inputs"
weight = 0.3
direction = 1

[[indicators]]
code = "hte_count"
parent = "actors"
weight = 0.25
direction = 1

[[indicators]]
code = "tech_sme_count"
parent = "actors"
weight = 0.25
direction = 1

[[indicators]]
code = "st_platforms_total"
parent = "actors"
weight = 0.2
direction = 1

[[indicators]]
code = "st_platforms_national"
parent = "actors"
weight = 0.2
direction = 1

[[indicators]]
code = "new_rd_institutions"
parent = "actors"
weight = 0.1
direction = 1

[[indicators]]
code = "invention_patents_per_10k"
parent = "outputs"
weight = 0.3
direction = 1

[[indicators]]
code = "tech_contract_turnover"
parent = "outputs"
weight = 0.3
direction = 1

[[indicators]]
code = "hti_value_added"
parent = "outputs"
weight = 0.2
direction = 1

[[indicators]]
code = "hti_va_growth"
parent = "outputs"
weight = 0.2
direction = 1

[[indicators]]
code = "municipal_leading_talents_cum"
parent = "environment"
weight = 0.4
direction = 1

[[indicators]]
code = "st_commissioners"
parent = "environment"
weight = 0.3
direction = 1

[[indicators]]
code = "ip_credit_loans"
parent = "environment"
weight = 0.3
direction = 1
"#;

/// The plain, serialisable content of a definition (what the TOML text holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefinitionSpec {
    /// The index code, e.g. `district_innovation`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// The year the definition is for (its first edition year).
    pub year: i32,
    /// The version within the code, from 1.
    pub version: u32,
    #[serde(default)]
    pub method: Method,
    /// The aggregation tree: exactly one entry without a parent (the root).
    pub aggregates: Vec<AggregateSpec>,
    /// The leaves: gaodi indicator codes.
    pub indicators: Vec<IndicatorSpec>,
}

/// One `[[aggregates]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateSpec {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `None` for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Relative weight within the parent, > 0; not used (and may be left out) for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// One `[[indicators]]` entry: the columns of IND.csv, names optional (the indicator
/// catalogue has them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    /// A gaodi indicator code.
    pub code: String,
    pub parent: String,
    /// Relative weight within the parent, > 0.
    pub weight: f64,
    /// 1 if higher is better, -1 otherwise.
    pub direction: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_zh: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name_en: String,
    /// The code of another value to divide by (for the same unit and period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// Fixed goalposts, both or neither (`[normalise] method = "bounds"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// As in IND.csv: `sqrt`, `log`, `log10`, `ct_log`, `ct_log_original`, `gii_log`, `boxcox:LAMBDA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<String>,
}

/// A checked definition: its spec and the [`Framework`] built from it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexDefinition {
    spec: DefinitionSpec,
    framework: Framework,
}

/// Where a problem is: the line in the TOML text (when read from text) and the field.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub line: Option<usize>,
    /// A path such as `year`, `indicators[2].weight`, `method.treat.max_points`.
    pub field: String,
}

impl Location {
    fn en(&self) -> String {
        match self.line {
            Some(line) if self.field.is_empty() => format!("Line {line}: "),
            Some(line) => format!("Line {line} ({}): ", self.field),
            None if self.field.is_empty() => String::new(),
            None => format!("{}: ", self.field),
        }
    }

    fn zh(&self) -> String {
        match self.line {
            Some(line) if self.field.is_empty() => format!("第 {line} 行："),
            Some(line) => format!("第 {line} 行（{}）：", self.field),
            None if self.field.is_empty() => String::new(),
            None => format!("{}：", self.field),
        }
    }
}

/// What is wrong with a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum DefinitionErrorKind {
    /// Not TOML, a value of the wrong type, a missing or unknown field.
    Syntax {
        message: String,
    },
    InvalidCode {
        value: String,
    },
    EmptyName,
    BadYear {
        value: i32,
    },
    BadVersion,
    BadDirection {
        value: i64,
    },
    HalfBounds,
    BadTransform {
        value: String,
    },
    MissingWeight,
    GroupMean,
    Framework(FrameworkError),
    Method(MethodError),
}

/// A problem in a definition and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionError {
    pub location: Location,
    pub kind: DefinitionErrorKind,
}

impl DefinitionError {
    /// The stable i18n key, e.g. `index.definition.bad_direction`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self.kind {
            DefinitionErrorKind::Syntax { .. } => "index.definition.syntax",
            DefinitionErrorKind::InvalidCode { .. } => "index.definition.invalid_code",
            DefinitionErrorKind::EmptyName => "index.definition.empty_name",
            DefinitionErrorKind::BadYear { .. } => "index.definition.bad_year",
            DefinitionErrorKind::BadVersion => "index.definition.bad_version",
            DefinitionErrorKind::BadDirection { .. } => "index.definition.bad_direction",
            DefinitionErrorKind::HalfBounds => "index.definition.half_bounds",
            DefinitionErrorKind::BadTransform { .. } => "index.definition.bad_transform",
            DefinitionErrorKind::MissingWeight => "index.definition.missing_weight",
            DefinitionErrorKind::GroupMean => "index.definition.group_mean",
            DefinitionErrorKind::Framework(_) => "index.definition.framework",
            DefinitionErrorKind::Method(_) => "index.definition.method",
        }
    }

    /// The named arguments of the message template (always `location` and `location_zh`).
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let mut args = vec![("location", self.location.en()), ("location_zh", self.location.zh())];
        match &self.kind {
            DefinitionErrorKind::Syntax { message } => args.push(("message", message.clone())),
            DefinitionErrorKind::InvalidCode { value } | DefinitionErrorKind::BadTransform { value } => {
                args.push(("value", value.clone()));
            }
            DefinitionErrorKind::BadYear { value } => args.push(("value", value.to_string())),
            DefinitionErrorKind::BadDirection { value } => args.push(("value", value.to_string())),
            DefinitionErrorKind::Framework(e) => args.push(("reason", e.to_string())),
            DefinitionErrorKind::Method(e) => args.push(("reason", e.to_string())),
            DefinitionErrorKind::EmptyName
            | DefinitionErrorKind::BadVersion
            | DefinitionErrorKind::HalfBounds
            | DefinitionErrorKind::MissingWeight
            | DefinitionErrorKind::GroupMean => {}
        }
        args
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location.en())?;
        match &self.kind {
            DefinitionErrorKind::Syntax { message } => write!(f, "{message}"),
            DefinitionErrorKind::InvalidCode { value } => write!(
                f,
                "\"{value}\" is not a valid code; accepted: lower-case letters, digits and _, starting with a letter, \
                 at most 64 characters."
            ),
            DefinitionErrorKind::EmptyName => write!(f, "the name is empty; give both name_zh and name_en."),
            DefinitionErrorKind::BadYear { value } => {
                write!(f, "year {value} is not accepted; accepted: a year from 1949 to 2200.")
            }
            DefinitionErrorKind::BadVersion => write!(f, "version 0 is not accepted; versions start at 1."),
            DefinitionErrorKind::BadDirection { value } => {
                write!(f, "direction {value} is not accepted; accepted: 1 (higher is better) or -1 (lower is better).")
            }
            DefinitionErrorKind::HalfBounds => {
                write!(f, "only one of lower and upper is set; set both (fixed goalposts) or neither.")
            }
            DefinitionErrorKind::BadTransform { value } => write!(
                f,
                "transform \"{value}\" is not recognised; accepted: sqrt, log, log10, ct_log, ct_log_original, \
                 gii_log, boxcox:LAMBDA."
            ),
            DefinitionErrorKind::MissingWeight => {
                write!(f, "the aggregate has no weight; every aggregate except the root needs one.")
            }
            DefinitionErrorKind::GroupMean => write!(
                f,
                "impute method \"group_mean\" needs a grouping column, which indicator values do not have; accepted \
                 here: \"none\" or \"carry\"."
            ),
            DefinitionErrorKind::Framework(e) => write!(f, "{e}"),
            DefinitionErrorKind::Method(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DefinitionError {}

/// A field of the spec, before it is rendered as a path and looked up in the text.
#[derive(Debug, Clone, Copy)]
enum At {
    Top(&'static str),
    Aggregate(usize, &'static str),
    Indicator(usize, &'static str),
    Method(&'static str, &'static str),
}

impl At {
    fn path(self) -> String {
        match self {
            At::Top(key) => key.to_owned(),
            At::Aggregate(i, key) => format!("aggregates[{i}].{key}"),
            At::Indicator(i, key) => format!("indicators[{i}].{key}"),
            At::Method(section, key) => format!("method.{section}.{key}"),
        }
    }
}

fn fail(at: At, kind: DefinitionErrorKind) -> (At, DefinitionErrorKind) {
    (at, kind)
}

impl IndexDefinition {
    /// Checks a spec: codes, names, year, version, directions, bounds, transforms, weights, then
    /// the tree ([`Framework::new`]) and the method ([`Method::validate`]). The error names the
    /// field (no line).
    ///
    /// # Errors
    /// The first [`DefinitionError`] found.
    pub fn new(spec: DefinitionSpec) -> Result<IndexDefinition, DefinitionError> {
        check(spec).map_err(|(at, kind)| DefinitionError { location: Location { line: None, field: at.path() }, kind })
    }

    /// Reads and checks a definition from TOML text; the error names the line and the field.
    ///
    /// # Errors
    /// [`DefinitionErrorKind::Syntax`] for text that is not a definition (bad TOML, a value of
    /// the wrong type, a missing or unknown field), else as [`IndexDefinition::new`].
    pub fn from_toml(text: &str) -> Result<IndexDefinition, DefinitionError> {
        let spec: DefinitionSpec = toml::from_str(text).map_err(|e| DefinitionError {
            location: Location { line: e.span().map(|span| line_of(text, span.start)), field: String::new() },
            kind: DefinitionErrorKind::Syntax { message: e.message().trim_end().to_owned() },
        })?;
        check(spec).map_err(|(at, kind)| DefinitionError {
            location: Location { line: locate(text, at), field: at.path() },
            kind,
        })
    }

    /// The definition as TOML text; [`IndexDefinition::from_toml`] reads it back unchanged.
    #[must_use]
    pub fn to_toml(&self) -> String {
        // A checked spec has only finite numbers and strings: serialisation cannot fail.
        toml::to_string(&self.spec).unwrap_or_default()
    }

    /// The definition gaodi ships, [`DISTRICT_INNOVATION_INDEX`].
    #[must_use]
    pub fn district_innovation() -> IndexDefinition {
        // A unit test reads the constant; it is always valid.
        IndexDefinition::from_toml(DISTRICT_INNOVATION_INDEX).unwrap_or_else(|e| unreachable!("shipped: {e}"))
    }

    #[must_use]
    pub fn spec(&self) -> &DefinitionSpec {
        &self.spec
    }

    #[must_use]
    pub fn framework(&self) -> &Framework {
        &self.framework
    }

    #[must_use]
    pub fn method(&self) -> &Method {
        &self.spec.method
    }

    /// The codes whose values the index reads: indicators, then denominators not already
    /// listed, each once, in file order.
    #[must_use]
    pub fn value_codes(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        let indicators = self.spec.indicators.iter().map(|x| x.code.as_str());
        let denominators = self.spec.indicators.iter().filter_map(|x| x.denominator.as_deref());
        indicators.chain(denominators).filter(|code| seen.insert(*code)).collect()
    }
}

fn check(spec: DefinitionSpec) -> Result<IndexDefinition, (At, DefinitionErrorKind)> {
    let code = |at: At, value: &str| {
        parse_code(value)
            .map(|_| ())
            .map_err(|_| fail(at, DefinitionErrorKind::InvalidCode { value: value.to_owned() }))
    };
    let name = |at: At, value: &str| {
        if value.trim().is_empty() {
            Err(fail(at, DefinitionErrorKind::EmptyName))
        } else {
            Ok(())
        }
    };
    code(At::Top("code"), &spec.code)?;
    name(At::Top("name_zh"), &spec.name_zh)?;
    name(At::Top("name_en"), &spec.name_en)?;
    if !(1949..=2200).contains(&spec.year) {
        return Err(fail(At::Top("year"), DefinitionErrorKind::BadYear { value: spec.year }));
    }
    if spec.version == 0 {
        return Err(fail(At::Top("version"), DefinitionErrorKind::BadVersion));
    }
    let mut aggregates = Vec::with_capacity(spec.aggregates.len());
    for (i, a) in spec.aggregates.iter().enumerate() {
        code(At::Aggregate(i, "code"), &a.code)?;
        name(At::Aggregate(i, "name_zh"), &a.name_zh)?;
        name(At::Aggregate(i, "name_en"), &a.name_en)?;
        let weight = match (&a.parent, a.weight) {
            (Some(_), None) => return Err(fail(At::Aggregate(i, "weight"), DefinitionErrorKind::MissingWeight)),
            (_, Some(w)) => w,
            (None, None) => 1.0,
        };
        aggregates.push(Aggregate { code: a.code.clone(), name: a.name_en.clone(), parent: a.parent.clone(), weight });
    }
    let mut indicators = Vec::with_capacity(spec.indicators.len());
    for (i, x) in spec.indicators.iter().enumerate() {
        code(At::Indicator(i, "code"), &x.code)?;
        if let Some(d) = &x.denominator {
            code(At::Indicator(i, "denominator"), d)?;
        }
        let direction = match x.direction {
            1 => Direction::Positive,
            -1 => Direction::Negative,
            value => return Err(fail(At::Indicator(i, "direction"), DefinitionErrorKind::BadDirection { value })),
        };
        let bounds = match (x.lower, x.upper) {
            (Some(lower), Some(upper)) => Some(Bounds { lower, upper }),
            (None, None) => None,
            (None, Some(_)) => return Err(fail(At::Indicator(i, "lower"), DefinitionErrorKind::HalfBounds)),
            (Some(_), None) => return Err(fail(At::Indicator(i, "upper"), DefinitionErrorKind::HalfBounds)),
        };
        let transform = Transform::parse(x.transform.as_deref().unwrap_or_default()).map_err(|_| {
            fail(
                At::Indicator(i, "transform"),
                DefinitionErrorKind::BadTransform { value: x.transform.clone().unwrap_or_default() },
            )
        })?;
        indicators.push(Indicator {
            code: x.code.clone(),
            name: if x.name_en.is_empty() { x.code.clone() } else { x.name_en.clone() },
            parent: x.parent.clone(),
            weight: x.weight,
            direction,
            denominator: x.denominator.clone(),
            bounds,
            transform,
        });
    }
    let framework = Framework::new(indicators, aggregates)
        .map_err(|e| (framework_at(&spec, &e), DefinitionErrorKind::Framework(e)))?;
    if spec.method.impute.method == ImputeMethod::GroupMean {
        return Err(fail(At::Method("impute", "method"), DefinitionErrorKind::GroupMean));
    }
    spec.method.validate().map_err(|e| {
        let at = match &e {
            MethodError::Missing { section, key, .. } | MethodError::Invalid { section, key, .. } => {
                At::Method(section, key)
            }
            MethodError::Conflict { section, second, .. } => At::Method(section, second),
        };
        fail(at, DefinitionErrorKind::Method(e))
    })?;
    Ok(IndexDefinition { spec, framework })
}

/// The entry a framework error is about: the last entry with the node's code (for a
/// duplicate, the second one), and the error's field.
fn framework_at(spec: &DefinitionSpec, e: &FrameworkError) -> At {
    let key = e.field().unwrap_or("code");
    let Some(node) = e.node() else {
        return match e {
            FrameworkError::NoIndicators => At::Top("indicators"),
            _ => At::Top("aggregates"),
        };
    };
    // Weight, bounds and code checks run over indicators then aggregates; a duplicate between
    // an indicator and an aggregate is reported on the aggregate, which comes second.
    let aggregate = spec.aggregates.iter().rposition(|a| a.code == node);
    let indicator = spec.indicators.iter().rposition(|x| x.code == node);
    let aggregate_first = matches!(e, FrameworkError::DuplicateCode { .. }) || indicator.is_none();
    match (aggregate, indicator) {
        (Some(a), _) if aggregate_first => At::Aggregate(a, key),
        (_, Some(i)) => At::Indicator(i, key),
        (Some(a), None) => At::Aggregate(a, key),
        (None, None) => At::Top("aggregates"),
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The same text read again with the span of every value, to find the line of a field.
#[derive(Deserialize)]
struct Spans {
    #[serde(default)]
    code: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    name_zh: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    name_en: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    year: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    version: Option<toml::Spanned<toml::Value>>,
    #[serde(default)]
    method: BTreeMap<String, BTreeMap<String, toml::Spanned<toml::Value>>>,
    #[serde(default)]
    aggregates: Vec<BTreeMap<String, toml::Spanned<toml::Value>>>,
    #[serde(default)]
    indicators: Vec<BTreeMap<String, toml::Spanned<toml::Value>>>,
}

/// The line of a field, or of its entry's `code` when the field is not written (a missing
/// weight, a default of the method); `None` if the text has neither.
fn locate(text: &str, at: At) -> Option<usize> {
    let spans: Spans = toml::from_str(text).ok()?;
    let entry =
        |entries: &[BTreeMap<String, toml::Spanned<toml::Value>>], i: usize, key: &str| -> Option<Range<usize>> {
            let e = entries.get(i)?;
            e.get(key).or_else(|| e.get("code")).map(toml::Spanned::span)
        };
    let span = match at {
        At::Top(key) => match key {
            "code" => spans.code.map(|s| s.span()),
            "name_zh" => spans.name_zh.map(|s| s.span()),
            "name_en" => spans.name_en.map(|s| s.span()),
            "year" => spans.year.map(|s| s.span()),
            "version" => spans.version.map(|s| s.span()),
            _ => None,
        },
        At::Aggregate(i, key) => entry(&spans.aggregates, i, key),
        At::Indicator(i, key) => entry(&spans.indicators, i, key),
        At::Method(section, key) => spans.method.get(section).and_then(|s| s.get(key)).map(toml::Spanned::span),
    };
    span.map(|s| line_of(text, s.start))
}

/// Why indicator values could not be put into a panel.
#[derive(Debug, Clone, PartialEq)]
pub enum ValuesError {
    /// Two values for the same unit, period and code.
    Duplicate { unit: String, period: String, code: String },
    /// NaN or ±∞.
    NotFinite { unit: String, period: String, code: String, value: f64 },
}

impl ValuesError {
    /// The stable i18n key, e.g. `index.values.duplicate`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ValuesError::Duplicate { .. } => "index.values.duplicate",
            ValuesError::NotFinite { .. } => "index.values.not_finite",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ValuesError::Duplicate { unit, period, code } => {
                vec![("unit", unit.clone()), ("period", period.clone()), ("code", code.clone())]
            }
            ValuesError::NotFinite { unit, period, code, value } => vec![
                ("unit", unit.clone()),
                ("period", period.clone()),
                ("code", code.clone()),
                ("value", value.to_string()),
            ],
        }
    }
}

impl fmt::Display for ValuesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValuesError::Duplicate { unit, period, code } => write!(
                f,
                "Indicator {code} has two values for unit {unit} in {period}; give one value per unit, period and \
                 indicator."
            ),
            ValuesError::NotFinite { unit, period, code, value } => write!(
                f,
                "Indicator {code} has the value {value} for unit {unit} in {period}; values must be finite numbers \
                 (leave a missing value empty)."
            ),
        }
    }
}

impl std::error::Error for ValuesError {}

/// The panel of one index from indicator values `(unit, period, code, value)`, e.g. the
/// regions' indicator values of the years to compare.
///
/// Rows: every (unit, period) that has at least one entry for a code the definition reads
/// ([`IndexDefinition::value_codes`]), in the engine's canonical order (period, then unit).
/// Columns: one per code read; an absent entry or `None` is a missing value. Entries for other
/// codes are ignored, so all of a region's values may be passed.
///
/// # Errors
/// [`ValuesError::Duplicate`] for two entries of the same unit, period and code read by the
/// definition; [`ValuesError::NotFinite`] for NaN or ±∞.
#[allow(clippy::type_complexity)]
pub fn panel_from_values(
    values: &[(String, String, String, Option<f64>)],
    def: &IndexDefinition,
) -> Result<Panel, ValuesError> {
    let codes = def.value_codes();
    let mut cells: BTreeMap<(&str, &str), BTreeMap<&str, Option<f64>>> = BTreeMap::new();
    for (unit, period, code, value) in values {
        let Some(code) = codes.iter().find(|c| **c == code.as_str()) else { continue };
        if let Some(v) = value.filter(|v| !v.is_finite()) {
            return Err(ValuesError::NotFinite {
                unit: unit.clone(),
                period: period.clone(),
                code: (*code).to_owned(),
                value: v,
            });
        }
        let row = cells.entry((period.as_str(), unit.as_str())).or_default();
        if row.insert(code, *value).is_some() {
            return Err(ValuesError::Duplicate {
                unit: unit.clone(),
                period: period.clone(),
                code: (*code).to_owned(),
            });
        }
    }
    let rows: Vec<RowKey> = cells
        .keys()
        .map(|(period, unit)| RowKey { unit: (*unit).to_owned(), period: Some((*period).to_owned()) })
        .collect();
    let numbers = codes
        .iter()
        .map(|code| ((*code).to_owned(), cells.values().map(|row| row.get(code).copied().flatten()).collect()))
        .collect();
    Ok(Panel { rows, numbers, labels: BTreeMap::new() })
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::index::build;

    #[derive(Debug)]
    enum AnyError {
        Definition(DefinitionError),
        Values(ValuesError),
    }

    impl fmt::Display for AnyError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                AnyError::Definition(e) => e.fmt(f),
                AnyError::Values(e) => e.fmt(f),
            }
        }
    }

    fn located(line: Option<usize>, field: &str, kind: DefinitionErrorKind) -> AnyError {
        AnyError::Definition(DefinitionError { location: Location { line, field: field.into() }, kind })
    }

    #[test]
    fn error_messages_match_the_doc_table() {
        use DefinitionErrorKind as K;
        let samples = [
            located(Some(3), "", K::Syntax { message: "invalid string".into() }),
            located(Some(1), "code", K::InvalidCode { value: "Index".into() }),
            located(None, "name_zh", K::EmptyName),
            located(Some(4), "year", K::BadYear { value: 1900 }),
            located(Some(5), "version", K::BadVersion),
            located(Some(40), "indicators[0].direction", K::BadDirection { value: 2 }),
            located(None, "indicators[1].lower", K::HalfBounds),
            located(Some(9), "indicators[2].transform", K::BadTransform { value: "ln".into() }),
            located(Some(20), "aggregates[1].weight", K::MissingWeight),
            located(Some(8), "method.impute.method", K::GroupMean),
            located(Some(30), "aggregates[1].parent", K::Framework(FrameworkError::NoRoot)),
            located(
                Some(12),
                "method.treat.max_fraction",
                K::Method(MethodError::Conflict { section: "treat", first: "max_points", second: "max_fraction" }),
            ),
            AnyError::Values(ValuesError::Duplicate { unit: "430202".into(), period: "2024".into(), code: "x".into() }),
            AnyError::Values(ValuesError::NotFinite {
                unit: "430202".into(),
                period: "2024".into(),
                code: "x".into(),
                value: f64::NAN,
            }),
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("definition.rs"),
            &samples,
            |e| match e {
                AnyError::Definition(e) => e.code(),
                AnyError::Values(e) => e.code(),
            },
            |e| match e {
                AnyError::Definition(e) => e.args(),
                AnyError::Values(e) => e.args(),
            },
        );
    }

    /// Asserts that every i18n key is in both locale files.
    pub(crate) fn assert_in_locales(codes: &[&str]) {
        for text in [include_str!("../../../../locales/en.toml"), include_str!("../../../../locales/zh-CN.toml")] {
            let table: toml::Table = toml::from_str(text).unwrap();
            for code in codes {
                let mut node = Some(&table);
                let mut parts = code.split('.').peekable();
                while let Some(part) = parts.next() {
                    let value = node.and_then(|t| t.get(part));
                    if parts.peek().is_none() {
                        assert!(value.is_some_and(toml::Value::is_str), "{code} is not in a locale file");
                    }
                    node = value.and_then(toml::Value::as_table);
                }
            }
        }
    }

    #[test]
    fn messages_are_in_both_locales() {
        use DefinitionErrorKind as K;
        let kinds = [
            K::Syntax { message: String::new() },
            K::InvalidCode { value: String::new() },
            K::EmptyName,
            K::BadYear { value: 0 },
            K::BadVersion,
            K::BadDirection { value: 0 },
            K::HalfBounds,
            K::BadTransform { value: String::new() },
            K::MissingWeight,
            K::GroupMean,
            K::Framework(FrameworkError::NoRoot),
            K::Method(MethodError::Conflict { section: "", first: "", second: "" }),
        ];
        let location = Location { line: None, field: String::new() };
        let mut codes: Vec<&str> =
            kinds.into_iter().map(|kind| DefinitionError { location: location.clone(), kind }.code()).collect();
        codes.extend(["index.values.duplicate", "index.values.not_finite"]);
        assert_in_locales(&codes);
    }

    #[test]
    fn shipped_definition_reads_and_uses_shipped_indicators() {
        let def = IndexDefinition::district_innovation();
        let spec = def.spec();
        assert_eq!(spec.code, "district_innovation");
        assert_eq!(spec.name_zh, "区县科技创新指数");
        assert_eq!(def.framework().indicators().len(), 15);
        assert_eq!(def.framework().aggregates()[def.framework().root()].code, "index");
        let shipped: BTreeSet<String> = crate::indicator::catalogue::indicators().into_iter().map(|d| d.code).collect();
        for x in &spec.indicators {
            assert!(shipped.contains(&x.code), "{} is not a shipped indicator", x.code);
        }
        // Weights within each parent are shares that add up to 1.
        for a in &spec.aggregates {
            let children = spec.indicators.iter().filter(|x| x.parent == a.code).map(|x| x.weight).chain(
                spec.aggregates.iter().filter(|b| b.parent.as_deref() == Some(&a.code)).filter_map(|b| b.weight),
            );
            assert!((children.sum::<f64>() - 1.0).abs() < 1e-12, "{}", a.code);
        }
        let m = def.method();
        assert_eq!(m, &Method::default(), "the methodology's defaults");
    }

    #[test]
    fn toml_round_trip() {
        let def = IndexDefinition::district_innovation();
        let text = def.to_toml();
        assert_eq!(IndexDefinition::from_toml(&text).unwrap(), def);
    }

    fn with_line(find: &str, replace: &str) -> DefinitionError {
        assert!(DISTRICT_INNOVATION_INDEX.contains(find), "{find}");
        IndexDefinition::from_toml(&DISTRICT_INNOVATION_INDEX.replacen(find, replace, 1)).unwrap_err()
    }

    fn line_containing(text: &str) -> usize {
        DISTRICT_INNOVATION_INDEX.lines().position(|l| l.contains(text)).unwrap() + 1
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = with_line(
            "code = \"rd_intensity\"\nparent = \"inputs\"\nweight = 0.4\ndirection = 1",
            "code = \"rd_intensity\"\nparent = \"inputs\"\nweight = 0.4\ndirection = 2",
        );
        assert_eq!(e.kind, DefinitionErrorKind::BadDirection { value: 2 });
        assert_eq!(e.location.field, "indicators[0].direction");
        assert_eq!(e.location.line, Some(line_containing("code = \"rd_intensity\"") + 3));
        assert!(e.to_string().starts_with(&format!("Line {} (indicators[0].direction): ", e.location.line.unwrap())));

        let e = with_line("parent = \"outputs\"\nweight = 0.3", "parent = \"output\"\nweight = 0.3");
        assert_eq!(
            e.kind,
            DefinitionErrorKind::Framework(FrameworkError::UnknownParent {
                node: "invention_patents_per_10k".into(),
                parent: "output".into()
            })
        );
        assert_eq!(e.location.field, "indicators[8].parent");
        assert_eq!(e.location.line, Some(line_containing("code = \"invention_patents_per_10k\"") + 1));

        let e =
            with_line("weight = 0.25\n\n[[aggregates]]\ncode = \"actors\"", "\n\n[[aggregates]]\ncode = \"actors\"");
        assert_eq!(e.kind, DefinitionErrorKind::MissingWeight);
        assert_eq!(e.location.field, "aggregates[1].weight");
        assert_eq!(e.location.line, Some(line_containing("code = \"inputs\"")), "the entry's code line");

        let e = with_line("code = \"hte_count\"", "code = \"rd_intensity\"");
        assert_eq!(e.code(), "index.definition.framework");
        assert_eq!(e.location.field, "indicators[3].code", "the second of the two");

        let e = with_line("year = 2025", "year = \"2025\"");
        assert_eq!(e.code(), "index.definition.syntax");
        assert_eq!(e.location.line, Some(line_containing("year = ")));

        let e = with_line("range = [0, 100]", "range = [0, 100]\nrnge = 1");
        assert_eq!(e.code(), "index.definition.syntax", "unknown keys are refused: {e}");

        let e = with_line("range = [0, 100]", "range = [100, 0]");
        assert_eq!(e.code(), "index.definition.method");
        assert_eq!(e.location.field, "method.normalise.range");
        assert_eq!(e.location.line, Some(line_containing("range = ")));

        let e = with_line(
            "[method.treat]\nmethod = \"winsorise\"",
            "[method.impute]\nmethod = \"group_mean\"\ngroup = \"kind\"",
        );
        assert_eq!(e.kind, DefinitionErrorKind::GroupMean);

        let e = with_line("version = 1", "version = 0");
        assert_eq!((e.kind, e.location.line), (DefinitionErrorKind::BadVersion, Some(line_containing("version = "))));

        let e = with_line("weight = 0.2\ndirection = 1", "weight = -0.2\ndirection = 1");
        assert_eq!(e.code(), "index.definition.framework");
        assert_eq!(e.location.field, "indicators[5].weight");

        let e = with_line("direction = 1\n", "direction = 1\nlower = 0\n");
        assert_eq!((e.kind, e.location.field.as_str()), (DefinitionErrorKind::HalfBounds, "indicators[0].upper"));

        let e = with_line("direction = 1\n", "direction = 1\ntransform = \"ln\"\n");
        assert_eq!(e.kind, DefinitionErrorKind::BadTransform { value: "ln".into() });
    }

    #[test]
    fn new_names_the_field_without_line() {
        let mut spec = IndexDefinition::district_innovation().spec().clone();
        spec.indicators[2].code = "Bad-code".into();
        let e = IndexDefinition::new(spec).unwrap_err();
        assert_eq!(e.location, Location { line: None, field: "indicators[2].code".into() });
        assert!(e.to_string().starts_with("indicators[2].code: \"Bad-code\" is not a valid code"), "{e}");
    }

    fn values(rows: &[(&str, &str, &str, Option<f64>)]) -> Vec<(String, String, String, Option<f64>)> {
        rows.iter().map(|(u, p, c, v)| ((*u).into(), (*p).into(), (*c).into(), *v)).collect()
    }

    #[test]
    fn panel_from_values_rows_columns_and_errors() {
        let def = IndexDefinition::district_innovation();
        let v = values(&[
            ("430211", "2024", "rd_intensity", Some(3.1)),
            ("430202", "2024", "rd_intensity", Some(2.5)),
            ("430202", "2023", "hte_count", Some(120.0)),
            ("430202", "2024", "gdp", Some(900.0)),
            ("430203", "2024", "gdp", Some(800.0)),
            ("430202", "2024", "hte_count", None),
        ]);
        let panel = panel_from_values(&v, &def).unwrap();
        let keys: Vec<(&str, &str)> =
            panel.rows.iter().map(|r| (r.period.as_deref().unwrap(), r.unit.as_str())).collect();
        assert_eq!(keys, vec![("2023", "430202"), ("2024", "430202"), ("2024", "430211")], "430203 has no code read");
        assert_eq!(panel.numbers.len(), 15);
        assert_eq!(panel.numbers["rd_intensity"], vec![None, Some(2.5), Some(3.1)]);
        assert_eq!(panel.numbers["hte_count"], vec![Some(120.0), None, None]);
        assert!(!panel.numbers.contains_key("gdp"));

        let dup = values(&[("a", "2024", "hte_count", Some(1.0)), ("a", "2024", "hte_count", Some(1.0))]);
        assert_eq!(
            panel_from_values(&dup, &def).unwrap_err(),
            ValuesError::Duplicate { unit: "a".into(), period: "2024".into(), code: "hte_count".into() }
        );
        let nan = values(&[("a", "2024", "hte_count", Some(f64::INFINITY))]);
        assert_eq!(panel_from_values(&nan, &def).unwrap_err().code(), "index.values.not_finite");
        // Duplicates and bad values of codes the index does not read are not its business.
        let other = values(&[("a", "2024", "gdp", Some(f64::NAN)), ("a", "2024", "gdp", None)]);
        assert!(panel_from_values(&other, &def).unwrap().rows.is_empty());
    }

    #[test]
    fn denominators_become_columns() {
        let text = DISTRICT_INNOVATION_INDEX.replacen(
            "code = \"hte_count\"\nparent = \"actors\"\nweight = 0.25\ndirection = 1",
            "code = \"hte_count\"\nparent = \"actors\"\nweight = 0.25\ndirection = 1\ndenominator = \"resident_population\"",
            1,
        );
        let def = IndexDefinition::from_toml(&text).unwrap();
        assert_eq!(def.value_codes().len(), 16);
        assert_eq!(def.value_codes()[15], "resident_population");
        let v = values(&[
            ("a", "2024", "hte_count", Some(100.0)),
            ("a", "2024", "resident_population", Some(50.0)),
            ("b", "2024", "hte_count", Some(30.0)),
            ("b", "2024", "resident_population", Some(10.0)),
        ]);
        let panel = panel_from_values(&v, &def).unwrap();
        let board = build(&panel, def.framework(), def.method()).unwrap();
        let i = board.indicators.iter().position(|c| c == "hte_count").unwrap();
        assert_eq!(board.denominated[i], vec![Some(2.0), Some(3.0)]);
    }

    proptest! {
        #[test]
        fn panel_is_invariant_to_value_order_and_builds(
            cells in proptest::collection::vec((0_usize..6, 0_usize..3, 0_usize..15, proptest::option::of(0.0..1000.0_f64)), 1..80),
            seed in 0_u64..1000,
        ) {
            let def = IndexDefinition::district_innovation();
            let codes = def.value_codes();
            let mut seen = BTreeSet::new();
            let mut v: Vec<(String, String, String, Option<f64>)> = cells
                .iter()
                .filter(|(u, p, c, _)| seen.insert((*u, *p, *c)))
                .map(|(u, p, c, x)| (format!("43020{u}"), format!("{}", 2022 + p), codes[*c].to_owned(), *x))
                .collect();
            let panel = panel_from_values(&v, &def).unwrap();
            // A deterministic shuffle: rotate by the seed.
            let k = usize::try_from(seed).unwrap() % v.len();
            v.rotate_left(k);
            prop_assert_eq!(&panel_from_values(&v, &def).unwrap(), &panel);
            // Every given value is in its cell.
            for (u, p, c, x) in &v {
                let row = panel.rows.iter().position(|r| &r.unit == u && r.period.as_ref() == Some(p)).unwrap();
                prop_assert_eq!(panel.numbers[c.as_str()][row], *x);
            }
            prop_assert!(build(&panel, def.framework(), def.method()).is_ok());
        }

        #[test]
        fn weights_round_trip_through_toml(weights in proptest::collection::vec(0.001..100.0_f64, 19)) {
            let mut spec = IndexDefinition::district_innovation().spec().clone();
            for (x, w) in spec.indicators.iter_mut().zip(&weights) {
                x.weight = *w;
            }
            for (a, w) in spec.aggregates.iter_mut().skip(1).zip(&weights[15..]) {
                a.weight = Some(*w);
            }
            let def = IndexDefinition::new(spec).unwrap();
            prop_assert_eq!(IndexDefinition::from_toml(&def.to_toml()).unwrap(), def);
        }
    }
}
