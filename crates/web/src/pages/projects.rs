//! Project pages: calls and their dashboard, the application form and page, the call's review
//! desk (screening, conflicts, draw, assignment, ranking, decisions), the expert's reviews,
//! and projects with milestones, tranches, changes, mid-term check and acceptance. Who may do
//! what is in [`crate::projects`]. Every action is a POST that redirects back to the page it
//! came from; a refused action shows the page again with the reason on top.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use gaodi_domain::access::Role;
use gaodi_domain::project::conflict::ConflictKind;
use gaodi_domain::project::form::FieldKind;
use gaodi_domain::project::lifecycle::{ApplicationAction, ApplicationStatus, CallAction, ChangeKind, MidtermResult};
use gaodi_store::project::{ApplicationFilter, NewApplication};
use gaodi_store::project_follow::{ChangeRequest, Decision, ProjectFilter};
use serde::Deserialize;

use super::{html, message, see_other, Chrome};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::projects::{
    expert_person, fen_to_wan, may_apply, may_endorse, parse_date, require_staff, score_text, today, wan_to_fen,
};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calls", get(calls_page))
        .route("/calls/new", get(new_call_page).post(new_call_save))
        .route("/calls/{id}", get(call_page))
        .route("/calls/{id}/status", post(call_status))
        .route("/calls/{id}/screen", post(call_screen))
        .route("/calls/{id}/draw", post(call_draw))
        .route("/calls/{id}/assign", post(call_assign))
        .route("/calls/{id}/rank", post(call_rank))
        .route("/calls/{id}/remind", post(call_remind))
        .route("/calls/{id}/challenges", post(challenge_propose))
        .route("/calls/{id}/apply", get(apply_page).post(apply_save))
        .route("/challenges/{id}/vet", post(challenge_vet))
        .route("/conflicts/{id}/dismiss", post(conflict_dismiss))
        .route("/calls/{id}/panel/{person}/replace", post(panel_replace))
        .route("/assignments/{id}/reassign", post(assignment_reassign))
        .route("/applications/{id}", get(application_page))
        .route("/applications/{id}/edit", get(edit_page).post(edit_save))
        .route("/applications/{id}/action", post(application_step))
        .route("/applications/{id}/decide", post(application_decide))
        .route("/reviews", get(reviews_page))
        .route("/reviews/{id}", get(review_page).post(review_submit))
        .route("/reviews/{id}/declare", post(review_declare))
        .route("/reviews/{id}/files/{attachment}", get(review_file))
        .route("/people/{id}/expert", get(expert_page))
        .route("/people/{id}/expert/absences", post(expert_absence))
        .route("/people/{id}/expert/links", post(expert_link))
        .route("/projects", get(projects_page))
        .route("/projects/{id}", get(project_page))
        .route("/projects/{id}/agreement", post(project_agreement))
        .route("/projects/{id}/midterm", post(project_midterm))
        .route("/projects/{id}/acceptance", post(project_acceptance))
        .route("/projects/{id}/changes", post(change_request))
        .route("/changes/{id}/decide", post(change_decide))
        .route("/milestones/{id}/submit", post(milestone_submit))
        .route("/milestones/{id}/decide", post(milestone_decide))
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        zh
    }
}

/// The message of a refused action, or the error itself when it is not the user's to fix.
fn refusal(me: &Me, e: impl Into<AppError>) -> AppResult<String> {
    let e = e.into();
    if e.status.is_server_error() || e.status == axum::http::StatusCode::NOT_FOUND {
        return Err(e);
    }
    Ok(message(me.lang, &e))
}

fn chrome(me: &Me, path: &str) -> Chrome {
    Chrome::for_user(me, path)
}

// =======================================================================================
// Calls
// =======================================================================================

struct CallRow {
    id: i64,
    code: String,
    title: String,
    programme: String,
    kind: String,
    level: String,
    status: String,
    status_code: String,
    closes: String,
    budget: String,
    applications: i64,
    waiting: String,
    in_review: i64,
    approved: i64,
    reviews: String,
    overdue: i64,
    projects: i64,
}

struct OverdueRow {
    project_id: i64,
    code: String,
    title: String,
    organisation: String,
    milestone: String,
    due: String,
    days: i64,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage {
    c: Chrome,
    rows: Vec<CallRow>,
    overdue: Vec<OverdueRow>,
    staff: bool,
    /// The enterprise's own applications, across calls.
    mine: Vec<(i64, String, String, String, String)>,
}

async fn calls_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    let lang = me.lang;
    let tr = Tr(lang);
    let day = today();
    let summaries = state.store.call_summaries(&me.scope(), day).await?;
    let rows = summaries
        .into_iter()
        .map(|s| {
            let n = |k: &str| s.applications.get(k).copied().unwrap_or(0);
            CallRow {
                id: s.call.call_id,
                code: s.call.code.clone(),
                title: s.call.title.clone(),
                programme: s.call.programme.clone(),
                kind: pick(lang, s.call.kind.name_zh(), s.call.kind.name_en()).to_owned(),
                level: pick(lang, s.call.level.name_zh(), s.call.level.name_en()).to_owned(),
                status: pick(lang, s.call.status.name_zh(), s.call.status.name_en()).to_owned(),
                status_code: s.call.status.as_str().to_owned(),
                closes: tr.date(s.call.closes_at.date()),
                budget: fen_to_wan(s.call.budget_fen),
                applications: s.applications.iter().filter(|(k, _)| k.as_str() != "draft").map(|(_, v)| v).sum(),
                waiting: format!("{} / {}", n("submitted"), n("endorsed")),
                in_review: n("in_review"),
                approved: n("approved"),
                reviews: format!("{}/{}", s.reviews_submitted, s.reviews_assigned),
                overdue: s.reviews_overdue,
                projects: s.projects,
            }
        })
        .collect();
    let overdue = if me.role() == Role::Expert {
        Vec::new()
    } else {
        state
            .store
            .overdue_milestones(&me.scope(), day)
            .await?
            .into_iter()
            .take(50)
            .map(|o| OverdueRow {
                project_id: o.project_id,
                code: o.project_code,
                title: o.project_title,
                organisation: o.organisation_name,
                milestone: milestone_title(lang, &o.title),
                due: tr.date(o.due_on),
                days: o.days,
            })
            .collect()
    };
    let c = chrome(&me, "/calls").crumb(t(lang, "projects.calls"), "");
    let mine = if me.role() == Role::EnterpriseUser {
        state
            .store
            .applications(&me.scope(), &ApplicationFilter::default())
            .await?
            .into_iter()
            .map(|a| {
                let status = pick(lang, a.status.name_zh(), a.status.name_en()).to_owned();
                (a.application_id, a.call_code, a.title, a.status.as_str().to_owned(), status)
            })
            .collect()
    } else {
        Vec::new()
    };
    html(&CallsPage { c, rows, overdue, staff: require_staff(&me).is_ok(), mine })
}

struct AppRow {
    id: i64,
    title: String,
    organisation: String,
    lead: String,
    requested: String,
    status: String,
    status_code: String,
    score: String,
    spread: String,
    rank: String,
    reason: String,
    passes: String,
    decidable: bool,
}

struct ConflictRow {
    id: i64,
    application: String,
    expert: String,
    kind: String,
    explanation: String,
    dismissed: Option<String>,
    declared: bool,
}

struct PanelRow {
    person_id: i64,
    name: String,
    position: i64,
    status: String,
    industry: bool,
    fields: String,
    replaced: String,
    load: usize,
}

/// A review assignment as a row; `open` says whether it can still be acted on.
fn assignment_row(lang: Lang, day: time::Date, a: gaodi_store::review::Assignment, open: bool) -> AssignmentRow {
    AssignmentRow {
        id: a.review_assignment_id,
        overdue: a.status == "assigned" && a.due_on < day,
        reminded: a.reminded && a.status == "assigned",
        open,
        status: t(lang, &format!("assignment.{}", a.status)).to_owned(),
        due: Tr(lang).date(a.due_on),
        overall: a.overall_e4.map(score_text).unwrap_or_default(),
        application: a.application_title,
        expert: a.expert_name,
    }
}

