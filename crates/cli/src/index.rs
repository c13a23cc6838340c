//! `gaodi index build`: composite indices by the JRC/OECD method from CSV files.
//!
//! Reads DATA.csv, IND.csv, AGG.csv and METHOD.toml into the domain's `Panel`, `Framework` and
//! `Method`, runs `gaodi_domain::index::build`, and writes SCORES.csv and, with `--stages`,
//! every intermediate table. Every input error names the file, the line and the column (as a
//! text editor counts them, header on line 1) and says what is accepted.
//!
//! Files (UTF-8, with or without a byte-order mark; cells are trimmed):
//! - DATA.csv: `unit`, optional `name` and `period`, any other columns (grouping columns,
//!   denominators), and one column per indicator code; an empty cell is missing.
//! - IND.csv: `code,name,parent,weight,direction,denominator,lower,upper`, optional `transform`
//!   (`sqrt`, `log`, `log10`, `ct_log`, `ct_log_original`, `gii_log`, `boxcox:LAMBDA`); `lower`
//!   and `upper` are used only by `[normalise] method = "bounds"`.
//! - AGG.csv: `code,name,parent,weight`; the root has an empty parent (and may have no weight).
//! - SCORES.csv: `unit`, `period` (if the data has periods), the normalised indicators, the
//!   aggregates, `rank` (of the root, within its period). Rows in the engine's canonical order
//!   (period, then unit); numbers at full precision (shortest form that reads back exactly).
//! - `--stages DIR`: `denominated.csv`, `imputed.csv`, `treated.csv`, `normalised.csv`,
//!   `aggregated.csv` (same layout) and `treatment.csv` (`code`, `period` if any, `low`, `high`
//!   = points winsorised on each side, `log` = CT log fallback used, then `cells_low`,
//!   `cells_high`, `status`, `transform`, `transform_error`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use gaodi_domain::index::method::ImputeMethod;
use gaodi_domain::index::{
    build, Aggregate, Bounds, Direction, Framework, FrameworkError, Indicator, Method, Panel, RowKey, Scoreboard,
    Transform,
};

/// Arguments of `gaodi index build`.
#[derive(clap::Args, Debug, Clone)]
pub struct IndexBuildArgs {
    /// Raw data: `unit`, optional `name` and `period`, grouping and denominator columns, one
    /// column per indicator code.
    #[arg(long, value_name = "DATA.csv")]
    pub data: PathBuf,
    /// Indicators: code,name,parent,weight,direction,denominator,lower,upper[,transform].
    #[arg(long, value_name = "IND.csv")]
    pub indicators: PathBuf,
    /// Aggregates: code,name,parent,weight (the root has an empty parent).
    #[arg(long, value_name = "AGG.csv")]
    pub aggregates: PathBuf,
    /// The method (TOML): [pipeline], [denominate], [impute], [treat], [normalise], [aggregate], [rank].
    #[arg(long, value_name = "METHOD.toml")]
    pub method: PathBuf,
    /// Where to write the scores.
    #[arg(long, value_name = "SCORES.csv")]
    pub out: PathBuf,
    /// Also write every intermediate table and treatment.csv into this folder.
    #[arg(long, value_name = "DIR")]
    pub stages: Option<PathBuf>,
}

/// Runs `gaodi index build`: fails on the first input error, naming file, line and column.
pub fn run(args: &IndexBuildArgs) -> anyhow::Result<()> {
    /// Warnings printed before "… and N more".
    const SHOWN: usize = 20;
    let method = read_method(&args.method)?;
    let framework = read_framework(&args.indicators, &args.aggregates)?;
    let panel = read_data(&args.data, &framework, &method)?;
    let board = build(&panel, &framework, &method).map_err(|e| anyhow!("index build: {e}"))?;
    for notice in board.notices.iter().take(SHOWN) {
        eprintln!("warning: {notice}");
    }
    if board.notices.len() > SHOWN {
        eprintln!("warning: … and {} more warnings", board.notices.len() - SHOWN);
    }
    write_table(&args.out, &board, Table::Scores)?;
    if let Some(dir) = &args.stages {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
        for (file, table) in [
            ("denominated.csv", Table::Denominated),
            ("imputed.csv", Table::Imputed),
            ("treated.csv", Table::Treated),
            ("normalised.csv", Table::Normalised),
            ("aggregated.csv", Table::Aggregated),
        ] {
            write_table(&dir.join(file), &board, table)?;
        }
        write_treatment(&dir.join("treatment.csv"), &board)?;
    }
    let ranked = board.rank.iter().flatten().count();
    println!(
        "index build: {} rows, {} indicators, {} aggregates, {ranked} ranked → {}",
        board.rows.len(),
        board.indicators.len(),
        board.aggregates.len(),
        args.out.display()
    );
    Ok(())
}

