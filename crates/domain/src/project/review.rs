//! Expert review of applications: scoring templates, aggregation of the experts' scores and the
//! ranking of a call's applications.
//!
//! # Model
//!
//! A [`ReviewTemplate`] lists the [`Criterion`]s of a call: each has a weight in percent (the
//! weights sum to 100), an integer score scale `min..=max` and optionally a pass mark on that
//! scale. A [`Review`] is one reviewer's scores for one application, one per criterion in
//! template order.
//!
//! # Units
//!
//! Overall values are on a 0..100 scale in units of 1e-4 (60.0 points is `600_000`): the
//! total of one review ([`ReviewTemplate::review_total`]) is
//! `Σ weight_c × (s_c − min_c) / (max_c − min_c)`, computed exactly over the least common
//! multiple of the scale spans and rounded half away from zero. Per-criterion aggregates are in
//! units of 1e-4 of the criterion's own scale (7.5 on a 0..10 scale is `75_000`).
//!
//! # Ranking
//!
//! [`rank`] aggregates each application's review totals by the template's [`Aggregation`]
//! (mean, trimmed mean dropping one highest and one lowest value when there are at least three,
//! or median), exactly in integers and rounded half away from zero. With
//! [`ReviewTemplate::zscore`] on, each reviewer's totals are first mapped onto the scale of all
//! totals (`x' = M + (x − m_r) / s_r × S`), which removes a reviewer's leniency or severity;
//! this step alone uses floating point, rounded to 1e-4 at once, from order-independent
//! integer sums, so the result never depends on the order of the input. Normalised scores are
//! not clamped: they may fall slightly outside 0..100. Ties are broken by the template's
//! tie-break criteria (their aggregates of the raw scores, higher first), then by the smaller
//! application id, so ranks are unique.
//!
//! # Error codes
//!
//! A [`ReviewError`] has a stable i18n key ([`ReviewError::code`]) and named arguments
//! ([`ReviewError::args`]); the English template filled in is exactly what `Display` prints.
//! Where a criterion is named, `{criterion}` is its code and `{name_en}` / `{name_zh}` its name.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `review.no_criteria` | The review template has no criteria; add at least one. | 评审模板没有评分指标：请至少添加一项。 |
//! | `review.bad_code` | Criterion code {code} is not valid: use lower-case letters a-z, digits and underscores, and not overall (it stands for the overall score). | 评分指标代码“{code}”无效：只能使用小写字母 a-z、数字和下划线，且不能为 overall（它表示总分）。 |
//! | `review.duplicate_code` | Criterion code {code} is used twice; each criterion needs its own code. | 评分指标代码“{code}”重复：每项指标须有各自的代码。 |
//! | `review.weights_sum` | The criterion weights sum to {sum}; they must sum to 100. | 各评分指标的权重合计为 {sum}，应合计为 100。 |
//! | `review.bad_scale` | Criterion {criterion} ({name_en}) has the scale {min} to {max}; the lowest score must be below the highest, both within -1000000 to 1000000. | 评分指标 {criterion}（{name_zh}）的分值范围为 {min} 至 {max}：最低分须小于最高分，且均在 -1000000 至 1000000 之内。 |
//! | `review.threshold_out_of_scale` | The pass mark {threshold} of criterion {criterion} ({name_en}) is outside its scale {min} to {max}. | 评分指标 {criterion}（{name_zh}）的及格线 {threshold} 超出其分值范围 {min} 至 {max}。 |
//! | `review.overall_threshold_out_of_scale` | The overall pass mark {threshold} is outside the overall scale 0 to 100. | 总分及格线 {threshold} 超出总分范围 0 至 100。 |
//! | `review.unknown_tie_break` | Tie-break criterion {code} is not a criterion of the template; use one of {known}. | 并列时比较的指标“{code}”不是本模板的评分指标：可选 {known}。 |
//! | `review.scales_too_fine` | The criterion scales (spans {spans}) are too fine to be totalled exactly together; use scales with fewer steps. | 各评分指标的分值范围（跨度 {spans}）过细，无法精确合计：请减少分值档数。 |
//! | `review.score_count` | {found} scores were given; the template has {expected} criteria. | 填写了 {found} 项评分，本模板有 {expected} 项评分指标。 |
//! | `review.score_out_of_range` | The score {value} for criterion {criterion} ({name_en}) is outside its scale {min} to {max}. | 评分指标 {criterion}（{name_zh}）的评分 {value} 超出其分值范围 {min} 至 {max}。 |
//! | `review.review_score_count` | Reviewer {reviewer} gave application {application} {found} scores; the template has {expected} criteria. | 专家 {reviewer} 对申报 {application} 填写了 {found} 项评分，本模板有 {expected} 项评分指标。 |
//! | `review.review_score_out_of_range` | Reviewer {reviewer} gave application {application} the score {value} for criterion {criterion} ({name_en}), outside its scale {min} to {max}. | 专家 {reviewer} 对申报 {application} 的评分指标 {criterion}（{name_zh}）评分 {value}，超出其分值范围 {min} 至 {max}。 |
//! | `review.duplicate_review` | Reviewer {reviewer} reviewed application {application} twice; keep one review per reviewer and application. | 专家 {reviewer} 对申报 {application} 评审了两次：每位专家对每项申报只能有一份评审。 |

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::indicator::format_e4_plain;

