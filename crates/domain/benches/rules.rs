//! Benchmark: every rule (HNTE, S&T SME, super-deduction, Hunan reward) over 500,000
//! synthetic firms, one thread (issue target: under 2 s in release mode).
//!
//! `cargo bench -p gaodi-domain --bench rules`; `FIRMS` changes the number of firms. The firms
//! are generated deterministically (splitmix64 from the firm's index), in chunks, so that
//! memory stays small; only the evaluation is timed, not the generation: `Evaluator::
//! evaluate_all` (the input check and the explainable results of the four rules), reading the
//! outcome, and handing the results back (`Evaluator::recycle`, so that buffers are reused as
//! in a batch over the register). It runs twice per chunk: with the full results, and with
//! `Evaluator::without_inputs` (no `inputs` lists). Wall-clock and thread CPU time are both
//! printed, with the load average: the machine may be shared.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use gaodi_domain::money::Money;
use gaodi_domain::registry::{Acquisition, IndustryCode, IpKind, RdHnte, RdSd};
use gaodi_domain::rules::input::{
    ByYear, Conversion, ConversionForm, FirmInput, Headcount, Incident, IncidentKind, IpRecord, StaffCount,
    TaxAssessment, TechField,
};
use gaodi_domain::rules::{Evaluator, Outcome, RuleKind};
use time::macros::date;
use time::{Date, Duration as Days};

const CHUNK: u64 = 1_000;

/// splitmix64: a small, fast, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = u64::try_from(high - low).unwrap_or(1).max(1);
        low + i64::try_from(self.next() % span).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn fen(value: i64) -> Money {
    Money::from_fen(value)
}

fn years(values: [i64; 3]) -> ByYear<Money> {
    ByYear::from_pairs([(2022, fen(values[0])), (2023, fen(values[1])), (2024, fen(values[2]))])
}

fn one_year(value: i64) -> ByYear<Money> {
    ByYear::from_pairs([(2024, fen(value))])
}