/// A CSV file read whole: its name for messages, trimmed header and records with line numbers.
struct Sheet {
    name: String,
    header: Vec<String>,
    records: Vec<(u64, Vec<String>)>,
}

impl Sheet {
    fn read(path: &Path) -> anyhow::Result<Sheet> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {name}"))?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if let Err(e) = std::str::from_utf8(bytes) {
            let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!("{name} line {line}: the file is not UTF-8 text; save it as CSV UTF-8");
        }
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| anyhow!("{name} line 1: cannot read the header: {e}"))?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| match e.kind() {
                csv::ErrorKind::UnequalLengths { pos, expected_len, len } => anyhow!(
                    "{name} line {}: {len} cells where the header has {expected_len}; every row needs one cell per \
                     column",
                    pos.as_ref().map_or(0, csv::Position::line)
                ),
                _ => anyhow!("{name}: {e}"),
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            records.push((line, record.iter().map(str::to_owned).collect()));
        }
        Ok(Sheet { name, header, records })
    }

    fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Checks the header against required and optional columns, returning each required
    /// column's index.
    fn expect(&self, required: &[&str], optional: &[&str]) -> anyhow::Result<Vec<usize>> {
        let accepted = || required.iter().chain(optional).copied().collect::<Vec<_>>().join(",");
        for (c, h) in self.header.iter().enumerate() {
            if !required.contains(&h.as_str()) && !optional.contains(&h.as_str()) {
                bail!(
                    "{} line 1, column {}: unknown column \"{h}\"; accepted columns: {}",
                    self.name,
                    c + 1,
                    accepted()
                );
            }
            if self.header[..c].contains(h) {
                bail!("{} line 1, column {}: column \"{h}\" appears twice", self.name, c + 1);
            }
        }
        required
            .iter()
            .map(|r| {
                self.column(r).ok_or_else(|| {
                    anyhow!("{} line 1: no column \"{r}\"; the header must have the columns {}", self.name, accepted())
                })
            })
            .collect()
    }

    /// "FILE line L, column C (NAME)".
    fn at(&self, line: u64, column: usize) -> String {
        format!("{} line {line}, column {} ({})", self.name, column + 1, self.header[column])
    }
}

fn read_method(path: &Path) -> anyhow::Result<Method> {
    let name = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name} (UTF-8 TOML)"))?;
    let method: Method = toml::from_str(&text).map_err(|e| anyhow!("{name}: {e}"))?;
    method.validate().map_err(|e| anyhow!("{name}: {e}"))?;
    Ok(method)
}

fn number(sheet: &Sheet, line: u64, column: usize, text: &str, expected: &str) -> anyhow::Result<f64> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => bail!("{}: \"{text}\" is not a number; expected {expected}", sheet.at(line, column)),
    }
}

