//! Login, logout, the password change and the language switch.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gaodi_store::user::LoginError;
use serde::Deserialize;

use super::{html, message, see_other, Chrome};
use crate::auth::{cookie, set_cookie, Me, ReqLang, RequestId, LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::i18n::{t, tf, Tr};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_page).post(change_password))
        .route("/lang/{lang}", get(switch_lang))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    error: Option<String>,
    next: String,
    username: String,
}

/// A `next` target is only followed within this site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn render_login(
    state: &AppState,
    lang: crate::i18n::Lang,
    headers: &HeaderMap,
    next: String,
    username: String,
    error: Option<String>,
) -> AppResult<Response> {
    // Double-submit token for the login form (there is no session yet to hold one).
    let csrf = cookie(headers, LOGIN_CSRF_COOKIE).map_or_else(gaodi_store::user::random_token, str::to_owned);
    let page = LoginPage { c: Chrome::anonymous(lang, csrf.clone(), "/login"), error, next, username };
    let mut res = html(&page)?;
    let c = set_cookie(LOGIN_CSRF_COOKIE, &csrf, None, state.settings.secure_cookies, true);
    if let Ok(v) = c.parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

async fn login_page(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    render_login(&state, lang, &headers, safe_next(q.next.as_deref()), String::new(), None)
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    request_id: Option<axum::Extension<RequestId>>,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(f.next.as_deref());
    let username = f.username.trim().to_owned();
    if username.is_empty() || f.password.is_empty() {
        return render_login(&state, lang, &headers, next, username, Some(t(lang, "login.missing").to_owned()));
    }
    let rid = request_id.map(|r| r.0 .0.clone()).unwrap_or_default();
    match state.store.authenticate(&username, &f.password, &rid).await {
        Ok(user) => {
            let (token, _csrf) = state.store.create_session(user.user_id).await?;
            let to = if user.must_change_password { "/account/password".to_owned() } else { next };
            let mut res = see_other(&to);
            let ttl = gaodi_store::user::SESSION_TTL.whole_seconds();
            for c in [
                set_cookie(SESSION_COOKIE, &token, Some(ttl), state.settings.secure_cookies, true),
                set_cookie(LOGIN_CSRF_COOKIE, "", Some(0), state.settings.secure_cookies, true),
            ] {
                if let Ok(v) = c.parse() {
                    res.headers_mut().append(SET_COOKIE, v);
                }
            }
            Ok(res)
        }
        Err(e) => {
            let msg = match e {
                LoginError::BadCredentials => t(lang, "login.bad_credentials").to_owned(),
                LoginError::Locked(until) => tf(lang, "login.locked", &[("until", Tr(lang).datetime(until))]),
                LoginError::Disabled => t(lang, "login.disabled").to_owned(),
            };
            render_login(&state, lang, &headers, next, username, Some(msg))
        }
    }
}

async fn logout(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    if let Some((sid, _)) = &me.session {
        state.store.end_session(&me.actor(), *sid).await?;
    }
    let mut res = see_other("/login");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", Some(0), state.settings.secure_cookies, true).parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    forced: bool,
    errors: Vec<String>,
}

async fn password_page(me: Me) -> AppResult<Response> {
    let c = Chrome::for_user(&me, "/account/password").crumb(t(me.lang, "password.title"), "");
    html(&PasswordPage { c, forced: me.user.must_change_password, errors: Vec::new() })
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

async fn change_password(State(state): State<AppState>, me: Me, Form(f): Form<PasswordForm>) -> AppResult<Response> {
    let mut errors = Vec::new();
    if f.new_password != f.confirm_password {
        errors.push(t(me.lang, "password.mismatch").to_owned());
    } else {
        let sid = me.session.as_ref().map(|(id, _)| *id);
        match state
            .store
            .change_own_password(&me.actor(), me.user.user_id, &f.current_password, &f.new_password, sid)
            .await
        {
            Ok(()) => return Ok(see_other("/")),
            Err(e) => errors.push(message(me.lang, &AppError::from(e))),
        }
    }
    let c = Chrome::for_user(&me, "/account/password").crumb(t(me.lang, "password.title"), "");
    let mut res = html(&PasswordPage { c, forced: me.user.must_change_password, errors })?;
    *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

async fn switch_lang(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let lang = crate::i18n::Lang::parse(&lang).ok_or_else(AppError::not_found)?;
    let mut res = see_other(&safe_next(q.next.as_deref()));
    let c = set_cookie(LANG_COOKIE, lang.tag(), Some(365 * 24 * 3600), state.settings.secure_cookies, false);
    if let Ok(v) = c.parse() {
        res.headers_mut().append(SET_COOKIE, v);
    }
    Ok(res.into_response())
}
