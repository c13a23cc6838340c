//! Benchmark: the roll-up engine at national scale against the DuckDB anchor (issue 5).
//!
//! Data: `gen_data.py` of the analytics anchor (1 country, 31 provinces, 340 cities, 3,000
//! counties; 120 months; 60 measures; 21.6 M county facts), with `facts.parquet` converted
//! once to the raw column file `facts.raw` by `bench/analytics/to_raw.py` (not timed).
//! `bench/analytics/run.sh` prepares everything and runs DuckDB in the same run.
//!
//! Steps, as in `queries_duckdb.py`:
//! - load: CSVs → `Tree`; `facts.raw` → exact `Quantity` (each double must be the nearest
//!   to a 4-decimal number) → `FactCube::insert`.
//! - a2: `FactCube::rollup`, level by level, exact sums, all periods and measures.
//! - b: the 20 ratio indicators `100 * e(10+i) / e(i mod 10)` at every level and period:
//!   gaodi-expr formulas (`100 * e15 / e05`, parsed once) bound to the cube
//!   (`ExprFormula`) and evaluated over columns by `gaodi_expr::eval_batch` through
//!   `formula::evaluate`. `b_ratios_hand_written` is the same with a hand-written loop
//!   (`Ratio`), the floor; both must agree bit for bit.
//! - c1: rank of the counties within their province, indicator 5, period 119, from b.
//! - c2: the same straight from the county facts (no indicator table).
//! - one_period: a cube of one month (2024-12) filled from the facts, rolled up, 20 indicators.
//! - one_year: a cube of the 12 months of 2024, aggregated to the year (flows `sum`, stocks
//!   `average`), rolled up, 20 indicators.
//!
//! Results are checked against the anchor's validation values (ANCHORS.md section 2), the
//! DuckDB output of the same run when given, and the anchor's ranking CSV; any difference
//! panics. Environment: `GAODI_ANALYTICS_DATA` (folder with the CSVs and `facts.raw`;
//! `/var/tmp/gaodi-bench/analytics/data`, where `run.sh` puts them), `REPS` (5), `THREADS` (2),
//! `DUCKDB_JSON` (a file whose last line is `queries_duckdb.py`'s JSON), `RANK_CSV`
//! (`/work/shared/bench/analytics/results/rank_ind5_p119.csv`), `JSON_OUT` (appends a line).

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::time::Instant;

use gaodi_domain::index::Direction;
use gaodi_domain::period::{Period, PeriodKind};
use gaodi_domain::rollup::formula::{evaluate, BatchFormula, ExprFormula, IndicatorValues, Ratio};
use gaodi_domain::rollup::{rank_by_group, CubeWriter, FactCube, Quantity, Rollup, TimeAggregation, Tree};

const INDICATOR: usize = 5;
const PERIOD: usize = 119;
/// ANCHORS.md section 2: rows and sum per level (country, province, city, county).
const LEVEL_ROWS: [usize; 4] = [7_200, 223_200, 2_448_000, 21_600_000];
const LEVEL_SUM: f64 = 1_323_641_974_226.22;
/// ANCHORS.md section 2: indicator rows and sums per level, printed to 4 decimals.
const INDICATOR_ROWS: [usize; 4] = [2_400, 74_400, 816_000, 7_200_000];
const INDICATOR_SUMS: [f64; 4] = [34_068.838_7, 1_056_181.432_8, 11_592_213.391_3, 102_467_571.469_3];

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_usize(name: &str, default: usize) -> usize {
    env(name).map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
}

fn read_csv(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().skip(1).filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

/// The column file `facts.raw` (see `bench/analytics/to_raw.py`).
struct Columns<'a> {
    file: &'a File,
    rows: usize,
}