struct AssignmentRow {
    id: i64,
    application: String,
    expert: String,
    status: String,
    due: String,
    overdue: bool,
    reminded: bool,
    overall: String,
    open: bool,
}

struct ChallengeRow {
    id: i64,
    title: String,
    demand: String,
    description: String,
    budget: String,
    status: String,
    proposed: bool,
    teams: i64,
}

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    status_code: String,
    challenge: bool,
    challenges: Vec<ChallengeRow>,
    staff: bool,
    applicant: bool,
    rows: Vec<AppRow>,
    counts: String,
    conflicts: Vec<ConflictRow>,
    conflicts_open: usize,
    draw: Option<Vec<(String, String)>>,
    panel: Vec<PanelRow>,
    assignments: Vec<AssignmentRow>,
    review_summary: String,
    criteria: String,
    error: Option<String>,
}

fn conflict_kind_name(lang: Lang, k: ConflictKind) -> &'static str {
    pick(lang, k.name_zh(), k.name_en())
}

async fn call_page(state: State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_call(&state, &me, id, None).await
}

async fn render_call(state: &AppState, me: &Me, id: i64, error: Option<String>) -> AppResult<Response> {
    let lang = me.lang;
    let tr = Tr(lang);
    let call = state.store.call(id).await?;
    let staff = require_staff(me).is_ok();
    let day = today();
    let apps =
        state.store.applications(&me.scope(), &ApplicationFilter { call_id: Some(id), ..Default::default() }).await?;
    let standings: BTreeMap<i64, gaodi_domain::project::review::Standing> = if staff || me.role() == Role::Leader {
        state.store.standings(id).await?.into_iter().map(|s| (s.application, s)).collect()
    } else {
        BTreeMap::new()
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &apps {
        *counts.entry(a.status.as_str()).or_default() += 1;
    }
    let counts = ApplicationStatus::ALL
        .iter()
        .filter_map(|s| counts.get(s.as_str()).map(|n| format!("{} {n}", pick(lang, s.name_zh(), s.name_en()))))
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = apps
        .iter()
        .filter(|a| staff || a.status != ApplicationStatus::Draft || me.role() == Role::EnterpriseUser)
        .map(|a| {
            let st = standings.get(&a.application_id);
            AppRow {
                id: a.application_id,
                title: a.title.clone(),
                organisation: a.organisation_name.clone(),
                lead: a.lead_name.clone(),
                requested: fen_to_wan(a.requested_fen),
                status: pick(lang, a.status.name_zh(), a.status.name_en()).to_owned(),
                status_code: a.status.as_str().to_owned(),
                score: st.map(|s| score_text(s.score)).unwrap_or_default(),
                spread: st.map(|s| format!("{}–{}", score_text(s.min), score_text(s.max))).unwrap_or_default(),
                rank: st.map(|s| s.rank.to_string()).unwrap_or_default(),
                reason: reason_text(lang, a),
                passes: st
                    .map(|s| {
                        if s.passes {
                            t(lang, "review.passes").to_owned()
                        } else {
                            tf(lang, "review.fails", &[("failed", s.failed.join(", "))])
                        }
                    })
                    .unwrap_or_default(),
                decidable: staff && a.status == ApplicationStatus::InReview,
            }
        })
        .collect();
    let mut facts = vec![
        (t(lang, "call.code").to_owned(), call.code.clone()),
        (t(lang, "call.programme").to_owned(), call.programme.clone()),
        (t(lang, "call.level").to_owned(), pick(lang, call.level.name_zh(), call.level.name_en()).to_owned()),
        (t(lang, "call.kind").to_owned(), pick(lang, call.kind.name_zh(), call.kind.name_en()).to_owned()),
        (t(lang, "call.status").to_owned(), pick(lang, call.status.name_zh(), call.status.name_en()).to_owned()),
        (t(lang, "call.budget").to_owned(), fen_to_wan(call.budget_fen)),
        (
            t(lang, "call.window").to_owned(),
            format!("{} – {} (+{} min)", tr.date(call.opens_on), tr.datetime(call.closes_at), call.grace_minutes),
        ),
        (t(lang, "call.eligibility").to_owned(), call.eligibility.clone().unwrap_or_else(|| "—".into())),
        (
            t(lang, "call.limits").to_owned(),
            tf(
                lang,
                "call.limits_text",
                &[
                    ("per_lead", call.max_per_lead.to_string()),
                    ("concurrent", call.max_concurrent.map_or_else(|| "—".into(), |m| m.to_string())),
                ],
            ),
        ),
        (
            t(lang, "call.review_settings").to_owned(),
            tf(
                lang,
                "call.review_text",
                &[
                    ("k", call.per_application.to_string()),
                    ("l", call.max_per_expert.to_string()),
                    ("panel", call.panel_size.to_string()),
                    ("industry", call.industry_min.to_string()),
                    ("years", call.conflict_years.to_string()),
                    ("rule", t(lang, &format!("call.a_{}", call.review.aggregation.as_str())).to_owned()),
                ],
            ),
        ),
    ];
    if !call.expert_fields.is_empty() {
        facts.push((t(lang, "call.expert_fields").to_owned(), call.expert_fields.clone()));
    }
    let criteria = call
        .review
        .criteria
        .iter()
        .map(|c| format!("{} {}% ({}–{})", pick_owned(lang, &c.name_zh, &c.name_en), c.weight, c.min, c.max))
        .collect::<Vec<_>>()
        .join("；");
    let challenges = if call.kind == gaodi_domain::project::lifecycle::CallKind::Challenge {
        state
            .store
            .challenges(id)
            .await?
            .into_iter()
            .map(|c| ChallengeRow {
                id: c.challenge_id,
                proposed: c.status == "proposed",
                status: t(lang, &format!("challenge.{}", c.status)).to_owned(),
                title: c.title,
                demand: c.demand_organisation_name,
                description: c.description,
                budget: fen_to_wan(c.budget_fen),
                teams: c.teams,
            })
            .collect()
    } else {
        Vec::new()
    };
    let (mut conflicts, mut panel, mut assignments, mut draw, mut review_summary) =
        (Vec::new(), Vec::new(), Vec::new(), None, String::new());
    if staff || me.role() == Role::Leader {
        conflicts = state
            .store
            .conflicts(id, None)
            .await?
            .into_iter()
            .map(|c| {
                let args: Vec<(&str, String)> = c.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                ConflictRow {
                    id: c.conflict_id,
                    application: c.application_title,
                    expert: c.expert_name,
                    kind: conflict_kind_name(lang, c.kind).to_owned(),
                    explanation: tf(lang, &c.code, &args),
                    declared: c.source == "declared",
                    dismissed: c.dismissed_reason.map(|r| format!("{r} ({})", c.dismissed_by.unwrap_or_default())),
                }
            })
            .collect();
        let all = state.store.assignments(Some(id), None).await?;
        panel = state
            .store
            .panel(id, day)
            .await?
            .into_iter()
            .map(|m| PanelRow {
                load: all
                    .iter()
                    .filter(|a| a.person_id == m.person_id && matches!(a.status.as_str(), "assigned" | "submitted"))
                    .count(),
                person_id: m.person_id,
                name: m.name,
                position: m.position,
                status: t(lang, &format!("panel.{}", m.status)).to_owned(),
                industry: m.industry,
                fields: m.fields.join("、"),
                replaced: m.replaced_reason.unwrap_or_default(),
            })
            .collect();
        let submitted = all.iter().filter(|a| a.status == "submitted").count();
        let open = all.iter().filter(|a| a.status == "assigned").count();
        let late = all.iter().filter(|a| a.status == "assigned" && a.due_on < day).count();
        review_summary = tf(
            lang,
            "review.progress",
            &[("submitted", submitted.to_string()), ("open", open.to_string()), ("overdue", late.to_string())],
        );
        assignments = all
            .into_iter()
            .map(|a| {
                // Staff may reassign open and declined assignments.
                let open = matches!(a.status.as_str(), "assigned" | "declined");
                assignment_row(lang, day, a, open)
            })
            .collect();
        draw = state.store.panel_draw(id).await?.map(|d| {
            vec![
                (t(lang, "draw.seed_source").to_owned(), d.seed_source),
                (t(lang, "draw.seed").to_owned(), d.seed),
                (
                    t(lang, "draw.pool").to_owned(),
                    tf(lang, "draw.pool_text", &[("size", d.pool_size.to_string()), ("digest", d.pool_digest)]),
                ),
                (t(lang, "draw.drawn").to_owned(), d.size.to_string()),
                (t(lang, "draw.by").to_owned(), d.created_by),
            ]
        });
    }
    let conflicts_open = conflicts.iter().filter(|c| c.dismissed.is_none()).count();
    let c = chrome(me, &format!("/calls/{id}")).crumb(t(lang, "projects.calls"), "/calls").crumb(call.code.clone(), "");
    html(&CallPage {
        c,
        id,
        title: call.title.clone(),
        facts,
        status_code: call.status.as_str().to_owned(),
        challenge: call.kind == gaodi_domain::project::lifecycle::CallKind::Challenge,
        challenges,
        staff,
        applicant: may_apply(me) && call.status == gaodi_domain::project::lifecycle::CallStatus::Open,
        rows,
        counts,
        conflicts,
        conflicts_open,
        draw,
        panel,
        assignments,
        review_summary,
        criteria,
        error,
    })
}

/// Why an application stopped: the failed screening findings in words, or the reason given.
fn reason_text(lang: Lang, a: &gaodi_store::project::Application) -> String {
    match (&a.screening, a.status) {
        (Some(screening), ApplicationStatus::Ineligible) => screening
            .findings
            .iter()
            .filter(|f| !f.passed)
            .map(|f| {
                let args: Vec<(&str, String)> = f.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                tf(lang, &f.code, &args)
            })
            .collect::<Vec<_>>()
            .join("；"),
        _ => a.reason.clone().unwrap_or_default(),
    }
}

/// A milestone's title in the page's language (the standard ones are translated; others are
/// shown as entered).
fn milestone_title(lang: Lang, title: &str) -> String {
    let key = match title {
        "任务书签订" => "milestone.t_agreement",
        "中期报告" => "milestone.t_midterm",
        "验收报告" => "milestone.t_final",
        _ => return title.to_owned(),
    };
    t(lang, key).to_owned()
}

fn file_label(form: &gaodi_domain::project::form::FormTemplate, key: &str, lang: Lang) -> String {
    form.field(key).map_or_else(|| key.to_owned(), |f| pick_owned(lang, &f.label_zh, &f.label_en))
}

fn file_detail(x: &gaodi_store::project::AttachmentInfo) -> String {
    format!("{} B · SHA-256 {}", x.size_bytes, &x.sha256[..12])
}

fn pick_owned(lang: Lang, zh: &str, en: &str) -> String {
    if lang == Lang::En { en } else { zh }.to_owned()
}

/// Runs a staff action on a call and comes back to the call's page.
async fn call_do<F, Fut>(state: &AppState, me: &Me, id: i64, f: F) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    require_staff(me)?;
    act(me, &format!("/calls/{id}"), f, |msg| render_call(state, me, id, Some(msg))).await
}

