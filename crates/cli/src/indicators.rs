//! `gaodi indicators show`: every indicator of a region and period, with its target and
//! status, as CSV or JSON (computed live from the database, as the cockpit does).

use anyhow::{bail, Context};
use clap::Args;
use gaodi_domain::access::Scope;
use gaodi_domain::indicator::engine::{table, Engine, Row};
use gaodi_domain::period::Period;
use gaodi_store::Store;

#[derive(Args)]
pub struct ShowArgs {
    /// Region code, e.g. 430200 (the city) or 430212 (渌口区).
    #[arg(long)]
    region: String,
    /// Period: 2021, 2021H1, 2021Q3 or 2021-07.
    #[arg(long)]
    period: String,
    /// csv or json.
    #[arg(long, default_value = "csv")]
    format: String,
    /// Language of names and units: zh or en.
    #[arg(long, default_value = "zh")]
    lang: String,
    /// The evaluation date for the status of periods in progress (default: today).
    #[arg(long)]
    as_of: Option<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

pub async fn show(store: &Store, args: &ShowArgs) -> anyhow::Result<()> {
    let period = Period::parse(&args.period).map_err(|e| anyhow::anyhow!("--period: {e}"))?;
    let zh = match args.lang.as_str() {
        "zh" => true,
        "en" => false,
        other => bail!("--lang: \"{other}\" is not recognised; accepted: zh, en"),
    };
    let today = match &args.as_of {
        Some(d) => gaodi_store::import::parse_date(d)
            .with_context(|| format!("--as-of: \"{d}\" is not a date (YYYY-MM-DD)"))?,
        None => time::OffsetDateTime::now_utc().date(),
    };
    let inputs = store.indicator_inputs(&Scope::All).await?;
    let (engine, errors) = Engine::new(&inputs);
    for e in &errors {
        eprintln!("gaodi: indicator {} (from {}): {}", e.code, e.valid_from, e.message);
    }
    if engine.region(&args.region).is_none() {
        bail!("--region: no region with code {} (see the region tree: gaodi export or the Regions page)", args.region);
    }
    let targets = store.target_inputs(&Scope::All, period.year()).await?;
    let rows = table(&engine, &args.region, period, &targets, today);
    let out = match args.format.as_str() {
        "csv" => render_csv(&rows, zh),
        "json" => render_json(&rows, zh)?,
        other => bail!("--format: \"{other}\" is not recognised; accepted: csv, json"),
    };
    print!("{out}");
    Ok(())
}

fn render_csv(rows: &[Row], zh: bool) -> String {
    let mut out = String::from("code,name,value,unit,target,comparator,status,no_value_reason\n");
    for r in rows {
        let fields = [
            r.code.clone(),
            if zh { r.name_zh.clone() } else { r.name_en.clone() },
            r.cell.value.clone().unwrap_or_default(),
            if zh { r.unit_zh.clone() } else { r.unit_en.clone() },
            r.target.clone().unwrap_or_default(),
            r.comparator.map(|c| c.symbol().to_owned()).unwrap_or_default(),
            r.assessment.status.as_str().to_owned(),
            r.cell.no_value.as_ref().map(|n| n.message.clone()).unwrap_or_default(),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

fn render_json(rows: &[Row], zh: bool) -> anyhow::Result<String> {
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "name": if zh { &r.name_zh } else { &r.name_en },
                "value": r.cell.value,
                "unit": if zh { &r.unit_zh } else { &r.unit_en },
                "target": r.target,
                "comparator": r.comparator.map(gaodi_domain::indicator::Comparator::symbol),
                "status": r.assessment.status.as_str(),
                "completion": r.completion,
                "no_value_reason": r.cell.no_value.as_ref().map(|n| &n.message),
                "formula": r.formula,
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&list)? + "\n")
}
