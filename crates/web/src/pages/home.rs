//! The landing page (the cockpit's place until the indicators arrive).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use gaodi_domain::access::Role;
use gaodi_domain::region::Hierarchy;

use super::{html, role_label, scope_label, Chrome};
use crate::auth::Me;
use crate::error::AppResult;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    regions: usize,
    parks: usize,
    organisations: Option<usize>,
    users: Option<usize>,
    username: String,
    role: String,
    scope: String,
}

fn count(nodes: &[gaodi_domain::region::TreeNode]) -> usize {
    nodes.iter().map(|n| 1 + count(&n.children)).sum()
}

async fn home(State(state): State<AppState>, me: Me) -> AppResult<Response> {
    let year = time::OffsetDateTime::now_utc().year();
    let regions = count(&state.store.region_tree(year, Hierarchy::Administrative).await?);
    let parks = state.store.region_tree(year, Hierarchy::Park).await?.iter().map(|root| count(&root.children)).sum();
    let organisations = Some(state.store.list_organisations(&me.scope()).await?.len());
    let users = if me.role() == Role::Admin { Some(state.store.list_users().await?.len()) } else { None };
    html(&HomePage {
        c: Chrome::for_user(&me, "/"),
        regions,
        parks,
        organisations,
        users,
        username: me.user.username.clone(),
        role: role_label(me.lang, me.role()),
        scope: scope_label(me.lang, &me.scope()),
    })
}
