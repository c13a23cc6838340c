//! The method of an index build (`METHOD.toml`), as plain serde structs with the defaults of
//! `composite-index.md`.
//!
//! The domain does not read TOML: the command line parses the file into a [`Method`] (unknown
//! keys are refused, so a typo never falls back to a default silently) and the engine checks the
//! combination with [`Method::validate`]. Every section and key may be left out:
//!
//! | section | key | default | methodology |
//! |---|---|---|---|
//! | `[pipeline]` | `order` | `"impute_then_treat"` (or `"treat_then_impute"`, the EIS order) | §2 |
//! | `[denominate]` | `enabled` | `true` | §3.1 |
//! | `[impute]` | `method` | `"none"` (`"group_mean"` needs `group`; `"carry"` forward/back) | §3.2 |
//! | `[treat]` | `method` | `"winsorise"` (`"none"`, `"sd_outliers"`) | §3.4 |
//! | | `skew`, `kurtosis` | 2, 3.5 | §3.4b |
//! | | `max_points` or `max_fraction` | `ceil(0.1 × N)` | §3.4b winmax |
//! | | `winchange` | `true` | §3.4b |
//! | | `fallback` | `"log"` (CT log of the original column; or `"none"`) | §3.4b step 3 |
//! | | `few_values` | `"skip"` (or `"error"`) | §5, fewer than 4 values |
//! | | `sd_k`, `sd` | 2, `"sample"` | §3.4a |
//! | | `pool_periods` | `false` | §3.4a pooling |
//! | | `transform_errors` | `"flag"` (or `"stop"`) | §3.5, §5 |
//! | `[normalise]` | `method` | `"minmax"` (`"bounds"`, `"zscore"`, `"rank"`) | §3.6 |
//! | | `range` | `[0, 100]` | §3.6 |
//! | | `clip` | `"none"` (`"top"`, `"both"`; `false`/`true` = none/both), bounds only | §3.6, §6.3 |
//! | | `pool_periods` | `false` | §3.6 |
//! | | `constant` | missing (or a stated score) | §3.6 max = min |
//! | | `sd`, `centre`, `spread` | `"sample"`, 0, 1 (z-score) | §3.6 |
//! | | `ties` | `"min"` (`"average"`, `"max"`; rank) | §3.6 |
//! | `[aggregate]` | `method` | `"arithmetic"` (or `"geometric"`) | §3.7 |
//! | `[rank]` | `exclude` | `[]` (units such as an aggregate "EU" that take no position) | §3.8 |

use std::fmt;

use serde::{Deserialize, Serialize};

/// A whole method: one section per step.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Method {
    pub pipeline: PipelineSettings,
    pub denominate: DenominateSettings,
    pub impute: ImputeSettings,
    pub treat: TreatSettings,
    pub normalise: NormaliseSettings,
    pub aggregate: AggregateSettings,
    pub rank: RankSettings,
}

/// `[pipeline]`: the order of imputation and treatment (§2: the EIS treats outliers first).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineSettings {
    pub order: StepOrder,
}

/// Whether imputation runs before treatment (JRC/COINr default) or after it (EIS/RIS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOrder {
    #[default]
    ImputeThenTreat,
    TreatThenImpute,
}

/// `[denominate]` (§3.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DenominateSettings {
    /// Divide by each indicator's denominator column; `false` passes values through.
    pub enabled: bool,
}

impl Default for DenominateSettings {
    fn default() -> Self {
        DenominateSettings { enabled: true }
    }
}

/// `[impute]` (§3.2).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImputeSettings {
    pub method: ImputeMethod,
    /// The grouping column of the data for `group_mean`.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeMethod {
    /// Leave missing; aggregation renormalises the weights.
    #[default]
    None,
    /// Mean of the same indicator in the same group and period (COINr `indgroup_mean`).
    GroupMean,
    /// Carry forward within a unit's series, carry back before its first value (EIS/RIS).
    Carry,
}