/// Where each code of the framework was defined: (sheet, line) per indicator and aggregate.
fn read_framework(indicators_path: &Path, aggregates_path: &Path) -> anyhow::Result<Framework> {
    let ind = Sheet::read(indicators_path)?;
    let [code, name, parent, weight, direction, denominator, lower, upper] = ind
        .expect(&["code", "name", "parent", "weight", "direction", "denominator", "lower", "upper"], &["transform"])?[..]
    else {
        unreachable!("eight required columns")
    };
    let transform = ind.column("transform");
    let mut indicators = Vec::with_capacity(ind.records.len());
    for (line, r) in &ind.records {
        let line = *line;
        let bound = |c: usize| -> anyhow::Result<Option<f64>> {
            if r[c].is_empty() {
                Ok(None)
            } else {
                number(&ind, line, c, &r[c], "a number, or an empty cell for no fixed bound").map(Some)
            }
        };
        let bounds = match (bound(lower)?, bound(upper)?) {
            (Some(lower), Some(upper)) => Some(Bounds { lower, upper }),
            (None, None) => None,
            (Some(_), None) => {
                bail!("{}: lower is set but upper is empty; give both bounds or neither", ind.at(line, upper))
            }
            (None, Some(_)) => {
                bail!("{}: upper is set but lower is empty; give both bounds or neither", ind.at(line, lower))
            }
        };
        indicators.push(Indicator {
            code: r[code].clone(),
            name: r[name].clone(),
            parent: r[parent].clone(),
            weight: number(&ind, line, weight, &r[weight], "a positive number such as 1 or 0.5")?,
            direction: match r[direction].as_str() {
                "1" | "+1" => Direction::Positive,
                "-1" => Direction::Negative,
                other => bail!(
                    "{}: \"{other}\" is not a direction; expected 1 (higher is better) or -1 (lower is better)",
                    ind.at(line, direction)
                ),
            },
            denominator: Some(r[denominator].clone()).filter(|d| !d.is_empty()),
            bounds,
            transform: match transform {
                Some(c) => Transform::parse(&r[c]).map_err(|e| anyhow!("{}: {e}", ind.at(line, c)))?,
                None => None,
            },
        });
    }
    let agg = Sheet::read(aggregates_path)?;
    let [a_code, a_name, a_parent, a_weight] = agg.expect(&["code", "name", "parent", "weight"], &[])?[..] else {
        unreachable!("four required columns")
    };
    let mut aggregates = Vec::with_capacity(agg.records.len());
    for (line, r) in &agg.records {
        let parent = Some(r[a_parent].clone()).filter(|p| !p.is_empty());
        let weight = if parent.is_none() && r[a_weight].is_empty() {
            1.0
        } else {
            number(&agg, *line, a_weight, &r[a_weight], "a positive number such as 1 or 0.5 (empty only for the root)")?
        };
        aggregates.push(Aggregate { code: r[a_code].clone(), name: r[a_name].clone(), parent, weight });
    }
    Framework::new(indicators, aggregates).map_err(|e| locate(&e, &ind, &agg))
}

/// Names the file, line and column of a framework error.
fn locate(e: &FrameworkError, ind: &Sheet, agg: &Sheet) -> anyhow::Error {
    // Every definition, indicators first: (sheet, line, code).
    let defs: Vec<(&Sheet, u64, &str)> = [ind, agg]
        .into_iter()
        .flat_map(|s| {
            let code = s.column("code").unwrap_or(0);
            s.records.iter().map(move |(line, r)| (s, *line, r[code].as_str()))
        })
        .collect();
    let place = match e {
        // The second definition is the one to fix.
        FrameworkError::DuplicateCode { node } => defs.iter().filter(|d| d.2 == node).nth(1),
        FrameworkError::EmptyCode => defs.iter().find(|d| d.2.is_empty()),
        FrameworkError::EmptyAggregate { node } => defs.iter().find(|d| std::ptr::eq(d.0, agg) && d.2 == node),
        _ => e.node().and_then(|node| defs.iter().find(|d| d.2 == node)),
    };
    match place {
        Some((sheet, line, _)) => match e.field().and_then(|f| sheet.column(f)) {
            Some(column) => anyhow!("{}: {e}", sheet.at(*line, column)),
            None => anyhow!("{} line {line}: {e}", sheet.name),
        },
        None => anyhow!("{} / {}: {e}", ind.name, agg.name),
    }
}

