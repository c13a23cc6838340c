//! gaodi-web: the HTTP face of gaodi. JSON API under `/api/v1` (OpenAPI at `/api/openapi.json`,
//! docs at `/api/docs`), server-rendered pages, sessions and CSRF, i18n, embedded assets.
//!
//! Handlers are thin: they parse input into domain types, call one store function with the
//! caller's scope, and render. Each feature module exports its own `router()`; [`app`] merges.

pub mod api;
pub mod assets;
pub mod auth;
pub mod composite;
pub mod error;
pub mod i18n;
pub mod indicators;
pub mod pages;
pub mod projects;
mod render;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gaodi_store::Store;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId as TowerRequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Settings of the web layer (from the binary's configuration).
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Origins (`https://kjj.example.gov.cn`) that state-changing requests may come from. Empty:
    /// the origin must match the Host header.
    pub public_origins: Vec<String>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings { public_origins: Vec::new(), secure_cookies: false, body_limit: 2 * 1024 * 1024 }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<WebSettings>,
    /// The indicator engine's inputs per scope, valid until the next write.
    pub indicators: Arc<indicators::IndicatorCache>,
}

impl AppState {
    pub fn new(store: Store, settings: WebSettings) -> AppState {
        AppState { store, settings: Arc::new(settings), indicators: Arc::default() }
    }
}

#[derive(Clone, Default)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _req: &axum::http::Request<B>) -> Option<TowerRequestId> {
        let id = gaodi_store::user::random_token()[..16].to_owned();
        HeaderValue::from_str(&id).ok().map(TowerRequestId::new)
    }
}

/// Copies the request id header into an extension the extractors read.
async fn expose_request_id(mut req: Request, next: axum::middleware::Next) -> Response {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    req.extensions_mut().insert(auth::RequestId(id));
    next.run(req).await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.db().ping().await {
        Ok(()) => {
            (StatusCode::OK, Json(serde_json::json!({ "status": "ready", "database": state.store.backend().as_str() })))
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "readiness check");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "status": "unavailable" }))).into_response()
        }
    }
}

async fn fallback() -> error::AppError {
    error::AppError::not_found()
}

/// The whole application: every feature's router, merged, behind the middleware stack.
pub fn app(state: AppState) -> Router {
    let limit = state.settings.body_limit;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(assets::router())
        .merge(api::router())
        .merge(pages::router())
        .fallback(fallback)
        .layer(from_fn_with_state(state.clone(), auth::guard_unsafe))
        .layer(from_fn(render::render_errors))
        .layer(from_fn_with_state(state.clone(), auth::identify))
        .layer(RequestBodyLimitLayer::new(limit))
        .layer(from_fn(expose_request_id))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(RandomRequestId))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then finishes open requests (at most 10 s) and closes the
/// database pool.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let router = app(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = tx.send(());
        });
    let drain_limit = async move {
        let _ = rx.await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    };
    tokio::select! {
        r = server => r?,
        () = drain_limit => tracing::warn!("shutdown: requests still open after 10 s, closing"),
    }
    store.db().close().await;
    Ok(())
}