/// One point of the overall scale, or one step of a criterion scale, in units of 1e-4.
const UNIT: i64 = 10_000;
/// The whole overall scale, 100 points.
const FULL_SCALE: i64 = 100 * UNIT;
/// Review totals of one application this far apart (20 points) call for a consensus step.
const CONTESTED_RANGE: i64 = 20 * UNIT;
/// Bound on the absolute value of a criterion's `min` and `max`.
const SCALE_BOUND: i64 = 1_000_000;
/// Bound on the least common multiple of the scale spans, so that exact totals fit in i128.
const MAX_COMMON_STEPS: i128 = 1_000_000_000_000_000_000;
/// The entry of [`Standing::failed`] for the overall pass mark.
pub const OVERALL: &str = "overall";

/// How an application's review totals (and criterion scores) are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The plain mean.
    Mean,
    /// The mean without one highest and one lowest value when there are at least three values,
    /// the plain mean otherwise.
    TrimmedMean,
    /// The middle value; the mean of the two middle values for an even count.
    Median,
}

impl Aggregation {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Mean => "mean",
            Aggregation::TrimmedMean => "trimmed_mean",
            Aggregation::Median => "median",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Aggregation> {
        match s {
            "mean" => Some(Aggregation::Mean),
            "trimmed_mean" => Some(Aggregation::TrimmedMean),
            "median" => Some(Aggregation::Median),
            _ => None,
        }
    }
}

/// One scored criterion of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Stable code, `[a-z0-9_]+`, unique in the template, never `overall`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Weight in percent; the weights of a template sum to 100.
    pub weight: u32,
    /// Integer score scale, `min < max`, both within ±1,000,000.
    pub min: i64,
    pub max: i64,
    /// Pass mark on the criterion's own scale: the application's aggregate must be at least this.
    pub threshold: Option<i64>,
}

impl Criterion {
    fn span(&self) -> i128 {
        i128::from(self.max) - i128::from(self.min)
    }
}

/// The scoring rules of a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTemplate {
    pub criteria: Vec<Criterion>,
    pub aggregation: Aggregation,
    /// Per-reviewer z-score normalisation of the review totals before aggregating.
    pub zscore: bool,
    /// Overall pass mark on the 0..100 scale, in units of 1e-4 (60.0 is `600_000`).
    pub overall_threshold: Option<i64>,
    /// Criterion codes whose aggregates break ties of the overall score, in order.
    pub tie_break: Vec<String>,
}

impl ReviewTemplate {
    /// A default for a municipal S&T call: innovation 30, feasibility 25, team 20, impact 25,
    /// each scored 0..10; trimmed mean, no z-scores, pass mark 60 points, ties broken by
    /// innovation then feasibility.
    #[must_use]
    pub fn standard() -> ReviewTemplate {
        let criterion = |code: &str, name_zh: &str, name_en: &str, weight| Criterion {
            code: code.to_owned(),
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
            weight,
            min: 0,
            max: 10,
            threshold: None,
        };
        ReviewTemplate {
            criteria: vec![
                criterion("innovation", "创新性", "Innovation", 30),
                criterion("feasibility", "技术可行性", "Technical feasibility", 25),
                criterion("team", "团队与条件", "Team and facilities", 20),
                criterion("impact", "预期效益", "Expected impact", 25),
            ],
            aggregation: Aggregation::TrimmedMean,
            zscore: false,
            overall_threshold: Some(60 * UNIT),
            tie_break: vec!["innovation".to_owned(), "feasibility".to_owned()],
        }
    }

