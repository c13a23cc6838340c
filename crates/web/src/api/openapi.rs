//! The OpenAPI 3.1 document, built from one table of the API's routes ([`ROUTES`]), and the
//! offline docs page (Swagger UI, embedded). The route-by-role test walks the same table, so a
//! route missing from it fails a test rather than going undocumented.

use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// One API operation.
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// JSON Schema of the request body, if any.
    pub body: Option<fn() -> Value>,
    /// Roles that may call it (the others get 403); empty means every logged-in role.
    pub roles: &'static [&'static str],
}

pub const ADMIN: &[&str] = &["admin"];
pub const AUDIT_READERS: &[&str] = &["admin", "city_staff", "district_staff", "enterprise_user", "leader"];
pub const DATA_WRITERS: &[&str] = &["admin", "city_staff", "district_staff"];

fn password_body() -> Value {
    json!({"type": "object", "required": ["current_password", "new_password"], "properties": {
        "current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 12}}})
}
fn token_body() -> Value {
    json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
}
fn rename_body() -> Value {
    json!({"type": "object", "required": ["name_zh", "name_en"], "properties": {
        "name_zh": {"type": "string"}, "name_en": {"type": "string"}}})
}
fn user_body() -> Value {
    json!({"type": "object", "required": ["username", "role"], "properties": {
        "username": {"type": "string", "pattern": "^[a-z][a-z0-9._-]{2,31}$"},
        "display_name": {"type": "string"},
        "role": {"type": "string", "enum": ["admin", "city_staff", "district_staff", "enterprise_user", "expert", "leader"]},
        "regions": {"type": "array", "items": {"type": "string"}, "description": "district_staff: region codes"},
        "organisation_id": {"type": "integer", "description": "enterprise_user: the organisation"}}})
}
fn organisation_body() -> Value {
    json!({"type": "object", "required": ["uscc", "name", "kind", "region_code"], "properties": {
        "uscc": {"type": "string", "minLength": 18, "maxLength": 18, "description": "统一社会信用代码 with its check character"},
        "name": {"type": "string"},
        "park_code": {"type": "string", "description": "a park region code such as P43001"},
        "industry_code": {"type": "string", "description": "GB/T 4754-2017, e.g. C38"},
        "founded_on": {"type": "string", "format": "date"},
        "kind": {"type": "string", "enum": ["enterprise", "university", "institute", "hospital", "government_body"]},
        "region_code": {"type": "string"}}})
}

/// Every operation of `/api/v1`.
pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/v1/me",
        tag: "account",
        summary: "The caller, their role and scope, and the CSRF token for writes",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/me/password",
        tag: "account",
        summary: "Change one's own password",
        body: Some(password_body),
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/me/api-tokens",
        tag: "account",
        summary: "Create a bearer API token acting as the caller (shown once)",
        body: Some(token_body),
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/periods/{code}",
        tag: "periods",
        summary: "Parse a period code (2021, 2021H1, 2021Q3, 2021-07): bounds, months, neighbours",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/regions",
        tag: "regions",
        summary: "The region tree as it stood in a year (query: year, hierarchy=administrative|park)",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/regions/{code}",
        tag: "regions",
        summary: "A region with its memberships over time",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "patch",
        path: "/api/v1/regions/{code}",
        tag: "regions",
        summary: "Rename a region",
        body: Some(rename_body),
        roles: ADMIN,
    },
    ApiRoute { method: "get", path: "/api/v1/users", tag: "users", summary: "List users", body: None, roles: ADMIN },
    ApiRoute {
        method: "post",
        path: "/api/v1/users",
        tag: "users",
        summary: "Create a user; returns a one-time password",
        body: Some(user_body),
        roles: ADMIN,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/users/{id}/disable",
        tag: "users",
        summary: "Disable a user (ends their sessions)",
        body: None,
        roles: ADMIN,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/users/{id}/enable",
        tag: "users",
        summary: "Enable a user",
        body: None,
        roles: ADMIN,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/users/{id}/password",
        tag: "users",
        summary: "Reset a user's password to a new one-time password",
        body: None,
        roles: ADMIN,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/audit",
        tag: "audit",
        summary: "Audit events in the caller's scope, newest first (query: entity_kind, entity_id, actor, before)",
        body: None,
        roles: AUDIT_READERS,
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/audit/verify",
        tag: "audit",
        summary: "Verify the audit log's hash chain",
        body: None,
        roles: ADMIN,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations",
        tag: "organisations",
        summary: "Organisations in the caller's scope",
        body: None,
        roles: &[],
    },
    ApiRoute {
        method: "post",
        path: "/api/v1/organisations",
        tag: "organisations",
        summary: "Create an organisation in a region of the caller's scope",
        body: Some(organisation_body),
        roles: DATA_WRITERS,
    },
    ApiRoute {
        method: "get",
        path: "/api/v1/organisations/{id}",
        tag: "organisations",
        summary: "One organisation (404 outside the caller's scope)",
        body: None,
        roles: &[],
    },
];

fn error_schema() -> Value {
    json!({"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string", "description": "stable message key, e.g. uscc.check"},
        "message": {"type": "string", "description": "in the caller's language (cookie lang or Accept-Language)"},
        "field": {"type": ["string", "null"]},
        "args": {"type": "object", "additionalProperties": {"type": "string"}},
        "request_id": {"type": "string"}}}}})
}

/// The OpenAPI document.
pub fn openapi_document() -> Value {
    let mut paths = Map::new();
    for r in super::routes() {
        let params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let roles = if r.roles.is_empty() { "every logged-in role".to_owned() } else { r.roles.join(", ") };
        let mut op = json!({
            "tags": [r.tag],
            "summary": r.summary,
            "description": format!("Roles: {roles}. Data is filtered to the caller's scope."),
            "parameters": params,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "Malformed input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "401": {"description": "Not logged in"},
                "403": {"description": "Role may not do this, or CSRF/Origin check failed"},
                "404": {"description": "Not found or outside the caller's scope"},
                "422": {"description": "Invalid value (field named)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            }
        });
        if let Some(body) = r.body {
            op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": body()}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "gaodi API",
            "version": crate::assets::VERSION,
            "description": "The gaodi JSON API. Authenticate with the session cookie (send the CSRF token from /api/v1/me as x-csrf-token on writes) or with Authorization: Bearer <token>."
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {"Error": error_schema()},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "gaodi_session"}
            }
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths
    })
}

pub async fn serve_document() -> Json<Value> {
    Json(openapi_document())
}

/// Swagger UI from the embedded files; no network needed.
pub async fn docs_page() -> Response {
    let v = crate::assets::VERSION;
    Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="renderer" content="webkit">
<title>gaodi API</title><link rel="stylesheet" href="/assets/vendor/swagger-ui.css?v={v}"></head>
<body><div id="swagger-ui"></div>
<script src="/assets/vendor/swagger-ui-bundle.js?v={v}"></script>
<script src="/assets/api-docs.js?v={v}"></script></body></html>"#
    ))
    .into_response()
}
