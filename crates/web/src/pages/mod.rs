//! Server-rendered pages. Each module renders one feature; [`Chrome`] is the frame every page
//! shares (navigation, user, language switch, CSRF token).

mod activity;
mod composite;
mod cultivation;
mod home;
mod imports;
mod indicators;
mod organisations;
mod people;
mod platforms;
mod projects;
mod regions;
mod session;
mod system;

pub use organisations::OrganisationQuery;
pub use regions::parse_tree_query as regions_query;
pub use system::AuditQuery;

use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::auth::Me;
use crate::error::AppError;
use crate::i18n::{t, tf, Lang, Tr};
use crate::AppState;
use gaodi_domain::access::{Capability, Role, Scope};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(home::router())
        .merge(regions::router())
        .merge(system::router())
        .merge(organisations::router())
        .merge(platforms::router())
        .merge(people::router())
        .merge(imports::router())
        .merge(activity::router())
        .merge(indicators::router())
        .merge(composite::router())
        .merge(cultivation::router())
        .merge(projects::router())
}

/// A second-level navigation link.
pub struct NavLink {
    pub key: &'static str,
    pub href: &'static str,
    pub active: bool,
}

/// A section of the left navigation; `href` is `None` for sections still to come.
pub struct NavItem {
    pub key: &'static str,
    pub href: Option<&'static str>,
    pub active: bool,
    pub children: Vec<NavLink>,
}

/// What the top bar shows about the user.
pub struct UserBadge {
    pub display_name: String,
    pub role: String,
    pub scope: String,
}

/// The frame of every page.
pub struct Chrome {
    pub t: Tr,
    pub csrf: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    /// The current path and query, URL-encoded, for the language switch to come back to.
    pub path_q: String,
    pub crumbs: Vec<(String, String)>,
    pub flash: Option<String>,
    pub version: &'static str,
}

/// How a scope reads to a person.
pub fn scope_label(lang: Lang, scope: &Scope) -> String {
    match scope {
        Scope::All => t(lang, "scope.all").to_owned(),
        Scope::Assigned => t(lang, "scope.assigned").to_owned(),
        Scope::Organisation { organisation_id } => {
            tf(lang, "scope.organisation", &[("name", format!("#{organisation_id}"))])
        }
        Scope::Regions { regions } => {
            let list = regions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            tf(lang, "scope.regions", &[("regions", list)])
        }
    }
}

pub fn role_label(lang: Lang, role: Role) -> String {
    t(lang, &format!("role.{}", role.as_str())).to_owned()
}

fn nav(role: Role, path: &str) -> Vec<NavItem> {
    let soon = |key| NavItem { key, href: None, active: false, children: Vec::new() };
    let link =
        |key, href: &'static str| NavLink { key, href, active: path == href || path.starts_with(&format!("{href}/")) };
    let mut system = vec![link("nav.regions", "/regions")];
    if role == Role::Admin {
        system.push(link("nav.users", "/system/users"));
    }
    if role.may(Capability::ReadAudit) {
        system.push(link("nav.audit", "/system/audit"));
    }
    system.push(link("nav.password", "/account/password"));
    system.push(link("nav.api_docs", "/api/docs"));
    vec![
        NavItem { key: "nav.cockpit", href: Some("/"), active: path == "/", children: Vec::new() },
        NavItem {
            key: "nav.organisations",
            href: Some("/organisations"),
            active: path.starts_with("/organisations") || path.starts_with("/imports"),
            children: vec![
                link("nav.awards", "/awards"),
                link("nav.contracts", "/contracts"),
                link("nav.loans", "/loans"),
                link("nav.events", "/events"),
                link("nav.imports", "/imports"),
            ]
            .into_iter()
            .filter(|l| l.key != "nav.imports" || (role.may(Capability::WriteData) && role != Role::EnterpriseUser))
            .collect(),
        },
        NavItem {
            key: "nav.platforms",
            href: Some("/platforms"),
            active: path.starts_with("/platforms"),
            children: Vec::new(),
        },
        NavItem { key: "nav.people", href: Some("/people"), active: path.starts_with("/people"), children: Vec::new() },
        NavItem {
            key: "nav.cultivation",
            href: Some("/cultivation"),
            active: path.starts_with("/cultivation"),
            children: Vec::new(),
        },
        NavItem {
            key: "nav.projects",
            href: Some(if role == Role::Expert { "/reviews" } else { "/calls" }),
            active: ["/calls", "/applications", "/projects", "/reviews"].iter().any(|p| path.starts_with(p)),
            children: [
                link("nav.calls", "/calls"),
                link("nav.project_list", "/projects"),
                link("nav.reviews", "/reviews"),
            ]
            .into_iter()
            .filter(|l| match l.key {
                "nav.reviews" => role == Role::Expert,
                "nav.project_list" => role != Role::Expert,
                _ => true,
            })
            .collect(),
        },
        soon("nav.collection"),
        NavItem {
            key: "nav.indicators",
            href: Some("/indicators"),
            active: path.starts_with("/indicators") || path.starts_with("/composite-index"),
            children: vec![link("nav.composite", "/composite-index")],
        },
        soon("nav.reports"),
        NavItem { key: "nav.system", href: None, active: system.iter().any(|l| l.active), children: system },
    ]
    .into_iter()
    .filter(|i| i.key != "nav.indicators" || crate::indicators::INDICATOR_READERS.contains(&role.as_str()))
    // The cultivation pool is the bureau's (see `api::policy`).
    .filter(|i| i.key != "nav.cultivation" || !matches!(role, Role::EnterpriseUser | Role::Expert))
    .map(|mut i| {
        // The system section is a group header, always shown with its links.
        if i.key == "nav.system" {
            i.href = Some("/regions");
        }
        i
    })
    .collect()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Chrome {
    /// The frame for a logged-in user on `path_and_query`.
    pub fn for_user(me: &Me, path_and_query: &str) -> Chrome {
        let path = path_and_query.split('?').next().unwrap_or("/");
        Chrome {
            t: Tr(me.lang),
            csrf: me.csrf(),
            user: Some(UserBadge {
                display_name: me.user.display_name.clone(),
                role: role_label(me.lang, me.user.role),
                scope: scope_label(me.lang, &me.scope()),
            }),
            nav: nav(me.user.role, path),
            path_q: encode(path_and_query),
            crumbs: Vec::new(),
            flash: None,
            version: crate::assets::VERSION,
        }
    }

    /// The frame for a page without login (the login page).
    pub fn anonymous(lang: Lang, csrf: String, path_and_query: &str) -> Chrome {
        Chrome {
            t: Tr(lang),
            csrf,
            user: None,
            nav: Vec::new(),
            path_q: encode(path_and_query),
            crumbs: Vec::new(),
            flash: None,
            version: crate::assets::VERSION,
        }
    }

    #[must_use]
    pub fn crumb(mut self, label: impl Into<String>, href: &str) -> Chrome {
        self.crumbs.push((label.into(), href.to_owned()));
        self
    }
}

/// Renders a template into an HTML response.
pub fn html(t: &impl askama::Template) -> Result<Response, AppError> {
    t.render().map(|s| Html(s).into_response()).map_err(|e| {
        tracing::error!(error = %e, "template rendering");
        AppError::internal()
    })
}

/// The message of an error in a language (for errors shown inside a form).
pub fn message(lang: Lang, e: &AppError) -> String {
    tf(lang, e.code, &e.args)
}

/// A 303 redirect (after a successful POST).
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}
