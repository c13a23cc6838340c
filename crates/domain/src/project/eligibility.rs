//! Eligibility rules of a call, written in gaodi-expr over the applicant's registry data, and
//! the automatic screening (形式审查) that checks an application against them with reasons.
//!
//! A rule is a condition such as `in_city = 1 and hte = 1 and overdue_projects = 0`. The codes
//! it may use are the [`FACTS`] the store reads for the applicant on the screening date; period
//! and tree functions and registry aggregates are refused, since a rule speaks of one applicant.
//!
//! # Error codes
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `eligibility.unknown_fact` | The eligibility rule uses {code}, which is not an applicant fact: use one of {known}. | 资格条件使用了 {code}，它不是申报单位的数据项：可用 {known}。 |
//! | `eligibility.unsupported` | The eligibility rule uses {what}; a rule speaks of one applicant at the screening date, so registry counts and period or tree functions are not allowed. | 资格条件使用了 {what}；资格条件针对单个申报单位在审查日的情况，不能使用登记库统计或期间、层级函数。 |
//! | `eligibility.parse` | The eligibility rule does not read: {message} | 资格条件无法解析：{message} |

use std::collections::BTreeMap;
use std::fmt;

use gaodi_expr::{eval, parse_as, Env, Expr, ExprKind, Func, NoValue, RegistryQuery, Type, Value};
use serde::{Deserialize, Serialize};

/// The applicant facts a rule may use: (code, 中文, English).
pub const FACTS: &[(&str, &str, &str)] = &[
    ("in_city", "注册地在本市（1 是，0 否）", "registered in the city (1 yes, 0 no)"),
    ("hte", "持有有效的高新技术企业证书", "holds a valid high-tech enterprise certificate"),
    ("tech_sme", "入库科技型中小企业", "registered technology-based SME"),
    ("srdi_sme", "专精特新中小企业", "specialised and innovative SME (专精特新)"),
    ("little_giant", "专精特新“小巨人”", "little giant (小巨人)"),
    ("enterprise", "企业（1）或高校、院所（0）", "an enterprise (1) or a university or institute (0)"),
    ("employees", "上年末从业人员（人）", "employees at the end of last year"),
    ("revenue", "上年营业收入（万元）", "revenue last year (10k yuan)"),
    ("rd_expenditure", "上年研发费用（万元）", "R&D expenditure last year (10k yuan)"),
    ("rd_ratio", "上年研发费用占营业收入比例（%）", "R&D expenditure as % of revenue last year"),
    ("active_projects", "在研项目数", "projects in progress"),
    ("overdue_projects", "有逾期未交报告的在研项目数", "projects in progress with an overdue report"),
];

/// The values of [`FACTS`] for one applicant on one date; a fact the registries do not hold
/// for the applicant is absent (and a rule using it cannot be met).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApplicantFacts {
    pub label: String,
    pub values: BTreeMap<String, f64>,
}

impl ApplicantFacts {
    #[must_use]
    pub fn new(label: impl Into<String>) -> ApplicantFacts {
        ApplicantFacts { label: label.into(), values: BTreeMap::new() }
    }

    pub fn set(&mut self, code: &str, value: f64) {
        self.values.insert(code.to_owned(), value);
    }

    pub fn set_flag(&mut self, code: &str, on: bool) {
        self.set(code, if on { 1.0 } else { 0.0 });
    }
}

impl Env for ApplicantFacts {
    type Unit = ();

    fn value(&self, code: &str, (): (), shift: i32) -> Result<f64, NoValue> {
        match self.values.get(code) {
            Some(&v) if shift == 0 => Ok(v),
            _ => Err(NoValue::Missing { code: code.to_owned(), unit: self.label.clone(), shift }),
        }
    }

    fn registry(&self, q: &RegistryQuery, (): (), shift: i32) -> Result<f64, NoValue> {
        Err(NoValue::Missing { code: q.to_string(), unit: self.label.clone(), shift })
    }