impl Columns<'_> {
    fn offset(&self, column: usize) -> u64 {
        [16, 16 + 4 * self.rows, 16 + 6 * self.rows, 16 + 8 * self.rows][column] as u64
    }

    fn region(&self, row: usize) -> usize {
        let mut bytes = [0_u8; 4];
        self.file.read_exact_at(&mut bytes, self.offset(0) + 4 * row as u64).unwrap();
        usize::try_from(i32::from_le_bytes(bytes)).expect("region ids are not negative")
    }

    /// Reads rows `first..last` in chunks, converts each value exactly and inserts it.
    fn load(&self, mut writer: CubeWriter<'_>, first: usize, last: usize) {
        const CHUNK: usize = 1 << 18;
        let (mut region, mut period, mut element, mut value) =
            (vec![0_u8; 4 * CHUNK], vec![0_u8; 2 * CHUNK], vec![0_u8; 2 * CHUNK], vec![0_u8; 8 * CHUNK]);
        let mut start = first;
        while start < last {
            let n = CHUNK.min(last - start);
            let at = |column: usize, width: usize| self.offset(column) + (start * width) as u64;
            self.file.read_exact_at(&mut region[..4 * n], at(0, 4)).unwrap();
            self.file.read_exact_at(&mut period[..2 * n], at(1, 2)).unwrap();
            self.file.read_exact_at(&mut element[..2 * n], at(2, 2)).unwrap();
            self.file.read_exact_at(&mut value[..8 * n], at(3, 8)).unwrap();
            let rows = region
                .chunks_exact(4)
                .zip(period.chunks_exact(2))
                .zip(element.chunks_exact(2))
                .zip(value.chunks_exact(8));
            for (i, (((r, p), e), v)) in rows.take(n).enumerate() {
                let r = i32::from_le_bytes(r.try_into().unwrap());
                let p = i16::from_le_bytes(p.try_into().unwrap());
                let e = i16::from_le_bytes(e.try_into().unwrap());
                let v = f64::from_le_bytes(v.try_into().unwrap());
                let row = start + i;
                let quantity = Quantity::from_f64_exact(v)
                    .unwrap_or_else(|| panic!("row {row}: {v} is not an exact 4-decimal value"));
                let index = |x: i64| usize::try_from(x).unwrap_or_else(|_| panic!("row {row}: negative id"));
                writer
                    .insert(index(r.into()), index(p.into()), index(e.into()), quantity)
                    .unwrap_or_else(|error| panic!("row {row}: {error}"));
            }
            start += n;
        }
    }
}

struct Data {
    facts: FactCube,
    /// Per indicator: (numerator, denominator) measure index.
    indicators: Vec<(usize, usize)>,
}

