//! The SQLite and PostgreSQL schemas stay in step.

mod common;

use std::collections::BTreeSet;

fn versions(dir: &str) -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations").join(dir);
    std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn migration_folders_hold_the_same_versions() {
    assert_eq!(versions("sqlite"), versions("postgres"));
}

/// With PostgreSQL available (the CI's second run), both backends are migrated and their
/// tables and columns compared.
#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let dir = std::env::temp_dir().join("gaodi-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = gaodi_store::Store::open(&format!("sqlite://{}/schema-{}.db", dir.display(), std::process::id()))
        .await
        .unwrap();
    let lite = sqlite.db().schema_columns().await.unwrap();
    assert!(lite.iter().any(|(t, c)| t == "audit_event" && c == "hash"));
    if std::env::var("GAODI_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        let pg = gaodi_store::Store::open(&common::fresh_database_url().await).await.unwrap();
        let pg_cols = pg.db().schema_columns().await.unwrap();
        assert_eq!(lite, pg_cols);
    }
}
