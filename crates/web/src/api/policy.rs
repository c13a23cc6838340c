//! Policy rules on the register's data: one organisation's self-check
//! (`GET /api/v1/organisations/{id}/policy`, the engine's result JSON) and the cultivation pool
//! (培育库, `GET /api/v1/cultivation` and its export), which screens every enterprise in the
//! caller's scope for next year's HNTE and S&T SME eligibility.
//!
//! The pool is for the bureau: admin, city and district staff, and leaders (read only).
//! Enterprise users get 403 (their scope is their own firm, and the pool ranks firms against
//! each other), experts too (their scope holds no organisations). District staff see the firms
//! of their districts only, like everywhere else.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use gaodi_domain::access::Role;
use gaodi_domain::region::RegionCode;
use gaodi_domain::rules::cultivation::{gap_size, GapSize, NEAR_MISS_MAX_FAILED};
use gaodi_domain::rules::explain::{self, condition_name, gap_text, outcome_label};
use gaodi_domain::rules::{
    firm_input, Check, CondId, Evaluation, Evaluator, GapOption, Outcome, RuleError, RuleKind, Threshold, Value,
};
use gaodi_store::policy::ExpiringCertificate;
use gaodi_store::tabular::{write_table, Format};
use serde::Deserialize;
use serde_json::{json, Value as Json_};
use time::{Date, Duration, Month};

use super::openapi::ApiRoute;
use super::transfer::file_response;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang};
use crate::AppState;

/// Roles that see the cultivation pool.
pub const POOL_READERS: &[&str] = &["admin", "city_staff", "district_staff", "leader"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organisations/{id}/policy", get(organisation_policy))
        .route("/api/v1/cultivation", get(cultivation))
        .route("/api/v1/cultivation/export", get(cultivation_export))
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations/{id}/policy",
        tag: "policy",
        summary: "Policy self-check from the register's data (query: rule = hnte|sme|super-deduction|hunan-reward, \
                  as_of = YYYY-MM-DD, default today): the rules engine's result; without rule, all four",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/cultivation",
        tag: "policy",
        summary: "Cultivation pool (培育库): near misses for next year's HNTE and S&T SME, ranked by gap size, and \
                  高企 certificates expiring in the next 12 months (query: year, region, rule = hnte|sme, page, per_page)",
        body: None,
        roles: POOL_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/cultivation/export",
        tag: "policy",
        summary: "The cultivation pool's filtered list as xlsx or csv (query: as /api/v1/cultivation, format = \
                  xlsx|csv, list = near_misses|expiring)",
        body: None,
        roles: POOL_READERS,
    },
];

// ---------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------

/// The engine's language for the UI's.
pub fn rules_lang(lang: Lang) -> explain::Lang {
    match lang {
        Lang::Zh => explain::Lang::Zh,
        Lang::En => explain::Lang::En,
    }
}

fn bad(name: &str, value: &str, expected: &str) -> AppError {
    AppError::bad_request("error.bad_query").arg("name", name).arg("value", value).arg("expected", expected)
}

fn non_empty(s: Option<&String>) -> Option<&str> {
    s.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Parses `as_of` (`YYYY-MM-DD`); today when absent.
pub fn parse_as_of(value: Option<&String>) -> AppResult<Date> {
    match non_empty(value) {
        None => Ok(time::OffsetDateTime::now_utc().date()),
        Some(v) => gaodi_domain::rules::parse_date(v).map_err(|_| bad("as_of", v, "YYYY-MM-DD").field("as_of")),
    }
}

/// A rule the engine could not evaluate at all (e.g. no version before 2008), as a 422.
pub fn rule_error(e: &RuleError) -> AppError {
    AppError::invalid(e.code(), e.args(), "as_of")
}

/// The text of a check outcome.
pub fn check_label(lang: Lang, check: Check) -> &'static str {
    let key = match check {
        Check::Pass => "policy.check.pass",
        Check::Fail => "policy.check.fail",
        Check::NeedsExpert => "policy.check.needs_expert",
        Check::Unknown => "policy.check.unknown",
        Check::NotApplicable => "policy.check.not_applicable",
    };
    t(lang, key)
}