    fn children(&self, (): (), _: i32) -> Vec<()> {
        Vec::new()
    }

    fn parent(&self, (): (), _: i32) -> Option<()> {
        None
    }

    fn periods_per_year(&self) -> i32 {
        1
    }

    fn label(&self, (): ()) -> String {
        self.label.clone()
    }
}

/// A checked eligibility rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub source: String,
    expr: Expr,
}

impl Rule {
    /// Parses and checks a rule.
    ///
    /// # Errors
    /// [`EligibilityError`] naming the first problem.
    pub fn parse(source: &str) -> Result<Rule, EligibilityError> {
        let expr = parse_as(source, Type::Condition).map_err(|e| EligibilityError::Parse { message: e.to_string() })?;
        let refs = expr.references();
        if let Some(q) = refs.registry.first() {
            return Err(EligibilityError::Unsupported { what: q.to_string() });
        }
        if let Some(f) = period_or_tree_call(&expr) {
            return Err(EligibilityError::Unsupported { what: format!("{}()", f.name()) });
        }
        if let Some(code) = refs.codes.iter().find(|c| !FACTS.iter().any(|(f, _, _)| f == c)) {
            return Err(EligibilityError::UnknownFact {
                code: code.clone(),
                known: FACTS.iter().map(|(f, _, _)| *f).collect::<Vec<_>>().join(", "),
            });
        }
        Ok(Rule { source: source.to_owned(), expr })
    }

    /// The facts this rule reads.
    #[must_use]
    pub fn facts(&self) -> Vec<String> {
        self.expr.references().codes.into_iter().collect()
    }

    /// Whether the applicant meets the rule, with the facts it read (for the reason shown).
    #[must_use]
    pub fn check(&self, facts: &ApplicantFacts) -> Verdict {
        let used: Vec<(String, Option<f64>)> =
            self.facts().into_iter().map(|c| (c.clone(), facts.values.get(&c).copied())).collect();
        let outcome = match eval(&self.expr, facts, ()) {
            Ok(Value::Bool(b)) => Outcome::from(b),
            Ok(Value::Number(_)) => Outcome::Fail,
            Err(NoValue::Missing { code, .. }) => Outcome::Missing(code),
            Err(other) => Outcome::Error(other.to_string()),
        };
        Verdict { rule: self.source.clone(), outcome, used }
    }
}

/// The first period or tree function (`lag`, `yoy`, …) the expression calls, in source order.
fn period_or_tree_call(expr: &Expr) -> Option<Func> {
    match &expr.kind {
        ExprKind::Call(f, _) if f.is_period_or_tree() => Some(*f),
        ExprKind::Call(_, args) => args.iter().find_map(period_or_tree_call),
        ExprKind::Unary(_, e) => period_or_tree_call(e),
        ExprKind::Binary(_, a, b) => period_or_tree_call(a).or_else(|| period_or_tree_call(b)),
        ExprKind::Number(_) | ExprKind::Ref(_) | ExprKind::Registry(_) => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The registries do not hold this fact for the applicant.
    Missing(String),
    Error(String),
}

impl From<bool> for Outcome {
    fn from(b: bool) -> Outcome {
        if b {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

/// The result of checking one rule, with the facts it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub rule: String,
    pub outcome: Outcome,
    pub used: Vec<(String, Option<f64>)>,
}

impl Verdict {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Pass
    }
}

/// One finding of the screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// i18n key of the reason (`screening.*`).
    pub code: String,
    pub args: Vec<(String, String)>,
    pub passed: bool,
}

/// What the screening of one application found; it passes when every finding passed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    pub findings: Vec<Finding>,
}

