//! Benchmark: the full composite-index pipeline on 3,000 units × 100 indicators (issue target:
//! under 100 ms), as the COIN tool / COINr default recipe (composite-index.md §4.1): denominate
//! 20 indicators, group-mean imputation, winsorisation with the CT log fallback, min-max onto
//! [0, 100], arithmetic aggregation over 100 → 10 → 3 → 1 nodes, ranks.
//!
//! `cargo bench -p gaodi-domain --bench index`; `UNITS`, `INDICATORS` and `REPS` change the
//! size and the number of timed runs. The data is synthetic and deterministic: normal,
//! log-normal and Pareto-tailed columns (so that some indicators need winsorising and some
//! fall back to the log), 2 % missing cells, 10 groups.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use gaodi_domain::index::method::ImputeMethod;
use gaodi_domain::index::{build, Aggregate, Direction, Framework, Indicator, Method, Panel, RowKey};

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

    /// Uniform in (0, 1).
    fn uniform(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        u.max(f64::MIN_POSITIVE)
    }

    fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn data(units: usize, indicators: usize) -> (Panel, Framework, Method) {
    let mut rng = Rng(2026);
    let mut panel = Panel {
        rows: (0..units).map(|u| RowKey { unit: format!("U{u:05}"), period: Some("2025".into()) }).collect(),
        numbers: BTreeMap::new(),
        labels: BTreeMap::new(),
    };
    panel.labels.insert("group".into(), (0..units).map(|u| Some(format!("G{}", u % 10))).collect());
    panel.numbers.insert("population".into(), (0..units).map(|_| Some(10.0 + 90.0 * rng.uniform())).collect());
    let mut framework = Vec::with_capacity(indicators);
    for i in 0..indicators {
        let column = (0..units)
            .map(|_| {
                if rng.uniform() < 0.02 {
                    return None;
                }
                Some(match i % 5 {
                    0 | 1 => 50.0 + 10.0 * rng.normal(),
                    2 | 3 => (1.0 + 0.8 * rng.normal()).exp(),
                    _ => rng.uniform().powf(-1.0 / 1.1),
                })
            })
            .collect();
        let code = format!("x{i:03}");
        panel.numbers.insert(code.clone(), column);
        framework.push(Indicator {
            code,
            name: format!("Indicator {i}"),
            parent: format!("sub{}", i % 10),
            weight: 1.0 + f64::from(u8::try_from(i % 3).unwrap_or(0)),
            direction: if i % 7 == 0 { Direction::Negative } else { Direction::Positive },
            denominator: (i % 5 == 0).then(|| "population".to_owned()),
            bounds: None,
            transform: None,
        });
    }
    let mut aggregates = vec![Aggregate { code: "index".into(), name: "Index".into(), parent: None, weight: 1.0 }];
    for p in 0..3 {
        aggregates.push(Aggregate {
            code: format!("pillar{p}"),
            name: format!("Pillar {p}"),
            parent: Some("index".into()),
            weight: 1.0,
        });
    }
    for s in 0..10 {
        aggregates.push(Aggregate {
            code: format!("sub{s}"),
            name: format!("Sub-pillar {s}"),
            parent: Some(format!("pillar{}", s % 3)),
            weight: 1.0,
        });
    }
    let mut method = Method::default();
    method.impute.method = ImputeMethod::GroupMean;
    method.impute.group = Some("group".into());
    (panel, Framework::new(framework, aggregates).expect("a valid framework"), method)
}

fn main() {
    let (units, indicators, reps) = (env("UNITS", 3000), env("INDICATORS", 100), env("REPS", 20));
    let (panel, framework, method) = data(units, indicators);
    let first = build(&panel, &framework, &method).expect("the pipeline runs");
    let winsorised = first.treatment.iter().filter(|t| t.outcome.points_low + t.outcome.points_high > 0).count();
    let points: usize = first.treatment.iter().map(|t| t.outcome.points_low + t.outcome.points_high).sum();
    let logged = first.treatment.iter().filter(|t| t.outcome.log).count();
    let mut times: Vec<Duration> = (0..reps.max(1))
        .map(|_| {
            let t0 = Instant::now();
            let board = build(&panel, &framework, &method).expect("the pipeline runs");
            let elapsed = t0.elapsed();
            assert_eq!(board.rank.len(), units);
            elapsed
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "index build: {units} units × {indicators} indicators, {reps} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms \
         (target < 100 ms); {winsorised} indicators winsorised ({points} points), {logged} CT-log fallbacks, \
         {} ranked",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        first.rank.iter().flatten().count()
    );
}