/// `[treat]` (§3.4, §3.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TreatSettings {
    pub method: TreatMethod,
    /// Threshold on |G1|.
    pub skew: f64,
    /// Threshold on the excess kurtosis G2.
    pub kurtosis: f64,
    /// winmax as a number of points.
    pub max_points: Option<u32>,
    /// winmax as `ceil(max_fraction × N)`; 0.1 when neither is set.
    pub max_fraction: Option<f64>,
    /// Re-choose the side on every pass.
    pub winchange: bool,
    pub fallback: Fallback,
    pub few_values: FewValues,
    /// k of the mean ± k·SD outlier rule.
    pub sd_k: f64,
    pub sd: SdKind,
    /// Treat the pooled panel instead of each period (also the min and max of transforms).
    pub pool_periods: bool,
    pub transform_errors: TransformErrors,
}

impl Default for TreatSettings {
    fn default() -> Self {
        TreatSettings {
            method: TreatMethod::Winsorise,
            skew: 2.0,
            kurtosis: 3.5,
            max_points: None,
            max_fraction: None,
            winchange: true,
            fallback: Fallback::Log,
            few_values: FewValues::Skip,
            sd_k: 2.0,
            sd: SdKind::Sample,
            pool_periods: false,
            transform_errors: TransformErrors::Flag,
        }
    }
}

impl TreatSettings {
    /// winmax for a cross-section of `units` units: `max_points`, or `ceil(fraction × units)`.
    /// The product is nudged down by 1e-9 before rounding up so that, e.g., 0.1 × 30 gives 3
    /// whatever the binary rounding of 0.1.
    #[must_use]
    pub fn winmax(&self, units: usize) -> usize {
        if let Some(points) = self.max_points {
            return points as usize;
        }
        let fraction = self.max_fraction.unwrap_or(0.1);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let points = (fraction * units as f64 - 1e-9).ceil().max(0.0) as usize;
        points
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreatMethod {
    None,
    /// Iterative skew/kurtosis winsorisation (§3.4b, COIN tool / COINr).
    #[default]
    Winsorise,
    /// Replace values beyond mean ± k·SD by the extreme non-outlier (§3.4a, EIS/RIS).
    SdOutliers,
}

/// What to do when winsorisation has not met the thresholds after winmax passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// CT log of the original column (§3.4b step 3).
    #[default]
    Log,
    /// Keep the winsorised column and flag the indicator.
    None,
}

/// Fewer than 4 values, where G1 and G2 are undefined (§5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FewValues {
    /// Leave the column untreated and flag it.
    #[default]
    Skip,
    /// Stop the build with an error naming the indicator.
    Error,
}

/// Standard deviation dividing by n − 1 (sample, the default of R and spreadsheets) or by n.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SdKind {
    #[default]
    Sample,
    Population,
}

/// A value a transform cannot take (≤ 0 before log, < 0 before sqrt, …) (§3.5, §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransformErrors {
    /// Leave the column untransformed with an error flag.
    #[default]
    Flag,
    /// Stop the build.
    Stop,
}

/// `[normalise]` (§3.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormaliseSettings {
    pub method: NormaliseMethod,
    /// `[a, b]` of min-max, goalposts and percentile ranks.
    pub range: [f64; 2],
    pub clip: Clip,
    /// Bounds, mean/SD and ranks over every period at once (EIS/RIS window).
    pub pool_periods: bool,
    /// The score of an indicator whose observed max equals its min; missing when unset.
    pub constant: Option<f64>,
    /// z-score: sample or population SD.
    pub sd: SdKind,
    /// z-score: `centre + spread · z`.
    pub centre: f64,
    pub spread: f64,
    /// Percentile rank: the rank given to tied values.
    pub ties: Ties,
}

