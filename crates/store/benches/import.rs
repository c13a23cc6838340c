//! Benchmark: importing 100,000 organisations (issue target: under 10 s on this machine),
//! through the real path: CSV bytes → `read_table` → `import_organisations` (validation, one
//! transaction, an audit event per row). Then the same file again (nothing changes).
//!
//! `cargo bench -p gaodi-store --bench import` runs SQLite; set `GAODI_BENCH_PG` to a
//! PostgreSQL URL (`postgres://postgres@127.0.0.1:5432/DB`) to run PostgreSQL too. `ROWS`
//! changes the size.

use std::time::Instant;

use gaodi_domain::access::Scope;
use gaodi_domain::organisation::uscc_check_char;
use gaodi_domain::region::zhuzhou_seed;
use gaodi_store::tabular::{read_table, Format};
use gaodi_store::{Actor, Store};

const DISTRICTS: [&str; 9] = ["430202", "430203", "430204", "430211", "430212", "430223", "430224", "430225", "430281"];

fn csv(rows: usize) -> Vec<u8> {
    const SET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut s = String::from("统一社会信用代码,单位名称,单位类型,所在区划代码,所在园区代码,行业代码,成立日期\n");
    for i in 0..rows {
        let region = DISTRICTS[i % DISTRICTS.len()];
        let mut n = i;
        let mut body = [b'0'; 7];
        for slot in body.iter_mut().rev() {
            *slot = SET[n % 31];
            n /= 31;
        }
        let first17 = format!("91{region}MB{}", String::from_utf8_lossy(&body));
        let code = format!("{first17}{}", uscc_check_char(&first17).unwrap());
        let park = if region == "430211" && i % 2 == 0 { "P43001" } else { "" };
        s.push_str(&format!(
            "{code},基准测试企业{i:06}有限公司,企业,{region},{park},C3{},20{:02}-0{}-1{}\n",
            i % 10,
            i % 22,
            1 + i % 9,
            i % 10
        ));
    }
    s.into_bytes()
}

async fn run(label: &str, url: &str, bytes: &[u8]) {
    let store = Store::open(url).await.expect("open store");
    let actor = Actor::system("bench");
    let (regions, memberships) = zhuzhou_seed();
    store.load_regions(&actor, &regions, &memberships).await.unwrap();
    let t0 = Instant::now();
    let table = read_table(bytes, Format::Csv).unwrap();
    let parsed = t0.elapsed();
    let report = store.import_organisations(&actor, &Scope::All, &table).await.unwrap();
    let total = t0.elapsed();
    assert!(report.is_ok() && report.inserted == table.rows.len(), "{:?}", report.errors.first());
    let t1 = Instant::now();
    let again =
        store.import_organisations(&actor, &Scope::All, &read_table(bytes, Format::Csv).unwrap()).await.unwrap();
    let reimport = t1.elapsed();
    assert_eq!(again.unchanged, table.rows.len());
    println!(
        "{label}: {} rows: read {:.2} s, import total {:.2} s ({:.0} rows/s); re-import (no change) {:.2} s",
        table.rows.len(),
        parsed.as_secs_f64(),
        total.as_secs_f64(),
        table.rows.len() as f64 / total.as_secs_f64(),
        reimport.as_secs_f64()
    );
    store.db().close().await;
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("ROWS").ok().and_then(|r| r.parse().ok()).unwrap_or(100_000);
    let bytes = csv(rows);
    println!("file: {} rows, {:.1} MB CSV", rows, bytes.len() as f64 / 1e6);
    let dir = std::env::temp_dir().join(format!("gaodi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    run("sqlite", &format!("sqlite://{}/bench.db", dir.display()), &bytes).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Ok(pg) = std::env::var("GAODI_BENCH_PG") {
        run("postgres", &pg, &bytes).await;
    }
}