fn read_data(path: &Path, framework: &Framework, method: &Method) -> anyhow::Result<Panel> {
    let data = Sheet::read(path)?;
    let name = &data.name;
    for (c, h) in data.header.iter().enumerate() {
        if h.is_empty() {
            bail!("{name} line 1, column {}: the column has no name", c + 1);
        }
        if data.header[..c].contains(h) {
            bail!("{name} line 1, column {}: column \"{h}\" appears twice", c + 1);
        }
    }
    let unit = data.column("unit").ok_or_else(|| anyhow!("{name} line 1: no column \"unit\"; the data needs one"))?;
    let period = data.column("period");
    // Numeric columns: every indicator and, when denominating, every denominator.
    let mut numeric: Vec<(String, usize)> = Vec::new();
    for x in framework.indicators() {
        let c = data.column(&x.code).ok_or_else(|| {
            anyhow!(
                "{name} line 1: no column \"{}\" for indicator {}; the data needs one column per indicator code",
                x.code,
                x.code
            )
        })?;
        numeric.push((x.code.clone(), c));
    }
    if method.denominate.enabled {
        for x in framework.indicators() {
            if let Some(d) = &x.denominator {
                let c = data.column(d).ok_or_else(|| {
                    anyhow!("{name} line 1: no column \"{d}\", the denominator of indicator {}", x.code)
                })?;
                if !numeric.iter().any(|(n, _)| n == d) {
                    numeric.push((d.clone(), c));
                }
            }
        }
    }
    let group = match (&method.impute.method, &method.impute.group) {
        (ImputeMethod::GroupMean, Some(g)) => Some((
            g.clone(),
            data.column(g)
                .ok_or_else(|| anyhow!("{name} line 1: no column \"{g}\", the [impute] group of the method"))?,
        )),
        _ => None,
    };
    let mut panel = Panel::default();
    let mut seen: HashMap<(&str, &str), u64> = HashMap::new();
    let mut columns: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(data.records.len()); numeric.len()];
    for (line, r) in &data.records {
        if r[unit].is_empty() {
            bail!("{}: the unit is empty; every row needs a unit code", data.at(*line, unit));
        }
        let p = period.map(|c| r[c].as_str());
        if p == Some("") {
            bail!(
                "{}: the period is empty; with a period column every row needs a period",
                data.at(*line, period.unwrap_or(0))
            );
        }
        if let Some(first) = seen.insert((&r[unit], p.unwrap_or_default()), *line) {
            let mut message = format!("{name} line {line}: unit {} appears again", r[unit]);
            if let Some(p) = p {
                let _ = write!(message, " in period {p}");
            }
            bail!("{message} (first on line {first}); each unit may have one row per period");
        }
        panel.rows.push(RowKey { unit: r[unit].clone(), period: p.map(str::to_owned) });
        for ((_, c), column) in numeric.iter().zip(&mut columns) {
            column.push(if r[*c].is_empty() {
                None
            } else {
                Some(number(
                    &data,
                    *line,
                    *c,
                    &r[*c],
                    "a decimal number such as 12.5, or an empty cell for a missing value",
                )?)
            });
        }
    }
    for ((code, _), column) in numeric.into_iter().zip(columns) {
        panel.numbers.insert(code, column);
    }
    if let Some((g, c)) = group {
        panel
            .labels
            .insert(g, data.records.iter().map(|(_, r)| Some(r[c].clone()).filter(|v| !v.is_empty())).collect());
    }
    Ok(panel)
}

#[derive(Clone, Copy)]
enum Table {
    Denominated,
    Imputed,
    Treated,
    Normalised,
    Aggregated,
    Scores,
}

fn cell(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn writer(path: &Path) -> anyhow::Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))
}