    /// Checks the template: at least one criterion; codes `[a-z0-9_]+`, unique, not
    /// `overall`; scales `min < max` within ±1,000,000; pass marks within their scales;
    /// weights summing to 100; tie-break codes known; scales whose spans have a least common
    /// multiple of at most 10^18 (so totals are exact). Returns the first problem found.
    pub fn validate(&self) -> Result<(), ReviewError> {
        if self.criteria.is_empty() {
            return Err(ReviewError::NoCriteria);
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let valid_code = !c.code.is_empty()
                && c.code != OVERALL
                && c.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !valid_code {
                return Err(ReviewError::BadCode { code: c.code.clone() });
            }
            if self.criteria[..i].iter().any(|earlier| earlier.code == c.code) {
                return Err(ReviewError::DuplicateCode { code: c.code.clone() });
            }
            if c.min >= c.max || c.min < -SCALE_BOUND || c.max > SCALE_BOUND {
                return Err(ReviewError::BadScale { criterion: CriterionName::of(c), min: c.min, max: c.max });
            }
            if let Some(threshold) = c.threshold.filter(|t| !(c.min..=c.max).contains(t)) {
                return Err(ReviewError::ThresholdOutOfScale {
                    criterion: CriterionName::of(c),
                    threshold,
                    min: c.min,
                    max: c.max,
                });
            }
        }
        let sum: u64 = self.criteria.iter().map(|c| u64::from(c.weight)).sum();
        if sum != 100 {
            return Err(ReviewError::WeightsSum { sum });
        }
        if let Some(threshold) = self.overall_threshold.filter(|t| !(0..=FULL_SCALE).contains(t)) {
            return Err(ReviewError::OverallThresholdOutOfScale { threshold });
        }
        if let Some(code) = self.tie_break.iter().find(|code| self.position(code).is_none()) {
            let known = self.criteria.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ");
            return Err(ReviewError::UnknownTieBreak { code: code.clone(), known });
        }
        if common_steps(&self.criteria).is_none() {
            let spans = self.criteria.iter().map(|c| c.span().to_string()).collect::<Vec<_>>().join(", ");
            return Err(ReviewError::ScalesTooFine { spans });
        }
        Ok(())
    }

    /// Checks one review's scores: one per criterion in template order, each within its
    /// criterion's scale. The error names the criterion and the value.
    pub fn check_scores(&self, scores: &[i64]) -> Result<(), ReviewError> {
        if scores.len() != self.criteria.len() {
            return Err(ReviewError::ScoreCount { expected: self.criteria.len(), found: scores.len() });
        }
        match self.criteria.iter().zip(scores).find(|(c, s)| !(c.min..=c.max).contains(s)) {
            Some((c, &value)) => {
                Err(ReviewError::ScoreOutOfRange { criterion: CriterionName::of(c), value, min: c.min, max: c.max })
            }
            None => Ok(()),
        }
    }

    /// The overall total of one review on the 0..100 scale in units of 1e-4:
    /// `Σ weight_c × (s_c − min_c) / (max_c − min_c)`, exact, rounded half away from zero.
    /// `scores` must pass [`ReviewTemplate::check_scores`].
    ///
    /// # Panics
    ///
    /// If the template does not pass [`ReviewTemplate::validate`] (its scales cannot be
    /// totalled exactly).
    #[must_use]
    pub fn review_total(&self, scores: &[i64]) -> i64 {
        let steps = common_steps(&self.criteria).expect("review_total needs a template that passes validate");
        total(&self.criteria, steps, scores)
    }

    fn position(&self, code: &str) -> Option<usize> {
        self.criteria.iter().position(|c| c.code == code)
    }
}

