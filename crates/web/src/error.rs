//! The web layer's one error type. Handlers return [`AppError`]; the `render_errors` middleware
//! turns it (and axum's own rejections) into JSON under `/api` and an HTML page elsewhere, in the
//! user's language. The internal cause is logged with the request id, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gaodi_store::StoreError;

/// What went wrong, as an i18n key with arguments.
#[derive(Debug, Clone)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub field: Option<&'static str>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str) -> AppError {
        AppError { status, code, args: Vec::new(), field: None }
    }

    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> AppError {
        self.args.push((name, value.to_string()));
        self
    }

    #[must_use]
    pub fn field(mut self, field: &'static str) -> AppError {
        self.field = Some(field);
        self
    }

    pub fn bad_request(code: &'static str) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code)
    }

    pub fn forbidden() -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "error.forbidden")
    }

    pub fn unauthorized() -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, "error.unauthorized")
    }

    pub fn not_found() -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "error.not_found")
    }

    pub fn internal() -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
    }

    /// From a domain error that has `code()` and `args()`.
    pub fn invalid(code: &'static str, args: Vec<(&'static str, String)>, field: &'static str) -> AppError {
        AppError { status: StatusCode::UNPROCESSABLE_ENTITY, code, args, field: Some(field) }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Forbidden => AppError::forbidden(),
            StoreError::Invalid { code, args, field } => {
                AppError { status: StatusCode::UNPROCESSABLE_ENTITY, code, args, field }
            }
            StoreError::Duplicate { what, value } => {
                AppError::new(StatusCode::CONFLICT, "error.duplicate").arg("what", what).arg("value", value)
            }
            StoreError::Unavailable(m) => {
                tracing::error!(error = %m, "database unavailable");
                AppError::new(StatusCode::SERVICE_UNAVAILABLE, "error.unavailable")
            }
            other => {
                tracing::error!(error = %other, "internal error");
                AppError::internal()
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(self);
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;
