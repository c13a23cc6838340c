//! The cockpit page `/`: the frame, the configuration handed to `cockpit.js` in the caller's
//! language, and the embedded files it loads (ECharts, the script, the district map).

mod common;

use common::{spawn_app, PASSWORD};

/// The JSON of `<script type="application/json" id="cockpit-config">` in a page.
fn config_in(html: &str) -> serde_json::Value {
    let start = html.find("id=\"cockpit-config\">").expect("the page has the cockpit configuration") + 20;
    let end = start + html[start..].find("</script>").expect("closed");
    serde_json::from_str(&html[start..end]).expect("the configuration is JSON")
}

#[tokio::test]
async fn the_cockpit_frame_in_both_languages_with_its_map_and_scripts() {
    let app = spawn_app().await;
    let b = app.browser();
    assert_eq!(b.login("leader", PASSWORD).await.status(), 303);

    let page = b.get_text("/?region=430211&period=2021").await;
    for id in ["ck-region", "ck-period", "ck-indicator", "ck-cards", "ck-ranking", "ck-map", "ck-targets"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "the frame has #{id}");
    }
    assert!(page.contains("示意图"), "the map is captioned as schematic");
    // The language switch comes back to the same view.
    assert!(page.contains("next=%2F%3Fregion%3D430211%26period%3D2021"), "language switch keeps the query");
    let zh = config_in(&page);
    assert_eq!(zh["api"], "/api/v1/cockpit");
    assert_eq!(zh["lang"], "zh-CN");
    assert_eq!(zh["labels"]["status_achieved"], "已达标");

    // Every script the page loads is embedded and served.
    for src in ["/assets/vendor/echarts.min.js", "/assets/cockpit.js"] {
        let res = b.get(src).await;
        assert_eq!(res.status(), 200, "{src}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/javascript"), "{src}");
        let body = res.text().await.unwrap();
        assert!(body.len() > 1000, "{src} has content");
        if src.ends_with("cockpit.js") {
            assert!(!body.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c)), "cockpit.js holds no Chinese text");
        }
    }

    // The map of Zhuzhou: the nine county-level divisions from 2018, keyed by region code.
    let map_url = zh["maps"]["430200"].as_str().expect("a map for 430200");
    let res = b.get(map_url).await;
    assert_eq!(res.status(), 200);
    let geo: serde_json::Value = res.json().await.unwrap();
    let mut codes: Vec<&str> =
        geo["features"].as_array().unwrap().iter().map(|f| f["properties"]["code"].as_str().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, ["430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"]);
    let lukou = geo["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "430212").unwrap();
    assert_eq!(lukou["properties"]["name"], "渌口区");

    // English.
    let res = b.get("/lang/en?next=/").await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = b.get_text("/").await;
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Schematic map"));
    let en = config_in(&page);
    assert_eq!(en["lang"], "en");
    assert_eq!(en["labels"]["status_achieved"], "Achieved");
    assert_eq!(en["maps"], zh["maps"]);
}

#[tokio::test]
async fn the_cockpit_is_every_roles_landing_page() {
    let app = spawn_app().await;
    for (user, _) in common::USERS {
        let b = app.browser();
        assert_eq!(b.login(user, PASSWORD).await.status(), 303, "{user}");
        let page = b.get_text("/").await;
        assert!(page.contains("id=\"cockpit\""), "{user} lands on the cockpit");
        assert!(page.contains(&format!("{user} ·")), "{user}'s account is named on the page");
    }
}