/// A CSS class for an outcome.
pub fn outcome_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Eligible => "ok",
        Outcome::NotEligible => "bad",
        Outcome::NeedsExpert => "warn",
        Outcome::Unknown => "grey",
    }
}

/// One failed condition in words: its name, value against threshold, and the ways to close it.
pub fn failed_in_words(
    lang: Lang,
    id: CondId,
    value: Option<Value>,
    threshold: Option<Threshold>,
    gap: &[GapOption],
) -> String {
    let rl = rules_lang(lang);
    let mut s = condition_name(id, rl).to_owned();
    if let Some(v) = value {
        s.push_str(&tf(
            lang,
            "policy.value_vs",
            &[("value", v.text()), ("threshold", threshold.map(|t| t.to_string()).unwrap_or_default())],
        ));
    }
    if !gap.is_empty() {
        let options: Vec<String> = gap.iter().map(|g| gap_text(g, rl)).collect();
        s.push_str(&tf(lang, "policy.gap_options", &[("options", options.join(t(lang, "policy.or")))]));
    }
    s
}

// ---------------------------------------------------------------------------------------
// Self-check
// ---------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct PolicyQuery {
    pub rule: Option<String>,
    pub as_of: Option<String>,
}

async fn organisation_policy(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Query(q): Query<PolicyQuery>,
) -> AppResult<Json<Json_>> {
    let as_of = parse_as_of(q.as_of.as_ref())?;
    let rules = match non_empty(q.rule.as_ref()) {
        Some(r) => vec![RuleKind::parse(r).map_err(|_| bad("rule", r, "hnte, sme, super-deduction, hunan-reward"))?],
        None => RuleKind::ALL.to_vec(),
    };
    let firm = state.store.policy_firm(&me.scope(), id).await?;
    let input = firm_input(&firm.firm);
    let mut evaluator = Evaluator::new();
    let mut results = Vec::new();
    for rule in &rules {
        let eval = evaluator.evaluate(*rule, &input, Some(as_of)).map_err(|e| rule_error(&e))?;
        results.push(serde_json::to_value(&eval).map_err(|_| AppError::internal())?);
    }
    Ok(Json(if rules.len() == 1 { results.remove(0) } else { json!({ "results": results }) }))
}

// ---------------------------------------------------------------------------------------
// Cultivation pool
// ---------------------------------------------------------------------------------------

/// The pool's query string (page, API and export).
#[derive(Deserialize, Default, Clone)]
pub struct PoolQuery {
    pub year: Option<String>,
    pub region: Option<String>,
    pub rule: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
    pub format: Option<String>,
    pub list: Option<String>,
}

/// The pool's parsed filters.
#[derive(Debug, Clone)]
pub struct PoolFilter {
    /// The year screened; the evaluation date is 1 January of it.
    pub year: i32,
    /// Whether `year` was chosen (otherwise next year).
    pub chosen: bool,
    pub region: Option<RegionCode>,
    pub rules: Vec<RuleKind>,
    pub page: usize,
    pub per_page: usize,
}

