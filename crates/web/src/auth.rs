//! Who is asking: sessions (cookie), bearer API tokens, CSRF and Origin checks, the language.
//!
//! `identify` runs on every request and puts an [`Identity`] (or none) and the [`Lang`] into the
//! request's extensions; `guard_unsafe` then refuses any state-changing request whose Origin is
//! foreign or whose CSRF token is missing or wrong. Handlers take [`Me`] to require a login.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HOST, ORIGIN, REFERER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use gaodi_domain::access::{Capability, Role, Scope};
use gaodi_store::user::User;
use gaodi_store::Actor;

use crate::error::AppError;
use crate::i18n::Lang;
use crate::AppState;

pub const SESSION_COOKIE: &str = "gaodi_session";
pub const LOGIN_CSRF_COOKIE: &str = "gaodi_login_csrf";
pub const LANG_COOKIE: &str = "lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The request id given by the request-id layer, for logs and the audit log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: User,
    /// `(session_id, csrf_token)` for cookie sessions; `None` for bearer tokens.
    pub session: Option<(i64, String)>,
}

/// Reads one cookie from the headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Builds a `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure when configured.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool, http_only: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(s) = max_age_secs {
        c.push_str(&format!("; Max-Age={s}"));
    }
    c
}

fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE).and_then(Lang::parse).unwrap_or_else(|| {
        headers.get("accept-language").and_then(|v| v.to_str().ok()).map_or(Lang::Zh, Lang::from_accept_language)
    })
}

/// Middleware: finds the caller (session cookie or bearer token) and the language.
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let lang = request_lang(headers);
    let bearer = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let session_token = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let identity = if let Some(token) = bearer {
        match state.store.api_token_user(&token).await {
            Ok(Some(user)) => Some(Identity { user, session: None }),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "api token lookup");
                None
            }
        }
    } else if let Some(token) = session_token {
        match state.store.session(&token).await {
            Ok(Some(s)) => Some(Identity { user: s.user, session: Some((s.session_id, s.csrf_token)) }),
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "session lookup");
                None
            }
        }
    } else {
        None
    };
    req.extensions_mut().insert(lang);
    if let Some(i) = identity {
        req.extensions_mut().insert(i);
    }
    next.run(req).await
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The origin (`scheme://host[:port]`) of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

fn origin_allowed(state: &AppState, headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| headers.get(REFERER).and_then(|v| v.to_str().ok()).and_then(origin_of));
    let Some(claimed) = claimed else { return false };
    if state.settings.public_origins.contains(&claimed) {
        return true;
    }
    // Without a configured public URL, the origin must name the host the request was sent to.
    let host = headers.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    state.settings.public_origins.is_empty()
        && (claimed == format!("http://{host}") || claimed == format!("https://{host}"))
}

/// Finds `csrf_token` in an urlencoded form body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Middleware: every state-changing request must come from our own origin and, when it rides
/// on a session cookie, carry the session's CSRF token (header `x-csrf-token` or form field
/// `csrf_token`). The login form, which has no session yet, uses a double-submit cookie. Bearer
/// token requests carry no cookies, so they need neither.
pub async fn guard_unsafe(State(state): State<AppState>, req: Request, next: Next) -> Result<Response, AppError> {
    if !is_unsafe(req.method()) {
        return Ok(next.run(req).await);
    }
    let bearer = req.headers().get(AUTHORIZATION).is_some();
    if bearer {
        return Ok(next.run(req).await);
    }
    if !origin_allowed(&state, req.headers()) {
        return Err(AppError::forbidden().arg("reason", "origin").into_code("error.bad_origin"));
    }
    let expected: Option<String> = match req.extensions().get::<Identity>() {
        Some(i) => i.session.as_ref().map(|(_, csrf)| csrf.clone()),
        None => cookie(req.headers(), LOGIN_CSRF_COOKIE).map(str::to_owned),
    };
    let header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let is_form = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let (req, given) = match header {
        Some(h) => (req, Some(h)),
        None if is_form => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, state.settings.body_limit)
                .await
                .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"))?;
            let given = form_field(&bytes, "csrf_token");
            (Request::from_parts(parts, Body::from(bytes)), given)
        }
        None => (req, None),
    };
    match (expected, given) {
        (Some(e), Some(g)) if !e.is_empty() && constant_time_eq(e.as_bytes(), g.as_bytes()) => Ok(next.run(req).await),
        _ => Err(AppError::forbidden().into_code("error.csrf")),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl AppError {
    /// Replaces the message key, keeping status and arguments.
    #[must_use]
    pub fn into_code(mut self, code: &'static str) -> AppError {
        self.code = code;
        self
    }
}

/// The logged-in caller; rejects with 401 when there is none. A user who must change their
/// password is refused everything but the password change and logout.
#[derive(Debug, Clone)]
pub struct Me {
    pub user: User,
    pub session: Option<(i64, String)>,
    pub request_id: String,
    pub lang: Lang,
}

impl Me {
    pub fn scope(&self) -> Scope {
        self.user.scope()
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Fails with 403 unless the role has the capability.
    pub fn require(&self, cap: Capability) -> Result<(), AppError> {
        if self.user.role.may(cap) {
            Ok(())
        } else {
            Err(AppError::forbidden())
        }
    }

    /// The caller as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.user_id),
            username: self.user.username.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// The CSRF token to put into forms.
    pub fn csrf(&self) -> String {
        self.session.as_ref().map(|(_, c)| c.clone()).unwrap_or_default()
    }
}

/// Paths a user who must change their password may still use.
const PASSWORD_CHANGE_PATHS: [&str; 4] = ["/account/password", "/logout", "/api/v1/me", "/api/v1/me/password"];

impl<S: Send + Sync> FromRequestParts<S> for Me {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Me, AppError> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
        let Some(i) = parts.extensions.get::<Identity>().cloned() else {
            return Err(AppError::unauthorized());
        };
        if i.user.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&parts.uri.path()) {
            return Err(AppError::new(StatusCode::FORBIDDEN, "error.password_change_required"));
        }
        Ok(Me { user: i.user, session: i.session, request_id, lang })
    }
}

/// The language of the request (always present after `identify`).
#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<ReqLang, Self::Rejection> {
        Ok(ReqLang(parts.extensions.get::<Lang>().copied().unwrap_or_default()))
    }
}