/// The least common multiple of the criteria's scale spans; `None` if a span is not positive
/// or the multiple exceeds [`MAX_COMMON_STEPS`].
fn common_steps(criteria: &[Criterion]) -> Option<i128> {
    criteria.iter().try_fold(1_i128, |acc, c| {
        let span = c.span();
        if span <= 0 {
            return None;
        }
        let lcm = acc / gcd(acc, span) * span;
        (lcm <= MAX_COMMON_STEPS).then_some(lcm)
    })
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// [`ReviewTemplate::review_total`] with the common steps computed: every term is brought to the
/// denominator `steps` (at most 10^18, numerators at most 10^24), so the sum is exact.
fn total(criteria: &[Criterion], steps: i128, scores: &[i64]) -> i64 {
    let numerator: i128 = criteria
        .iter()
        .zip(scores)
        .map(|(c, &s)| {
            i128::from(c.weight) * i128::from(UNIT) * (i128::from(s) - i128::from(c.min)) * (steps / c.span())
        })
        .sum();
    narrow(div_round(numerator, steps))
}

/// `n / d` rounded half away from zero, `d > 0`.
fn div_round(n: i128, d: i128) -> i128 {
    let q = (2 * n.abs() + d) / (2 * d);
    if n < 0 {
        -q
    } else {
        q
    }
}

/// Values here are bounded by the scale checks (at most 10^10 in magnitude).
fn narrow(value: i128) -> i64 {
    i64::try_from(value).expect("bounded by the template's scales")
}

/// `values` (each in units of `1 / unit` of the result) aggregated by `rule`, in the result's
/// units, rounded half away from zero. `values` is not empty.
fn aggregate(values: &[i64], unit: i64, rule: Aggregation) -> i64 {
    let mut sorted: Vec<i128> = values.iter().map(|&v| i128::from(v)).collect();
    sorted.sort_unstable();
    let n = sorted.len();
    debug_assert!(n > 0, "aggregate of no values");
    let (sum, count): (i128, usize) = match rule {
        Aggregation::TrimmedMean if n >= 3 => (sorted[1..n - 1].iter().sum(), n - 2),
        Aggregation::Median if n % 2 == 1 => (sorted[n / 2], 1),
        Aggregation::Median => (sorted[n / 2 - 1] + sorted[n / 2], 2),
        Aggregation::Mean | Aggregation::TrimmedMean => (sorted.iter().sum(), n),
    };
    narrow(div_round(sum * i128::from(unit), count as i128))
}

/// Integer moments of a set of values: count, sum and sum of squares, exact and independent
/// of the order in which values are added.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    n: i128,
    sum: i128,
    squares: i128,
}

impl Moments {
    fn of(values: &[i64]) -> Moments {
        values.iter().fold(Moments::default(), |m, &v| m.add(v))
    }

    fn add(self, v: i64) -> Moments {
        let v = i128::from(v);
        Moments { n: self.n + 1, sum: self.sum + v, squares: self.squares + v * v }
    }

    /// `n² × variance` (population), an exact integer.
    fn scaled_variance(self) -> i128 {
        self.n * self.squares - self.sum * self.sum
    }

    fn mean(self) -> f64 {
        self.sum as f64 / self.n as f64
    }

    fn sd(self) -> f64 {
        (self.scaled_variance() as f64).sqrt() / self.n as f64
    }

    /// The population standard deviation rounded half away from zero, exactly.
    fn sd_rounded(self) -> i64 {
        let v = self.scaled_variance();
        let n2 = self.n * self.n;
        // floor(sqrt(v) / n) = isqrt(floor(v / n²)); round up when sqrt(v) / n ≥ k + ½.
        let mut k = (v / n2).isqrt();
        if (2 * k + 1) * (2 * k + 1) * n2 <= 4 * v {
            k += 1;
        }
        narrow(k)
    }
}

/// Per-reviewer z-score normalisation of `totals` (`reviewers[i]` gave `totals[i]`): with the
/// reviewer's mean `m_r` and population sd `s_r` and the global mean `M` and sd `S`,
/// `x' = M + (x − m_r) / s_r × S` when the reviewer has at least two reviews and `s_r > 0`,
/// `x' = x − m_r + M` otherwise; rounded to 1e-4 at once. Only integer sums feed the floating
/// point, so the result does not depend on the order of the reviews.
fn normalise(reviewers: &[i64], totals: &[i64]) -> Vec<i64> {
    let global = Moments::of(totals);
    let mut own: BTreeMap<i64, Moments> = BTreeMap::new();
    for (&reviewer, &x) in reviewers.iter().zip(totals) {
        let m = own.entry(reviewer).or_default();
        *m = m.add(x);
    }
    reviewers
        .iter()
        .zip(totals)
        .map(|(reviewer, &x)| {
            let r = own[reviewer];
            let value = if r.n >= 2 && r.scaled_variance() > 0 {
                // (x − m_r) / s_r = (n_r·x − Σ_r) / sqrt(n_r² s_r²).
                let z = (r.n * i128::from(x) - r.sum) as f64 / (r.scaled_variance() as f64).sqrt();
                global.mean() + z * global.sd()
            } else {
                x as f64 - r.mean() + global.mean()
            };
            value.round() as i64
        })
        .collect()
}

