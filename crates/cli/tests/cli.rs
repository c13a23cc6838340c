//! The binary's commands, run as a bureau operator would: migrate, user, import, export and
//! audit verify (including a tampered log), against a fresh database (SQLite, or a fresh
//! schema of the PostgreSQL database named by `GAODI_TEST_DATABASE_URL`).

use std::process::{Command, Output};

use gaodi_domain::organisation::uscc_check_char;

fn random() -> String {
    gaodi_store::user::random_token()[..12].to_owned()
}

async fn fresh_url() -> String {
    match std::env::var("GAODI_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let schema = format!("c_{}", random());
            let db = gaodi_store::Db::connect(&base).await.expect("PostgreSQL of GAODI_TEST_DATABASE_URL");
            db.execute(gaodi_store::db::query(format!("create schema {schema}"))).await.unwrap();
            db.close().await;
            format!("{base}?schema={schema}")
        }
        _ => {
            let dir = std::env::temp_dir().join("gaodi-cli-tests");
            std::fs::create_dir_all(&dir).unwrap();
            format!("sqlite://{}", dir.join(format!("{}.db", random())).display())
        }
    }
}

fn gaodi(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gaodi"))
        .args(args)
        .env("GAODI_DATABASE_URL", url)
        .env("GAODI_LOG", "warn")
        .output()
        .expect("run gaodi")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn uscc(body: &str) -> String {
    format!("{body}{}", uscc_check_char(body).unwrap())
}

#[test]
fn help_lists_the_commands() {
    let o = Command::new(env!("CARGO_BIN_EXE_gaodi")).arg("--help").output().unwrap();
    let help = text(&o);
    for cmd in ["serve", "migrate", "healthcheck", "demo", "user", "audit", "import", "export"] {
        assert!(help.contains(cmd), "{cmd} missing from --help:\n{help}");
    }
}

#[test]
fn an_unknown_database_scheme_is_a_clear_error() {
    let o = gaodi("mysql://localhost/gaodi", &["migrate"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("sqlite://PATH or postgres://"), "{}", text(&o));
}

#[tokio::test]
async fn import_is_all_or_nothing_and_export_re_imports() {
    let url = fresh_url().await;
    // Regions come with the demo; a bare database gets them through the demo loader's first step.
    let store = gaodi_store::Store::open(&url).await.unwrap();
    let (regions, memberships) = gaodi_domain::region::zhuzhou_seed();
    store.load_regions(&gaodi_store::Actor::system("test"), &regions, &memberships).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gaodi-cli-{}", random()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = "统一社会信用代码,单位名称,单位类型,所在区划代码,所在园区代码,行业代码,成立日期\n";
    let good = uscc("91430202MA4TC0001");
    let bad_file = dir.join("bad.csv");
    std::fs::write(&bad_file, format!("{header}{good},命令行甲,企业,430202,,,\n{good}X,命令行乙,企业,430202,,,\n"))
        .unwrap();
    let o = gaodi(&url, &["import", "organisation", bad_file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("row 3") && text(&o).contains("nothing was written"), "{}", text(&o));
    assert!(store.organisation_by_uscc(&good).await.unwrap().is_none());

    let good_file = dir.join("good.csv");
    std::fs::write(&good_file, format!("{header}{good},命令行甲,企业,430202,,C38,2020-01-02\n")).unwrap();
    let o = gaodi(&url, &["import", "organisation", good_file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let out = dir.join("export.xlsx");
    let o = gaodi(&url, &["export", "organisation", "--format", "xlsx", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let o = gaodi(&url, &["import", "organisation", out.to_str().unwrap()]);
    assert!(text(&o).contains("1 unchanged"), "{}", text(&o));
    let o = gaodi(&url, &["import", "nonsense", out.to_str().unwrap()]);
    assert!(!o.status.success() && text(&o).contains("organisation, tier"), "{}", text(&o));
}

#[tokio::test]
async fn users_and_a_tampered_audit_log() {
    let url = fresh_url().await;
    assert!(gaodi(&url, &["migrate"]).status.success());
    let o = gaodi(&url, &["user", "add", "zhang.san", "--role", "city_staff", "--name", "张三"]);
    assert!(o.status.success() && text(&o).contains("one-time password"), "{}", text(&o));
    assert!(!gaodi(&url, &["user", "add", "zhang.san", "--role", "city_staff"]).status.success(), "duplicate refused");
    assert!(
        !gaodi(&url, &["user", "add", "li.si", "--role", "district_staff"]).status.success(),
        "district staff need a region"
    );
    assert!(gaodi(&url, &["user", "disable", "zhang.san"]).status.success());
    let list = text(&gaodi(&url, &["user", "list"]));
    assert!(list.contains("zhang.san") && list.contains("disabled"), "{list}");
    let o = gaodi(&url, &["audit", "verify"]);
    assert!(o.status.success() && text(&o).contains("intact"), "{}", text(&o));

    // Someone with the database's owner rights edits an event behind gaodi's back.
    let db = gaodi_store::Db::connect(&url).await.unwrap();
    let sql = if url.starts_with("sqlite") {
        vec!["drop trigger audit_event_no_update", "update audit_event set action = 'user.nothing' where seq = 1"]
    } else {
        vec![
            "alter table audit_event disable trigger audit_event_no_change",
            "update audit_event set action = 'user.nothing' where seq = 1",
        ]
    };
    for s in sql {
        db.execute(gaodi_store::db::query(s)).await.unwrap();
    }
    db.close().await;
    let o = gaodi(&url, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("audit event 1 was changed"), "{}", text(&o));
}
