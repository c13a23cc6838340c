//! Sensitivity of ranks to the weights (the uncertainty analysis of the OECD/JRC Handbook,
//! step 7, restricted to the weights): ranks under many random perturbations of every weight,
//! shown per unit as the median rank and an interval.
//!
//! Each run multiplies every weight (every indicator and every aggregate except the root) by
//! its own factor drawn uniformly from `[1 − spread, 1 + spread)`, then renormalises the
//! weights within each parent to sum to 1 (weights are relative, §1, so this changes no
//! result: it makes the perturbed weights read as shares). The scores are re-aggregated from
//! the normalised table with [`Reweighter`] (valid because weights enter only at aggregation,
//! see [`super::whatif`]) and the root ranked per period.
//!
//! Deterministic: the factors come from a SplitMix64 generator seeded with
//! [`Settings::seed`], drawn run by run, indicators then aggregates in framework order; the
//! same inputs and settings always give the same result.
//!
//! Per row (unit and period): the rank with the base weights, the median of the run ranks (the
//! mean of the two middle ones for an even number of runs), the 5th and 95th percentiles by
//! the nearest-rank method (the `⌈q·N⌉`-th smallest of the N run ranks, so always a rank that
//! occurred) and the share of runs in which the unit kept its base rank. Units without a rank
//! (no score, or `[rank] exclude`) get none of these; weights never make a score appear or
//! disappear, since a node's presence depends only on which of its children have scores.

use super::framework::{Child, Framework};
use super::method::Method;
use super::whatif::{Reweighter, Weights, WhatIfError};
use super::Scoreboard;

/// How many runs, how far the weights move, and the seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Number of perturbed weight sets, ≥ 1 (default 1000).
    pub runs: usize,
    /// Each weight is multiplied by a factor from `[1 − spread, 1 + spread)`; `0 ≤ spread < 1`
    /// (default 0.25, ±25 %).
    pub spread: f64,
    /// The generator's seed (default 1).
    pub seed: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { runs: 1000, spread: 0.25, seed: 1 }
    }
}

/// The ranks of one row over the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInterval {
    pub unit: String,
    pub period: Option<String>,
    /// The rank with the base weights.
    pub rank: Option<u32>,
    /// The median rank over the runs.
    pub median: Option<f64>,
    /// The 5th percentile of the run ranks (the better end of the interval).
    pub low: Option<u32>,
    /// The 95th percentile of the run ranks.
    pub high: Option<u32>,
    /// The share of runs in which the unit had its base rank, in [0, 1].
    pub kept: Option<f64>,
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed 64-bit generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1), with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        u
    }
}

/// Ranks under `settings.runs` random perturbations of the weights `base`, one
/// [`RankInterval`] per row of `board` (canonical order). `board` must come from a build with
/// `framework` and `method`; pass `Weights::of(framework)` as `base` for the index's own
/// weights, or what-if weights.
///
/// # Errors
/// [`WhatIfError::NoRuns`], [`WhatIfError::BadSpread`], and the errors of
/// [`Reweighter::new`] and [`Reweighter::aggregate`].
pub fn sensitivity(
    board: &Scoreboard,
    framework: &Framework,
    method: &Method,
    base: &Weights,
    settings: &Settings,
) -> Result<Vec<RankInterval>, WhatIfError> {
    if settings.runs == 0 {
        return Err(WhatIfError::NoRuns);
    }
    if !(settings.spread.is_finite() && (0.0..1.0).contains(&settings.spread)) {
        return Err(WhatIfError::BadSpread { value: settings.spread });
    }
    let reweighter = Reweighter::new(board, framework, method)?;
    // Checks the base weights once; perturbed weights stay finite and ≥ 0.
    let mut aggregated = Vec::new();
    reweighter.aggregate(base, &mut aggregated)?;
    let mut base_rank = Vec::new();
    reweighter.rank(&aggregated[framework.root()], &mut base_rank);

    let rows = board.rows.len();
    let mut ranks: Vec<Vec<u32>> =
        base_rank.iter().map(|r| if r.is_some() { Vec::with_capacity(settings.runs) } else { Vec::new() }).collect();
    let mut rng = SplitMix64::new(settings.seed);
    let mut weights = base.clone();
    let mut run_rank = Vec::with_capacity(rows);
    let root = framework.root();
    for _ in 0..settings.runs {
        perturb(framework, base, settings.spread, &mut rng, &mut weights);
        reweighter.aggregate_unchecked(&weights, &mut aggregated)?;
        reweighter.rank(&aggregated[root], &mut run_rank);
        for ((list, rank), base) in ranks.iter_mut().zip(&run_rank).zip(&base_rank) {
            if let (Some(rank), Some(_)) = (rank, base) {
                list.push(*rank);
            }
        }
    }
    Ok(board
        .rows
        .iter()
        .zip(base_rank)
        .zip(ranks)
        .map(|((row, rank), mut list)| {
            let mut out = RankInterval {
                unit: row.unit.clone(),
                period: row.period.clone(),
                rank,
                median: None,
                low: None,
                high: None,
                kept: None,
            };
            if let (Some(rank), false) = (rank, list.is_empty()) {
                list.sort_unstable();
                let n = list.len();
                let median = if n % 2 == 1 {
                    f64::from(list[n / 2])
                } else {
                    (f64::from(list[n / 2 - 1]) + f64::from(list[n / 2])) / 2.0
                };
                out.median = Some(median);
                out.low = Some(list[nearest_rank(n, 5)]);
                out.high = Some(list[nearest_rank(n, 95)]);
                #[allow(clippy::cast_precision_loss)]
                let kept = list.iter().filter(|&&r| r == rank).count() as f64 / n as f64;
                out.kept = Some(kept);
            }
            out
        })
        .collect())
}

