//! Turning [`AppError`]s and axum's own rejections into responses in the user's language.

use askama::Template;
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;

use crate::auth::RequestId;
use crate::error::AppError;
use crate::i18n::{tf, Lang, Tr};

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: Tr,
    status: u16,
    message: &'a str,
    request_id: &'a str,
}

/// Maps a bare status from axum (a rejection or the body limit) to a message key.
fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "error.not_found",
        StatusCode::METHOD_NOT_ALLOWED => "error.method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "error.too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "error.unsupported_media_type",
        StatusCode::UNAUTHORIZED => "error.unauthorized",
        StatusCode::FORBIDDEN => "error.forbidden",
        s if s.is_client_error() => "error.bad_body",
        _ => "error.internal",
    }
}

/// Middleware: renders every error response as JSON (under `/api`) or HTML (elsewhere), with
/// the message in the request's language. Page requests without a login are sent to the login
/// page; users who must change their password, to the password page.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let lang = req.extensions().get::<Lang>().copied().unwrap_or_default();
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let is_api = path.starts_with("/api/");
    let is_get = req.method() == axum::http::Method::GET;
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let err = match res.extensions().get::<AppError>() {
        Some(e) => e.clone(),
        None => {
            let plain = res
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.starts_with("text/plain"));
            if !plain {
                return res;
            }
            // axum's rejection text is English and technical: keep it as a detail only.
            let detail = axum::body::to_bytes(res.into_body(), 4096)
                .await
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let mut e = AppError::new(status, code_for_status(status));
            if e.code == "error.bad_body" {
                e = e.arg("detail", detail);
            }
            e
        }
    };
    if !is_api && is_get {
        let target = match err.code {
            "error.unauthorized" => {
                let next_url = match &query {
                    Some(q) => format!("{path}?{q}"),
                    None => path.clone(),
                };
                Some(format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next_url.as_bytes()).collect::<String>()
                ))
            }
            "error.password_change_required" => Some("/account/password".to_owned()),
            _ => None,
        };
        if let Some(t) = target {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&t) {
                r.headers_mut().insert(LOCATION, v);
            }
            return r;
        }
    }
    let message = tf(lang, err.code, &err.args);
    if err.status.is_server_error() {
        tracing::warn!(request_id = %request_id, code = err.code, "error response");
    }
    if is_api {
        let body = serde_json::json!({
            "error": {
                "code": err.code,
                "message": message,
                "field": err.field,
                "args": err.args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                "request_id": request_id,
            }
        });
        return (err.status, Json(body)).into_response();
    }
    let page = ErrorPage { t: Tr(lang), status: err.status.as_u16(), message: &message, request_id: &request_id };
    match page.render() {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(_) => (err.status, message).into_response(),
    }
}
