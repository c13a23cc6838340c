//! Benchmark: `100 * e10 / e0` over 8,000,000 rows, columnar ([`eval_batch`]) against
//! row-by-row ([`eval`] through an [`Env`]), with a hand-written loop as the floor.
//!
//! `cargo bench -p gaodi-expr --bench batch`; `ROWS` and `REPS` change the size and the
//! number of timed runs (the median is reported). Two inputs: every row present, and 1 % of
//! `e0` missing plus 0.1 % zeros (so the per-row status path runs). Each variant checks that
//! the batch and scalar results agree before timing counts.

use std::time::{Duration, Instant};

use gaodi_expr::{eval, eval_batch, parse, Column, Env, NoValue, RegistryQuery, Value};

/// SplitMix64: a tiny deterministic generator (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number of fen below 10^10, as measures are.
    #[allow(clippy::cast_precision_loss)]
    fn amount(&mut self) -> f64 {
        (self.next() % 10_000_000_000) as f64
    }
}

/// The scalar view of the same columns: a unit is a row.
struct Rows<'a> {
    e10: &'a [f64],
    e0: &'a [f64],
    missing: Option<&'a [bool]>,
}

impl Env for Rows<'_> {
    type Unit = usize;

    fn value(&self, code: &str, row: usize, shift: i32) -> Result<f64, NoValue> {
        let missing = || NoValue::Missing { code: code.to_owned(), unit: row.to_string(), shift };
        match code {
            "e10" => Ok(self.e10[row]),
            "e0" if self.missing.is_some_and(|m| m[row]) => Err(missing()),
            "e0" => Ok(self.e0[row]),
            _ => Err(missing()),
        }
    }

    fn registry(&self, q: &RegistryQuery, row: usize, shift: i32) -> Result<f64, NoValue> {
        Err(NoValue::Missing { code: q.to_string(), unit: row.to_string(), shift })
    }

    fn children(&self, _: usize, _: i32) -> Vec<usize> {
        Vec::new()
    }

    fn parent(&self, _: usize, _: i32) -> Option<usize> {
        None
    }

    fn periods_per_year(&self) -> i32 {
        1
    }

    fn label(&self, row: usize) -> String {
        row.to_string()
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort_unstable();
    runs[runs.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut runs = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let start = Instant::now();
        let out = std::hint::black_box(f());
        runs.push(start.elapsed());
        last = Some(out);
    }
    (median(runs), last.expect("at least one run"))
}

#[allow(clippy::cast_precision_loss)]
fn per_row(d: Duration, rows: usize) -> f64 {
    d.as_nanos() as f64 / rows as f64
}

fn main() {
    let env_usize =
        |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let rows = env_usize("ROWS", 8_000_000);
    let reps = env_usize("REPS", 5).max(1);
    let expr = parse("100 * e10 / e0").expect("the benchmark formula parses");

    let mut rng = Rng(42);
    let e10: Vec<f64> = (0..rows).map(|_| rng.amount()).collect();
    let e0_full: Vec<f64> = (0..rows).map(|_| rng.amount() + 1.0).collect();
    let mut e0_gaps = e0_full.clone();
    let mut missing = vec![false; rows];
    for i in 0..rows {
        match rng.next() % 1000 {
            0..=9 => missing[i] = true,
            10 => e0_gaps[i] = 0.0,
            _ => {}
        }
    }
    println!("{rows} rows, median of {reps} runs, formula `{expr}`");
    println!("{:<34} {:>12} {:>12} {:>12}", "input", "loop ns/row", "batch ns/row", "eval ns/row");

    for (name, e0, mask) in [("all present", &e0_full, None), ("1 % missing, 0.1 % zero", &e0_gaps, Some(&missing[..]))]
    {
        let columns = |code: &str| match code {
            "e10" => Some(Column { values: &e10, missing: None }),
            "e0" => Some(Column { values: e0, missing: mask }),
            _ => None,
        };
        let (floor, reference) =
            time(reps, || e10.iter().zip(e0.iter()).map(|(&a, &b)| 100.0 * a / b).collect::<Vec<f64>>());
        let (batch_time, batch) = time(reps, || eval_batch(&expr, &columns, rows).expect("columnar"));
        let env = Rows { e10: &e10, e0, missing: mask };
        let (scalar_time, scalar) = time(reps, || {
            (0..rows)
                .map(|row| match eval(&expr, &env, row) {
                    Ok(Value::Number(v)) => v,
                    _ => f64::NAN,
                })
                .collect::<Vec<f64>>()
        });
        // The three agree wherever a row has a value, and the batch flags exactly the others.
        for row in 0..rows {
            match batch.get(row, &row.to_string()) {
                Ok(Value::Number(v)) => assert!(v == scalar[row] && v == reference[row], "row {row}"),
                other => assert!(scalar[row].is_nan(), "row {row}: {other:?}"),
            }
        }
        println!(
            "{name:<34} {:>12.2} {:>12.2} {:>12.2}",
            per_row(floor, rows),
            per_row(batch_time, rows),
            per_row(scalar_time, rows)
        );
    }
}
