//! The landing page `/`: the leaders' cockpit (驾驶舱) for every role.
//!
//! The server renders the frame and a JSON configuration (the API URL, the labels of the page in
//! the caller's language, the map of each region that has one); `assets/cockpit.js` reads the
//! region, period and indicator from the URL, fetches `GET /api/v1/cockpit` and draws the cards,
//! charts (ECharts, SVG renderer), map and tables.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::RawQuery;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::{html, role_label, scope_label, Chrome};
use crate::auth::Me;
use crate::error::AppResult;
use crate::i18n::{t, Lang};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// The cockpit's JSON API (the page adds `region`, `period` and `indicator`).
const COCKPIT_API: &str = "/api/v1/cockpit";

/// The messages `cockpit.js` needs, handed to it in the page so that the script holds no text.
const SCRIPT_LABELS: &[&str] = &[
    "cockpit.actual",
    "cockpit.bad_response",
    "cockpit.completion",
    "cockpit.error_title",
    "cockpit.indicator_col",
    "cockpit.loading",
    "cockpit.map",
    "cockpit.map_hint",
    "cockpit.map_locator",
    "cockpit.month",
    "cockpit.network_error",
    "cockpit.no_data",
    "cockpit.no_map",
    "cockpit.no_target",
    "cockpit.no_value",
    "cockpit.period_col",
    "cockpit.rank",
    "cockpit.ranking_hint",
    "cockpit.region_col",
    "cockpit.status",
    "cockpit.status_achieved",
    "cockpit.status_at_risk",
    "cockpit.status_no_data",
    "cockpit.status_no_target",
    "cockpit.status_off_track",
    "cockpit.status_on_track",
    "cockpit.target",
    "cockpit.value",
    "cockpit.view_chart",
    "cockpit.view_table",
    "cockpit.with_unit",
    "cockpit.year",
];

#[derive(Template)]
#[template(path = "cockpit.html")]
struct CockpitPage {
    c: Chrome,
    /// The configuration of `cockpit.js`, JSON made safe to sit inside a `<script>` element.
    config: String,
    username: String,
    role: String,
    scope: String,
}

/// The map of each region that has one, as region code → URL.
///
/// The maps are the embedded files `assets/maps/*.json`; a file serves the region whose code ends
/// its name (`zhuzhou-430200.json` and `430200.json` both serve 430200). A bureau replaces a map
/// by replacing the file. This is the hook for a configured map folder: look there first.
pub fn map_urls() -> BTreeMap<String, String> {
    crate::assets::ASSETS
        .iter()
        .filter_map(|(path, _)| {
            let file = path.strip_prefix("maps/")?.strip_suffix(".json")?;
            let code = file.rsplit('-').next().unwrap_or(file);
            let is_code = !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric());
            is_code.then(|| (code.to_owned(), format!("/assets/{path}?v={}", crate::assets::VERSION)))
        })
        .collect()
}

/// JSON for an inline `<script type="application/json">`: `<`, `>` and `&` escaped so the text
/// can never close the element.
fn script_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn config(lang: Lang) -> serde_json::Value {
    let labels: serde_json::Map<String, serde_json::Value> =
        SCRIPT_LABELS.iter().map(|k| ((*k).trim_start_matches("cockpit.").to_owned(), t(lang, k).into())).collect();
    serde_json::json!({
        "api": COCKPIT_API,
        "lang": lang.tag(),
        "maps": map_urls(),
        "labels": labels,
    })
}

async fn home(me: Me, RawQuery(query): RawQuery) -> AppResult<Response> {
    let path_q = match query.as_deref() {
        Some(q) if !q.is_empty() => format!("/?{q}"),
        _ => "/".to_owned(),
    };
    html(&CockpitPage {
        c: Chrome::for_user(&me, &path_q),
        config: script_json(&config(me.lang)),
        username: me.user.username.clone(),
        role: role_label(me.lang, me.role()),
        scope: scope_label(me.lang, &me.scope()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_label_is_in_both_catalogues() {
        for lang in [Lang::Zh, Lang::En] {
            for k in SCRIPT_LABELS {
                assert_ne!(t(lang, k), *k, "{k} is missing in {}", lang.tag());
            }
        }
    }

    #[test]
    fn every_label_the_script_asks_for_is_handed_to_it() {
        let js = std::str::from_utf8(crate::assets::get_asset("cockpit.js").expect("embedded")).expect("UTF-8");
        let mut asked = Vec::new();
        for part in js.split("label(\"").skip(1) {
            let key = part.split('"').next().unwrap_or_default();
            // `label("status_" + status)`: every status key is listed.
            if !key.ends_with('_') {
                asked.push(key);
            }
        }
        assert!(asked.len() > 20, "found only {asked:?}");
        for key in asked {
            assert!(
                SCRIPT_LABELS.contains(&format!("cockpit.{key}").as_str()),
                "cockpit.js asks for {key}, not handed over"
            );
        }
    }

    #[test]
    fn the_zhuzhou_map_is_embedded_and_found_by_its_code() {
        let maps = map_urls();
        let url = maps.get("430200").expect("a map for 430200");
        assert!(url.starts_with("/assets/maps/zhuzhou-430200.json"), "{url}");
        let body = crate::assets::get_asset("maps/zhuzhou-430200.json").expect("embedded");
        let geo: serde_json::Value = serde_json::from_slice(body).expect("valid JSON");
        let mut codes: Vec<&str> = geo["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["properties"]["code"].as_str())
            .collect();
        codes.sort_unstable();
        assert_eq!(
            codes,
            ["430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"],
            "the nine county-level divisions from 2018 (渌口区 430212, not 株洲县 430221)"
        );
    }

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let s = script_json(&serde_json::json!({"x": "</script><b>&"}));
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'), "{s}");
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back["x"], "</script><b>&");
    }
}