/// One reviewer's scores for one application, one per criterion in template order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub application: i64,
    pub reviewer: i64,
    pub scores: Vec<i64>,
}

/// An application's result in the ranking. Overall values are in units of 1e-4 of the 0..100
/// scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub application: i64,
    /// Number of reviews.
    pub reviews: usize,
    /// The review totals aggregated by the template's rule, after z-score normalisation if on.
    pub score: i64,
    /// Plain mean of the review totals.
    pub raw_mean: i64,
    /// Lowest review total.
    pub min: i64,
    /// Highest review total.
    pub max: i64,
    /// Population standard deviation of the review totals.
    pub spread: i64,
    /// Per criterion in template order, the raw scores aggregated by the template's rule, in
    /// units of 1e-4 of the criterion's scale.
    pub criteria: Vec<i64>,
    /// `score` reaches the overall pass mark (if any) and every criterion its pass mark.
    pub passes: bool,
    /// Codes of the failed criteria in template order, then [`OVERALL`] if the overall pass
    /// mark fails.
    pub failed: Vec<String>,
    /// 1-based position in the ranking, unique.
    pub rank: usize,
    /// `max − min` is at least 20 points: the reviewers disagree and a consensus step is due.
    pub contested: bool,
}

/// Ranks the applications that have reviews (an application without reviews is not in the
/// output), best first; see the module doc for the rules. Fails if the template is not valid,
/// a review's scores do not fit it (the error names the application, the reviewer and the
/// criterion) or a reviewer reviewed an application twice. The result depends only on the set
/// of reviews, not on their order.
pub fn rank(template: &ReviewTemplate, reviews: &[Review]) -> Result<Vec<Standing>, ReviewError> {
    template.validate()?;
    // A canonical order makes the errors, the floating-point step and the output independent
    // of the input order.
    let mut sorted: Vec<&Review> = reviews.iter().collect();
    sorted.sort_by(|a, b| (a.application, a.reviewer, &a.scores).cmp(&(b.application, b.reviewer, &b.scores)));
    for (i, review) in sorted.iter().enumerate() {
        if i > 0 && (sorted[i - 1].application, sorted[i - 1].reviewer) == (review.application, review.reviewer) {
            return Err(ReviewError::DuplicateReview { application: review.application, reviewer: review.reviewer });
        }
        template.check_scores(&review.scores).map_err(|error| in_review(error, review))?;
    }

    let steps = common_steps(&template.criteria).expect("validated");
    let totals: Vec<i64> = sorted.iter().map(|r| total(&template.criteria, steps, &r.scores)).collect();
    let normalised = if template.zscore {
        normalise(&sorted.iter().map(|r| r.reviewer).collect::<Vec<_>>(), &totals)
    } else {
        totals.clone()
    };

    let mut standings = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        let application = sorted[start].application;
        let end = start + sorted[start..].iter().take_while(|r| r.application == application).count();
        standings.push(standing(template, &sorted[start..end], &totals[start..end], &normalised[start..end]));
        start = end;
    }

    let tie_break: Vec<usize> = template.tie_break.iter().filter_map(|code| template.position(code)).collect();
    standings.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| {
                tie_break
                    .iter()
                    .map(|&c| b.criteria[c].cmp(&a.criteria[c]))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
            .then(a.application.cmp(&b.application))
    });
    for (i, s) in standings.iter_mut().enumerate() {
        s.rank = i + 1;
    }
    Ok(standings)
}

/// The standing of one application from its (checked) reviews, their totals and the totals
/// after normalisation; `rank` is filled in later.
fn standing(template: &ReviewTemplate, reviews: &[&Review], totals: &[i64], normalised: &[i64]) -> Standing {
    let rule = template.aggregation;
    let score = aggregate(normalised, 1, rule);
    let criteria: Vec<i64> = (0..template.criteria.len())
        .map(|c| aggregate(&reviews.iter().map(|r| r.scores[c]).collect::<Vec<_>>(), UNIT, rule))
        .collect();
    let mut failed: Vec<String> = template
        .criteria
        .iter()
        .zip(&criteria)
        .filter(|(c, &value)| c.threshold.is_some_and(|t| value < t * UNIT))
        .map(|(c, _)| c.code.clone())
        .collect();
    if template.overall_threshold.is_some_and(|t| score < t) {
        failed.push(OVERALL.to_owned());
    }
    let min = totals.iter().copied().min().unwrap_or(0);
    let max = totals.iter().copied().max().unwrap_or(0);
    Standing {
        application: reviews[0].application,
        reviews: reviews.len(),
        score,
        raw_mean: aggregate(totals, 1, Aggregation::Mean),
        min,
        max,
        spread: Moments::of(totals).sd_rounded(),
        criteria,
        passes: failed.is_empty(),
        failed,
        rank: 0,
        contested: max - min >= CONTESTED_RANGE,
    }
}

