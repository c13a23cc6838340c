//! Benchmark: the pure part of the cultivation pool over the register: for each firm, the
//! mapping from the register (`firm_input`), HNTE and S&T SME evaluation (as of 1 January
//! 2025, figures of 2022-2024), the gap size, then the ranking of the near misses. One thread.
//!
//! `cargo bench -p gaodi-domain --bench cultivation`; `FIRMS` (default 3,212, the demo's
//! organisations) and `ROUNDS` (default 20) change the size. Firms are generated
//! deterministically (splitmix64) before the clock starts. Loading from the database is not
//! included (the store loads every firm in five queries).

use std::hint::black_box;
use std::time::{Duration, Instant};

use gaodi_domain::money::Money;
use gaodi_domain::registry::{IndustryCode, RdHnte, TierKind, YearlyFacts};
use gaodi_domain::rules::cultivation::{gap_size, is_near_miss};
use gaodi_domain::rules::{firm_input, Evaluator, RegistryFirm, RegistryTier, RuleKind};
use time::macros::date;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low).unwrap_or(1).max(1);
        low + i64::try_from(self.next() % span).unwrap_or(0)
    }
}

fn firm(index: u64) -> RegistryFirm {
    let mut rng = Rng(index);
    let revenue = rng.range(2_000_000_000, 80_000_000_000);
    let staff = u32::try_from(rng.range(20, 2_000)).unwrap_or(100);
    let years = [2022, 2023, 2024]
        .into_iter()
        .map(|year| {
            let rd = revenue * rng.range(20, 90) / 1000;
            let zero = Some(Money::ZERO);
            let facts = YearlyFacts {
                main_business_revenue: Some(Money::from_fen(revenue)),
                other_business_revenue: Some(Money::from_fen(revenue / 50)),
                gross_income_cit: Some(Money::from_fen(revenue + revenue / 50)),
                non_taxable_income: zero,
                hightech_revenue: Some(Money::from_fen(revenue * rng.range(40, 95) / 100)),
                total_assets_ye: Some(Money::from_fen(revenue * 12 / 10)),
                total_liabilities_ye: Some(Money::from_fen(revenue * 6 / 10)),
                rd_hnte: RdHnte {
                    personnel: Some(Money::from_fen(rd * 6 / 10)),
                    direct_inputs: Some(Money::from_fen(rd - rd * 6 / 10)),
                    depreciation_and_lt_prepaid: zero,
                    intangible_amort: zero,
                    design: zero,
                    equipment_testing: zero,
                    commissioned_external_counted: zero,
                    other: zero,
                },
                rd_hnte_domestic: Some(Money::from_fen(rd)),
                staff_total: Some(staff),
                staff_st: Some(staff * u32::try_from(rng.range(5, 40)).unwrap_or(10) / 100),
                ..YearlyFacts::default()
            };
            (year, facts)
        })
        .collect();
    let tiers = if index.is_multiple_of(3) {
        vec![RegistryTier {
            kind: TierKind::Hte,
            reference: Some(format!("GR2022430{:05}", index % 100_000)),
            valid_from: date!(2022 - 11 - 01),
            valid_to: Some(date!(2025 - 10 - 31)),
        }]
    } else {
        Vec::new()
    };
    RegistryFirm {
        uscc: format!("9143020{index:011}"),
        founded_on: Some(date!(2012 - 05 - 01)),
        region_code: Some("430202".to_owned()),
        industry: IndustryCode::parse("C39").ok(),
        tiers,
        years,
        ip_items: Vec::new(),
        platforms: Vec::new(),
    }
}

fn main() {
    let firms: u64 = std::env::var("FIRMS").ok().and_then(|n| n.parse().ok()).unwrap_or(3_212);
    let rounds: u32 = std::env::var("ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(20);
    let register: Vec<RegistryFirm> = (0..firms).map(firm).collect();
    let as_of = Some(date!(2025 - 01 - 01));
    let mut evaluator = Evaluator::without_inputs();
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut near = 0;
    for _ in 0..rounds {
        let clock = Instant::now();
        let mut entries = Vec::new();
        for (index, f) in register.iter().enumerate() {
            let input = firm_input(f);
            for rule in [RuleKind::Hnte, RuleKind::Sme] {
                let eval = evaluator.evaluate(rule, &input, as_of).expect("evaluates");
                if is_near_miss(&eval) {
                    entries.push((gap_size(&eval), index));
                }
                evaluator.recycle(eval);
            }
        }
        entries.sort();
        near = black_box(entries.len());
        let elapsed = clock.elapsed();
        best = best.min(elapsed);
        total += elapsed;
    }
    println!("cultivation bench: {firms} firms x (mapping + HNTE + SME + gap size) + ranking, one thread");
    println!(
        "  best of {rounds}: {:.1} ms; mean {:.1} ms; {near} near misses",
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / f64::from(rounds)
    );
    println!(
        "  load average: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
