//! Static files embedded in the binary, served under `/assets/` with long caching (the URLs
//! carry a version query) and their MIME type.

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::AppError;
use crate::AppState;

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// A version string appended to asset URLs, so a new binary never serves stale cached files.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The embedded file at `path` (relative to `/assets/`).
pub fn get_asset(path: &str) -> Option<&'static [u8]> {
    ASSETS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

async fn serve_asset(Path(path): Path<String>) -> Result<Response, AppError> {
    let body = get_asset(&path).ok_or_else(AppError::not_found)?;
    Ok(([(CONTENT_TYPE, mime(&path)), (CACHE_CONTROL, "public, max-age=86400")], body).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{*path}", get(serve_asset))
}