/// A [`ReviewTemplate::check_scores`] error, told of which review.
fn in_review(error: ReviewError, review: &Review) -> ReviewError {
    let (application, reviewer) = (review.application, review.reviewer);
    match error {
        ReviewError::ScoreCount { expected, found } => {
            ReviewError::ReviewScoreCount { application, reviewer, expected, found }
        }
        ReviewError::ScoreOutOfRange { criterion, value, min, max } => {
            ReviewError::ReviewScoreOutOfRange { application, reviewer, criterion, value, min, max }
        }
        other => other,
    }
}

/// A criterion as named in an error message: its code and its names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionName {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl CriterionName {
    fn of(c: &Criterion) -> CriterionName {
        CriterionName { code: c.code.clone(), name_zh: c.name_zh.clone(), name_en: c.name_en.clone() }
    }

    fn args(&self) -> [(&'static str, String); 3] {
        [("criterion", self.code.clone()), ("name_en", self.name_en.clone()), ("name_zh", self.name_zh.clone())]
    }
}

/// Why a template, a review or a set of reviews is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewError {
    NoCriteria,
    BadCode {
        code: String,
    },
    DuplicateCode {
        code: String,
    },
    WeightsSum {
        sum: u64,
    },
    BadScale {
        criterion: CriterionName,
        min: i64,
        max: i64,
    },
    ThresholdOutOfScale {
        criterion: CriterionName,
        threshold: i64,
        min: i64,
        max: i64,
    },
    /// The overall pass mark, in units of 1e-4.
    OverallThresholdOutOfScale {
        threshold: i64,
    },
    UnknownTieBreak {
        code: String,
        known: String,
    },
    ScalesTooFine {
        spans: String,
    },
    ScoreCount {
        expected: usize,
        found: usize,
    },
    ScoreOutOfRange {
        criterion: CriterionName,
        value: i64,
        min: i64,
        max: i64,
    },
    ReviewScoreCount {
        application: i64,
        reviewer: i64,
        expected: usize,
        found: usize,
    },
    ReviewScoreOutOfRange {
        application: i64,
        reviewer: i64,
        criterion: CriterionName,
        value: i64,
        min: i64,
        max: i64,
    },
    DuplicateReview {
        application: i64,
        reviewer: i64,
    },
}

