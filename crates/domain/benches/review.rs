//! Benchmark: the review desk's pure engines at the size of the bureau's year (602
//! applications), one thread: conflict detection of the whole pool against every application
//! (`conflict::detect_all`), the seeded panel draw and its replay (`draw`), and the ranking of
//! five reviews per application with per-reviewer z-scores (`review::rank`).
//!
//! `cargo bench -p gaodi-domain --bench review`; `APPLICATIONS` (default 602), `EXPERTS`
//! (default 420, the demo's pool) and `ROUNDS` (default 20) change the size. Inputs are
//! generated deterministically (splitmix64) before the clock starts.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gaodi_domain::project::conflict::{detect_all, ApplicationFacts, ConflictKind, ExpertFacts, Link, Span};
use gaodi_domain::project::draw::{draw, replay};
use gaodi_domain::project::review::{rank, Aggregation, Review, ReviewTemplate};
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

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn time<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..rounds {
        let start = Instant::now();
        let r = black_box(f());
        best = best.min(start.elapsed());
        out = Some(r);
    }
    (best, out.expect("at least one round"))
}

fn main() {
    let (apps, experts, rounds) = (env("APPLICATIONS", 602), env("EXPERTS", 420), env("ROUNDS", 20).max(1));
    let mut rng = Rng(20_211_231);
    let orgs = 3_200u64;
    let org = |rng: &mut Rng| i64::try_from(rng.below(orgs)).unwrap_or(0) + 1;
    let pool: Vec<ExpertFacts> = (0..experts)
        .map(|i| {
            let id = i64::try_from(i).unwrap_or(0) + 100_000;
            let affiliations = (0..1 + rng.below(3))
                .map(|k| {
                    let start =
                        date!(2010 - 01 - 01) + time::Duration::days(i64::try_from(rng.below(3000)).unwrap_or(0));
                    let end =
                        (k == 0).then(|| start + time::Duration::days(i64::try_from(rng.below(2500)).unwrap_or(0)));
                    Span {
                        organisation_id: org(&mut rng),
                        organisation_name: "单位".into(),
                        valid_from: start,
                        valid_to: end,
                    }
                })
                .collect();
            let links = (0..rng.below(2))
                .map(|_| Link {
                    kind: ConflictKind::Shareholding,
                    person_id: None,
                    organisation_id: Some(org(&mut rng)),
                    note: "持股".into(),
                })
                .collect();
            ExpertFacts { person_id: id, name: format!("专家{i}"), affiliations, links }
        })
        .collect();
    let applications: Vec<ApplicationFacts> = (0..apps)
        .map(|i| ApplicationFacts {
            application_id: i64::try_from(i).unwrap_or(0) + 1,
            organisation_id: org(&mut rng),
            organisation_name: "申报单位".into(),
            partner_organisations: (0..rng.below(3)).map(|_| (org(&mut rng), "合作单位".into())).collect(),
            people: (0..1 + rng.below(4))
                .map(|_| (i64::try_from(rng.below(200_000)).unwrap_or(0) + 100_000, "成员".into()))
                .collect(),
        })
        .collect();
    let (t_conflicts, found) = time(rounds, || detect_all(&pool, &applications, date!(2021 - 05 - 10), 3).len());

    let ids: Vec<i64> = pool.iter().map(|e| e.person_id).collect();
    let (t_draw, d) = time(rounds, || draw(&ids, 20_210_510, 25).expect("pool large enough"));
    let (t_replay, ok) = time(rounds, || replay(&ids, &d).is_ok());
    assert!(ok, "the draw replays");

    let mut template = ReviewTemplate::standard();
    template.aggregation = Aggregation::TrimmedMean;
    template.zscore = true;
    let reviews: Vec<Review> = (0..apps)
        .flat_map(|a| {
            let merit = i64::try_from(rng.below(7)).unwrap_or(0) + 3;
            (0..5u64)
                .map(|k| {
                    let reviewer = i64::try_from((a as u64 * 7 + k * 131) % experts as u64).unwrap_or(0);
                    let score = |rng: &mut Rng| (merit + i64::try_from(rng.below(3)).unwrap_or(0) - 1).clamp(0, 10);
                    Review {
                        application: i64::try_from(a).unwrap_or(0) + 1,
                        reviewer,
                        scores: vec![score(&mut rng), score(&mut rng), score(&mut rng), score(&mut rng)],
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let (t_rank, standings) = time(rounds, || rank(&template, &reviews).expect("valid reviews"));

    println!("review desk engines, best of {rounds} rounds, one thread");
    println!("  conflicts  {experts} experts x {apps} applications: {:>9.3} ms ({found} conflicts)", ms(t_conflicts));
    println!("  draw       25 of {experts}, whole order:          {:>9.3} ms", ms(t_draw));
    println!("  replay     same:                                {:>9.3} ms", ms(t_replay));
    println!(
        "  rank       {} reviews, trimmed mean, z-score: {:>9.3} ms ({} ranked)",
        reviews.len(),
        ms(t_rank),
        standings.len()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