/// Runs an action: on success back to `back` (303), on a refusal the page again with the
/// reason on top (`rerender`); errors that are not the user's to fix pass through.
async fn act<F, Fut, R, RFut>(me: &Me, back: &str, f: F, rerender: R) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
    R: FnOnce(String) -> RFut,
    RFut: std::future::Future<Output = AppResult<Response>>,
{
    match f().await {
        Ok(()) => Ok(see_other(back)),
        Err(e) => rerender(refusal(me, e)?).await,
    }
}

#[derive(Deserialize)]
struct StatusForm {
    action: String,
}

async fn call_status(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let action = CallAction::parse(&f.action).ok_or_else(|| AppError::bad_request("error.bad_body"))?;
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.call_action(&actor, id, action).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

async fn call_screen(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.screen_call(&actor, id, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct DrawForm {
    seed_source: String,
}

async fn call_draw(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<DrawForm>,
) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.draw_panel(&actor, id, &f.seed_source, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

async fn call_assign(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.assign_reviews(&actor, id, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

async fn call_rank(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async { state.store.rank_call(&actor, id).await.map(|_| ()).map_err(Into::into) }).await
}

async fn call_remind(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.remind_overdue(&actor, id, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn conflict_dismiss(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<CallReasonForm>,
) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, f.call_id, || async {
        state.store.dismiss_conflict(&actor, id, &f.reason).await.map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct CallReasonForm {
    call_id: i64,
    #[serde(default)]
    reason: String,
}

async fn panel_replace(
    State(state): State<AppState>,
    me: Me,
    Path((id, person)): Path<(i64, i64)>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, id, || async {
        state.store.replace_panel_member(&actor, id, person, &f.reason).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

async fn assignment_reassign(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<CallReasonForm>,
) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, f.call_id, || async {
        state.store.reassign(&actor, id, &f.reason, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct ChallengeForm {
    title: String,
    description: String,
    budget_wan: String,
}

async fn challenge_propose(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<ChallengeForm>,
) -> AppResult<Response> {
    let org = own_organisation(&me)?;
    let result = async {
        let new = gaodi_store::project::NewChallenge {
            title: f.title.clone(),
            description: f.description.clone(),
            budget_fen: wan_to_fen(&f.budget_wan, "budget_wan")?,
        };
        state.store.propose_challenge(&me.actor(), &me.scope(), id, org, &new).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/calls/{id}"))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            render_call(&state, &me, id, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
struct VetForm {
    call_id: i64,
    decision: String,
    #[serde(default)]
    note: String,
}

async fn challenge_vet(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<VetForm>,
) -> AppResult<Response> {
    let actor = me.actor();
    call_do(&state, &me, f.call_id, || async {
        state.store.vet_challenge(&actor, id, f.decision == "publish", &f.note).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

// =======================================================================================
// A new call
// =======================================================================================

/// The new-call form as typed (strings, so a refused form comes back as it was).
#[derive(Deserialize, Clone)]
struct CallForm {
    code: String,
    title: String,
    programme: String,
    level: String,
    kind: String,
    budget_wan: String,
    opens_on: String,
    closes_at: String,
    grace_minutes: String,
    eligibility: String,
    max_per_lead: String,
    max_concurrent: String,
    per_application: String,
    max_per_expert: String,
    panel_size: String,
    conflict_years: String,
    industry_min: String,
    expert_fields: String,
    aggregation: String,
    #[serde(default)]
    zscore: Option<String>,
    overall_threshold: String,
    /// One criterion a line: `code | 中文 | English | weight % | min | max | threshold`.
    #[serde(default)]
    criteria: String,
    /// Criterion codes breaking ties, in order, comma-separated.
    #[serde(default)]
    tie_break: String,
}

/// The criteria of a template as the form's lines.
fn criteria_lines(template: &gaodi_domain::project::review::ReviewTemplate) -> String {
    template
        .criteria
        .iter()
        .map(|c| {
            let threshold = c.threshold.map(|t| format!(" | {t}")).unwrap_or_default();
            format!("{} | {} | {} | {} | {} | {}{threshold}", c.code, c.name_zh, c.name_en, c.weight, c.min, c.max)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the criteria lines (none: the standard criteria); the first line that does not read
/// is named.
fn parse_criteria(text: &str) -> AppResult<Vec<gaodi_domain::project::review::Criterion>> {
    if text.trim().is_empty() {
        return Ok(gaodi_domain::project::review::ReviewTemplate::standard().criteria);
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let bad = || {
            AppError::invalid(
                "call.bad_criterion",
                vec![("line", (n + 1).to_string()), ("text", line.trim().to_owned())],
                "review",
            )
        };
        if !(6..=7).contains(&cells.len()) {
            return Err(bad());
        }
        let num = |i: usize| cells[i].parse::<i64>().map_err(|_| bad());
        out.push(gaodi_domain::project::review::Criterion {
            code: cells[0].to_owned(),
            name_zh: cells[1].to_owned(),
            name_en: cells[2].to_owned(),
            weight: u32::try_from(num(3)?).map_err(|_| bad())?,
            min: num(4)?,
            max: num(5)?,
            threshold: if cells.len() == 7 && !cells[6].is_empty() { Some(num(6)?) } else { None },
        });
    }
    Ok(out)
}

impl Default for CallForm {
    fn default() -> CallForm {
        CallForm {
            code: String::new(),
            title: String::new(),
            programme: "株洲市重点研发计划".into(),
            level: "municipal".into(),
            kind: "ordinary".into(),
            budget_wan: String::new(),
            opens_on: String::new(),
            closes_at: String::new(),
            grace_minutes: "30".into(),
            eligibility: "in_city = 1 and overdue_projects = 0".into(),
            max_per_lead: "1".into(),
            max_concurrent: "3".into(),
            per_application: "5".into(),
            max_per_expert: "10".into(),
            panel_size: "25".into(),
            conflict_years: "3".into(),
            industry_min: "1".into(),
            expert_fields: String::new(),
            aggregation: "trimmed_mean".into(),
            zscore: None,
            overall_threshold: "60".into(),
            criteria: criteria_lines(&gaodi_domain::project::review::ReviewTemplate::standard()),
            tie_break: gaodi_domain::project::review::ReviewTemplate::standard().tie_break.join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "call_form.html")]
struct CallFormPage {
    c: Chrome,
    f: CallForm,
    levels: Vec<(String, String, bool)>,
    kinds: Vec<(String, String, bool)>,
    aggregations: Vec<(String, String, bool)>,
    facts: String,
    errors: Vec<(String, String)>,
}

async fn new_call_page(State(_state): State<AppState>, me: Me) -> AppResult<Response> {
    require_staff(&me)?;
    render_call_form(&me, CallForm::default(), Vec::new())
}

fn render_call_form(me: &Me, f: CallForm, errors: Vec<(String, String)>) -> AppResult<Response> {
    let lang = me.lang;
    let facts = gaodi_domain::project::eligibility::FACTS
        .iter()
        .map(|(code, zh, en)| format!("{code}：{}", if lang == Lang::En { en } else { zh }))
        .collect::<Vec<_>>()
        .join("；");
    let c = chrome(me, "/calls/new").crumb(t(lang, "projects.calls"), "/calls").crumb(t(lang, "call.new"), "");
    let options = |pairs: &[(&str, &str)], selected: &str| -> Vec<(String, String, bool)> {
        pairs.iter().map(|(v, key)| ((*v).to_owned(), t(lang, key).to_owned(), *v == selected)).collect()
    };
    let levels = options(
        &[("municipal", "call.l_municipal"), ("provincial", "call.l_provincial"), ("national", "call.l_national")],
        &f.level,
    );
    let kinds = options(&[("ordinary", "call.k_ordinary"), ("challenge", "call.k_challenge")], &f.kind);
    let aggregations = options(
        &[("trimmed_mean", "call.a_trimmed_mean"), ("mean", "call.a_mean"), ("median", "call.a_median")],
        &f.aggregation,
    );
    html(&CallFormPage { c, f, levels, kinds, aggregations, facts, errors })
}

/// A whole number from a form field (`None` when empty and optional).
fn whole(lang: Lang, field: &'static str, v: &str, optional: bool) -> AppResult<Option<i64>> {
    let v = v.trim();
    if v.is_empty() && optional {
        return Ok(None);
    }
    v.parse::<i64>().map(Some).map_err(|_| {
        AppError::invalid(
            "call.not_whole",
            vec![("field", t(lang, &format!("call.f_{field}")).to_owned()), ("value", v.to_owned())],
            field,
        )
    })
}

/// Keeps a field's value, or records why it does not read.
fn keep<T>(lang: Lang, errors: &mut Vec<(String, String)>, field: &str, r: AppResult<T>) -> Option<T> {
    r.map_err(|e| errors.push((field.to_owned(), message(lang, &e)))).ok()
}

/// Reads the form into a call, naming every field that does not read.
fn parse_call_form(lang: Lang, f: &CallForm) -> Result<gaodi_store::project::NewCall, Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let e = &mut errors;
    let int = |e: &mut Vec<(String, String)>, field: &'static str, v: &str| {
        keep(lang, e, field, whole(lang, field, v, false)).flatten()
    };
    let grace = int(e, "grace_minutes", &f.grace_minutes);
    let max_per_lead = int(e, "max_per_lead", &f.max_per_lead);
    let per_application = int(e, "per_application", &f.per_application);
    let max_per_expert = int(e, "max_per_expert", &f.max_per_expert);
    let panel_size = int(e, "panel_size", &f.panel_size);
    let conflict_years = int(e, "conflict_years", &f.conflict_years);
    let industry_min = int(e, "industry_min", &f.industry_min);
    let max_concurrent = keep(lang, e, "max_concurrent", whole(lang, "max_concurrent", &f.max_concurrent, true));
    let budget_text = if f.budget_wan.trim().is_empty() { "0" } else { f.budget_wan.as_str() };
    let budget = keep(lang, e, "budget_wan", wan_to_fen(budget_text, "budget_wan"));
    let opens_on = keep(lang, e, "opens_on", parse_date(&f.opens_on, "opens_on"));
    // A local date and time (the browser's datetime-local) in China Standard Time.
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let closes = time::PrimitiveDateTime::parse(f.closes_at.trim(), &fmt)
        .map(|t| t.assume_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC)))
        .map_err(|_| AppError::invalid("call.bad_closes_at", vec![("value", f.closes_at.clone())], "closes_at"));
    let closes_at = keep(lang, e, "closes_at", closes);
    let threshold = if f.overall_threshold.trim().is_empty() {
        Ok(None)
    } else {
        gaodi_domain::indicator::parse_e4(f.overall_threshold.trim()).map(Some).map_err(|_| {
            AppError::invalid("call.bad_threshold", vec![("value", f.overall_threshold.clone())], "overall_threshold")
        })
    };
    let threshold = keep(lang, e, "overall_threshold", threshold);
    let criteria = keep(lang, e, "review", parse_criteria(&f.criteria));
    let max_concurrent = max_concurrent.flatten();
    let level = gaodi_domain::project::lifecycle::CallLevel::parse(&f.level);
    let kind = gaodi_domain::project::lifecycle::CallKind::parse(&f.kind);
    let aggregation = gaodi_domain::project::review::Aggregation::parse(&f.aggregation);
    let (
        Some(grace),
        Some(max_per_lead),
        Some(per_application),
        Some(max_per_expert),
        Some(panel_size),
        Some(conflict_years),
        Some(industry_min),
        Some(budget_fen),
        Some(opens_on),
        Some(closes_at),
        Some(level),
        Some(kind),
        Some(aggregation),
        Some(overall_threshold),
    ) = (
        grace,
        max_per_lead,
        per_application,
        max_per_expert,
        panel_size,
        conflict_years,
        industry_min,
        budget,
        opens_on,
        closes_at,
        level,
        kind,
        aggregation,
        threshold,
    )
    else {
        return Err(errors);
    };
    let Some(criteria) = criteria else { return Err(errors) };
    let review = gaodi_domain::project::review::ReviewTemplate {
        criteria,
        aggregation,
        zscore: f.zscore.is_some(),
        overall_threshold,
        tie_break: f
            .tie_break
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    Ok(gaodi_store::project::NewCall {
        code: f.code.clone(),
        title: f.title.clone(),
        programme: f.programme.clone(),
        level,
        kind,
        budget_fen,
        opens_on,
        closes_at,
        grace_minutes: grace,
        eligibility: Some(f.eligibility.clone()).filter(|r| !r.trim().is_empty()),
        max_per_lead,
        max_concurrent,
        per_application,
        max_per_expert,
        panel_size,
        conflict_years,
        industry_min,
        expert_fields: f.expert_fields.clone(),
        form: gaodi_domain::project::form::FormTemplate::standard(),
        review,
        region_code: "430200".to_owned(),
    })
}

async fn new_call_save(State(state): State<AppState>, me: Me, Form(f): Form<CallForm>) -> AppResult<Response> {
    require_staff(&me)?;
    let new = match parse_call_form(me.lang, &f) {
        Ok(new) => new,
        Err(errors) => return render_call_form(&me, f, errors),
    };
    match state.store.create_call(&me.actor(), &new).await {
        Ok(call) => Ok(see_other(&format!("/calls/{}", call.call_id))),
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e);
            }
            let field = e.field.unwrap_or("code").to_owned();
            let msg = message(me.lang, &e);
            render_call_form(&me, f, vec![(field, msg)])
        }
    }
}

// =======================================================================================
// Applications
// =======================================================================================

struct FieldView {
    key: String,
    label: String,
    kind: &'static str,
    required: bool,
    value: String,
    hint: String,
}

struct SectionView {
    title: String,
    fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "application_form.html")]
struct ApplicationForm {
    c: Chrome,
    action: String,
    call_title: String,
    title: String,
    lead_name: String,
    requested_wan: String,
    challenges: Vec<(i64, String, bool)>,
    sections: Vec<SectionView>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
struct ApplicationFormBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    lead_name: String,
    #[serde(default)]
    requested_wan: String,
    #[serde(default)]
    challenge_id: String,
    #[serde(flatten)]
    answers: BTreeMap<String, String>,
}

async fn form_page(
    state: &AppState,
    me: &Me,
    call_id: i64,
    action: String,
    body: &ApplicationFormBody,
    error: Option<String>,
) -> AppResult<Response> {
    let lang = me.lang;
    let call = state.store.call(call_id).await?;
    let challenges = state
        .store
        .challenges(call_id)
        .await?
        .into_iter()
        .filter(|c| c.status == "published")
        .map(|c| {
            let selected = body.challenge_id == c.challenge_id.to_string();
            (c.challenge_id, format!("{} — {}", c.title, c.demand_organisation_name), selected)
        })
        .collect();
    let sections = call
        .form
        .sections
        .iter()
        .map(|s| SectionView {
            title: pick_owned(lang, &s.title_zh, &s.title_en),
            fields: s
                .fields
                .iter()
                .filter(|f| f.kind != FieldKind::File)
                .map(|f| FieldView {
                    key: f.key.clone(),
                    label: pick_owned(lang, &f.label_zh, &f.label_en),
                    kind: match f.kind {
                        FieldKind::LongText => "textarea",
                        FieldKind::Date => "date",
                        FieldKind::Number | FieldKind::Money => "number",
                        _ => "text",
                    },
                    required: f.required,
                    value: body.answers.get(&f.key).cloned().unwrap_or_default(),
                    hint: f.max_len.map(|m| tf(lang, "form.max_len", &[("max", m.to_string())])).unwrap_or_default(),
                })
                .collect(),
        })
        .filter(|s: &SectionView| !s.fields.is_empty())
        .collect();
    let c = chrome(me, &action)
        .crumb(t(lang, "projects.calls"), "/calls")
        .crumb(call.code.clone(), &format!("/calls/{call_id}"));
    html(&ApplicationForm {
        c,
        action,
        call_title: call.title,
        title: body.title.clone(),
        lead_name: body.lead_name.clone(),
        requested_wan: body.requested_wan.clone(),
        challenges,
        sections,
        error,
    })
}

fn new_application(body: &ApplicationFormBody, organisation_id: i64) -> AppResult<NewApplication> {
    let mut answers = body.answers.clone();
    answers.remove("csrf_token");
    answers.retain(|_, v| !v.trim().is_empty());
    Ok(NewApplication {
        organisation_id,
        challenge_id: body.challenge_id.trim().parse().ok(),
        lead_person_id: None,
        lead_name: body.lead_name.clone(),
        title: body.title.clone(),
        requested_fen: if body.requested_wan.trim().is_empty() {
            0
        } else {
            wan_to_fen(&body.requested_wan, "requested_wan")?
        },
        answers,
        members: Vec::new(),
        partners: Vec::new(),
    })
}

fn own_organisation(me: &Me) -> AppResult<i64> {
    match me.scope() {
        gaodi_domain::access::Scope::Organisation { organisation_id } => Ok(organisation_id),
        _ => Err(AppError::forbidden()),
    }
}

async fn apply_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    own_organisation(&me)?;
    form_page(&state, &me, id, format!("/calls/{id}/apply"), &ApplicationFormBody::default(), None).await
}

async fn apply_save(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(body): Form<ApplicationFormBody>,
) -> AppResult<Response> {
    let org = own_organisation(&me)?;
    let result = async {
        let new = new_application(&body, org)?;
        state.store.create_application(&me.actor(), &me.scope(), id, &new).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(a) => Ok(see_other(&format!("/applications/{}", a.application_id))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            form_page(&state, &me, id, format!("/calls/{id}/apply"), &body, Some(msg)).await
        }
    }
}

async fn edit_page(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    own_organisation(&me)?;
    let a = state.store.application(&me.scope(), id).await?;
    let body = ApplicationFormBody {
        title: a.title.clone(),
        lead_name: a.lead_name.clone(),
        requested_wan: gaodi_domain::money::Money::from_fen(a.requested_fen)
            .to_exact_string(gaodi_domain::money::Unit::WanYuan),
        challenge_id: a.challenge_id.map(|c| c.to_string()).unwrap_or_default(),
        answers: a.answers.clone(),
    };
    form_page(&state, &me, a.call_id, format!("/applications/{id}/edit"), &body, None).await
}

async fn edit_save(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(body): Form<ApplicationFormBody>,
) -> AppResult<Response> {
    let org = own_organisation(&me)?;
    let a = state.store.application(&me.scope(), id).await?;
    let result = async {
        let new = new_application(&body, org)?;
        state.store.update_application(&me.actor(), &me.scope(), id, &new).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/applications/{id}"))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            form_page(&state, &me, a.call_id, format!("/applications/{id}/edit"), &body, Some(msg)).await
        }
    }
}

struct ReviewView {
    expert: String,
    scores: String,
    overall: String,
    comment: String,
}

impl ReviewView {
    fn of(r: gaodi_store::review::SubmittedReview, expert: String) -> ReviewView {
        ReviewView {
            expert,
            scores: r.scores.iter().map(ToString::to_string).collect::<Vec<_>>().join(" / "),
            overall: score_text(r.overall_e4),
            comment: r.comment,
        }
    }
}

/// The answers of an application in the form's order, labelled in the reader's language.
fn answer_rows(
    lang: Lang,
    form: &gaodi_domain::project::form::FormTemplate,
    answers: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    form.fields()
        .filter_map(|f| answers.get(&f.key).map(|v| (pick_owned(lang, &f.label_zh, &f.label_en), v.clone())))
        .collect()
}

/// An application's attachments: (id, field and file name, size and digest).
async fn attachment_rows(
    state: &AppState,
    lang: Lang,
    form: &gaodi_domain::project::form::FormTemplate,
    application_id: i64,
) -> AppResult<Vec<(i64, String, String)>> {
    Ok(state
        .store
        .attachments(application_id)
        .await?
        .into_iter()
        .map(|x| {
            (x.attachment_id, format!("{} · {}", file_label(form, &x.field_key, lang), x.file_name), file_detail(&x))
        })
        .collect())
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    answers: Vec<(String, String)>,
    attachments: Vec<(i64, String, String)>,
    file_fields: Vec<(String, String, String)>,
    screening: Vec<(bool, String)>,
    actions: Vec<(&'static str, String, bool)>,
    editable: bool,
    reviews: Vec<ReviewView>,
    decide: bool,
    decision: Option<String>,
    project: Option<i64>,
    error: Option<String>,
}

async fn application_page(state: State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_application(&state, &me, id, None).await
}

async fn render_application(state: &AppState, me: &Me, id: i64, error: Option<String>) -> AppResult<Response> {
    if me.role() == Role::Expert {
        return Err(AppError::forbidden());
    }
    let lang = me.lang;
    let tr = Tr(lang);
    let a = state.store.application(&me.scope(), id).await?;
    let call = state.store.call(a.call_id).await?;
    let staff = require_staff(me).is_ok();
    let own = matches!(me.scope(), gaodi_domain::access::Scope::Organisation { organisation_id } if organisation_id == a.organisation_id);
    let mut facts = vec![
        (t(lang, "application.call").to_owned(), format!("{} {}", call.code, call.title)),
        (t(lang, "application.organisation").to_owned(), a.organisation_name.clone()),
        (t(lang, "application.lead").to_owned(), a.lead_name.clone()),
        (t(lang, "application.requested").to_owned(), fen_to_wan(a.requested_fen)),
        (t(lang, "application.status").to_owned(), pick(lang, a.status.name_zh(), a.status.name_en()).to_owned()),
    ];
    if let Some(at) = a.submitted_at {
        facts.push((t(lang, "application.submitted_at").to_owned(), tr.datetime(at)));
    }
    let reason = reason_text(lang, &a);
    if !reason.is_empty() {
        facts.push((t(lang, "application.reason").to_owned(), reason));
    }
    if let Some(ch) = a.challenge_id {
        let c = state.store.challenge(ch).await?;
        facts.push((
            t(lang, "application.challenge").to_owned(),
            format!("{} — {}", c.title, c.demand_organisation_name),
        ));
    }
    let answers = answer_rows(lang, &call.form, &a.answers);
    let attachments = attachment_rows(state, lang, &call.form, id).await?;
    let file_fields = call
        .form
        .fields()
        .filter(|f| f.kind == FieldKind::File)
        .map(|f| {
            let hint = tf(
                lang,
                "application.file_hint",
                &[
                    ("accept", f.accept.join(", ")),
                    (
                        "max",
                        f.max_bytes.map_or_else(|| "—".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1_048_576.0)),
                    ),
                ],
            );
            (f.key.clone(), pick_owned(lang, &f.label_zh, &f.label_en), hint)
        })
        .collect();
    let screening = a
        .screening
        .as_ref()
        .map(|s| {
            s.findings
                .iter()
                .map(|f| {
                    let args: Vec<(&str, String)> = f.args.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                    (f.passed, tf(lang, &f.code, &args))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut actions: Vec<(&'static str, String, bool)> = Vec::new();
    let can = |act: ApplicationAction| a.status.apply(act).is_ok();
    let mut push = |act: ApplicationAction, reason: bool| {
        actions.push((act.as_str(), t(lang, &format!("application.do_{}", act.as_str())).to_owned(), reason));
    };
    if own || me.role() == Role::Admin {
        if can(ApplicationAction::Submit) {
            push(ApplicationAction::Submit, false);
        }
        if can(ApplicationAction::Withdraw) {
            push(ApplicationAction::Withdraw, false);
        }
    }
    if may_endorse(me) && me.role() != Role::EnterpriseUser {
        if can(ApplicationAction::Endorse) {
            push(ApplicationAction::Endorse, false);
        }
        if can(ApplicationAction::Return) && a.status != ApplicationStatus::Eligible {
            push(ApplicationAction::Return, true);
        }
    }
    let reviews = if staff || me.role() == Role::Leader {
        state
            .store
            .reviews_of(id, None)
            .await?
            .into_iter()
            .map(|r| {
                let expert = r.expert_name.clone();
                ReviewView::of(r, expert)
            })
            .collect()
    } else {
        Vec::new()
    };
    let decision = state.store.decision_minutes(id).await?.map(|(outcome, granted, minutes)| {
        let outcome = ApplicationStatus::parse(&outcome)
            .map_or(outcome.clone(), |s| pick(lang, s.name_zh(), s.name_en()).to_owned());
        format!("{outcome}{} — {minutes}", granted.map(|g| format!(" · {}", fen_to_wan(g))).unwrap_or_default())
    });
    let project = state.store.project_of_application(id).await?;
    let c = chrome(me, &format!("/applications/{id}"))
        .crumb(t(lang, "projects.calls"), "/calls")
        .crumb(call.code.clone(), &format!("/calls/{}", call.call_id))
        .crumb(a.title.clone(), "");
    html(&ApplicationPage {
        c,
        id,
        title: a.title.clone(),
        facts,
        answers,
        attachments,
        file_fields,
        screening,
        actions,
        editable: own && a.status.is_editable(),
        reviews,
        decide: staff && a.status == ApplicationStatus::InReview,
        decision,
        project,
        error,
    })
}

#[derive(Deserialize)]
struct StepForm {
    action: String,
    #[serde(default)]
    reason: String,
}

async fn application_step(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> AppResult<Response> {
    let action = ApplicationAction::parse(&f.action).ok_or_else(|| AppError::bad_request("error.bad_body"))?;
    let allowed = match action {
        ApplicationAction::Submit | ApplicationAction::Withdraw => may_apply(&me),
        ApplicationAction::Endorse | ApplicationAction::Return => may_endorse(&me) && me.role() != Role::EnterpriseUser,
        _ => false,
    };
    if !allowed {
        return Err(AppError::forbidden());
    }
    let now = gaodi_store::now();
    match state.store.application_action(&me.actor(), &me.scope(), id, action, Some(&f.reason), now).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}"))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            render_application(&state, &me, id, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
struct DecideForm {
    outcome: String,
    #[serde(default)]
    granted_wan: String,
    #[serde(default)]
    months: String,
    #[serde(default)]
    minutes: String,
}

async fn application_decide(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<DecideForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let result = async {
        let approve = f.outcome == "approve";
        let d = Decision {
            approve,
            granted_fen: if approve { wan_to_fen(&f.granted_wan, "granted_wan")? } else { 0 },
            minutes: f.minutes.clone(),
            decided_on: today(),
            months: if approve {
                f.months.trim().parse().map_err(|_| AppError::invalid("decision.months", Vec::new(), "months"))?
            } else {
                0
            },
        };
        state.store.decide(&me.actor(), id, &d).await.map_err(AppError::from)
    }
    .await;
    match result {
        Ok(Some(p)) => Ok(see_other(&format!("/projects/{}", p.project_id))),
        Ok(None) => Ok(see_other(&format!("/applications/{id}"))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            render_application(&state, &me, id, Some(msg)).await
        }
    }
}

// =======================================================================================
// Reviews (experts)
// =======================================================================================

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    c: Chrome,
    rows: Vec<AssignmentRow>,
}

async fn reviews_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    // An expert login not yet linked to the pool sees why the list is empty.
    let (person, flash) = match expert_person(&state, &me).await {
        Ok(p) => (Some(p), None),
        Err(e) if e.code == "review.no_person" => (None, Some(message(me.lang, &e))),
        Err(e) => return Err(e),
    };
    let lang = me.lang;
    let day = today();
    let list = match person {
        Some(p) => state.store.assignments(None, Some(p)).await?,
        None => Vec::new(),
    };
    let rows = list
        .into_iter()
        .map(|a| {
            let open = a.status == "assigned";
            assignment_row(lang, day, a, open)
        })
        .collect();
    let c = Chrome { flash, ..chrome(&me, "/reviews").crumb(t(lang, "nav.reviews"), "") };
    html(&ReviewsPage { c, rows })
}

struct CriterionView {
    index: usize,
    name: String,
    weight: u32,
    min: i64,
    max: i64,
    value: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    c: Chrome,
    id: i64,
    title: String,
    organisation: String,
    answers: Vec<(String, String)>,
    attachments: Vec<(i64, String, String)>,
    open: bool,
    criteria: Vec<CriterionView>,
    others: Vec<ReviewView>,
    mine: Option<String>,
    error: Option<String>,
}

async fn review_page(state: State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_review(&state, &me, id, None).await
}

async fn render_review(state: &AppState, me: &Me, id: i64, error: Option<String>) -> AppResult<Response> {
    let person = expert_person(state, me).await?;
    let lang = me.lang;
    // Conflicts are checked again before the expert sees anything of the application.
    let a = match state.store.open_assignment(&me.actor(), id, person, today()).await {
        Ok(a) => a,
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND {
                let msg = message(lang, &e);
                let c = chrome(me, "/reviews").crumb(t(lang, "nav.reviews"), "/reviews");
                return html(&ReviewsPage { c: Chrome { flash: Some(msg), ..c }, rows: Vec::new() });
            }
            return Err(e);
        }
    };
    let app = state.store.application(&gaodi_domain::access::Scope::All, a.application_id).await?;
    let call = state.store.call(a.call_id).await?;
    let answers = answer_rows(lang, &call.form, &app.answers);
    let attachments = attachment_rows(state, lang, &call.form, a.application_id).await?;
    let open = a.status == "assigned";
    let others = if a.status == "submitted" {
        state
            .store
            .reviews_of(a.application_id, Some(person))
            .await?
            .into_iter()
            .map(|r| {
                let expert =
                    if r.person_id == person { t(lang, "review.mine").to_owned() } else { r.expert_name.clone() };
                ReviewView::of(r, expert)
            })
            .collect()
    } else {
        Vec::new()
    };
    let criteria = call
        .review
        .criteria
        .iter()
        .enumerate()
        .map(|(index, c)| CriterionView {
            index,
            name: pick_owned(lang, &c.name_zh, &c.name_en),
            weight: c.weight,
            min: c.min,
            max: c.max,
            value: String::new(),
        })
        .collect();
    let c =
        chrome(me, &format!("/reviews/{id}")).crumb(t(lang, "nav.reviews"), "/reviews").crumb(app.title.clone(), "");
    html(&ReviewPage {
        c,
        id,
        title: app.title,
        organisation: app.organisation_name,
        answers,
        attachments,
        open,
        criteria,
        others,
        mine: a.overall_e4.map(score_text),
        error,
    })
}

#[derive(Deserialize)]
struct ReviewForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    no_conflict: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

async fn review_submit(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> AppResult<Response> {
    let person = expert_person(&state, &me).await?;
    let result = async {
        let mut scores = Vec::new();
        for i in 0.. {
            let Some(v) = f.rest.get(&format!("score_{i}")) else { break };
            let s = v
                .trim()
                .parse::<i64>()
                .map_err(|_| AppError::invalid("review.score_not_number", vec![("value", v.clone())], "scores"))?;
            scores.push(s);
        }
        state
            .store
            .submit_review(&me.actor(), id, person, &scores, &f.comment, f.no_conflict.is_some())
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/reviews/{id}"))),
        Err(e) => {
            let msg = refusal(&me, e)?;
            render_review(&state, &me, id, Some(msg)).await
        }
    }
}

/// An attachment of the application under review, for its assigned expert (conflicts are
/// checked again first, as for the page).
async fn review_file(
    State(state): State<AppState>,
    me: Me,
    Path((id, attachment)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let person = expert_person(&state, &me).await?;
    let a = state.store.open_assignment(&me.actor(), id, person, today()).await?;
    let (name, bytes) =
        state.store.attachment_content(&gaodi_domain::access::Scope::All, a.application_id, attachment).await?;
    Ok(crate::api::projects::attachment_response(&name, bytes))
}

async fn review_declare(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let person = expert_person(&state, &me).await?;
    match state.store.declare_conflict(&me.actor(), id, person, &f.reason).await {
        Ok(()) => Ok(see_other("/reviews")),
        Err(e) => {
            let msg = refusal(&me, e)?;
            render_review(&state, &me, id, Some(msg)).await
        }
    }
}

// =======================================================================================
// An expert's absences and links (staff)
// =======================================================================================

#[derive(Template)]
#[template(path = "expert.html")]
struct ExpertPage {
    c: Chrome,
    id: i64,
    name: String,
    absences: Vec<(String, String, String)>,
    links: Vec<(String, String, String)>,
    kinds: Vec<(String, String)>,
    error: Option<String>,
}

async fn expert_page(state: State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_expert(&state, &me, id, None).await
}

async fn render_expert(state: &AppState, me: &Me, id: i64, error: Option<String>) -> AppResult<Response> {
    use gaodi_domain::project::conflict::ConflictKind as K;
    require_staff(me)?;
    let lang = me.lang;
    let tr = Tr(lang);
    let person = state.store.person(&me.scope(), id, gaodi_store::person::IdView::Masked).await?;
    let absences =
        state.store.expert_absences(id).await?.into_iter().map(|(f, t, r)| (tr.date(f), tr.date(t), r)).collect();
    let links = state
        .store
        .expert_links(id)
        .await?
        .into_iter()
        .map(|(k, org, other, note)| {
            let target = [org, other].into_iter().flatten().collect::<Vec<_>>().join("、");
            (conflict_kind_name(lang, k).to_owned(), target, note)
        })
        .collect();
    let kinds = [K::Shareholding, K::Employment, K::Advisor, K::Personal, K::Declared]
        .into_iter()
        .map(|k| (k.as_str().to_owned(), conflict_kind_name(lang, k).to_owned()))
        .collect();
    let c = chrome(me, &format!("/people/{id}/expert"))
        .crumb(t(lang, "nav.people"), "/people")
        .crumb(person.name.clone(), &format!("/people/{id}"))
        .crumb(t(lang, "expert.title"), "");
    html(&ExpertPage { c, id, name: person.name, absences, links, kinds, error })
}

#[derive(Deserialize)]
struct AbsenceForm {
    from_on: String,
    to_on: String,
    #[serde(default)]
    reason: String,
}

async fn expert_absence(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<AbsenceForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let actor = me.actor();
    act(
        &me,
        &format!("/people/{id}/expert"),
        || async {
            let from = parse_date(&f.from_on, "from_on")?;
            let to = parse_date(&f.to_on, "to_on")?;
            state.store.add_expert_absence(&actor, id, from, to, &f.reason).await.map_err(Into::into)
        },
        |msg| render_expert(&state, &me, id, Some(msg)),
    )
    .await
}

#[derive(Deserialize)]
struct LinkForm {
    kind: String,
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    note: String,
}

async fn expert_link(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let actor = me.actor();
    act(
        &me,
        &format!("/people/{id}/expert"),
        || async {
            let kind = gaodi_domain::project::conflict::ConflictKind::parse(&f.kind)
                .ok_or_else(|| AppError::invalid("expert.link_kind", vec![("value", f.kind.clone())], "kind"))?;
            let org = match f.uscc.trim() {
                "" => None,
                code => Some(
                    state
                        .store
                        .organisation_by_uscc(code)
                        .await?
                        .ok_or_else(|| {
                            AppError::invalid("expert.unknown_uscc", vec![("value", code.to_owned())], "uscc")
                        })?
                        .organisation_id,
                ),
            };
            state.store.add_expert_link(&actor, id, kind, org, None, &f.note).await.map_err(Into::into)
        },
        |msg| render_expert(&state, &me, id, Some(msg)),
    )
    .await
}

// =======================================================================================
// Projects
// =======================================================================================

struct ProjectRow {
    id: i64,
    code: String,
    title: String,
    organisation: String,
    status: String,
    granted: String,
    released: String,
    end: String,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    c: Chrome,
    rows: Vec<ProjectRow>,
    totals: String,
}

async fn projects_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    if me.role() == Role::Expert {
        return Err(AppError::forbidden());
    }
    let lang = me.lang;
    let tr = Tr(lang);
    let list = state.store.projects(&me.scope(), &ProjectFilter::default(), today()).await?;
    let granted: i64 = list.iter().map(|p| p.granted_fen).sum();
    let released: i64 = list.iter().map(|p| p.released_fen).sum();
    let totals = tf(
        lang,
        "project.totals",
        &[("count", list.len().to_string()), ("granted", fen_to_wan(granted)), ("released", fen_to_wan(released))],
    );
    let rows = list
        .into_iter()
        .map(|p| ProjectRow {
            id: p.project_id,
            code: p.code,
            title: p.title,
            organisation: p.organisation_name,
            status: pick(lang, p.status.name_zh(), p.status.name_en()).to_owned(),
            granted: fen_to_wan(p.granted_fen),
            released: fen_to_wan(p.released_fen),
            end: tr.date(p.end_on),
            overdue: p.overdue,
        })
        .collect();
    let c = chrome(&me, "/projects").crumb(t(lang, "nav.projects"), "");
    html(&ProjectsPage { c, rows, totals })
}

struct MilestoneRow {
    id: i64,
    seq: i64,
    title: String,
    due: String,
    state: String,
    state_code: String,
    tranche: String,
    report: String,
    reason: String,
    released: String,
    overdue: bool,
}

struct ChangeRow {
    id: i64,
    kind: String,
    reason: String,
    detail: String,
    status: String,
    open: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage {
    c: Chrome,
    id: i64,
    title: String,
    facts: Vec<(String, String)>,
    status_code: String,
    milestones: Vec<MilestoneRow>,
    changes: Vec<ChangeRow>,
    staff: bool,
    own: bool,
    demand_side: bool,
    challenge: bool,
    error: Option<String>,
}

async fn project_page(state: State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    render_project(&state, &me, id, None).await
}

async fn render_project(state: &AppState, me: &Me, id: i64, error: Option<String>) -> AppResult<Response> {
    if me.role() == Role::Expert {
        return Err(AppError::forbidden());
    }
    let lang = me.lang;
    let tr = Tr(lang);
    let day = today();
    let demand_org = demand_side_of(state, me, id).await?;
    let scope = if demand_org.is_some() { gaodi_domain::access::Scope::All } else { me.scope() };
    let p = state.store.project(&scope, id, day).await?;
    let mut facts = vec![
        (t(lang, "project.code").to_owned(), p.code.clone()),
        (t(lang, "project.call").to_owned(), p.call_title.clone()),
        (t(lang, "application.organisation").to_owned(), p.organisation_name.clone()),
        (t(lang, "project.status").to_owned(), pick(lang, p.status.name_zh(), p.status.name_en()).to_owned()),
        (t(lang, "project.granted").to_owned(), fen_to_wan(p.granted_fen)),
        (t(lang, "project.released").to_owned(), fen_to_wan(p.released_fen)),
        (t(lang, "project.period").to_owned(), format!("{} – {}", tr.date(p.start_on), tr.date(p.end_on))),
    ];
    if let (Some(no), Some(on)) = (&p.agreement_no, p.agreement_on) {
        facts.push((t(lang, "project.agreement").to_owned(), format!("{no} · {}", tr.date(on))));
    }
    if let Some(r) = &p.midterm_result {
        let r = MidtermResult::parse(r).map_or(r.clone(), |m| pick(lang, m.name_zh(), m.name_en()).to_owned());
        facts.push((
            t(lang, "project.midterm").to_owned(),
            format!("{r} — {}", p.midterm_note.clone().unwrap_or_default()),
        ));
    }
    if let Some(n) = &p.acceptance_note {
        facts.push((
            t(lang, "project.acceptance").to_owned(),
            format!("{} — {n}", p.acceptance_on.map(|d| tr.date(d)).unwrap_or_default()),
        ));
    }
    let milestones = state
        .store
        .milestones(id, day)
        .await?
        .into_iter()
        .map(|m| MilestoneRow {
            id: m.milestone_id,
            seq: m.seq,
            title: milestone_title(lang, &m.title),
            due: tr.date(m.due_on),
            state: pick(lang, m.state.name_zh(), m.state.name_en()).to_owned(),
            state_code: m.state.as_str().to_owned(),
            tranche: fen_to_wan(m.tranche_fen),
            report: m.report.unwrap_or_default(),
            reason: m.reason.unwrap_or_default(),
            released: m.released_on.map(|d| tr.date(d)).unwrap_or_default(),
            overdue: m.overdue,
        })
        .collect();
    let changes = state
        .store
        .changes(id)
        .await?
        .into_iter()
        .map(|c| ChangeRow {
            id: c.project_change_id,
            kind: pick(lang, c.kind.name_zh(), c.kind.name_en()).to_owned(),
            reason: c.reason,
            detail: c.new_budget_fen.map(fen_to_wan).or_else(|| c.new_end_on.map(|d| tr.date(d))).unwrap_or_default(),
            status: pick(lang, c.status.name_zh(), c.status.name_en()).to_owned(),
            open: c.status == gaodi_domain::project::lifecycle::ChangeStatus::Requested,
            note: c.note.unwrap_or_default(),
        })
        .collect();
    let own = matches!(me.scope(), gaodi_domain::access::Scope::Organisation { organisation_id } if organisation_id == p.organisation_id);
    let c =
        chrome(me, &format!("/projects/{id}")).crumb(t(lang, "nav.projects"), "/projects").crumb(p.code.clone(), "");
    html(&ProjectPage {
        c,
        id,
        title: p.title.clone(),
        facts,
        status_code: p.status.as_str().to_owned(),
        milestones,
        changes,
        staff: require_staff(me).is_ok(),
        own,
        demand_side: demand_org.is_some(),
        challenge: p.challenge_id.is_some(),
        error,
    })
}

/// The caller's organisation when it is the demand side of the project's challenge.
async fn demand_side_of(state: &AppState, me: &Me, project_id: i64) -> AppResult<Option<i64>> {
    let gaodi_domain::access::Scope::Organisation { organisation_id } = me.scope() else {
        return Ok(None);
    };
    let p = state.store.project(&gaodi_domain::access::Scope::All, project_id, today()).await?;
    let Some(ch) = p.challenge_id else { return Ok(None) };
    let c = state.store.challenge(ch).await?;
    Ok((c.demand_organisation_id == organisation_id).then_some(organisation_id))
}

/// Runs an action on a project and comes back to its page.
async fn project_do<F, Fut>(state: &AppState, me: &Me, id: i64, f: F) -> AppResult<Response>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    act(me, &format!("/projects/{id}"), f, |msg| render_project(state, me, id, Some(msg))).await
}

#[derive(Deserialize)]
struct AgreementForm {
    agreement_no: String,
}

async fn project_agreement(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<AgreementForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let actor = me.actor();
    project_do(&state, &me, id, || async {
        state.store.sign_agreement(&actor, id, &f.agreement_no, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct MidtermForm {
    result: String,
    #[serde(default)]
    note: String,
}

async fn project_midterm(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<MidtermForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let result = MidtermResult::parse(&f.result).ok_or_else(|| AppError::bad_request("error.bad_body"))?;
    let actor = me.actor();
    project_do(&state, &me, id, || async {
        state.store.midterm(&actor, id, result, &f.note, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct AcceptanceForm {
    result: String,
    #[serde(default)]
    note: String,
}

async fn project_acceptance(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<AcceptanceForm>,
) -> AppResult<Response> {
    let demand = demand_side_of(&state, &me, id).await?;
    if demand.is_none() {
        require_staff(&me)?;
    }
    let actor = me.actor();
    project_do(&state, &me, id, || async {
        state
            .store
            .accept_project(&actor, id, f.result == "passed", &f.note, demand, today())
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct ChangeForm {
    kind: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    new_budget_wan: String,
    #[serde(default)]
    new_end_on: String,
}

async fn change_request(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<ChangeForm>,
) -> AppResult<Response> {
    own_organisation(&me)?;
    let actor = me.actor();
    project_do(&state, &me, id, || async {
        let kind = ChangeKind::parse(&f.kind).ok_or_else(|| AppError::bad_request("error.bad_body"))?;
        let req = ChangeRequest {
            kind,
            reason: f.reason.clone(),
            new_budget_fen: if kind == ChangeKind::Budget {
                Some(wan_to_fen(&f.new_budget_wan, "new_budget_wan")?)
            } else {
                None
            },
            new_end_on: if kind == ChangeKind::Extension {
                Some(parse_date(&f.new_end_on, "new_end_on")?)
            } else {
                None
            },
        };
        state.store.request_change(&actor, &me.scope(), id, &req, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct DecisionForm {
    project_id: i64,
    decision: String,
    #[serde(default)]
    note: String,
}

async fn change_decide(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let actor = me.actor();
    project_do(&state, &me, f.project_id, || async {
        state
            .store
            .decide_change(&actor, id, f.decision == "grant", &f.note, today())
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await
}

#[derive(Deserialize)]
struct ReportForm {
    project_id: i64,
    #[serde(default)]
    report: String,
}

async fn milestone_submit(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> AppResult<Response> {
    own_organisation(&me)?;
    let actor = me.actor();
    project_do(&state, &me, f.project_id, || async {
        state.store.submit_milestone(&actor, &me.scope(), id, &f.report, today()).await.map(|_| ()).map_err(Into::into)
    })
    .await
}

async fn milestone_decide(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> AppResult<Response> {
    require_staff(&me)?;
    let actor = me.actor();
    project_do(&state, &me, f.project_id, || async {
        state
            .store
            .decide_milestone(&actor, id, f.decision == "accept", Some(&f.note), today())
            .await
            .map(|_| ())
            .map_err(Into::into)
    })
    .await
}