fn write_table(path: &Path, board: &Scoreboard, table: Table) -> anyhow::Result<()> {
    let with_period = board.rows.iter().any(|r| r.period.is_some());
    let (names, columns): (Vec<&String>, Vec<&Vec<Option<f64>>>) = match table {
        Table::Denominated => (board.indicators.iter().collect(), board.denominated.iter().collect()),
        Table::Imputed => (board.indicators.iter().collect(), board.imputed.iter().collect()),
        Table::Treated => (board.indicators.iter().collect(), board.treated.iter().collect()),
        Table::Normalised => (board.indicators.iter().collect(), board.normalised.iter().collect()),
        Table::Aggregated => (board.aggregates.iter().collect(), board.aggregated.iter().collect()),
        Table::Scores => (
            board.indicators.iter().chain(&board.aggregates).collect(),
            board.normalised.iter().chain(&board.aggregated).collect(),
        ),
    };
    let mut out = writer(path)?;
    let mut header = vec!["unit".to_owned()];
    if with_period {
        header.push("period".into());
    }
    header.extend(names.iter().map(|n| (*n).clone()));
    if matches!(table, Table::Scores) {
        header.push("rank".into());
    }
    out.write_record(&header)?;
    for (row, key) in board.rows.iter().enumerate() {
        let mut record = vec![key.unit.clone()];
        if with_period {
            record.push(key.period.clone().unwrap_or_default());
        }
        record.extend(columns.iter().map(|c| cell(c[row])));
        if matches!(table, Table::Scores) {
            record.push(board.rank[row].map(|r| r.to_string()).unwrap_or_default());
        }
        out.write_record(&record)?;
    }
    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn write_treatment(path: &Path, board: &Scoreboard) -> anyhow::Result<()> {
    let with_period = board.rows.iter().any(|r| r.period.is_some());
    let mut out = writer(path)?;
    let mut header = vec!["code"];
    if with_period {
        header.push("period");
    }
    header.extend(["low", "high", "log", "cells_low", "cells_high", "status", "transform", "transform_error"]);
    out.write_record(&header)?;
    for t in &board.treatment {
        let o = t.outcome;
        let mut record = vec![t.indicator.clone()];
        if with_period {
            record.push(t.period.clone().unwrap_or_default());
        }
        record.extend([
            o.points_low.to_string(),
            o.points_high.to_string(),
            o.log.to_string(),
            o.cells_low.to_string(),
            o.cells_high.to_string(),
            o.status.as_str().to_owned(),
            t.transform.map(Transform::name).unwrap_or_default(),
            t.transform_error.clone().unwrap_or_default(),
        ]);
        out.write_record(&record)?;
    }
    out.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = include_str!("../../domain/src/index/testdata/data.csv");
    const IND: &str = include_str!("../../domain/src/index/testdata/indicators.csv");
    const AGG: &str = include_str!("../../domain/src/index/testdata/aggregates.csv");
    const METHOD: &str = include_str!("../../domain/src/index/testdata/method.toml");
    const SCORES: &str = include_str!("../../domain/src/index/testdata/expected_scores.csv");
    const TREATMENT: &str = include_str!("../../domain/src/index/testdata/expected_treatment.csv");

    /// A fresh folder with the fixture, each file replaceable.
    fn setup(test: &str, replace: &[(&str, &str)]) -> (PathBuf, IndexBuildArgs) {
        let dir = std::env::temp_dir().join(format!("gaodi-index-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (file, text) in [("data.csv", DATA), ("ind.csv", IND), ("agg.csv", AGG), ("method.toml", METHOD)] {
            let text = replace.iter().find(|(f, _)| *f == file).map_or(text, |(_, t)| *t);
            std::fs::write(dir.join(file), text).unwrap();
        }
        let args = IndexBuildArgs {
            data: dir.join("data.csv"),
            indicators: dir.join("ind.csv"),
            aggregates: dir.join("agg.csv"),
            method: dir.join("method.toml"),
            out: dir.join("scores.csv"),
            stages: Some(dir.join("stages")),
        };
        (dir, args)
    }

    fn read(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_path(path).unwrap();
        let header = r.headers().unwrap().iter().map(str::to_owned).collect();
        (header, r.records().map(|x| x.unwrap().iter().map(str::to_owned).collect()).collect())
    }

    fn error(test: &str, replace: &[(&str, &str)]) -> String {
        let (dir, args) = setup(test, replace);
        let message = format!("{:#}", run(&args).unwrap_err());
        std::fs::remove_dir_all(dir).unwrap();
        message
    }

    #[test]
    fn build_matches_hand_computed_reference() {
        let (dir, args) = setup("reference", &[]);
        run(&args).unwrap();
        let (header, rows) = read(&args.out);
        let mut expected = csv::Reader::from_reader(SCORES.as_bytes());
        assert_eq!(header, expected.headers().unwrap().iter().collect::<Vec<_>>());
        let expected: Vec<csv::StringRecord> = expected.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), expected.len());
        for (got, want) in rows.iter().zip(&expected) {
            for (c, (g, w)) in got.iter().zip(want.iter()).enumerate() {
                if c < 2 || g.is_empty() || w.is_empty() {
                    assert_eq!(g, w, "{} {}", got[0], header[c]);
                } else {
                    let (g, w): (f64, f64) = (g.parse().unwrap(), w.parse().unwrap());
                    assert!((g - w).abs() <= 1e-9, "{} {}: {g} vs {w}", got[0], header[c]);
                }
            }
        }
        let (header, rows) = read(&dir.join("stages/treatment.csv"));
        assert_eq!(&header[..7], ["code", "period", "low", "high", "log", "cells_low", "cells_high"]);
        let expected: Vec<Vec<String>> =
            TREATMENT.lines().skip(1).map(|l| l.split(',').map(str::to_owned).collect()).collect();
        for (got, want) in rows.iter().zip(&expected) {
            assert_eq!(&got[..7], &want[..]);
        }
        for stage in ["denominated", "imputed", "treated", "normalised", "aggregated"] {
            let (header, rows) = read(&dir.join(format!("stages/{stage}.csv")));
            assert_eq!(&header[..2], ["unit", "period"]);
            assert_eq!(rows.len(), 11, "{stage}");
        }
        // D04 has GDP 0: missing after denomination, then imputed from its group.
        let (_, denominated) = read(&dir.join("stages/denominated.csv"));
        let (_, imputed) = read(&dir.join("stages/imputed.csv"));
        assert_eq!(denominated[3][2], "");
        assert_ne!(imputed[3][2], "");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_parent_names_file_line_and_column() {
        let ind = IND.replace("patents,Patents,output", "patents,Patents,outptu");
        let message = error("parent", &[("ind.csv", &ind)]);
        assert!(message.contains("ind.csv line 4, column 3 (parent)"), "{message}");
        assert!(message.contains("\"outptu\""), "{message}");
    }

    #[test]
    fn weight_not_a_number_names_file_line_and_column() {
        let agg = AGG.replace("output,Outputs,index,1", "output,Outputs,index,one");
        let message = error("weight", &[("agg.csv", &agg)]);
        assert!(message.contains("agg.csv line 4, column 4 (weight): \"one\" is not a number"), "{message}");
    }

    #[test]
    fn cycle_in_aggregate_tree_is_named() {
        let agg = "code,name,parent,weight\nindex,Index,,\ninput,Inputs,output,1\noutput,Outputs,input,1\n";
        let message = error("cycle", &[("agg.csv", agg)]);
        assert!(message.contains("agg.csv line 3, column 3 (parent)"), "{message}");
        assert!(message.contains("input → output → input"), "{message}");
    }

    #[test]
    fn indicator_column_missing_from_data() {
        let data = DATA.replace(",pm25\n", ",pm_25\n");
        let message = error("missing", &[("data.csv", &data)]);
        assert!(message.contains("data.csv line 1: no column \"pm25\" for indicator pm25"), "{message}");
    }

    #[test]
    fn bad_data_cells_are_named() {
        let data = DATA.replace("D05,District 5,2023,urban,280", "D05,District 5,2023,urban,2 80");
        let message = error("cell", &[("data.csv", &data)]);
        assert!(message.contains("data.csv line 6, column 5 (gdp): \"2 80\" is not a number"), "{message}");
        let data = DATA.replace("D02,District 2", "D01,District 2");
        let message = error("duplicate", &[("data.csv", &data)]);
        assert!(message.contains("line 3: unit D01 appears again in period 2023 (first on line 2)"), "{message}");
        let data = DATA.replace("D03,District 3,2023,urban,410,70", "D03,District 3,2023,urban,410");
        let message = error("short", &[("data.csv", &data)]);
        assert!(message.contains("line 4: 10 cells where the header has 11"), "{message}");
    }

    #[test]
    fn framework_and_method_errors_are_clear() {
        let ind = IND.replace("pm25,PM2.5,output,1,-1", "pm25,PM2.5,output,1,down");
        let message = error("direction", &[("ind.csv", &ind)]);
        assert!(message.contains("ind.csv line 6, column 5 (direction)"), "{message}");
        let ind = IND.replace("code,name", "code,nmae");
        let message = error("header", &[("ind.csv", &ind)]);
        assert!(message.contains("unknown column \"nmae\""), "{message}");
        let ind = format!("{IND}talent,Again,input,1,1,,,\n");
        let message = error("dup", &[("ind.csv", &ind)]);
        assert!(message.contains("ind.csv line 7, column 1 (code)"), "{message}");
        let message = error("toml", &[("method.toml", "[treat]\nskew = 2\nmax_points = 5\nmax_fraction = 0.1\n")]);
        assert!(message.contains("[treat] sets both max_points and max_fraction"), "{message}");
        let message = error("toml-typo", &[("method.toml", "[normalise]\nmethd = \"minmax\"\n")]);
        assert!(message.contains("methd"), "{message}");
        let message = error("toml-clip", &[("method.toml", "[normalise]\nmethod = \"bounds\"\nclip = \"yes\"\n")]);
        assert!(message.contains("clip \"yes\" is not recognised"), "{message}");
    }

    #[test]
    fn data_without_periods_has_no_period_column() {
        let data: String = DATA
            .lines()
            .map(|l| {
                let cells: Vec<&str> = l.split(',').collect();
                format!("{},{}\n", cells[..2].join(","), cells[3..].join(","))
            })
            .collect();
        let method = "[treat]\nmethod = \"none\"\n[normalise]\nmethod = \"rank\"\n";
        let (dir, args) = setup("periodless", &[("data.csv", &data), ("method.toml", method)]);
        run(&args).unwrap();
        let (header, rows) = read(&args.out);
        assert_eq!(header[..2], ["unit", "rd_int"]);
        assert_eq!(rows.len(), 11);
        let (header, _) = read(&dir.join("stages/treatment.csv"));
        assert_eq!(header[..2], ["code", "low"]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