/// Reads the CSVs and `facts.raw` into a cube (the timed "load").
fn load(dir: &str, threads: usize) -> Data {
    let regions = read_csv(&format!("{dir}/regions.csv"));
    let mut labels = Vec::with_capacity(regions.len());
    let mut parents = Vec::with_capacity(regions.len());
    for (index, row) in regions.iter().enumerate() {
        assert_eq!(row[0].parse::<usize>().unwrap(), index, "region ids are dense");
        parents.push((!row[1].is_empty()).then(|| row[1].parse::<usize>().unwrap()));
        labels.push(row[3].clone());
    }
    let tree = Tree::from_parents(labels, &parents, &[]).expect("a valid tree");
    let periods: Vec<Period> = read_csv(&format!("{dir}/periods.csv"))
        .iter()
        .map(|row| Period::parse(&format!("{}-{:02}", row[1], row[2].parse::<u8>().unwrap())).unwrap())
        .collect();
    // Measure codes in lower case (`e10`), as gaodi-expr spells codes.
    let measures: Vec<String> =
        read_csv(&format!("{dir}/elements.csv")).iter().map(|row| row[1].to_lowercase()).collect();
    let indicators: Vec<(usize, usize)> = read_csv(&format!("{dir}/indicators.csv"))
        .iter()
        .map(|row| (row[2].parse().unwrap(), row[3].parse().unwrap()))
        .collect();
    let mut facts = FactCube::new(tree, periods, measures);

    let path = format!("{dir}/facts.raw");
    let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e} (run bench/analytics/run.sh)"));
    let mut header = [0_u8; 16];
    file.read_exact_at(&mut header, 0).unwrap();
    assert_eq!(&header[..8], b"GDFACT01", "{path}: not a facts.raw file");
    let rows = usize::try_from(u64::from_le_bytes(header[8..].try_into().unwrap())).unwrap();
    let columns = Columns { file: &file, rows };
    // Rows are sorted by region: each thread takes a range of rows, which is a range of
    // nodes, and writes through its own CubeWriter.
    let threads = threads.max(1);
    let mut row_bounds = vec![0];
    for part in 1..threads {
        let region = columns.region(rows * part / threads);
        // First row of that region, by binary search over the sorted region column.
        let (mut low, mut high) = (0, rows);
        while low < high {
            let middle = usize::midpoint(low, high);
            if columns.region(middle) < region {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        row_bounds.push(low);
    }
    row_bounds.push(rows);
    let node_bounds: Vec<usize> = row_bounds[1..threads].iter().map(|&r| columns.region(r)).collect();
    let writers = facts.writers(&node_bounds);
    std::thread::scope(|scope| {
        for (writer, range) in writers.into_iter().zip(row_bounds.windows(2)) {
            let columns = &columns;
            scope.spawn(move || columns.load(writer, range[0], range[1]));
        }
    });
    Data { facts, indicators }
}

/// The 20 indicators as gaodi-expr formulas (`100 * e10 / e00`), bound to the measures.
fn formulas(indicators: &[(usize, usize)], measures: &[String]) -> Vec<ExprFormula> {
    indicators
        .iter()
        .map(|&(num, den)| {
            let text = format!("100 * {} / {}", measures[num], measures[den]);
            let expr = gaodi_expr::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            ExprFormula::new(expr, measures).expect("a formula over the measures")
        })
        .collect()
}

/// The same indicators as hand-written ratios (the floor for the expression evaluator).
fn ratios(indicators: &[(usize, usize)]) -> Vec<Ratio> {
    indicators.iter().map(|&(num, den)| Ratio::new(100.0, num, den)).collect()
}

fn evaluate_all<F: BatchFormula>(rolled: &Rollup, formulas: &[F], threads: usize) -> IndicatorValues {
    let formulas: Vec<&dyn BatchFormula> = formulas.iter().map(|f| f as &dyn BatchFormula).collect();
    evaluate(rolled, &formulas, threads)
}

/// (province, county, value, rank) sorted by province, rank, county, as DuckDB's ORDER BY 1, 4, 2.
type Ranking = Vec<(usize, usize, f64, u32)>;

fn rank_counties(tree: &Tree, values: &[Option<f64>]) -> Ranking {
    let groups: Vec<Option<usize>> =
        (0..tree.len()).map(|n| (tree.level(n) == 3).then(|| tree.ancestor_at_level(n, 1)).flatten()).collect();
    let values: Vec<Option<f64>> = values.iter().zip(&groups).map(|(v, g)| g.and(*v)).collect();
    let ranks = rank_by_group(&values, &groups, Direction::Positive);
    let mut out: Ranking = (0..tree.len()).filter_map(|n| Some((groups[n]?, n, values[n]?, ranks[n]?))).collect();
    out.sort_unstable_by_key(|&(province, county, _, rank)| (province, rank, county));
    out
}

fn c1(rolled: &Rollup, values: &IndicatorValues) -> Ranking {
    let column = values.column(PERIOD, INDICATOR);
    let values: Vec<Option<f64>> = column.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
    rank_counties(rolled.tree(), &values)
}

fn c2(rolled: &Rollup, (num, den): (usize, usize)) -> Ranking {
    let tree = rolled.tree();
    let values: Vec<Option<f64>> = (0..tree.len())
        .map(|n| {
            if tree.level(n) != 3 {
                return None;
            }
            let d = rolled.value(n, PERIOD, den)?.to_f64();
            if d == 0.0 {
                return None;
            }
            Some(100.0 * rolled.value(n, PERIOD, num)?.to_f64() / d)
        })
        .collect();
    rank_counties(tree, &values)
}

/// A cube of `periods` (indices into the roll-up's axis) filled with the leaf facts.
fn fill(rolled: &Rollup, periods: &[usize]) -> FactCube {
    let tree = rolled.tree();
    let axis = periods.iter().map(|&p| rolled.periods()[p]).collect();
    let mut cube = FactCube::new(tree.clone(), axis, rolled.measures().to_vec());
    for node in (0..tree.len()).filter(|&n| tree.rollup_child_count(n) == 0) {
        for (to, &from) in periods.iter().enumerate() {
            for measure in 0..rolled.measures().len() {
                if let Some(value) = rolled.value(node, from, measure) {
                    cube.insert(node, to, measure, value).unwrap();
                }
            }
        }
    }
    cube
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// Per level: (rows, sum) of the rolled-up values, summed exactly.
fn level_sums(rolled: &Rollup) -> Vec<(usize, f64)> {
    let tree = rolled.tree();
    let mut out = vec![(0_usize, 0_i128); 4];
    for node in 0..tree.len() {
        for period in 0..rolled.periods().len() {
            for measure in 0..rolled.measures().len() {
                if let Some(value) = rolled.value(node, period, measure) {
                    out[tree.level(node)].0 += 1;
                    out[tree.level(node)].1 += i128::from(value.units());
                }
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    out.into_iter().map(|(rows, units)| (rows, units as f64 / 1e4)).collect()
}

fn indicator_sums(tree: &Tree, values: &IndicatorValues, periods: usize, formulas: usize) -> Vec<(usize, f64)> {
    let mut out = vec![(0_usize, 0.0_f64); 4];
    for period in 0..periods {
        for formula in 0..formulas {
            for (node, value) in values.column(period, formula).iter().enumerate() {
                if !value.is_nan() {
                    out[tree.level(node)].0 += 1;
                    out[tree.level(node)].1 += value;
                }
            }
        }
    }
    out
}

/// The `checks` object of the last line of DuckDB's JSON output.
fn duckdb_checks() -> Option<serde_json::Value> {
    let path = env("DUCKDB_JSON")?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let line = text.lines().rev().find(|l| l.trim_start().starts_with('{')).expect("a JSON line");
    let json: serde_json::Value = serde_json::from_str(line).expect("DuckDB JSON");
    Some(json["checks"].clone())
}

fn check_levels(levels: &[(usize, f64)], indicators: &[(usize, f64)], duckdb: Option<&serde_json::Value>) {
    for (level, &(rows, sum)) in levels.iter().enumerate() {
        assert_eq!(rows, LEVEL_ROWS[level], "level {level}: rows");
        assert!(relative(sum, LEVEL_SUM) <= 1e-12, "level {level}: sum {sum} vs anchor {LEVEL_SUM}");
    }
    for (level, &(rows, sum)) in indicators.iter().enumerate() {
        assert_eq!(rows, INDICATOR_ROWS[level], "indicator level {level}: rows");
        let anchor = INDICATOR_SUMS[level];
        assert!((sum - anchor).abs() <= 5e-5 + 1e-12 * anchor, "indicator level {level}: sum {sum} vs anchor {anchor}");
    }
    if let Some(checks) = duckdb {
        for (key, ours) in [("level_rows_sums", levels), ("ind_level_rows_sums", indicators)] {
            for (level, &(rows, sum)) in ours.iter().enumerate() {
                let theirs = &checks[key][level];
                assert_eq!(theirs[1].as_u64(), Some(rows as u64), "{key} level {level}: rows vs DuckDB");
                let theirs = theirs[2].as_f64().expect("a sum");
                assert!(relative(sum, theirs) <= 1e-12, "{key} level {level}: {sum} vs DuckDB {theirs}");
            }
        }
    }
}

fn check_ranking(ranking: &Ranking) {
    let path = env("RANK_CSV").unwrap_or_else(|| "/work/shared/bench/analytics/results/rank_ind5_p119.csv".into());
    let expected = read_csv(&path);
    assert_eq!(ranking.len(), expected.len(), "ranking rows vs {path}");
    for (ours, row) in ranking.iter().zip(&expected) {
        let (province, county, value, rank) = *ours;
        let want: (usize, usize, f64, u32) =
            (row[0].parse().unwrap(), row[1].parse().unwrap(), row[2].parse().unwrap(), row[3].parse().unwrap());
        assert_eq!((province, county, rank), (want.0, want.1, want.3), "ranking row vs {path}");
        assert!((value - want.2).abs() <= 5.1e-7, "county {county}: {value} vs {}", want.2);
    }
    let top = ranking.iter().find(|r| r.0 == 1 && r.3 == 1).expect("rank 1 in province 1");
    assert_eq!(top.1, 475, "rank 1 in province 1");
    assert!((top.2 - 9.2207).abs() < 5e-5, "rank 1 in province 1: {}", top.2);
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

#[allow(clippy::too_many_lines)]
fn main() {
    let process = Instant::now();
    let dir = env("GAODI_ANALYTICS_DATA").unwrap_or_else(|| "/var/tmp/gaodi-bench/analytics/data".into());
    let reps = env_usize("REPS", 5).max(1);
    let threads = env_usize("THREADS", 2);

    let started = Instant::now();
    let data = load(&dir, threads);
    let load_s = started.elapsed().as_secs_f64();
    let formulas = formulas(&data.indicators, data.facts.measures());
    let ratios = ratios(&data.indicators);
    let duckdb = duckdb_checks();

    let mut steps: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut time =
        |name: &'static str, started: Instant| steps.entry(name).or_default().push(started.elapsed().as_secs_f64());
    let mut facts = Some(data.facts);
    for rep in 0..reps {
        // The roll-up consumes its cube; later repetitions roll up a copy (copied untimed).
        let cube = if rep + 1 == reps { facts.take().unwrap() } else { facts.clone().unwrap() };

        let started = Instant::now();
        let rolled = cube.rollup(threads).expect("roll-up");
        time("a2_rollup_cascade", started);

        let started = Instant::now();
        let values = evaluate_all(&rolled, &formulas, threads);
        time("b_ratios", started);

        let started = Instant::now();
        let hand_written = evaluate_all(&rolled, &ratios, threads);
        time("b_ratios_hand_written", started);

        let started = Instant::now();
        let rank1 = c1(&rolled, &values);
        time("c1_rank_from_ind", started);

        let started = Instant::now();
        let rank2 = c2(&rolled, data.indicators[INDICATOR]);
        time("c2_rank_from_raw", started);

        let month = rolled.periods().len() - 1;
        let started = Instant::now();
        let cube = fill(&rolled, &[month]);
        time("one_period_fill", started);
        let started = Instant::now();
        let one = cube.rollup(threads).expect("roll-up of one period");
        let one_values = evaluate_all(&one, &formulas, threads);
        time("one_period_rollup_indicators", started);

        let year_months: Vec<usize> =
            (0..rolled.periods().len()).filter(|&p| Period::Year(2024).contains(&rolled.periods()[p])).collect();
        let started = Instant::now();
        let cube = fill(&rolled, &year_months);
        time("one_year_fill", started);
        let started = Instant::now();
        let how: Vec<TimeAggregation> = (0..rolled.measures().len())
            .map(|m| if m < 10 { TimeAggregation::Average } else { TimeAggregation::Sum })
            .collect();
        let (year, _) = cube.aggregate_time(&[Period::Year(2024)], PeriodKind::Month, &how).expect("year");
        let year = year.rollup(threads).expect("roll-up of the year");
        let year_values = evaluate_all(&year, &formulas, threads);
        time("one_year_aggregate_rollup_indicators", started);

        if rep == 0 {
            let levels = level_sums(&rolled);
            let indicators = indicator_sums(rolled.tree(), &values, rolled.periods().len(), formulas.len());
            for period in 0..rolled.periods().len() {
                for formula in 0..formulas.len() {
                    let (a, b) = (values.column(period, formula), hand_written.column(period, formula));
                    assert!(a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()), "expr and ratio differ");
                }
            }
            check_levels(&levels, &indicators, duckdb.as_ref());
            check_ranking(&rank1);
            assert_eq!(
                rank1.iter().map(|r| (r.0, r.1, r.3)).collect::<Vec<_>>(),
                rank2.iter().map(|r| (r.0, r.1, r.3)).collect::<Vec<_>>(),
                "c1 and c2 ranks differ"
            );
            // One period: the same values as the full roll-up, indicators identical.
            for node in 0..rolled.tree().len() {
                for measure in 0..rolled.measures().len() {
                    assert_eq!(one.value(node, 0, measure), rolled.value(node, month, measure));
                }
                for formula in 0..formulas.len() {
                    let (a, b) = (one_values.get(node, 0, formula), values.get(node, month, formula));
                    assert!(a == b, "one period: node {node}, indicator {formula}: {a:?} vs {b:?}");
                }
            }
            // One year: flows equal the exact sum of the 12 rolled-up months at every node.
            for node in 0..rolled.tree().len() {
                for measure in 10..rolled.measures().len() {
                    let months: i64 =
                        year_months.iter().map(|&p| rolled.value(node, p, measure).expect("dense").units()).sum();
                    assert_eq!(year.value(node, 0, measure).map(Quantity::units), Some(months));
                }
                assert!(year_values.get(node, 0, INDICATOR).is_some_and(f64::is_finite));
            }
            println!(
                "checks: OK (per-level rows and sums, indicators per level{}, ranking CSV, c1 = c2, expr = hand-written bit for bit, one period, one year)",
                if duckdb.is_some() { ", DuckDB of this run to 1e-12" } else { "" }
            );
            for (level, (rows, sum)) in levels.iter().enumerate() {
                let (irows, isum) = indicators[level];
                println!("  level {level}: {rows} rows, sum {sum:.4}; indicators {irows} rows, sum {isum:.10}");
            }
            let top = rank1.iter().find(|r| r.0 == 1 && r.3 == 1).unwrap();
            println!("  rank 1 in province 1: county {} ({:.4})", top.1, top.2);
        }
    }
    let process_s = process.elapsed().as_secs_f64();
    let peak = peak_rss_mib();
    let median_of: BTreeMap<&str, f64> = steps.iter_mut().map(|(k, v)| (*k, median(&mut v.clone()))).collect();
    let min_of: BTreeMap<&str, f64> =
        steps.iter().map(|(k, v)| (*k, v.iter().copied().fold(f64::INFINITY, f64::min))).collect();
    println!("{:<40}{:>10}{:>10}", "step (s)", "median", "min");
    println!("{:<40}{:>10.4}", "load (raw columns)", load_s);
    for (name, med) in &median_of {
        println!("{name:<40}{med:>10.4}{:>10.4}", min_of[name]);
    }
    println!("process total {process_s:.3} s, peak RSS {peak:.0} MiB, reps {reps}, threads {threads}");
    let json = serde_json::json!({
        "engine": "gaodi-rollup", "threads": threads, "reps": reps, "load_s": load_s,
        "process_total_s": process_s, "peak_rss_mib": peak,
        "steps_median_s": median_of, "steps_min_s": min_of,
    });
    println!("{json}");
    if let Some(path) = env("JSON_OUT") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).unwrap();
        writeln!(file, "{json}").unwrap();
    }
}