impl Default for NormaliseSettings {
    fn default() -> Self {
        NormaliseSettings {
            method: NormaliseMethod::Minmax,
            range: [0.0, 100.0],
            clip: Clip::None,
            pool_periods: false,
            constant: None,
            sd: SdKind::Sample,
            centre: 0.0,
            spread: 1.0,
            ties: Ties::Min,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormaliseMethod {
    /// Observed min and max onto `range`.
    #[default]
    Minmax,
    /// Fixed goalposts from the indicator's `lower`/`upper` onto `range`.
    Bounds,
    /// `centre + spread · (x − mean) / SD`.
    Zscore,
    /// Percentile rank `(r − 1)/(n − 1)` onto `range`.
    Rank,
}

/// Clipping of goalpost scores; off by default (§3.6, §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", try_from = "ClipRepr")]
pub enum Clip {
    #[default]
    None,
    /// Cap at the top of the range only (HDI, TAI).
    Top,
    /// Clip to the range.
    Both,
}

/// `clip` accepts `"none" | "top" | "both"` or a boolean (`true` = both).
#[derive(Deserialize)]
#[serde(untagged)]
enum ClipRepr {
    Flag(bool),
    Name(String),
}

impl TryFrom<ClipRepr> for Clip {
    type Error = String;
    fn try_from(repr: ClipRepr) -> Result<Clip, String> {
        match repr {
            ClipRepr::Flag(false) => Ok(Clip::None),
            ClipRepr::Flag(true) => Ok(Clip::Both),
            ClipRepr::Name(name) => match name.as_str() {
                "none" => Ok(Clip::None),
                "top" => Ok(Clip::Top),
                "both" => Ok(Clip::Both),
                _ => Err(format!(
                    "clip \"{name}\" is not recognised; accepted: \"none\", \"top\", \"both\", true, false"
                )),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    #[default]
    Min,
    Average,
    Max,
}

/// `[aggregate]` (§3.7).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregateSettings {
    pub method: AggregateMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateMethod {
    #[default]
    Arithmetic,
    Geometric,
}

/// `[rank]` (§3.8).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankSettings {
    /// Units that take no rank (aggregate units such as "EU").
    pub exclude: Vec<String>,
}

/// A combination of settings that cannot be used. `section` and `key` name the place in
/// `METHOD.toml`.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodError {
    /// A key the chosen method needs is not set.
    Missing { section: &'static str, key: &'static str, because: &'static str },
    /// Two keys that exclude each other are both set.
    Conflict { section: &'static str, first: &'static str, second: &'static str },
    /// A key has a value outside what it accepts.
    Invalid { section: &'static str, key: &'static str, value: String, accepted: &'static str },
}

impl MethodError {
    /// The stable i18n key, e.g. `index.method.missing`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            MethodError::Missing { .. } => "index.method.missing",
            MethodError::Conflict { .. } => "index.method.conflict",
            MethodError::Invalid { .. } => "index.method.invalid",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            MethodError::Missing { section, key, because } => {
                vec![("section", (*section).to_owned()), ("key", (*key).to_owned()), ("because", (*because).to_owned())]
            }
            MethodError::Conflict { section, first, second } => {
                vec![
                    ("section", (*section).to_owned()),
                    ("first", (*first).to_owned()),
                    ("second", (*second).to_owned()),
                ]
            }
            MethodError::Invalid { section, key, value, accepted } => vec![
                ("section", (*section).to_owned()),
                ("key", (*key).to_owned()),
                ("value", value.clone()),
                ("accepted", (*accepted).to_owned()),
            ],
        }
    }
}

impl fmt::Display for MethodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MethodError::Missing { section, key, because } => {
                write!(f, "[{section}] {key} is not set; it is needed because {because}.")
            }
            MethodError::Conflict { section, first, second } => {
                write!(f, "[{section}] sets both {first} and {second}; set only one of them.")
            }
            MethodError::Invalid { section, key, value, accepted } => {
                write!(f, "[{section}] {key} = {value} is not accepted; accepted: {accepted}.")
            }
        }
    }
}

impl std::error::Error for MethodError {}

fn invalid(section: &'static str, key: &'static str, value: impl fmt::Display, accepted: &'static str) -> MethodError {
    MethodError::Invalid { section, key, value: value.to_string(), accepted }
}

impl Method {
    /// Checks the settings together; the first problem found is returned.
    pub fn validate(&self) -> Result<(), MethodError> {
        if self.impute.method == ImputeMethod::GroupMean && self.impute.group.as_deref().is_none_or(str::is_empty) {
            return Err(MethodError::Missing {
                section: "impute",
                key: "group",
                because: "method = \"group_mean\" takes means within the groups of a data column",
            });
        }
        let t = &self.treat;
        if t.max_points.is_some() && t.max_fraction.is_some() {
            return Err(MethodError::Conflict { section: "treat", first: "max_points", second: "max_fraction" });
        }
        if let Some(fraction) = t.max_fraction {
            if !(fraction.is_finite() && (0.0..=1.0).contains(&fraction)) {
                return Err(invalid("treat", "max_fraction", fraction, "a number from 0 to 1, e.g. 0.1"));
            }
        }
        for (key, value) in [("skew", t.skew), ("kurtosis", t.kurtosis)] {
            if !value.is_finite() {
                return Err(invalid("treat", key, value, "a finite number"));
            }
        }
        if !(t.sd_k.is_finite() && t.sd_k > 0.0) {
            return Err(invalid("treat", "sd_k", t.sd_k, "a positive number, e.g. 2"));
        }
        let n = &self.normalise;
        let [a, b] = n.range;
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(invalid("normalise", "range", format!("[{a}, {b}]"), "[a, b] with a < b, e.g. [0, 100]"));
        }
        if n.constant.is_some_and(|c| !c.is_finite()) {
            return Err(invalid("normalise", "constant", n.constant.unwrap_or_default(), "a finite number"));
        }
        if !(n.centre.is_finite() && n.spread.is_finite() && n.spread > 0.0) {
            return Err(invalid("normalise", "spread", n.spread, "a positive number, with a finite centre"));
        }
        if n.clip != Clip::None && n.method != NormaliseMethod::Bounds {
            return Err(invalid(
                "normalise",
                "clip",
                format!("{:?}", n.clip).to_lowercase(),
                "\"none\" unless method = \"bounds\" (observed scores never leave the range)",
            ));
        }
        if self.aggregate.method == AggregateMethod::Geometric
            && matches!(n.method, NormaliseMethod::Minmax | NormaliseMethod::Rank)
            && a <= 0.0
        {
            return Err(invalid(
                "normalise",
                "range",
                format!("[{a}, {b}]"),
                "a strictly positive range such as [1, 100] with the geometric mean (a score of 0 has no logarithm)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_methodology() {
        let m = Method::default();
        assert!(m.denominate.enabled);
        assert_eq!(m.impute.method, ImputeMethod::None);
        assert_eq!(m.treat.method, TreatMethod::Winsorise);
        assert!((m.treat.skew - 2.0).abs() < f64::EPSILON && (m.treat.kurtosis - 3.5).abs() < f64::EPSILON);
        assert!(m.treat.winchange);
        assert_eq!(m.treat.fallback, Fallback::Log);
        assert_eq!(m.normalise.method, NormaliseMethod::Minmax);
        assert_eq!(m.normalise.range, [0.0, 100.0]);
        assert_eq!(m.normalise.clip, Clip::None);
        assert!(!m.normalise.pool_periods);
        assert_eq!(m.aggregate.method, AggregateMethod::Arithmetic);
        assert!(m.validate().is_ok());
    }

    #[test]
    fn winmax_default_is_ceil_tenth_of_units() {
        let t = TreatSettings::default();
        assert_eq!(t.winmax(10), 1);
        assert_eq!(t.winmax(11), 2);
        assert_eq!(t.winmax(30), 3);
        assert_eq!(t.winmax(3000), 300);
        assert_eq!(t.winmax(0), 0);
        let points = TreatSettings { max_points: Some(5), ..TreatSettings::default() };
        assert_eq!(points.winmax(3000), 5);
    }

    #[test]
    fn group_mean_needs_a_group() {
        let mut m = Method::default();
        m.impute.method = ImputeMethod::GroupMean;
        assert_eq!(m.validate().unwrap_err().code(), "index.method.missing");
        m.impute.group = Some("kind".into());
        assert!(m.validate().is_ok());
    }

    #[test]
    fn max_points_and_max_fraction_conflict() {
        let mut m = Method::default();
        m.treat.max_points = Some(5);
        m.treat.max_fraction = Some(0.1);
        assert_eq!(m.validate().unwrap_err().code(), "index.method.conflict");
    }

    #[test]
    fn geometric_needs_a_positive_range() {
        let mut m = Method::default();
        m.aggregate.method = AggregateMethod::Geometric;
        let err = m.validate().unwrap_err();
        assert!(err.to_string().contains("strictly positive"), "{err}");
        m.normalise.range = [1.0, 100.0];
        assert!(m.validate().is_ok());
    }

    #[test]
    fn clip_only_with_goalposts_and_range_ordered() {
        let mut m = Method::default();
        m.normalise.clip = Clip::Top;
        assert!(m.validate().is_err());
        m.normalise.method = NormaliseMethod::Bounds;
        assert!(m.validate().is_ok());
        m.normalise.range = [1.0, 1.0];
        assert!(m.validate().is_err());
    }
}
