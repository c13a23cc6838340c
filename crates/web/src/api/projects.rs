//! The project life cycle as JSON: calls, applications and their steps, the review desk
//! (screening, draw, assignment, ranking), experts' reviews, decisions and projects. The same
//! store functions as the pages; who may do what is in [`crate::projects`].

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use gaodi_domain::access::Role;
use gaodi_domain::project::lifecycle::{ApplicationAction, ApplicationStatus, CallAction};
use gaodi_store::project::{ApplicationFilter, NewApplication, NewCall};
use gaodi_store::project_follow::{Decision, ProjectFilter};
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::ApiRoute;
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::projects::{expert_person, may_apply, may_endorse, require_staff, today, wan_to_fen};
use crate::AppState;

/// Roles that run calls.
pub const STAFF: &[&str] = &["admin", "city_staff"];
/// Roles that apply.
pub const APPLICANTS: &[&str] = &["admin", "enterprise_user"];
/// Roles that step applications (applicants submit and withdraw; bureaus endorse and return).
pub const STEPPERS: &[&str] = &["admin", "city_staff", "district_staff", "enterprise_user"];
/// Experts.
pub const EXPERTS: &[&str] = &["expert"];
/// Everyone but experts (whose scope is their assignments).
pub const PROJECT_READERS: &[&str] = &["admin", "city_staff", "district_staff", "enterprise_user", "leader"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calls", get(list_calls).post(create_call))
        .route("/api/v1/calls/{id}", get(call))
        .route("/api/v1/calls/{id}/status", post(call_status))
        .route("/api/v1/calls/{id}/screen", post(screen))
        .route("/api/v1/calls/{id}/draw", post(draw))
        .route("/api/v1/calls/{id}/assign", post(assign))
        .route("/api/v1/calls/{id}/standings", get(standings))
        .route("/api/v1/calls/{id}/applications", get(call_applications).post(apply))
        .route("/api/v1/applications/{id}", get(application))
        .route("/api/v1/applications/{id}/action", post(application_action))
        .route("/api/v1/applications/{id}/decision", post(decide))
        .route("/api/v1/applications/{id}/attachments/{field}", post(attach))
        .route("/api/v1/applications/{id}/files/{attachment}", get(download))
        .route("/api/v1/reviews", get(my_reviews))
        .route("/api/v1/reviews/{id}", post(submit_review))
        .route("/api/v1/people/{id}/absences", post(add_absence))
        .route("/api/v1/people/{id}/expert-links", post(add_link))
        .route("/api/v1/projects", get(projects))
        .route("/api/v1/projects/{id}", get(project))
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/calls",
        tag: "projects",
        summary: "Calls with their application counts by state, review progress and projects",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls",
        tag: "projects",
        summary: "Creates a call (draft): programme, level, kind, budget_fen, dates, eligibility rule, limits, review \
                  settings, form and review template",
        body: None,
        roles: STAFF,
    },
    ApiRoute { method: "get", path: "/api/v1/calls/{id}", tag: "projects", summary: "One call", body: None, roles: &[] },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls/{id}/status",
        tag: "projects",
        summary: "Moves a call: {\"action\": \"open\" | \"close\" | \"start_review\" | \"decide\"}",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls/{id}/screen",
        tag: "projects",
        summary: "Screens the endorsed applications against the call's rule and limits; returns passed and failed",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls/{id}/draw",
        tag: "projects",
        summary: "Draws the expert panel with a seed from {\"seed_source\": text}; the record lets anyone replay it",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls/{id}/assign",
        tag: "projects",
        summary: "Optimal assignment of the eligible applications to the panel (conflicts checked again)",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/calls/{id}/standings",
        tag: "projects",
        summary: "Ranking of the reviewed applications by the call's aggregation rule, with spread and thresholds",
        body: None,
        roles: &["admin", "city_staff", "leader"],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/calls/{id}/applications",
        tag: "projects",
        summary: "Applications to a call inside the caller's scope",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/calls/{id}/applications",
        tag: "projects",
        summary: "Starts an application (draft): organisation_id, title, lead_name, requested_fen, answers, challenge_id",
        body: None,
        roles: APPLICANTS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/applications/{id}",
        tag: "projects",
        summary: "One application with its screening findings",
        body: None,
        roles: PROJECT_READERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/applications/{id}/action",
        tag: "projects",
        summary: "A step: {\"action\": \"submit\" | \"withdraw\" (applicant) | \"endorse\" | \"return\" (bureau), \"reason\"}",
        body: None,
        roles: STEPPERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/applications/{id}/decision",
        tag: "projects",
        summary: "The panel's decision: {\"approve\", \"granted_fen\", \"months\", \"minutes\"}; approval creates the project",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/applications/{id}/attachments/{field}",
        tag: "projects",
        summary: "Uploads the file of a form field (the request body; query: name = the file's name), checked against \
                  the field's size and type limits; replaces the field's earlier file",
        body: None,
        roles: APPLICANTS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/applications/{id}/files/{attachment}",
        tag: "projects",
        summary: "Downloads an attachment of an application inside the caller's scope",
        body: None,
        roles: PROJECT_READERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/reviews/{id}",
        tag: "projects",
        summary: "The expert's review of an assignment: {\"scores\": [one per criterion], \"comment\", \"no_conflict\": \
                  true}; conflicts are checked again first; declare one with {\"conflict\": \"why\"} instead",
        body: None,
        roles: EXPERTS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people/{id}/absences",
        tag: "projects",
        summary: "An expert is away: {\"from_on\", \"to_on\", \"reason\"}; the panel draw leaves them out on those days",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/people/{id}/expert-links",
        tag: "projects",
        summary: "A relation conflicts are detected from: {\"kind\": \"shareholding\" | \"employment\" | \"advisor\" | \
                  \"personal\" | \"declared\", \"organisation_id\" or \"other_person_id\", \"note\"}",
        body: None,
        roles: STAFF,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/reviews",
        tag: "projects",
        summary: "The expert's review assignments",
        body: None,
        roles: EXPERTS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/projects",
        tag: "projects",
        summary: "Projects inside the caller's scope (query: call_id)",
        body: None,
        roles: PROJECT_READERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/projects/{id}",
        tag: "projects",
        summary: "One project with its milestones, tranches and change requests",
        body: None,
        roles: PROJECT_READERS,
    },
];

