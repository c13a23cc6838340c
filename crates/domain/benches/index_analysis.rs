//! Benchmark: the analyses of the district index page on the shipped district innovation index
//! (15 indicators, 4 pillars) for 10 districts × 2 years: one what-if re-aggregation (a slider
//! move), the sensitivity of ranks to the weights with 1,000 runs (target: well under 50 ms),
//! an attribution between the two years, and, as the reference timed in the same run, the full
//! build of the same panel.
//!
//! `cargo bench -p gaodi-domain --bench index_analysis`; `UNITS`, `RUNS` and `REPS` change
//! the number of districts, of sensitivity runs and of timed repetitions. The data is synthetic
//! and deterministic (log-normal values, 3 % missing).

use std::time::{Duration, Instant};

use gaodi_domain::index::attribution::attribute;
use gaodi_domain::index::build;
use gaodi_domain::index::definition::{panel_from_values, IndexDefinition};
use gaodi_domain::index::sensitivity::{sensitivity, Settings, SplitMix64};
use gaodi_domain::index::whatif::{reweight, Weights};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Times `reps` runs of `f` and returns (min, median, max).
fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, Duration) {
    let mut times: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let t0 = Instant::now();
            std::hint::black_box(f());
            t0.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[times.len() / 2], times[times.len() - 1])
}

fn show(name: &str, (min, median, max): (Duration, Duration, Duration)) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("{name:<34} min {:>9.3} ms  median {:>9.3} ms  max {:>9.3} ms", ms(min), ms(median), ms(max));
}

fn main() {
    let (units, runs, reps) = (env("UNITS", 10), env("RUNS", 1000), env("REPS", 20));
    let def = IndexDefinition::district_innovation();
    let mut rng = SplitMix64::new(2026);
    let mut values = Vec::new();
    for year in ["2023", "2024"] {
        for u in 0..units {
            for code in def.value_codes() {
                let normal =
                    (-2.0 * (1.0 - rng.next_f64()).ln()).sqrt() * (std::f64::consts::TAU * rng.next_f64()).cos();
                let value = (rng.next_f64() >= 0.03).then(|| (2.0 + 0.8 * normal).exp());
                values.push((format!("{:06}", 430_201 + u), year.to_owned(), code.to_owned(), value));
            }
        }
    }
    let panel = panel_from_values(&values, &def).expect("valid values");
    let (framework, method) = (def.framework(), def.method());
    let board = build(&panel, framework, method).expect("the pipeline runs");
    let mut weights = Weights::of(framework);
    weights.set(framework, "rd_intensity", 0.8).expect("a known indicator");
    weights.set(framework, "outputs", 0.5).expect("a known pillar");
    let settings = Settings { runs, ..Settings::default() };
    let unit = board.rows[0].unit.clone();

    println!(
        "{} districts × {} indicators × 2 years, {} sensitivity runs (spread ±{} %), {reps} repetitions",
        units,
        framework.indicators().len(),
        runs,
        settings.spread * 100.0
    );
    show("full build (reference)", time(reps, || build(&panel, framework, method).expect("builds")));
    show("what-if reweight", time(reps, || reweight(&board, framework, method, &weights).expect("reweights")));
    let timing = time(reps, || sensitivity(&board, framework, method, &weights, &settings).expect("runs"));
    show("sensitivity", timing);
    show("attribution 2023 → 2024", time(reps, || attribute(&board, framework, method, &unit, "2023", "2024")));

    let s = sensitivity(&board, framework, method, &weights, &settings).expect("runs");
    let moved = s.iter().filter(|r| r.kept.is_some_and(|k| k < 1.0)).count();
    let widest = s.iter().filter_map(|r| Some(r.high? - r.low?)).max().unwrap_or(0);
    println!(
        "sensitivity: {moved} of {} rows change rank in some run; widest 5–95 % interval {widest} places; \
         target < 50 ms: {}",
        s.len(),
        if timing.1 < Duration::from_millis(50) { "met" } else { "NOT met" }
    );
}
