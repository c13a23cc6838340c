//! System pages: user administration and the audit log viewer.

use askama::Template;
use axum::extract::{Path, Query, RawForm, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use gaodi_domain::access::{Capability, Role, Username};
use gaodi_domain::audit::AuditRecord;
use gaodi_domain::region::RegionCode;
use gaodi_store::audit::AuditFilter;
use gaodi_store::user::{generate_password, NewUser, User};
use serde::Deserialize;

use super::{html, message, role_label, scope_label, see_other, Chrome};
use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/system/users", get(users_page).post(create_user))
        .route("/system/users/{id}/disable", post(disable_user))
        .route("/system/users/{id}/enable", post(enable_user))
        .route("/system/users/{id}/reset-password", post(reset_password))
        .route("/system/audit", get(audit_page))
        .route("/system/audit/verify", post(verify_audit))
}

struct UserRow {
    user_id: i64,
    username: String,
    display_name: String,
    role: String,
    scope: String,
    status: String,
    disabled: bool,
    last_login: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    count_text: String,
    users: Vec<UserRow>,
    created: Option<String>,
    errors: Vec<String>,
    roles: Vec<(String, String, bool)>,
    region_options: Vec<(String, String)>,
    org_options: Vec<(i64, String)>,
    form_username: String,
    form_display: String,
}

fn user_row(lang: Lang, u: &User) -> UserRow {
    let now = time::OffsetDateTime::now_utc();
    let status = if u.disabled {
        t(lang, "users.disabled")
    } else if u.locked_until.is_some_and(|l| l > now) {
        t(lang, "users.locked")
    } else if u.must_change_password {
        t(lang, "users.must_change")
    } else {
        t(lang, "users.active")
    };
    UserRow {
        user_id: u.user_id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: role_label(lang, u.role),
        scope: scope_label(lang, &u.scope()),
        status: status.to_owned(),
        disabled: u.disabled,
        last_login: u.last_login_at.map(|t| Tr(lang).datetime(t)).unwrap_or_default(),
    }
}

#[derive(Default)]
struct UserForm {
    username: String,
    display_name: String,
    role: String,
    regions: Vec<String>,
    organisation_id: String,
}

impl UserForm {
    /// Reads the form, which may repeat `regions`.
    fn parse(body: &[u8]) -> UserForm {
        let mut f = UserForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            let v = v.trim().to_owned();
            match k.as_ref() {
                "username" => f.username = v,
                "display_name" => f.display_name = v,
                "role" => f.role = v,
                "regions" if !v.is_empty() => f.regions.push(v),
                "organisation_id" => f.organisation_id = v,
                _ => {}
            }
        }
        f
    }

    /// Parses into a new user, collecting every problem.
    fn to_new_user(&self, lang: Lang) -> Result<NewUser, Vec<String>> {
        let mut errors = Vec::new();
        let username = Username::parse(&self.username).map_err(|e| errors.push(tf(lang, e.code(), &e.args()))).ok();
        let role = Role::parse(&self.role).map_err(|e| errors.push(tf(lang, e.code(), &e.args()))).ok();
        let mut regions = Vec::new();
        for r in &self.regions {
            match RegionCode::parse(r) {
                Ok(c) => regions.push(c),
                Err(e) => errors.push(tf(lang, e.code(), &e.args())),
            }
        }
        let organisation_id = if self.organisation_id.is_empty() {
            None
        } else {
            match self.organisation_id.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(tf(lang, "users.bad_organisation", &[("value", self.organisation_id.clone())]));
                    None
                }
            }
        };
        let display_name = if self.display_name.is_empty() { self.username.clone() } else { self.display_name.clone() };
        match (username, role, errors.is_empty()) {
            (Some(username), Some(role), true) => {
                Ok(NewUser { username, display_name, role, regions, organisation_id })
            }
            _ => Err(errors),
        }
    }
}

