//! Cockpit API latency with the Zhuzhou demo data (target: p95 under 50 ms for a city).
//!
//! Loads the demo into a fresh SQLite file, serves the app on a local port and asks
//! `GET /api/v1/cockpit` as the leader: once per year 2019-2022 and then round-robin, sequentially,
//! over HTTP with a bearer token (the whole path: auth, cache check, engine, JSON). The first
//! request after a write rebuilds the engine's inputs; the figures are reported for both the
//! cold request and the steady state (every other request).
//!
//! Run: `cargo bench -p gaodi-web --bench cockpit` (release).

use std::time::Instant;

use gaodi_domain::access::{Role, Username};
use gaodi_domain::region::zhuzhou_seed;
use gaodi_store::user::NewUser;
use gaodi_store::{Actor, Store};
use gaodi_web::{AppState, WebSettings};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("gaodi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::open(&url).await.unwrap();
    let actor = Actor::system("bench");
    let (regions, memberships) = zhuzhou_seed();
    store.load_regions(&actor, &regions, &memberships).await.unwrap();
    gaodi_demo::load(&store, &actor).await.unwrap();
    let user = store
        .create_user(
            &actor,
            &NewUser {
                username: Username::parse("leader").unwrap(),
                display_name: "leader".into(),
                role: Role::Leader,
                regions: vec![],
                organisation_id: None,
            },
            "bench-password-123456",
        )
        .await
        .unwrap();
    // A chosen password: no change forced at first use.
    store.set_password(&actor, user.user_id, "bench-password-123456", false, None).await.unwrap();
    let token = store.create_api_token(&actor, user.user_id, "bench").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let settings = WebSettings { public_origins: vec![], secure_cookies: false, body_limit: 1 << 20 };
    tokio::spawn(gaodi_web::serve(listener, AppState::new(store, settings), std::future::pending()));

    let client = reqwest::Client::new();
    let get = |period: &str| {
        client.get(format!("http://{addr}/api/v1/cockpit?region=430200&period={period}")).bearer_auth(&token).send()
    };
    let t = Instant::now();
    let res = get("2021").await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = res.bytes().await.unwrap();
    let cold = t.elapsed().as_secs_f64() * 1000.0;
    let mut times = Vec::new();
    let periods = ["2019", "2020", "2021", "2022"];
    for i in 0..400 {
        let t = Instant::now();
        let res = get(periods[i % 4]).await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let _ = res.bytes().await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("cockpit API, Zhuzhou demo, {} bytes of JSON for 2021", body.len());
    println!("  first request after load (inputs built): {cold:.1} ms");
    println!(
        "  steady state, {} requests: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p95 < 50 ms)",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