impl PoolQuery {
    pub fn parse(&self) -> AppResult<PoolFilter> {
        let today = time::OffsetDateTime::now_utc().date();
        let (year, chosen) = match non_empty(self.year.as_ref()) {
            None => (today.year() + 1, false),
            Some(y) => (
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (2008..=2100).contains(y))
                    .ok_or_else(|| bad("year", y, "2008-2100"))?,
                true,
            ),
        };
        let region = match non_empty(self.region.as_ref()) {
            None => None,
            Some(r) => Some(RegionCode::parse(r).map_err(|e| AppError::bad_request(e.code()).arg("value", r))?),
        };
        let rules = match non_empty(self.rule.as_ref()) {
            None => vec![RuleKind::Hnte, RuleKind::Sme],
            Some("hnte") => vec![RuleKind::Hnte],
            Some("sme") => vec![RuleKind::Sme],
            Some(other) => return Err(bad("rule", other, "hnte, sme")),
        };
        let number = |name: &str, v: Option<&String>, default: usize, max: usize| -> AppResult<usize> {
            match non_empty(v) {
                None => Ok(default),
                Some(s) => s.parse::<usize>().ok().filter(|n| (1..=max).contains(n)).ok_or_else(|| bad(name, s, "1-…")),
            }
        };
        Ok(PoolFilter {
            year,
            chosen,
            region,
            rules,
            page: number("page", self.page.as_ref(), 1, 1_000_000)?,
            per_page: number("per_page", self.per_page.as_ref(), 50, 500)?,
        })
    }

    /// The filters as a query string (no page).
    pub fn filters_qs(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("year", &self.year), ("region", &self.region), ("rule", &self.rule)] {
            if let Some(v) = non_empty(v.as_ref()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// A failed condition of a near miss.
#[derive(Debug, Clone)]
pub struct Failed {
    pub id: CondId,
    pub value: Option<Value>,
    pub threshold: Option<Threshold>,
    pub gap: Vec<GapOption>,
}

/// One near miss: a firm, a rule, its outcome, gap size and failed conditions.
#[derive(Debug, Clone)]
pub struct PoolEntry {
    pub organisation_id: i64,
    pub name: String,
    pub uscc: String,
    pub region_code: String,
    pub rule: RuleKind,
    pub outcome: Outcome,
    pub size: GapSize,
    pub failed: Vec<Failed>,
    /// Missing fields of the conditions left unknown.
    pub missing: Vec<String>,
}

impl PoolEntry {
    /// The gaps in words, one per failed condition.
    pub fn gaps_in_words(&self, lang: Lang) -> Vec<String> {
        self.failed.iter().map(|f| failed_in_words(lang, f.id, f.value, f.threshold, &f.gap)).collect()
    }

    /// The relative shortfall as a percentage with two decimals (`16.00%`).
    pub fn shortfall_text(&self) -> String {
        let hundredths = self.size.shortfall_ppm / 100;
        format!("{}.{:02}%", hundredths / 100, hundredths % 100)
    }
}

/// How the firms of one rule came out.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RuleSummary {
    pub rule: &'static str,
    /// Firms with yearly figures for the year before the one screened.
    pub screened: usize,
    /// Firms without: not screened.
    pub not_screened: usize,
    pub eligible: usize,
    pub near_misses: usize,
    /// No condition failed, but data is missing (the register lacks fields the rule needs).
    pub unknown_no_failure: usize,
    /// More than `NEAR_MISS_MAX_FAILED` failed conditions.
    pub far: usize,
}

/// The screened pool.
pub struct Pool {
    pub filter: PoolFilter,
    pub as_of: Date,
    /// Every near miss, nearest first.
    pub entries: Vec<PoolEntry>,
    pub summaries: Vec<RuleSummary>,
    /// Certificates expiring in `expiring_from..=expiring_to`.
    pub expiring: Vec<ExpiringCertificate>,
    pub expiring_from: Date,
    pub expiring_to: Date,
    /// The latest year with figures in scope, if any.
    pub latest_figures: Option<i32>,
}

/// Refuses the roles that do not see the pool.
pub fn require_pool_reader(me: &Me) -> AppResult<()> {
    if matches!(me.role(), Role::EnterpriseUser | Role::Expert) {
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// The day before the same date a year later (the last day of a 12-month window).
fn year_after(from: Date) -> Date {
    let next = Date::from_calendar_date(from.year() + 1, from.month(), from.day())
        .or_else(|_| Date::from_calendar_date(from.year() + 1, Month::March, 1))
        .unwrap_or(from);
    next - Duration::days(1)
}

/// Screens every enterprise in the caller's scope (see the module docs).
pub async fn screen(state: &AppState, me: &Me, filter: PoolFilter) -> AppResult<Pool> {
    require_pool_reader(me)?;
    let scope = me.scope();
    let as_of = Date::from_calendar_date(filter.year, Month::January, 1).map_err(|_| AppError::internal())?;
    let firms = state.store.policy_firms(&scope, filter.region.as_ref()).await?;
    let mut evaluator = Evaluator::without_inputs();
    let mut entries = Vec::new();
    let mut summaries = Vec::new();
    for rule in &filter.rules {
        let mut summary = RuleSummary { rule: rule.as_str(), ..RuleSummary::default() };
        for pf in &firms {
            // The rules read the year before the one screened (N-1).
            if !pf.firm.years.iter().any(|(y, _)| *y == filter.year - 1) {
                summary.not_screened += 1;
                continue;
            }
            summary.screened += 1;
            let input = firm_input(&pf.firm);
            let eval = match evaluator.evaluate(*rule, &input, Some(as_of)) {
                Ok(e) => e,
                Err(e) => return Err(rule_error(&e)),
            };
            let size = gap_size(&eval);
            match eval.outcome {
                Outcome::Eligible => summary.eligible += 1,
                Outcome::Unknown if size.failed == 0 => summary.unknown_no_failure += 1,
                _ if size.failed > NEAR_MISS_MAX_FAILED => summary.far += 1,
                Outcome::NotEligible | Outcome::NeedsExpert => {
                    summary.near_misses += 1;
                    entries.push(entry(pf, &eval, size));
                }
                Outcome::Unknown => summary.far += 1,
            }
            evaluator.recycle(eval);
        }
        summaries.push(summary);
    }
    // Nearest first; ties keep the register's order (by name), HNTE before SME.
    entries.sort_by_key(|e| e.size);
    let today = time::OffsetDateTime::now_utc().date();
    let expiring_from = if filter.chosen { as_of } else { today };
    let expiring_to = year_after(expiring_from);
    let expiring =
        state.store.expiring_hte_certificates(&scope, filter.region.as_ref(), expiring_from, expiring_to).await?;
    let latest_figures = state.store.latest_figures_year(&scope).await?;
    Ok(Pool { filter, as_of, entries, summaries, expiring, expiring_from, expiring_to, latest_figures })
}

fn entry(pf: &gaodi_store::policy::PolicyFirm, eval: &Evaluation, size: GapSize) -> PoolEntry {
    let failed = eval
        .conditions
        .iter()
        .filter(|c| c.outcome == Check::Fail)
        .map(|c| Failed { id: c.id, value: c.value, threshold: c.threshold, gap: c.gap.clone() })
        .collect();
    let mut missing: Vec<String> = eval
        .conditions
        .iter()
        .filter(|c| c.outcome == Check::Unknown)
        .flat_map(|c| c.missing.iter().map(ToString::to_string))
        .collect();
    let mut seen = std::collections::HashSet::new();
    missing.retain(|m| seen.insert(m.clone()));
    PoolEntry {
        organisation_id: pf.organisation.organisation_id,
        name: pf.organisation.name.clone(),
        uscc: pf.organisation.uscc.clone(),
        region_code: pf.organisation.region_code.clone(),
        rule: eval.rule,
        outcome: eval.outcome,
        size,
        failed,
        missing,
    }
}

/// The page of entries the filter asks for.
pub fn page_of(pool: &Pool) -> &[PoolEntry] {
    let start = (pool.filter.page - 1).saturating_mul(pool.filter.per_page).min(pool.entries.len());
    let end = start.saturating_add(pool.filter.per_page).min(pool.entries.len());
    &pool.entries[start..end]
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn cultivation(State(state): State<AppState>, me: Me, Query(q): Query<PoolQuery>) -> AppResult<Json<Json_>> {
    let pool = screen(&state, &me, q.parse()?).await?;
    let lang = me.lang;
    let rl = rules_lang(lang);
    let items: Vec<Json_> = page_of(&pool)
        .iter()
        .map(|e| {
            json!({
                "organisation_id": e.organisation_id, "name": e.name, "uscc": e.uscc, "region_code": e.region_code,
                "rule": e.rule.as_str(), "outcome": e.outcome, "outcome_text": outcome_label(e.outcome, rl),
                "gap_size": e.size,
                "failed": e.failed.iter().map(|f| json!({
                    "id": f.id, "name": condition_name(f.id, rl), "value": f.value, "threshold": f.threshold,
                    "gap": f.gap,
                })).collect::<Vec<_>>(),
                "gaps_text": e.gaps_in_words(lang),
                "missing": e.missing,
            })
        })
        .collect();
    Ok(Json(json!({
        "year": pool.filter.year,
        "as_of": iso(pool.as_of),
        "rules": pool.filter.rules.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "total": pool.entries.len(),
        "page": pool.filter.page,
        "per_page": pool.filter.per_page,
        "near_misses": items,
        "summary": pool.summaries,
        "expiring": {"from": iso(pool.expiring_from), "to": iso(pool.expiring_to), "certificates": pool.expiring},
        "latest_figures_year": pool.latest_figures,
    })))
}

/// The near misses (or the expiring certificates) as table rows in `lang`.
pub fn export_rows(pool: &Pool, lang: Lang, expiring: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let h = |k: &str| t(lang, k).to_owned();
    if expiring {
        let headers = vec![
            h("cultivation.firm"),
            h("organisations.uscc"),
            h("organisations.region"),
            h("cultivation.certificate"),
            h("cultivation.issued_on"),
            h("cultivation.expires_on"),
        ];
        let rows = pool
            .expiring
            .iter()
            .map(|c| {
                vec![
                    c.organisation_name.clone(),
                    c.uscc.clone(),
                    c.region_code.clone(),
                    c.number.clone().unwrap_or_default(),
                    iso(c.issued_on),
                    iso(c.expires_on),
                ]
            })
            .collect();
        return (headers, rows);
    }
    let rl = rules_lang(lang);
    let headers = vec![
        h("cultivation.rank"),
        h("cultivation.rule"),
        h("cultivation.firm"),
        h("organisations.uscc"),
        h("organisations.region"),
        h("policy.outcome"),
        h("cultivation.failed"),
        h("cultivation.shortfall"),
        h("policy.gaps"),
    ];
    let rows = pool
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                (i + 1).to_string(),
                if lang == Lang::En { e.rule.name_en() } else { e.rule.name_zh() }.to_owned(),
                e.name.clone(),
                e.uscc.clone(),
                e.region_code.clone(),
                outcome_label(e.outcome, rl).to_owned(),
                e.size.failed.to_string(),
                e.shortfall_text(),
                e.gaps_in_words(lang).join("; "),
            ]
        })
        .collect();
    (headers, rows)
}

async fn cultivation_export(State(state): State<AppState>, me: Me, Query(q): Query<PoolQuery>) -> AppResult<Response> {
    let format = match non_empty(q.format.as_ref()).unwrap_or("xlsx") {
        "xlsx" => Format::Xlsx,
        "csv" => Format::Csv,
        other => return Err(bad("format", other, "xlsx, csv")),
    };
    let expiring = match non_empty(q.list.as_ref()).unwrap_or("near_misses") {
        "near_misses" => false,
        "expiring" => true,
        other => return Err(bad("list", other, "near_misses, expiring")),
    };
    let pool = screen(&state, &me, q.parse()?).await?;
    let (headers, rows) = export_rows(&pool, me.lang, expiring);
    let sheet = if expiring { "expiring" } else { "cultivation" };
    let bytes =
        write_table(&headers, &rows, sheet, format).map_err(|e| AppError::invalid(e.code(), e.args(), "file"))?;
    let stem = format!("{}-{}", if expiring { "hte-expiring" } else { "cultivation" }, pool.filter.year);
    Ok(file_response(bytes, format, &stem))
}