/// What screening needs to know besides the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreeningInput<'a> {
    pub rule: Option<&'a Rule>,
    pub facts: &'a ApplicantFacts,
    /// Other live applications of the same lead organisation to the same call.
    pub other_applications: usize,
    pub max_per_lead: u32,
    /// The lead organisation's projects in progress, and the call's cap (None: no cap).
    pub active_projects: u32,
    pub max_concurrent: Option<u32>,
    /// Required form fields left empty, by label.
    pub missing_fields: Vec<String>,
    /// Whether the district bureau endorsed the application.
    pub endorsed: bool,
}

/// Screens an application: the eligibility rule, the per-call and concurrent-project limits,
/// the required fields and the endorsement, each as a finding with its reason.
#[must_use]
pub fn screen(input: &ScreeningInput<'_>) -> Screening {
    let mut findings = Vec::new();
    let arg = |k: &str, v: String| (k.to_owned(), v);
    if let Some(rule) = input.rule {
        let v = rule.check(input.facts);
        let used = v
            .used
            .iter()
            .map(|(c, x)| format!("{c} = {}", x.map_or_else(|| "—".to_owned(), gaodi_expr::format_number)))
            .collect::<Vec<_>>()
            .join(", ");
        let (code, passed) = match &v.outcome {
            Outcome::Pass => ("screening.rule_met", true),
            Outcome::Fail => ("screening.rule_not_met", false),
            Outcome::Missing(_) | Outcome::Error(_) => ("screening.rule_no_data", false),
        };
        let missing = match &v.outcome {
            Outcome::Missing(c) => c.clone(),
            Outcome::Error(e) => e.clone(),
            _ => String::new(),
        };
        findings.push(Finding {
            code: code.to_owned(),
            args: vec![arg("rule", v.rule.clone()), arg("facts", used), arg("missing", missing)],
            passed,
        });
    }
    let over = input.other_applications >= input.max_per_lead as usize;
    findings.push(Finding {
        code: if over { "screening.per_lead_exceeded" } else { "screening.per_lead_ok" }.to_owned(),
        args: vec![arg("others", input.other_applications.to_string()), arg("max", input.max_per_lead.to_string())],
        passed: !over,
    });
    if let Some(max) = input.max_concurrent {
        let over = input.active_projects >= max;
        findings.push(Finding {
            code: if over { "screening.concurrent_exceeded" } else { "screening.concurrent_ok" }.to_owned(),
            args: vec![arg("active", input.active_projects.to_string()), arg("max", max.to_string())],
            passed: !over,
        });
    }
    findings.push(if input.missing_fields.is_empty() {
        Finding { code: "screening.form_complete".to_owned(), args: Vec::new(), passed: true }
    } else {
        Finding {
            code: "screening.form_incomplete".to_owned(),
            args: vec![arg("fields", input.missing_fields.join("、"))],
            passed: false,
        }
    });
    findings.push(Finding {
        code: if input.endorsed { "screening.endorsed" } else { "screening.not_endorsed" }.to_owned(),
        args: Vec::new(),
        passed: input.endorsed,
    });
    Screening { findings }
}

impl Screening {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.findings.iter().all(|f| f.passed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EligibilityError {
    UnknownFact { code: String, known: String },
    Unsupported { what: String },
    Parse { message: String },
}

impl EligibilityError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            EligibilityError::UnknownFact { .. } => "eligibility.unknown_fact",
            EligibilityError::Unsupported { .. } => "eligibility.unsupported",
            EligibilityError::Parse { .. } => "eligibility.parse",
        }
    }

    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            EligibilityError::UnknownFact { code, known } => vec![("code", code.clone()), ("known", known.clone())],
            EligibilityError::Unsupported { what } => vec![("what", what.clone())],
            EligibilityError::Parse { message } => vec![("message", message.clone())],
        }
    }
}

impl fmt::Display for EligibilityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EligibilityError::UnknownFact { code, known } => {
                write!(f, "The eligibility rule uses {code}, which is not an applicant fact: use one of {known}.")
            }
            EligibilityError::Unsupported { what } => write!(
                f,
                "The eligibility rule uses {what}; a rule speaks of one applicant at the screening date, so registry \
                 counts and period or tree functions are not allowed."
            ),
            EligibilityError::Parse { message } => write!(f, "The eligibility rule does not read: {message}"),
        }
    }
}