fn require(me: &Me, roles: &[&str]) -> AppResult<()> {
    if roles.contains(&me.role().as_str()) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn list_calls(State(state): State<AppState>, me: Me) -> AppResult<Json<Value>> {
    let calls = state.store.call_summaries(&me.scope(), today()).await?;
    Ok(Json(json!({ "calls": calls })))
}

async fn create_call(
    State(state): State<AppState>,
    me: Me,
    Json(new): Json<NewCall>,
) -> AppResult<(StatusCode, Json<Value>)> {
    require_staff(&me)?;
    let call = state.store.create_call(&me.actor(), &new).await?;
    Ok((StatusCode::CREATED, Json(json!(call))))
}

async fn call(State(state): State<AppState>, _me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    Ok(Json(json!(state.store.call(id).await?)))
}

#[derive(Deserialize)]
struct ActionBody {
    action: String,
    #[serde(default)]
    reason: Option<String>,
}

async fn call_status(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> AppResult<Json<Value>> {
    require_staff(&me)?;
    let action = CallAction::parse(&b.action)
        .ok_or_else(|| AppError::invalid("error.bad_body", vec![("action", b.action.clone())], "action"))?;
    Ok(Json(json!(state.store.call_action(&me.actor(), id, action).await?)))
}

async fn screen(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require_staff(&me)?;
    let (passed, failed) = state.store.screen_call(&me.actor(), id, today()).await?;
    Ok(Json(json!({ "passed": passed, "failed": failed })))
}

#[derive(Deserialize)]
struct DrawBody {
    seed_source: String,
}

async fn draw(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<DrawBody>,
) -> AppResult<Json<Value>> {
    require_staff(&me)?;
    Ok(Json(json!(state.store.draw_panel(&me.actor(), id, &b.seed_source, today()).await?)))
}

async fn assign(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require_staff(&me)?;
    Ok(Json(json!(state.store.assign_reviews(&me.actor(), id, today()).await?)))
}

async fn standings(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require(&me, &["admin", "city_staff", "leader"])?;
    Ok(Json(json!({ "standings": state.store.standings(id).await? })))
}

async fn call_applications(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    let apps =
        state.store.applications(&me.scope(), &ApplicationFilter { call_id: Some(id), ..Default::default() }).await?;
    Ok(Json(json!({ "applications": apps })))
}

async fn apply(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(new): Json<NewApplication>,
) -> AppResult<(StatusCode, Json<Value>)> {
    if !may_apply(&me) {
        return Err(AppError::forbidden());
    }
    let app = state.store.create_application(&me.actor(), &me.scope(), id, &new).await?;
    Ok((StatusCode::CREATED, Json(json!(app))))
}

async fn application(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require(&me, PROJECT_READERS)?;
    Ok(Json(json!(state.store.application(&me.scope(), id).await?)))
}

async fn application_action(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<ActionBody>,
) -> AppResult<Json<Value>> {
    require(&me, STEPPERS)?;
    let action = ApplicationAction::parse(&b.action)
        .ok_or_else(|| AppError::invalid("error.bad_body", vec![("action", b.action.clone())], "action"))?;
    let allowed = match action {
        ApplicationAction::Submit | ApplicationAction::Withdraw => may_apply(&me),
        ApplicationAction::Endorse | ApplicationAction::Return => may_endorse(&me),
        _ => false,
    };
    if !allowed {
        return Err(AppError::invalid("error.bad_body", vec![("action", b.action.clone())], "action"));
    }
    let app = state
        .store
        .application_action(&me.actor(), &me.scope(), id, action, b.reason.as_deref(), gaodi_store::now())
        .await?;
    Ok(Json(json!(app)))
}

#[derive(Deserialize)]
struct DecisionBody {
    approve: bool,
    #[serde(default)]
    granted_fen: i64,
    #[serde(default)]
    granted_wan: Option<String>,
    #[serde(default)]
    months: i64,
    #[serde(default)]
    minutes: String,
}

async fn decide(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<DecisionBody>,
) -> AppResult<Json<Value>> {
    require_staff(&me)?;
    let granted_fen = match &b.granted_wan {
        Some(w) => wan_to_fen(w, "granted_wan")?,
        None => b.granted_fen,
    };
    let d = Decision { approve: b.approve, granted_fen, minutes: b.minutes, decided_on: today(), months: b.months };
    let project = state.store.decide(&me.actor(), id, &d).await?;
    let app = state.store.application(&gaodi_domain::access::Scope::All, id).await?;
    Ok(Json(json!({ "application": app, "project": project, "approved": app.status == ApplicationStatus::Approved })))
}

#[derive(Deserialize)]
struct NameQuery {
    name: Option<String>,
}

async fn attach(
    State(state): State<AppState>,
    me: Me,
    Path((id, field)): Path<(i64, String)>,
    Query(q): Query<NameQuery>,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Value>)> {
    if !may_apply(&me) {
        return Err(AppError::forbidden());
    }
    let name = q.name.unwrap_or_default();
    let info = state.store.add_attachment(&me.actor(), &me.scope(), id, &field, name.trim(), body.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(json!(info))))
}

async fn download(
    State(state): State<AppState>,
    me: Me,
    Path((id, attachment)): Path<(i64, i64)>,
) -> AppResult<axum::response::Response> {
    require(&me, PROJECT_READERS)?;
    let (name, bytes) = state.store.attachment_content(&me.scope(), id, attachment).await?;
    Ok(attachment_response(&name, bytes))
}

/// A stored file as a download (its name percent-encoded for the header).
pub fn attachment_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    let mime = if name.to_ascii_lowercase().ends_with(".pdf") { "application/pdf" } else { "application/octet-stream" };
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let disposition = format!("attachment; filename=\"attachment\"; filename*=UTF-8''{}", encoded.replace('+', "%20"));
    ([(CONTENT_TYPE, mime.to_owned()), (CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

#[derive(Deserialize)]
struct ReviewBody {
    #[serde(default)]
    scores: Vec<i64>,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    no_conflict: bool,
    /// Declares a conflict (with the reason) instead of reviewing.
    #[serde(default)]
    conflict: Option<String>,
}

async fn submit_review(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<ReviewBody>,
) -> AppResult<Json<Value>> {
    let person = expert_person(&state, &me).await?;
    if let Some(why) = &b.conflict {
        state.store.declare_conflict(&me.actor(), id, person, why).await?;
        return Ok(Json(json!(state.store.assignment(id).await?)));
    }
    state.store.open_assignment(&me.actor(), id, person, today()).await?;
    let a = state.store.submit_review(&me.actor(), id, person, &b.scores, &b.comment, b.no_conflict).await?;
    Ok(Json(json!(a)))
}

#[derive(Deserialize)]
struct AbsenceBody {
    from_on: String,
    to_on: String,
    #[serde(default)]
    reason: String,
}

async fn add_absence(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<AbsenceBody>,
) -> AppResult<StatusCode> {
    require_staff(&me)?;
    let from = crate::projects::parse_date(&b.from_on, "from_on")?;
    let to = crate::projects::parse_date(&b.to_on, "to_on")?;
    state.store.add_expert_absence(&me.actor(), id, from, to, &b.reason).await?;
    Ok(StatusCode::CREATED)
}

#[derive(Deserialize)]
struct LinkBody {
    kind: String,
    organisation_id: Option<i64>,
    other_person_id: Option<i64>,
    #[serde(default)]
    note: String,
}

async fn add_link(
    State(state): State<AppState>,
    me: Me,
    Path(id): Path<i64>,
    Json(b): Json<LinkBody>,
) -> AppResult<StatusCode> {
    use gaodi_domain::project::conflict::ConflictKind;
    require_staff(&me)?;
    let kind = ConflictKind::parse(&b.kind)
        .filter(|k| {
            matches!(
                k,
                ConflictKind::Shareholding
                    | ConflictKind::Employment
                    | ConflictKind::Advisor
                    | ConflictKind::Personal
                    | ConflictKind::Declared
            )
        })
        .ok_or_else(|| AppError::invalid("expert.link_kind", vec![("value", b.kind.clone())], "kind"))?;
    state.store.add_expert_link(&me.actor(), id, kind, b.organisation_id, b.other_person_id, &b.note).await?;
    Ok(StatusCode::CREATED)
}

async fn my_reviews(State(state): State<AppState>, me: Me) -> AppResult<Json<Value>> {
    if me.role() != Role::Expert {
        return Err(AppError::forbidden());
    }
    // An expert login not (yet) linked to the pool has no assignments.
    let person = match expert_person(&state, &me).await {
        Ok(p) => Some(p),
        Err(e) if e.code == "review.no_person" => None,
        Err(e) => return Err(e),
    };
    let list = match person {
        Some(p) => state.store.assignments(None, Some(p)).await?,
        None => Vec::new(),
    };
    Ok(Json(json!({ "assignments": list })))
}

#[derive(Deserialize)]
struct ProjectsQuery {
    call_id: Option<i64>,
}

async fn projects(State(state): State<AppState>, me: Me, Query(q): Query<ProjectsQuery>) -> AppResult<Json<Value>> {
    require(&me, PROJECT_READERS)?;
    let list =
        state.store.projects(&me.scope(), &ProjectFilter { call_id: q.call_id, ..Default::default() }, today()).await?;
    Ok(Json(json!({ "projects": list })))
}

async fn project(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Json<Value>> {
    require(&me, PROJECT_READERS)?;
    let day = today();
    let p = state.store.project(&me.scope(), id, day).await?;
    let milestones = state.store.milestones(id, day).await?;
    let changes = state.store.changes(id).await?;
    Ok(Json(json!({ "project": p, "milestones": milestones, "changes": changes })))
}