impl ReviewError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::NoCriteria => "review.no_criteria",
            ReviewError::BadCode { .. } => "review.bad_code",
            ReviewError::DuplicateCode { .. } => "review.duplicate_code",
            ReviewError::WeightsSum { .. } => "review.weights_sum",
            ReviewError::BadScale { .. } => "review.bad_scale",
            ReviewError::ThresholdOutOfScale { .. } => "review.threshold_out_of_scale",
            ReviewError::OverallThresholdOutOfScale { .. } => "review.overall_threshold_out_of_scale",
            ReviewError::UnknownTieBreak { .. } => "review.unknown_tie_break",
            ReviewError::ScalesTooFine { .. } => "review.scales_too_fine",
            ReviewError::ScoreCount { .. } => "review.score_count",
            ReviewError::ScoreOutOfRange { .. } => "review.score_out_of_range",
            ReviewError::ReviewScoreCount { .. } => "review.review_score_count",
            ReviewError::ReviewScoreOutOfRange { .. } => "review.review_score_out_of_range",
            ReviewError::DuplicateReview { .. } => "review.duplicate_review",
        }
    }

    /// Named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        let scale = |min: &i64, max: &i64| [("min", min.to_string()), ("max", max.to_string())];
        let review = |application: &i64, reviewer: &i64| {
            [("application", application.to_string()), ("reviewer", reviewer.to_string())]
        };
        match self {
            ReviewError::NoCriteria => vec![],
            ReviewError::BadCode { code } | ReviewError::DuplicateCode { code } => vec![("code", code.clone())],
            ReviewError::WeightsSum { sum } => vec![("sum", sum.to_string())],
            ReviewError::BadScale { criterion, min, max } => [criterion.args().as_slice(), &scale(min, max)].concat(),
            ReviewError::ThresholdOutOfScale { criterion, threshold, min, max } => {
                [criterion.args().as_slice(), &[("threshold", threshold.to_string())], &scale(min, max)].concat()
            }
            ReviewError::OverallThresholdOutOfScale { threshold } => {
                vec![("threshold", format_e4_plain(*threshold))]
            }
            ReviewError::UnknownTieBreak { code, known } => vec![("code", code.clone()), ("known", known.clone())],
            ReviewError::ScalesTooFine { spans } => vec![("spans", spans.clone())],
            ReviewError::ScoreCount { expected, found } => {
                vec![("expected", expected.to_string()), ("found", found.to_string())]
            }
            ReviewError::ScoreOutOfRange { criterion, value, min, max } => {
                [criterion.args().as_slice(), &[("value", value.to_string())], &scale(min, max)].concat()
            }
            ReviewError::ReviewScoreCount { application, reviewer, expected, found } => [
                review(application, reviewer).as_slice(),
                &[("expected", expected.to_string()), ("found", found.to_string())],
            ]
            .concat(),
            ReviewError::ReviewScoreOutOfRange { application, reviewer, criterion, value, min, max } => [
                review(application, reviewer).as_slice(),
                &criterion.args(),
                &[("value", value.to_string())],
                &scale(min, max),
            ]
            .concat(),
            ReviewError::DuplicateReview { application, reviewer } => review(application, reviewer).to_vec(),
        }
    }
}

impl fmt::Display for ReviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewError::NoCriteria => write!(f, "The review template has no criteria; add at least one."),
            ReviewError::BadCode { code } => write!(
                f,
                "Criterion code {code} is not valid: use lower-case letters a-z, digits and underscores, \
                 and not overall (it stands for the overall score)."
            ),
            ReviewError::DuplicateCode { code } => {
                write!(f, "Criterion code {code} is used twice; each criterion needs its own code.")
            }
            ReviewError::WeightsSum { sum } => write!(f, "The criterion weights sum to {sum}; they must sum to 100."),
            ReviewError::BadScale { criterion, min, max } => write!(
                f,
                "Criterion {} ({}) has the scale {min} to {max}; the lowest score must be below the highest, \
                 both within -1000000 to 1000000.",
                criterion.code, criterion.name_en
            ),
            ReviewError::ThresholdOutOfScale { criterion, threshold, min, max } => write!(
                f,
                "The pass mark {threshold} of criterion {} ({}) is outside its scale {min} to {max}.",
                criterion.code, criterion.name_en
            ),
            ReviewError::OverallThresholdOutOfScale { threshold } => write!(
                f,
                "The overall pass mark {} is outside the overall scale 0 to 100.",
                format_e4_plain(*threshold)
            ),
            ReviewError::UnknownTieBreak { code, known } => {
                write!(f, "Tie-break criterion {code} is not a criterion of the template; use one of {known}.")
            }
            ReviewError::ScalesTooFine { spans } => write!(
                f,
                "The criterion scales (spans {spans}) are too fine to be totalled exactly together; \
                 use scales with fewer steps."
            ),
            ReviewError::ScoreCount { expected, found } => {
                write!(f, "{found} scores were given; the template has {expected} criteria.")
            }
            ReviewError::ScoreOutOfRange { criterion, value, min, max } => write!(
                f,
                "The score {value} for criterion {} ({}) is outside its scale {min} to {max}.",
                criterion.code, criterion.name_en
            ),
            ReviewError::ReviewScoreCount { application, reviewer, expected, found } => write!(
                f,
                "Reviewer {reviewer} gave application {application} {found} scores; the template has {expected} \
                 criteria."
            ),
            ReviewError::ReviewScoreOutOfRange { application, reviewer, criterion, value, min, max } => write!(
                f,
                "Reviewer {reviewer} gave application {application} the score {value} for criterion {} ({}), \
                 outside its scale {min} to {max}.",
                criterion.code, criterion.name_en
            ),
            ReviewError::DuplicateReview { application, reviewer } => write!(
                f,
                "Reviewer {reviewer} reviewed application {application} twice; keep one review per reviewer and \
                 application."
            ),
        }
    }
}

impl std::error::Error for ReviewError {}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
