//! Test harness: `spawn_app()` gives each test a fresh database (a new SQLite file, or a new
//! schema in the PostgreSQL database named by `GAODI_TEST_DATABASE_URL`), the Zhuzhou regions,
//! one organisation in each of two districts, one user per role with a known password, and the
//! server on a random port. Logs are quiet unless `TEST_LOG` is set.

#![allow(dead_code)]

use std::collections::HashMap;

use gaodi_domain::access::{Role, Username};
use gaodi_domain::organisation::{uscc_check_char, OrganisationKind, Uscc};
use gaodi_domain::region::{zhuzhou_seed, RegionCode};
use gaodi_store::organisation::NewOrganisation;
use gaodi_store::user::NewUser;
use gaodi_store::{Actor, Store};
use gaodi_web::{AppState, WebSettings};

pub const PASSWORD: &str = "Test-password-2021";

pub struct TestApp {
    pub base: String,
    pub store: Store,
    /// username → bearer token.
    pub tokens: HashMap<String, String>,
    /// username → user id.
    pub ids: HashMap<String, i64>,
    /// Organisation in 荷塘区 430202 and in 芦淞区 430203.
    pub org_hetang: i64,
    pub org_lusong: i64,
    pub backend: &'static str,
}

/// The users every test has, by role.
pub const USERS: [(&str, Role); 6] = [
    ("admin", Role::Admin),
    ("city", Role::CityStaff),
    ("district", Role::DistrictStaff),
    ("enterprise", Role::EnterpriseUser),
    ("expert", Role::Expert),
    ("leader", Role::Leader),
];

pub fn uscc(body: &str) -> String {
    format!("{body}{}", uscc_check_char(body).unwrap())
}

fn random_name() -> String {
    gaodi_store::user::random_token()[..12].to_owned()
}

/// A database URL for one test: a new SQLite file, or a new PostgreSQL schema.
pub async fn fresh_database_url() -> String {
    match std::env::var("GAODI_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let schema = format!("t_{}", random_name());
            let admin = gaodi_store::Db::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("GAODI_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {e}"));
            admin.execute(gaodi_store::db::query(format!("create schema {schema}"))).await.expect("create schema");
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}schema={schema}")
        }
        _ => {
            let dir = std::env::temp_dir().join("gaodi-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("{}.db", random_name())).display())
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WebSettings::default()).await
}

pub async fn spawn_app_with(settings: WebSettings) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber_init();
    }
    let url = fresh_database_url().await;
    let store = Store::open(&url).await.expect("open store");
    let actor = Actor::system("test");
    let (regions, memberships) = zhuzhou_seed();
    store.load_regions(&actor, &regions, &memberships).await.unwrap();
    store.install_catalogue(&actor).await.unwrap();
    let org = |body: &str, name: &str, region: &str| {
        NewOrganisation::basic(
            Uscc::parse(&uscc(body)).unwrap(),
            name,
            OrganisationKind::Enterprise,
            RegionCode::parse(region).unwrap(),
        )
    };
    let all = gaodi_domain::access::Scope::All;
    let hetang =
        store.create_organisation(&actor, &all, &org("91430202MA4T00001", "荷塘测试企业", "430202")).await.unwrap();
    let lusong =
        store.create_organisation(&actor, &all, &org("91430203MA4T00002", "芦淞测试企业", "430203")).await.unwrap();
    let mut tokens = HashMap::new();
    let mut ids = HashMap::new();
    for (name, role) in USERS {
        let new = NewUser {
            username: Username::parse(name).unwrap(),
            display_name: name.to_owned(),
            role,
            regions: if role == Role::DistrictStaff { vec![RegionCode::parse("430202").unwrap()] } else { vec![] },
            organisation_id: (role == Role::EnterpriseUser).then_some(hetang.organisation_id),
        };
        let u = store.create_user(&actor, &new, PASSWORD).await.unwrap();
        // Tests log in with a password the user chose (no forced change) unless they say so.
        store.set_password(&actor, u.user_id, PASSWORD, false, None).await.unwrap();
        tokens.insert(name.to_owned(), store.create_api_token(&actor, u.user_id, "test").await.unwrap());
        ids.insert(name.to_owned(), u.user_id);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(store.clone(), settings);
    tokio::spawn(gaodi_web::serve(listener, state, std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        backend: store.backend().as_str(),
        store,
        tokens,
        ids,
        org_hetang: hetang.organisation_id,
        org_lusong: lusong.organisation_id,
    }
}

fn tracing_subscriber_init() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("debug")).with_test_writer().try_init()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A client without cookies, authenticating with the user's bearer token.
    pub fn api(&self, user: &str) -> ApiClient {
        ApiClient { app_base: self.base.clone(), token: self.tokens[user].clone(), http: reqwest::Client::new() }
    }

    /// A browser-like client: cookie store, no redirects followed.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// The audit chain's head sequence number.
    pub async fn audit_head(&self) -> i64 {
        self.store
            .db()
            .fetch_one(gaodi_store::db::query("select seq from audit_head where audit_head_id = 1"))
            .await
            .unwrap()
            .get::<i64>("seq")
            .unwrap()
    }
}

pub struct ApiClient {
    app_base: String,
    token: String,
    pub http: reqwest::Client,
}

impl ApiClient {
    pub async fn send(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> reqwest::Response {
        let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
        let mut rb = self.http.request(m, format!("{}{path}", self.app_base)).bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.unwrap()
    }

    /// A POST whose body is raw bytes (uploads).
    pub async fn send_bytes(&self, path: &str, body: Vec<u8>) -> reqwest::Response {
        let url = format!("{}{path}", self.app_base);
        self.http
            .post(url)
            .bearer_auth(&self.token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.send("get", path, None).await
    }
}

pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
}

/// Finds `name="csrf_token" value="…"` in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let i = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[i..].split('"').next().unwrap().to_owned()
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Posts a form with our own Origin.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).header("origin", &self.base).form(form).send().await.unwrap()
    }

    /// Logs in through the login form; returns the response (a redirect on success).
    pub async fn login(&self, user: &str, password: &str) -> reqwest::Response {
        let page = self.get_text("/login").await;
        let csrf = csrf_in(&page);
        self.post_form("/login", &[("csrf_token", &csrf), ("username", user), ("password", password), ("next", "/")])
            .await
    }

    /// The session's CSRF token, from any logged-in page.
    pub async fn csrf(&self) -> String {
        csrf_in(&self.get_text("/account/password").await)
    }
}