/// One synthetic firm: complete data for every rule, with figures spread around the thresholds.
fn firm(index: u64) -> FirmInput {
    let mut rng = Rng(index.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let sales_2024 = rng.range(100_000_000, 40_000_000_000); // 1,000,000 to 400,000,000 yuan
    let sales = [sales_2024 * rng.range(60, 110) / 100, sales_2024 * rng.range(80, 110) / 100, sales_2024];
    let rd_percent = rng.range(0, 900); // 0 to 9% in hundredths
    let rd = sales.map(|s| s * rd_percent / 10_000);
    let staff = rng.range(5, 700) * Headcount::SCALE;
    let tech = staff * rng.range(0, 45) / 100;
    let code = ["I65", "C39", "C38", "M73", "F51", "C30"][usize::try_from(rng.next() % 6).unwrap_or(0)];
    let industry = IndustryCode::parse(code).unwrap_or_else(|_| unreachable!());
    let net = rng.range(100_000_000, 5_000_000_000); // 1,000,000 to 50,000,000 yuan
    let growth = rng.range(90, 140);
    let ip_count = rng.range(0, 7);
    let kinds = [IpKind::InventionPatent, IpKind::UtilityModel, IpKind::SoftwareCopyright, IpKind::Trademark];
    let ip_items = (0..ip_count)
        .map(|_| IpRecord {
            kind: Some(kinds[usize::try_from(rng.next() % 4).unwrap_or(0)]),
            granted_in_china: Some(true),
            grant_date: Some(date!(2020 - 01 - 01) + Days::days(rng.range(0, 1800))),
            owner_is_applicant: Some(true),
            acquisition: Some(if rng.chance(80) { Acquisition::SelfDeveloped } else { Acquisition::Transfer }),
            related_to_main_product: Some(rng.chance(90)),
            in_dispute: Some(false),
            ..IpRecord::default()
        })
        .collect();
    let conversions = (0..rng.range(0, 18))
        .map(|i| Conversion {
            achievement_id: format!("A{}", i % 15),
            year: i32::try_from(2022 + i % 3).unwrap_or(2022),
            form: ConversionForm::OwnImplementation,
        })
        .collect();
    let incidents = if rng.chance(3) {
        vec![Incident { date: date!(2025 - 06 - 15) - Days::days(rng.range(0, 700)), kind: IncidentKind::MajorSafety }]
    } else {
        Vec::new()
    };
    let monthly = |count: i64| vec![StaffCount::flat(Headcount::from_units(count)); 12];
    let quarterly = |count: i64| vec![StaffCount::flat(Headcount::from_units(count)); 4];
    let rd_hnte = |amount: i64| RdHnte {
        personnel: Some(fen(amount * 6 / 10)),
        direct_inputs: Some(fen(amount * 2 / 10)),
        depreciation_and_lt_prepaid: Some(fen(amount / 20)),
        intangible_amort: Some(fen(0)),
        design: Some(fen(amount / 20)),
        equipment_testing: Some(fen(0)),
        commissioned_external_counted: Some(fen(0)),
        other: Some(fen(amount - amount * 6 / 10 - amount * 2 / 10 - amount / 10)),
    };
    let registered = date!(2010 - 01 - 01) + Days::days(rng.range(0, 5600));
    FirmInput {
        uscc: None,
        registration_date: Some(registered),
        registered_in_mainland: Some(true),
        resident_enterprise: Some(true),
        is_branch_without_legal_person: Some(false),
        tax_assessment_method: ByYear::from_pairs([
            (2024, if rng.chance(95) { TaxAssessment::ActualProfit } else { TaxAssessment::Deemed }),
            (2025, TaxAssessment::ActualProfit),
        ]),
        accounting_sound: ByYear::from_pairs([(2024, true)]),
        rd_costs_tracked_by_project: ByYear::from_pairs([(2024, rng.chance(90))]),
        province: Some("430000".to_owned()),
        city: Some("430200".to_owned()),
        main_industry_gb4754: ByYear::from_pairs([(2024, industry)]),
        revenue_by_industry: ByYear::from_pairs([(2024, BTreeMap::from([(industry, fen(sales_2024))]))]),
        in_restricted_or_eliminated_catalogue: ByYear::from_pairs([(2024, false)]),
        on_ic_or_machine_tool_list: ByYear::from_pairs([(2024, rng.chance(2))]),
        hunan_key_hightech_field: ByYear::from_pairs([(2024, rng.chance(40))]),
        hnte_application_date: Some(date!(2025 - 06 - 15)),
        sme_evaluation_year: Some(2025),
        as_of: Some(date!(2025 - 06 - 15)),
        tax_year: Some(2024),
        award_year: Some(2025),
        staff_monthly: ByYear::from_pairs([(2024, monthly(staff))]),
        tech_staff_monthly: ByYear::from_pairs([(2024, monthly(tech))]),
        operating_months: ByYear::from_pairs([(2024, 12)]),
        staff_quarterly: ByYear::from_pairs([(2024, quarterly(staff))]),
        tech_staff_quarterly: ByYear::from_pairs([(2024, quarterly(tech))]),
        main_business_revenue: years(sales),
        other_business_revenue: years([0, 0, 0]),
        gross_income_cit: one_year(sales_2024 + sales_2024 / 50),
        non_taxable_income: one_year(0),
        investment_income: one_year(0),
        hightech_revenue: one_year(sales_2024 * rng.range(30, 95) / 100),
        total_assets_ye: years([net, net * growth / 100, net * growth * growth / 10_000].map(|n| n * 2)),
        total_liabilities_ye: years([net, net * growth / 100, net * growth * growth / 10_000]),
        cost_expense_total: one_year(sales_2024 * 85 / 100),
        rd_hnte: ByYear::from_pairs([(2022, rd_hnte(rd[0])), (2023, rd_hnte(rd[1])), (2024, rd_hnte(rd[2]))]),
        rd_hnte_domestic: years(rd.map(|amount| amount * rng.range(50, 101) / 100)),
        rd_sd: ByYear::from_pairs([(
            2024,
            RdSd {
                personnel: Some(fen(rd[2] * 6 / 10)),
                direct_inputs: Some(fen(rd[2] * 2 / 10)),
                depreciation: Some(fen(rd[2] / 20)),
                intangible_amort: Some(fen(0)),
                design_trials: Some(fen(rd[2] / 20)),
                other_related: Some(fen(rd[2] / 10)),
            },
        )]),
        rd_commissioned_domestic_paid: one_year(rd[2] / 10),
        rd_commissioned_abroad_paid: one_year(if rng.chance(10) { rd[2] / 5 } else { 0 }),
        rd_commissioned_related_party: ByYear::from_pairs([(2024, false)]),
        rd_nontaxable_grants_used: one_year(0),
        rd_intangibles: Some(Vec::new()),
        sd_base_assessed: ByYear::from_pairs([(2023, fen(rd[1])), (2024, fen(rd[2]))]),
        ip_items: Some(ip_items),
        tech_field: Some(TechField::AdvancedManufacturingAndAutomation),
        conversions: Some(conversions),
        standards_participation: Some(Vec::new()),
        incidents: Some(incidents),
        abnormal_list_periods: Some(Vec::new()),
        serious_dishonesty_list_periods: Some(Vec::new()),
        hnte_certificates: Some(Vec::new()),
        national_st_awards: Some(Vec::new()),
        rd_institutions: Some(Vec::new()),
        standards_led: Some(Vec::new()),
        sme_registrations: Some(Vec::new()),
        ..FirmInput::default()
    }
}

/// CPU time this thread has used (user + system), from `/proc/thread-self/stat` in clock
/// ticks of 10 ms; `None` where that file does not exist. The machine may be shared, so the
/// wall-clock time alone can overstate the cost.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

const OUTCOMES: [&str; 5] = ["eligible", "not_eligible", "needs_expert", "unknown", "error"];

/// Time spent, and outcomes counted, by one evaluator.
#[derive(Default)]
struct Run {
    wall: Duration,
    cpu: Option<Duration>,
    tally: [[u64; 5]; 4],
    refused: u64,
}

impl Run {
    /// Timed: evaluates every rule for each firm, counts the outcome, hands the results back.
    fn chunk(&mut self, evaluator: &mut Evaluator, chunk: &[FirmInput], as_of: Option<Date>) {
        let cpu_before = thread_cpu();
        let clock = Instant::now();
        for input in chunk {
            match evaluator.evaluate_all(black_box(input), as_of) {
                Ok(evaluations) => {
                    for (counts, evaluation) in self.tally.iter_mut().zip(evaluations) {
                        let slot = match black_box(evaluation) {
                            Ok(evaluation) => {
                                let slot = match evaluation.outcome {
                                    Outcome::Eligible => 0,
                                    Outcome::NotEligible => 1,
                                    Outcome::NeedsExpert => 2,
                                    Outcome::Unknown => 3,
                                };
                                evaluator.recycle(evaluation);
                                slot
                            }
                            Err(_) => 4,
                        };
                        counts[slot] += 1;
                    }
                }
                Err(_) => self.refused += 1,
            }
        }
        self.wall += clock.elapsed();
        self.cpu = self.cpu.zip(cpu_before).zip(thread_cpu()).map(|((total, before), after)| total + (after - before));
    }

    fn report(&self, label: &str, firms: u64) {
        #[allow(clippy::cast_precision_loss)]
        let per_firm = self.wall.as_secs_f64() * 1e6 / firms.max(1) as f64;
        let cpu =
            self.cpu.map_or_else(String::new, |cpu| format!(", {:.2} s CPU time of the thread", cpu.as_secs_f64()));
        println!("  {label}: {:.3} s wall ({per_firm:.2} µs per firm){cpu}", self.wall.as_secs_f64());
    }
}

fn main() {
    let firms: u64 = std::env::var("FIRMS").ok().and_then(|n| n.parse().ok()).unwrap_or(500_000);
    let as_of: Option<Date> = None;
    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut generating = Duration::ZERO;
    let mut full = Run { cpu: Some(Duration::ZERO), ..Run::default() };
    let mut lean = Run { cpu: Some(Duration::ZERO), ..Run::default() };
    // Two passes, each over freshly generated firms, so that neither finds the other's data in
    // the cache.
    for (run, mut evaluator) in [(&mut full, Evaluator::new()), (&mut lean, Evaluator::without_inputs())] {
        let mut start = 0;
        while start < firms {
            let end = (start + CHUNK).min(firms);
            let clock = Instant::now();
            let chunk: Vec<FirmInput> = (start..end).map(firm).collect();
            generating += clock.elapsed();
            run.chunk(&mut evaluator, &chunk, as_of);
            start = end;
        }
    }
    println!("rules bench: {firms} firms x 4 rules (HNTE, SME, super-deduction, Hunan reward), one thread");
    full.report("full results (inputs, values, gaps, notes)", firms);
    lean.report("without the inputs lists (Evaluator::without_inputs)", firms);
    println!("  generation, both passes (not counted): {:.3} s", generating.as_secs_f64());
    let met = |run: &Run| if run.wall.as_secs_f64() < 2.0 { "met" } else { "NOT met" };
    println!("  target under 2 s (wall): full {}, without inputs {}", met(&full), met(&lean));
    println!(
        "  load average before / after: {} / {}",
        load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (rule, counts) in RuleKind::ALL.iter().zip(full.tally) {
        let shown: Vec<String> = OUTCOMES
            .iter()
            .zip(counts)
            .filter(|(_, count)| *count > 0)
            .map(|(outcome, count)| format!("{outcome} {count}"))
            .collect();
        println!("  {:16} {}", rule.as_str(), shown.join(", "));
    }
    assert_eq!(full.tally, lean.tally, "both evaluators reach the same outcomes");
    if full.refused > 0 {
        println!("  inputs refused: {}", full.refused);
    }
}
