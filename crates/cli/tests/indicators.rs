//! `gaodi indicators show` on the Zhuzhou demo: every figure of the article the demo data
//! computes comes out of it with the article's value, and the 2022 targets with theirs.

use std::collections::HashMap;
use std::process::{Command, Output};

fn gaodi(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gaodi"))
        .args(args)
        .env("GAODI_DATABASE_URL", url)
        .env("GAODI_LOG", "warn")
        .output()
        .expect("run gaodi")
}

fn fresh_url() -> String {
    // The PostgreSQL run of the suite covers the store; this test drives the binary on SQLite.
    let dir = std::env::temp_dir().join("gaodi-cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let name = gaodi_store::user::random_token()[..12].to_owned();
    format!("sqlite://{}", dir.join(format!("ind-{name}.db")).display())
}

/// code → (value, unit, target, comparator, status) of `indicators show` as CSV.
fn show(url: &str, region: &str, period: &str) -> HashMap<String, Vec<String>> {
    let o = gaodi(url, &["indicators", "show", "--region", region, "--period", period, "--format", "csv"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    let mut lines = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        lines.headers().unwrap().iter().collect::<Vec<_>>(),
        ["code", "name", "value", "unit", "target", "comparator", "status", "no_value_reason"]
    );
    lines
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r.iter().skip(2).map(str::to_owned).collect())
        })
        .collect()
}

/// (id, code, subject region, year, value, comparator) of the seed figures the demo computes.
fn seed() -> Vec<(String, String, String, String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/seed-facts.csv");
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_owned(), r[4].to_owned(), r[6].to_owned(), r[7].to_owned(), r[9].to_owned()))
        .collect()
}

fn meets(actual: &str, value: &str, comparator: &str) -> bool {
    let a: f64 = actual.parse().unwrap_or(f64::NAN);
    let v: f64 = value.parse().unwrap();
    match comparator {
        ">" => a > v,
        ">=" => a >= v,
        _ => (a - v).abs() < 1e-9,
    }
}

#[test]
fn indicators_show_reproduces_the_seed_figures() {
    let url = fresh_url();
    let o = gaodi(&url, &["demo", "--load-only"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Figures of the city, 2021 (and the districts the article names).
    let actuals: &[(&str, &str)] = &[
        ("F007", "430200"),
        ("F008", "430200"),
        ("F009", "430200"),
        ("F010", "430200"),
        ("F019", "430200"),
        ("F023", "430200"),
        ("F025", "430200"),
        ("F026", "430200"),
        ("F027", "430200"),
        ("F028", "430200"),
        ("F029", "430200"),
        ("F030", "430200"),
        ("F031", "430200"),
        ("F032", "430200"),
        ("F033", "430200"),
        ("F037", "430212"),
        ("F038", "430212"),
        ("F039", "430212"),
        ("F041", "430200"),
        ("F042", "430200"),
        ("F043", "430200"),
        ("F044", "430200"),
        ("F045", "430200"),
        ("F046", "430200"),
        ("F048", "430200"),
        ("F089", "430281"),
        ("F094", "430281"),
        ("F098", "430281"),
        ("F099", "430281"),
    ];
    let seed = seed();
    let mut cache: HashMap<(String, String), HashMap<String, Vec<String>>> = HashMap::new();
    let mut failures = Vec::new();
    for (id, region) in actuals {
        let (_, code, year, value, comparator) = seed.iter().find(|s| s.0 == *id).unwrap().clone();
        let table = cache.entry((region.to_string(), year.clone())).or_insert_with(|| show(&url, region, &year));
        let Some(row) = table.get(&code) else {
            failures.push(format!("{id}: indicator {code} not listed"));
            continue;
        };
        if !meets(&row[0], &value, &comparator) {
            failures
                .push(format!("{id} {code} {region} {year}: shows {:?}, article says {comparator} {value}", row[0]));
        }
    }
    // The 2021 contract turnover is the public baseline B25 (206.2亿元).
    assert_eq!(cache[&("430200".to_owned(), "2021".to_owned())]["tech_contract_turnover"][0], "206.20");
    // Project figures: counted from the project registry for 2021 (F019 above, and the demo's
    // 98 approvals and 52,000 万元), reported for 2022 (the registry holds no 2022 project).
    let y2021 = &cache[&("430200".to_owned(), "2021".to_owned())];
    assert_eq!(y2021["natl_prov_projects_approved"][0], "98");
    assert_eq!(y2021["project_funding"][0], "52000.00");

    // The 2022 targets of the article (重点2-4), with their comparators (the article's "=" of a
    // figure to reach, 达到, is ">=": the notes on seed comparators).
    let y2022 = show(&url, "430200", "2022");
    assert_eq!(y2022["natl_prov_projects_approved"][0], "126");
    assert_eq!(y2022["project_funding_growth"][0], "22.0");
    for id in ["F059", "F060", "F061", "F062", "F063", "F064", "F065", "F066", "F067", "F068", "F069", "F070", "F071"] {
        let (_, code, _, value, _) = seed.iter().find(|s| s.0 == id).unwrap().clone();
        let Some(row) = y2022.get(&code) else {
            failures.push(format!("{id}: indicator {code} not listed for 2022"));
            continue;
        };
        if !meets(&row[2], &value, "=") || row[3] != ">=" {
            failures.push(format!("{id} {code}: target {:?} {:?}, article says {value}", row[3], row[2]));
        }
        assert!(
            ["achieved", "off_track", "no_data"].contains(&row[4].as_str()),
            "{id} {code}: a finished year is achieved, off track or without data, not {}",
            row[4]
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // JSON carries the same rows; a bad period is a clear error.
    let o = gaodi(&url, &["indicators", "show", "--region", "430200", "--period", "2021", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json.as_array().unwrap().iter().any(|r| r["code"] == "hte_count" && r["value"] == "915"));
    let o = gaodi(&url, &["indicators", "show", "--region", "430200", "--period", "2021Q5"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--period"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = gaodi(&url, &["indicators", "show", "--region", "999999", "--period", "2021"]);
    assert!(!o.status.success());
}