impl std::error::Error for EligibilityError {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn firm(hte: bool, overdue: f64) -> ApplicantFacts {
        let mut f = ApplicantFacts::new("914302000000000001");
        f.set_flag("in_city", true);
        f.set_flag("hte", hte);
        f.set("overdue_projects", overdue);
        f
    }

    #[test]
    fn a_rule_reads_the_applicant_facts() {
        let rule = Rule::parse("in_city = 1 and hte = 1 and overdue_projects = 0").unwrap();
        assert!(rule.check(&firm(true, 0.0)).passed());
        let v = rule.check(&firm(false, 0.0));
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.used.contains(&("hte".to_owned(), Some(0.0))));
        assert_eq!(rule.check(&firm(true, 2.0)).outcome, Outcome::Fail);
    }

    #[test]
    fn a_fact_the_registries_do_not_hold_is_reported_as_missing() {
        let rule = Rule::parse("rd_ratio >= 3").unwrap();
        assert_eq!(rule.check(&firm(true, 0.0)).outcome, Outcome::Missing("rd_ratio".into()));
    }

    #[test]
    fn rules_may_use_only_applicant_facts() {
        assert_eq!(Rule::parse("hte_count > 1").unwrap_err().code(), "eligibility.unknown_fact");
        assert_eq!(Rule::parse("count(org where tier = \"hte\") > 1").unwrap_err().code(), "eligibility.unsupported");
        assert_eq!(Rule::parse("lag(revenue, 1) > 1").unwrap_err().code(), "eligibility.unsupported");
        assert_eq!(Rule::parse("revenue +").unwrap_err().code(), "eligibility.parse");
        assert_eq!(Rule::parse("revenue + 1").unwrap_err().code(), "eligibility.parse");
    }

    #[test]
    fn screening_lists_every_reason() {
        let rule = Rule::parse("hte = 1").unwrap();
        let facts = firm(false, 0.0);
        let s = screen(&ScreeningInput {
            rule: Some(&rule),
            facts: &facts,
            other_applications: 1,
            max_per_lead: 1,
            active_projects: 0,
            max_concurrent: Some(2),
            missing_fields: vec!["项目名称".into()],
            endorsed: true,
        });
        assert!(!s.passed());
        let failed: Vec<&str> = s.findings.iter().filter(|f| !f.passed).map(|f| f.code.as_str()).collect();
        assert_eq!(failed, ["screening.rule_not_met", "screening.per_lead_exceeded", "screening.form_incomplete"]);
    }

    #[test]
    fn the_doc_table_matches_the_messages() {
        let samples = [
            Rule::parse("nope = 1").unwrap_err(),
            EligibilityError::Unsupported { what: "lag()".into() },
            EligibilityError::Parse { message: "x".into() },
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("eligibility.rs"),
            &samples,
            EligibilityError::code,
            EligibilityError::args,
        );
    }

    proptest! {
        /// A screening passes exactly when every check passes.
        #[test]
        fn screening_passes_iff_all_checks_pass(hte in any::<bool>(), others in 0usize..3, active in 0u32..4,
                                                missing in any::<bool>(), endorsed in any::<bool>()) {
            let rule = Rule::parse("hte = 1").unwrap();
            let facts = firm(hte, 0.0);
            let s = screen(&ScreeningInput {
                rule: Some(&rule), facts: &facts, other_applications: others, max_per_lead: 1,
                active_projects: active, max_concurrent: Some(2),
                missing_fields: if missing { vec!["x".into()] } else { Vec::new() }, endorsed,
            });
            prop_assert_eq!(s.passed(), hte && others == 0 && active < 2 && !missing && endorsed);
        }
    }
}