async fn render_users(
    state: &AppState,
    me: &Me,
    created: Option<String>,
    errors: Vec<String>,
    form: &UserForm,
) -> AppResult<Response> {
    let lang = me.lang;
    let users = state.store.list_users().await?;
    let regions = state.store.regions().await?;
    let orgs = state.store.list_organisations(&me.scope()).await?;
    let form_role = if form.role.is_empty() { "city_staff" } else { form.role.as_str() };
    let page = UsersPage {
        c: Chrome::for_user(me, "/system/users").crumb(t(lang, "users.title"), ""),
        count_text: tf(lang, "users.count", &[("count", users.len().to_string())]),
        users: users.iter().map(|u| user_row(lang, u)).collect(),
        created,
        errors: errors.clone(),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), role_label(lang, *r), r.as_str() == form_role))
            .collect(),
        region_options: regions
            .iter()
            .map(|r| {
                (r.code.to_string(), format!("{} {}", r.code, if lang == Lang::En { &r.name_en } else { &r.name_zh }))
            })
            .collect(),
        org_options: orgs.iter().map(|o| (o.organisation_id, format!("{} ({})", o.name, o.uscc))).collect(),
        form_username: form.username.clone(),
        form_display: form.display_name.clone(),
    };
    let mut res = html(&page)?;
    if !errors.is_empty() {
        *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn users_page(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    me.require(Capability::ManageUsers)?;
    render_users(&state, &me, None, Vec::new(), &UserForm::default()).await
}

async fn create_user(State(state): State<AppState>, me: Me, RawForm(body): RawForm) -> AppResult<Response> {
    me.require(Capability::ManageUsers)?;
    let form = UserForm::parse(&body);
    let new = match form.to_new_user(me.lang) {
        Ok(n) => n,
        Err(errors) => return render_users(&state, &me, None, errors, &form).await,
    };
    let password = generate_password();
    match state.store.create_user(&me.actor(), &new, &password).await {
        Ok(u) => {
            let msg = tf(me.lang, "users.created", &[("username", u.username), ("password", password)]);
            render_users(&state, &me, Some(msg), Vec::new(), &UserForm::default()).await
        }
        Err(e) => {
            let e = AppError::from(e);
            if e.status.is_server_error() {
                return Err(e);
            }
            render_users(&state, &me, None, vec![message(me.lang, &e)], &form).await
        }
    }
}

async fn set_disabled(state: &AppState, me: &Me, id: i64, disabled: bool) -> AppResult<Response> {
    me.require(Capability::ManageUsers)?;
    state.store.set_user_disabled(&me.actor(), id, disabled).await?;
    Ok(see_other("/system/users"))
}

async fn disable_user(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    set_disabled(&state, &me, id, true).await
}

async fn enable_user(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    set_disabled(&state, &me, id, false).await
}

async fn reset_password(State(state): State<AppState>, me: Me, Path(id): Path<i64>) -> AppResult<Response> {
    me.require(Capability::ManageUsers)?;
    let user = state.store.user_by_id(id).await?;
    let password = generate_password();
    state.store.set_password(&me.actor(), id, &password, true, None).await?;
    let msg = tf(me.lang, "users.password_reset", &[("username", user.username), ("password", password)]);
    render_users(&state, &me, Some(msg), Vec::new(), &UserForm::default()).await
}

struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    change: String,
    request_id: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    can_verify: bool,
    verify_result: Option<String>,
    verify_ok: bool,
    events: Vec<EventRow>,
    older: Option<String>,
    f_kind: String,
    f_id: String,
    f_actor: String,
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn filter(&self, limit: i64) -> AuditFilter {
        let keep = |s: &Option<String>| s.as_ref().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        AuditFilter {
            entity_kind: keep(&self.entity_kind),
            entity_id: keep(&self.entity_id),
            actor: keep(&self.actor),
            organisation_id: None,
            before_seq: self.before,
            limit,
        }
    }
}

fn event_row(lang: Lang, e: &AuditRecord) -> EventRow {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at_micros) * 1000)
        .map(|t| Tr(lang).datetime(t))
        .unwrap_or_default();
    let pretty = |s: &Option<String>| {
        s.as_ref()
            .map(|j| {
                serde_json::from_str::<serde_json::Value>(j)
                    .map_or_else(|_| j.clone(), |v| serde_json::to_string_pretty(&v).unwrap_or_default())
            })
            .unwrap_or_else(|| "—".to_owned())
    };
    EventRow {
        seq: e.seq,
        at,
        actor: e.actor_name.clone(),
        action: e.action.clone(),
        entity: format!("{} {}", e.entity_kind, e.entity_id),
        change: format!("before: {}\nafter: {}", pretty(&e.before), pretty(&e.after)),
        request_id: e.request_id.clone(),
    }
}

const AUDIT_PAGE: i64 = 100;

async fn render_audit(
    state: &AppState,
    me: &Me,
    q: &AuditQuery,
    verify: Option<(bool, String)>,
) -> AppResult<Response> {
    me.require(Capability::ReadAudit)?;
    let events = state.store.list_audit(&me.scope(), &q.filter(AUDIT_PAGE)).await?;
    let older = (events.len() as i64 == AUDIT_PAGE).then(|| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("entity_kind", &q.entity_kind), ("entity_id", &q.entity_id), ("actor", &q.actor)] {
            if let Some(v) = v {
                s.append_pair(k, v);
            }
        }
        s.append_pair("before", &events.last().map_or(0, |e| e.seq).to_string());
        format!("/system/audit?{}", s.finish())
    });
    let (verify_ok, verify_result) = match verify {
        Some((ok, msg)) => (ok, Some(msg)),
        None => (true, None),
    };
    html(&AuditPage {
        c: Chrome::for_user(me, "/system/audit").crumb(t(me.lang, "audit.title"), ""),
        can_verify: me.role().may(Capability::VerifyAudit),
        verify_result,
        verify_ok,
        events: events.iter().map(|e| event_row(me.lang, e)).collect(),
        older,
        f_kind: q.entity_kind.clone().unwrap_or_default(),
        f_id: q.entity_id.clone().unwrap_or_default(),
        f_actor: q.actor.clone().unwrap_or_default(),
    })
}

async fn audit_page(State(state): State<AppState>, me: Me, Query(q): Query<AuditQuery>) -> AppResult<Response> {
    render_audit(&state, &me, &q, None).await
}

async fn verify_audit(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    me.require(Capability::VerifyAudit)?;
    let result = match state.store.verify_audit().await {
        Ok(n) => (true, tf(me.lang, "audit.verified", &[("count", n.to_string())])),
        Err(gaodi_store::StoreError::AuditChain(b)) => {
            (false, tf(me.lang, "audit.broken", &[("detail", b.to_string())]))
        }
        Err(e) => return Err(e.into()),
    };
    render_audit(&state, &me, &AuditQuery::default(), Some(result)).await
}