/// The index of the `percent`-th percentile among `n` sorted values, nearest-rank method:
/// `⌈percent·n/100⌉ − 1`, at least 0.
fn nearest_rank(n: usize, percent: usize) -> usize {
    (percent * n).div_ceil(100).max(1) - 1
}

/// One run's weights: every non-root weight times a factor from `[1 − spread, 1 + spread)`,
/// then divided by the sum of its siblings' perturbed weights.
fn perturb(framework: &Framework, base: &Weights, spread: f64, rng: &mut SplitMix64, out: &mut Weights) {
    let mut factor = || 1.0 - spread + 2.0 * spread * rng.next_f64();
    for (w, b) in out.indicators.iter_mut().zip(&base.indicators) {
        *w = b * factor();
    }
    let root = framework.root();
    for (a, (w, b)) in out.aggregates.iter_mut().zip(&base.aggregates).enumerate() {
        if a != root {
            *w = b * factor();
        }
    }
    for a in 0..framework.aggregates().len() {
        let children = framework.children(a);
        let total: f64 = children.iter().map(|&c| out.of_child(c)).sum();
        if total > 0.0 {
            for &c in children {
                match c {
                    Child::Indicator(i) => out.indicators[i] /= total,
                    Child::Aggregate(b) => out.aggregates[b] /= total,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::index::build;
    use crate::index::whatif::tests::{panel, small_framework};

    fn board(units: usize, periods: usize, cells: &[Option<f64>]) -> (Scoreboard, Framework, Method) {
        let f = small_framework();
        let method = Method::default();
        let b = build(&panel(units, periods, cells), &f, &method).unwrap();
        (b, f, method)
    }

    const CELLS: [Option<f64>; 11] = [
        Some(9.0),
        Some(1.0),
        Some(5.0),
        Some(8.0),
        Some(2.0),
        Some(4.0),
        Some(3.0),
        Some(6.0),
        Some(7.0),
        None,
        Some(2.5),
    ];

    #[test]
    fn splitmix64_reference_values() {
        // The first outputs for seed 1234567 of Vigna's splitmix64.c (checked against a Python
        // transcription of it).
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
        assert_eq!(rng.next_u64(), 9_817_491_932_198_370_423);
        let mut rng = SplitMix64::new(7);
        for _ in 0..1000 {
            let u = rng.next_f64();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(1000, 5), 49);
        assert_eq!(nearest_rank(1000, 95), 949);
        assert_eq!(nearest_rank(1, 5), 0);
        assert_eq!(nearest_rank(1, 95), 0);
        assert_eq!(nearest_rank(20, 5), 0);
        assert_eq!(nearest_rank(20, 95), 18);
    }

    #[test]
    fn zero_spread_keeps_every_rank() {
        let (b, f, m) = board(6, 2, &CELLS);
        let s = sensitivity(&b, &f, &m, &Weights::of(&f), &Settings { runs: 50, spread: 0.0, seed: 3 }).unwrap();
        assert_eq!(s.len(), b.rows.len());
        for (r, base) in s.iter().zip(&b.rank) {
            assert_eq!(r.rank, *base);
            if let Some(rank) = base {
                assert_eq!((r.low, r.high, r.kept), (Some(*rank), Some(*rank), Some(1.0)), "{r:?}");
                assert_eq!(r.median, Some(f64::from(*rank)));
            }
        }
    }

    #[test]
    fn a_unit_best_everywhere_stays_first_and_ties_move() {
        // u0 is best on every indicator (d is negative: lowest); u1 and u2 trade places.
        let cells = [
            Some(10.0),
            Some(10.0),
            Some(10.0),
            Some(0.0),
            Some(9.0),
            Some(1.0),
            Some(5.0),
            Some(5.0),
            Some(1.0),
            Some(9.0),
            Some(5.0),
            Some(5.0),
            Some(0.0),
            Some(0.0),
            Some(0.0),
            Some(10.0),
        ];
        let (b, f, m) = board(4, 1, &cells);
        let s = sensitivity(&b, &f, &m, &Weights::of(&f), &Settings::default()).unwrap();
        assert_eq!(s[0].rank, Some(1));
        assert_eq!((s[0].low, s[0].high, s[0].kept), (Some(1), Some(1), Some(1.0)));
        assert_eq!((s[3].low, s[3].high, s[3].kept), (Some(4), Some(4), Some(1.0)), "worst everywhere");
        // Normalised a: u1 90, u2 10; b: u1 10, u2 90; c and d tie them. On p1 u1 scores
        // (90·wa + 10·wb)/(wa + wb) and u2 the mirror, so u1 is ahead iff wa > wb. With the
        // base weights 1 and 2 and ±25 %, wb/wa stays within [1.2, 3.33]: the ranks hold.
        assert_eq!(s[1].rank, Some(3));
        assert_eq!(s[2].rank, Some(2));
        // With ±90 %, wb/wa ranges over [0.105, 38]: the order changes in some runs.
        let wide = sensitivity(&b, &f, &m, &Weights::of(&f), &Settings { spread: 0.9, ..Settings::default() }).unwrap();
        assert!(wide[1].kept.unwrap() < 1.0 && wide[1].low == Some(2) && wide[1].high == Some(3), "{:?}", wide[1]);
        let moved_1 = 1.0 - wide[1].kept.unwrap();
        let moved_2 = 1.0 - wide[2].kept.unwrap();
        assert!((moved_1 - moved_2).abs() < 1e-12, "they swap together");
    }

    #[test]
    fn bad_settings_are_refused() {
        let (b, f, m) = board(3, 1, &CELLS);
        let w = Weights::of(&f);
        let run = |s: Settings| sensitivity(&b, &f, &m, &w, &s).unwrap_err();
        assert_eq!(run(Settings { runs: 0, ..Settings::default() }), WhatIfError::NoRuns);
        assert_eq!(run(Settings { spread: 1.0, ..Settings::default() }), WhatIfError::BadSpread { value: 1.0 });
        assert_eq!(run(Settings { spread: -0.1, ..Settings::default() }).code(), "index.whatif.bad_spread");
        assert_eq!(run(Settings { spread: f64::NAN, ..Settings::default() }).code(), "index.whatif.bad_spread");
    }

    #[test]
    fn excluded_and_unscored_rows_get_no_interval() {
        let f = small_framework();
        let mut m = Method::default();
        m.rank.exclude = vec!["u1".into()];
        let mut cells = CELLS.to_vec();
        cells.truncate(8);
        cells.extend([None, None, None, None]);
        let b = build(&panel(3, 1, &cells), &f, &m).unwrap();
        let s = sensitivity(&b, &f, &m, &Weights::of(&f), &Settings::default()).unwrap();
        assert_eq!(s[1].rank, None, "excluded");
        assert_eq!(s[2].rank, None, "no score");
        assert!(s[1..].iter().all(|r| r.median.is_none() && r.low.is_none() && r.kept.is_none()));
        assert_eq!(s[0].rank, Some(1));
    }

    proptest! {
        #[test]
        fn intervals_are_ordered_deterministic_and_within_the_ranks(
            units in 2_usize..9,
            cells in proptest::collection::vec(proptest::option::weighted(0.9, 0.0..100.0_f64), 8..40),
            spread in 0.0..0.95_f64,
            seed in proptest::num::u64::ANY,
        ) {
            let f = small_framework();
            let m = Method::default();
            let b = build(&panel(units, 2, &cells), &f, &m);
            prop_assume!(b.is_ok());
            let b = b.unwrap();
            let settings = Settings { runs: 101, spread, seed };
            let s = sensitivity(&b, &f, &m, &Weights::of(&f), &settings).unwrap();
            prop_assert_eq!(&s, &sensitivity(&b, &f, &m, &Weights::of(&f), &settings).unwrap());
            for r in &s {
                let ranked = s.iter().filter(|x| x.period == r.period && x.rank.is_some()).count();
                if let (Some(low), Some(high), Some(median), Some(kept)) = (r.low, r.high, r.median, r.kept) {
                    prop_assert!(1 <= low && f64::from(low) <= median && median <= f64::from(high));
                    prop_assert!(high as usize <= ranked);
                    prop_assert!((0.0..=1.0).contains(&kept));
                } else {
                    prop_assert!(r.rank.is_none());
                }
            }
        }
    }
}
