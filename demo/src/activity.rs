//! Activity of the demo, 2019-2022: S&T awards, registered technology contracts, knowledge-value
//! credit loans with their defaults and compensations, and popularisation and other S&T events,
//! as the tables their imports read. Every organisation named is a generated one; banks and
//! organisers carry （演示）.
//!
//! What the 2021 review counts (`seed-facts.csv`) is reproduced:
//! - awards of 2021: 2 national (F007) and 35 provincial (F008), of which 5 first prizes (F009)
//!   and 7 second prizes (F010); the other 23 provincial ones are third prizes;
//! - 392 contracts registered in 2021 with the seller in 醴陵市 (F089).
//!
//! Contract turnover follows the public baseline (`baseline-public.csv`), not the article: the
//! amounts of 2021 add up to exactly 20,620,000,000.00 yuan (B25, 206.2亿元, the base of the
//! 2022 target of 260亿元, F070), those of 2019 to 10,561,000,000.00 (B28, 105.61亿元); 2020 and
//! 2022 have no public figure and get a plausible synthetic total.
//!
//! Loans: the loan import carries a loan's status but not its events, so the defaults,
//! compensations and recoveries are a separate table that [`load_loans`] records through
//! `Store::add_loan_event` (see there for how a second load stays a no-op).

use std::collections::{BTreeMap, BTreeSet};

use gaodi_domain::access::Scope;
use gaodi_domain::activity::{loan_status_after, LoanEventKind, LoanScheme, LoanStatus};
use gaodi_domain::money::Money;
use gaodi_domain::region::zhuzhou_seed;
use gaodi_store::activity::{LoanFilter, NewLoanEvent, AWARD_COLUMNS, CONTRACT_COLUMNS, EVENT_COLUMNS, LOAN_COLUMNS};
use gaodi_store::import::{parse_date, ColumnSpec, ImportReport};
use gaodi_store::tabular::{Table, TableRow};
use gaodi_store::{Actor, Store, StoreError};
use rand::seq::SliceRandom;
use rand::Rng;
use time::Duration;

use crate::people::chinese_name;
use crate::{date, table, Firm, DISTRICTS};

// ---------------------------------------------------------------------------------------
// Awards
// ---------------------------------------------------------------------------------------

/// Awards per year and level: (year, level, first, second, third prizes). 2021: 2 national
/// (F007); 35 provincial (F008) = 5 first (F009) + 7 second (F010) + 23 third.
pub(crate) const AWARD_PLAN: [(i32, &str, usize, usize, usize); 10] = [
    (2019, "国家级", 0, 3, 0),
    (2019, "省级", 4, 8, 19),
    (2019, "市级", 6, 14, 25),
    (2020, "省级", 3, 9, 21),
    (2020, "市级", 6, 14, 25),
    (2021, "国家级", 0, 2, 0),
    (2021, "省级", 5, 7, 23),
    (2021, "市级", 6, 15, 26),
    (2022, "省级", 6, 10, 22),
    (2022, "市级", 7, 15, 26),
];

/// Project and contract topics by the GB/T 4754 division of the organisation (universities and
/// institutes, `P83`, work on any of them).
fn topics(industry: &str) -> &'static [&'static str] {
    match industry {
        "C38" => &[
            "大功率IGBT芯片",
            "轨道交通牵引变流器",
            "永磁同步牵引电机",
            "碳化硅功率器件",
            "电网储能变流",
            "新能源汽车电驱动系统",
        ],
        "C37" => &[
            "中低速磁浮列车悬浮控制",
            "重载电力机车制动",
            "城轨车辆轻量化车体",
            "中小型航空发动机精密叶片",
            "直升机传动系统",
            "氢燃料电池有轨电车",
            "城市轨道交通智能运维",
        ],
        "C34" => &["工业机器人精密减速器", "工业互联网平台", "服装智能柔性制造", "数控机床主轴"],
        "C30" => &["高压电瓷绝缘子", "日用陶瓷低温快烧", "电子陶瓷基片", "特种玻璃熔制", "陶瓷3D打印"],
        "C39" => &["大功率IGBT芯片", "碳化硅功率器件", "电子陶瓷基片", "车载通信模块"],
        "C26" => &["锂电池正极材料", "高性能聚合物复合材料", "环保型烟花药剂"],
        "I65" => &["工业互联网平台", "城市轨道交通智能运维", "企业研发管理系统"],
        "C33" => &["硬质合金刀具涂层", "超细晶硬质合金", "废旧硬质合金再生"],
        "M74" => &["轨道交通装备检测", "电工产品可靠性检测", "新材料性能表征"],
        _ => &[
            "大功率IGBT芯片",
            "轨道交通牵引变流器",
            "中低速磁浮列车悬浮控制",
            "中小型航空发动机精密叶片",
            "超细晶硬质合金",
            "高压电瓷绝缘子",
            "日用陶瓷低温快烧",
            "锂电池正极材料",
            "茶叶清洁化加工",
            "黄桃优质品种选育",
            "稻田综合种养",
            "中药材规范化种植",
            "服饰功能面料",
        ],
    }
}

/// (category code, award name suffix, certificate letter, title suffixes).
const CATEGORIES: [(&str, &str, &str, [&str; 3]); 3] = [
    ("st_progress", "科学技术进步奖", "J", ["关键技术及产业化", "关键技术研究与应用", "成套技术与装备"]),
    ("technological_invention", "技术发明奖", "F", ["新方法及装置", "制备新技术", "关键工艺发明"]),
    ("natural_science", "自然科学奖", "Z", ["基础理论与机理研究", "多尺度机理研究", "演化规律研究"]),
];

fn pick<'x, R: Rng, T>(rng: &mut R, items: &'x [T]) -> &'x T {
    &items[rng.gen_range(0..items.len())]
}

/// The organisations of the demo by kind: HTEs, other enterprises, universities and institutes.
struct Pools {
    hte: Vec<usize>,
    other: Vec<usize>,
    academic: Vec<usize>,
}

impl Pools {
    fn new(firms: &[Firm], hte: &BTreeSet<usize>) -> Pools {
        let enterprise = |i: &usize| firms[*i].kind == "企业";
        Pools {
            hte: hte.iter().copied().filter(enterprise).collect(),
            other: (0..firms.len()).filter(|i| enterprise(i) && !hte.contains(i)).collect(),
            academic: (0..firms.len()).filter(|i| !enterprise(i)).collect(),
        }
    }

    /// An organisation: an HTE 70% of the time, another enterprise 20%, else academic.
    fn any<R: Rng>(&self, rng: &mut R) -> usize {
        match rng.gen_range(0..10) {
            0..=6 => *pick(rng, &self.hte),
            7 | 8 => *pick(rng, &self.other),
            _ => *pick(rng, &self.academic),
        }
    }
}

/// S&T awards 2019-2022 ([`AWARD_PLAN`]): national and Hunan provincial awards to the city's
/// projects, and the city's own awards.
pub(crate) fn awards<R: Rng>(rng: &mut R, firms: &[Firm], hte: &BTreeSet<usize>) -> Table {
    let pools = Pools::new(firms, hte);
    let mut rows = Vec::new();
    for (year, level, first, second, third) in AWARD_PLAN {
        let (prefix, code) = match level {
            "国家级" => ("国家", "GJ"),
            "省级" => ("湖南省", "XK"),
            _ => ("株洲市", "ZK"),
        };
        let mut seq = 0;
        for (grade, n, digit) in [("一等奖", first, 1), ("二等奖", second, 2), ("三等奖", third, 3)] {
            for _ in 0..n {
                seq += 1;
                // Progress awards most, inventions next, natural science (from academia) least.
                let category = match rng.gen_range(0..10) {
                    0..=6 => &CATEGORIES[0],
                    7 | 8 => &CATEGORIES[1],
                    _ => &CATEGORIES[2],
                };
                let (cat, name, letter, suffixes) = category;
                let lead = if *cat == "natural_science" || rng.gen_bool(0.25) {
                    *pick(rng, &pools.academic)
                } else {
                    *pick(rng, &pools.hte)
                };
                let mut partners: Vec<usize> = Vec::new();
                for _ in 0..rng.gen_range(0..=3) {
                    let p = if rng.gen_bool(0.5) { *pick(rng, &pools.academic) } else { *pick(rng, &pools.hte) };
                    if p != lead && !partners.contains(&p) {
                        partners.push(p);
                    }
                }
                let people_n = match digit {
                    1 => rng.gen_range(6..=10),
                    2 => rng.gen_range(4..=8),
                    _ => rng.gen_range(2..=6),
                };
                let names: Vec<String> = (0..people_n)
                    .map(|_| {
                        let male = rng.gen_bool(0.75);
                        chinese_name(rng, male)
                    })
                    .collect();
                rows.push(vec![
                    year.to_string(),
                    format!("{prefix}{name}"),
                    (*cat).to_owned(),
                    level.to_owned(),
                    grade.to_owned(),
                    format!("{}{}", pick(rng, topics(firms[lead].industry)), pick(rng, suffixes)),
                    format!("{code}{year}-{letter}{digit}-{seq:03}"),
                    firms[lead].region.to_owned(),
                    firms[lead].uscc.clone(),
                    partners.iter().map(|&p| firms[p].uscc.as_str()).collect::<Vec<_>>().join("；"),
                    names.join("、"),
                ]);
            }
        }
    }
    table("科技奖励", AWARD_COLUMNS, rows)
}

// ---------------------------------------------------------------------------------------
// Technology contracts
// ---------------------------------------------------------------------------------------

/// Contracts per year: (year, contracts, total amount in yuan, of which sold from 醴陵市).
/// 2021: 20,620,000,000.00 yuan (B25 of `baseline-public.csv`) and 392 from 醴陵 (F089); 2019:
/// 10,561,000,000.00 (B28); 2020 and 2022 are synthetic (no public figure).
pub(crate) const CONTRACT_YEARS: [(i32, usize, i64, Option<usize>); 4] = [
    (2019, 1500, 10_561_000_000, None),
    (2020, 1750, 15_318_600_000, None),
    (2021, 1900, 20_620_000_000, Some(392)),
    (2022, 2150, 25_193_400_000, None),
];

/// The smallest contract, in hundreds of yuan.
const MIN_CONTRACT_HUNDREDS: i64 = 50;

const CONTRACT_KINDS: [(&str, u32); 4] = [("技术开发", 45), ("技术服务", 35), ("技术转让", 10), ("技术咨询", 10)];
const CONTRACT_SUBJECTS: [&str; 10] = [
    "工艺优化",
    "样机研制",
    "检测与标定",
    "软件系统开发",
    "可靠性提升",
    "节能改造",
    "材料配方",
    "专利实施许可",
    "产线数字化",
    "可行性论证",
];
const BUYER_PLACES: [&str; 8] = ["长沙", "湘潭", "衡阳", "广州", "深圳", "武汉", "上海", "成都"];
const BUYER_HEADS: [&str; 10] = ["华辰", "天工", "博远", "盛达", "恒信", "中科锐", "新程", "宏图", "卓能", "聚源"];
const BUYER_TAILS: [&str; 5] = ["科技有限公司", "装备有限公司", "电子有限公司", "新材料有限公司", "智能科技有限公司"];

/// 技术领域 of a contract by the seller's industry (GB/T 4754 division).
fn technical_field(industry: &str) -> &'static str {
    match industry {
        "C39" | "I65" => "电子信息",
        "C30" | "C33" => "新材料及其应用",
        "C26" => "资源与环境",
        "P83" => "现代农业",
        "M74" => "城市建设与社会发展",
        // C37, C38, C34 and the rest of manufacturing.
        _ => "先进制造与自动化",
    }
}

/// Splits `total_hundreds` over `n` contracts: each at least [`MIN_CONTRACT_HUNDREDS`], the rest
/// by integer weights (a mantissa times a power of ten, small powers most often, so most
/// contracts are modest and a few large), exactly.
fn split_amounts<R: Rng>(rng: &mut R, n: usize, total_hundreds: i64) -> Vec<i64> {
    let weights: Vec<u128> = (0..n)
        .map(|_| {
            let power = match rng.gen_range(0..100) {
                0..=29 => 1,
                30..=59 => 10,
                60..=81 => 100,
                82..=93 => 1_000,
                _ => 10_000,
            };
            rng.gen_range(100u128..1000) * power
        })
        .collect();
    let sum: u128 = weights.iter().sum();
    let floor = MIN_CONTRACT_HUNDREDS * i64::try_from(n).expect("small");
    let rest = u128::try_from(total_hundreds - floor).expect("the total covers the minimum");
    let mut amounts: Vec<i64> =
        weights.iter().map(|w| MIN_CONTRACT_HUNDREDS + i64::try_from(rest * w / sum).expect("fits")).collect();
    let mut left = total_hundreds - amounts.iter().sum::<i64>();
    for a in &mut amounts {
        if left == 0 {
            break;
        }
        *a += 1;
        left -= 1;
    }
    amounts
}

/// Registered technology contracts 2019-2022 ([`CONTRACT_YEARS`]).
pub(crate) fn contracts<R: Rng>(rng: &mut R, firms: &[Firm], hte: &BTreeSet<usize>) -> Table {
    let pools = Pools::new(firms, hte);
    let in_liling = |i: &usize| firms[*i].region == "430281";
    let split = |pool: &[usize]| -> (Vec<usize>, Vec<usize>) { pool.iter().copied().partition(in_liling) };
    let (hte_ll, hte_other) = split(&pools.hte);
    let (other_ll, other_other) = split(&pools.other);
    let (acad_ll, acad_other) = split(&pools.academic);
    let seller = |rng: &mut R, liling: Option<bool>| -> usize {
        let (h, o, a): (&[usize], &[usize], &[usize]) = match liling {
            Some(true) => (&hte_ll, &other_ll, &acad_ll),
            Some(false) => (&hte_other, &other_other, &acad_other),
            None => (&pools.hte, &pools.other, &pools.academic),
        };
        match rng.gen_range(0..10) {
            0..=6 => *pick(rng, h),
            7 | 8 => *pick(rng, o),
            _ => *pick(rng, a),
        }
    };
    let kind_total: u32 = CONTRACT_KINDS.iter().map(|k| k.1).sum();
    let mut rows = Vec::new();
    for (year, n, total_yuan, liling) in CONTRACT_YEARS {
        let amounts = split_amounts(rng, n, total_yuan / 100);
        // Which contracts are sold from 醴陵: a fixed number in 2021, free otherwise.
        let mut from_liling: Vec<Option<bool>> = match liling {
            Some(k) => (0..n).map(|i| Some(i < k)).collect(),
            None => vec![None; n],
        };
        from_liling.shuffle(rng);
        let mut sellers: Vec<(usize, String, i64)> = amounts
            .into_iter()
            .zip(from_liling)
            .map(|(hundreds, ll)| (seller(rng, ll), date(year, rng.gen_range(1..=12), rng.gen_range(1..=28)), hundreds))
            .collect();
        sellers.sort_by(|a, b| a.1.cmp(&b.1));
        let mut serial: BTreeMap<&str, u32> = BTreeMap::new();
        for (s, registered_on, hundreds) in sellers {
            let f = &firms[s];
            let no = serial.entry(f.region).or_insert(0);
            *no += 1;
            let mut x = rng.gen_range(0..kind_total);
            let (kind, _) = *CONTRACT_KINDS
                .iter()
                .find(|k| {
                    let hit = x < k.1;
                    x = x.saturating_sub(k.1);
                    hit
                })
                .expect("weights cover the range");
            let amount = Money::from_fen(hundreds * 10_000);
            let income = Money::from_fen(hundreds * 10_000 / 100 * rng.gen_range(60..=100));
            let (buyer_uscc, buyer_name, buyer_region) = if rng.gen_bool(0.45) {
                let mut b = pools.any(rng);
                while b == s {
                    b = pools.any(rng);
                }
                (firms[b].uscc.clone(), firms[b].name.clone(), firms[b].region.to_owned())
            } else {
                let name =
                    format!("{}{}{}", pick(rng, &BUYER_PLACES), pick(rng, &BUYER_HEADS), pick(rng, &BUYER_TAILS));
                (String::new(), name, String::new())
            };
            let topic = pick(rng, topics(f.industry));
            rows.push(vec![
                format!("{year}{}{:06}", f.region, *no),
                kind.to_owned(),
                format!("{topic}{}{kind}合同", pick(rng, &CONTRACT_SUBJECTS)),
                amount.to_string(),
                income.to_string(),
                f.uscc.clone(),
                f.name.clone(),
                f.region.to_owned(),
                buyer_uscc,
                buyer_name,
                buyer_region,
                registered_on,
                technical_field(f.industry).to_owned(),
            ]);
        }
    }
    table("技术合同", CONTRACT_COLUMNS, rows)
}

// ---------------------------------------------------------------------------------------
// Loans
// ---------------------------------------------------------------------------------------

/// Knowledge-value credit loans (知识价值信用贷款) started per year.
pub(crate) const LOAN_YEARS: [(i32, usize); 4] = [(2019, 38), (2020, 64), (2021, 105), (2022, 168)];
/// Loan sizes in 万元 with their weights (the scheme lends up to 1,000万元 on a firm's
/// knowledge value, most loans are far smaller).
const LOAN_SIZES: [(i64, u32); 9] =
    [(50, 8), (80, 6), (100, 14), (150, 10), (200, 14), (300, 10), (500, 6), (800, 2), (1000, 1)];
const BANKS: [&str; 5] = [
    "株洲动力谷银行（演示）",
    "湘东科技农村商业银行（演示）",
    "长株潭科创银行株洲分行（演示）",
    "湘江商业银行株洲分行（演示）",
    "炎陵山城村镇银行（演示）",
];
/// Troubled loans per year of start: defaults; of which compensated by the risk pool; of which
/// with a later recovery.
const TROUBLED: [(i32, usize, usize, usize); 3] = [(2019, 1, 1, 0), (2020, 2, 2, 1), (2021, 3, 1, 1)];

/// The columns of the loan events table (not an import of the registry: [`load_loans`] reads
/// it and records each event through `Store::add_loan_event`).
pub(crate) const LOAN_EVENT_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec::required("contract_no", "贷款合同编号", "Loan contract No."),
    ColumnSpec::required("kind", "贷款事项", "Event"),
    ColumnSpec::required("occurred_on", "发生日期", "Date"),
    ColumnSpec::required("amount", "金额（元）", "Amount (yuan)"),
    ColumnSpec::optional("note", "备注", "Note"),
];

fn parse(d: &str) -> time::Date {
    parse_date(d).expect("generated dates are valid")
}

/// Knowledge-value credit loans ([`LOAN_YEARS`]) and the events of the troubled ones. A loan
/// runs one year (one in six two years); loans due by the end of 2022 are repaid, except the
/// troubled ones: a default some weeks after the due day, a compensation by the risk pool of
/// half the loss some months later, sometimes a partial recovery after that. Their status in
/// the loan table is the one the events lead to.
pub(crate) fn loans<R: Rng>(rng: &mut R, firms: &[Firm], hte: &BTreeSet<usize>) -> (Table, Table) {
    let pools = Pools::new(firms, hte);
    let borrowers: Vec<usize> = pools.hte.iter().chain(&pools.other).copied().collect();
    let size_total: u32 = LOAN_SIZES.iter().map(|s| s.1).sum();
    let end_2022 = parse("2022-12-31");
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut events: Vec<Vec<String>> = Vec::new();
    for (year, n) in LOAN_YEARS {
        let mut year_rows: Vec<Vec<String>> = (0..n)
            .map(|_| {
                let borrower = if rng.gen_bool(0.7) { *pick(rng, &pools.hte) } else { *pick(rng, &borrowers) };
                let mut x = rng.gen_range(0..size_total);
                let wan = LOAN_SIZES
                    .iter()
                    .find(|s| {
                        let hit = x < s.1;
                        x = x.saturating_sub(s.1);
                        hit
                    })
                    .map_or(100, |s| s.0);
                let (m, d) = (rng.gen_range(1..=12), rng.gen_range(1..=28));
                let term = if rng.gen_range(0..6) == 0 { 2 } else { 1 };
                vec![
                    String::new(),
                    LoanScheme::KnowledgeValueLoan.name_zh().to_owned(),
                    (*pick(rng, &BANKS)).to_owned(),
                    firms[borrower].uscc.clone(),
                    Money::from_fen(wan * 1_000_000).to_string(),
                    date(year, m, d),
                    date(year + term, m, d),
                    String::new(),
                ]
            })
            .collect();
        year_rows.sort_by(|a, b| a[5].cmp(&b[5]));
        for (k, row) in year_rows.iter_mut().enumerate() {
            row[0] = format!("ZSXD{year}{:04}", k + 1);
            let repaid = parse(&row[6]) <= end_2022;
            row[7] = if repaid { LoanStatus::Repaid } else { LoanStatus::Active }.name_zh().to_owned();
        }
        // The troubled loans fall due early enough for every event to fall in 2022 or before.
        if let Some(&(_, defaults, compensated, recovered)) = TROUBLED.iter().find(|t| t.0 == year) {
            let latest_due = end_2022 - Duration::days(300);
            let mut candidates: Vec<usize> =
                (0..year_rows.len()).filter(|&k| parse(&year_rows[k][6]) <= latest_due).collect();
            candidates.shuffle(rng);
            candidates.truncate(defaults);
            candidates.sort_unstable();
            for (j, k) in candidates.into_iter().enumerate() {
                let row = &mut year_rows[k];
                let amount = Money::parse(&row[4]).expect("generated amount").fen();
                let mut day = parse(&row[6]) + Duration::days(rng.gen_range(15..=45));
                let loss = amount / 10 * rng.gen_range(4..=10);
                let mut plan = vec![(LoanEventKind::Default, loss, "到期未能偿还本金，银行认定违约（演示）")];
                if j < compensated {
                    plan.push((LoanEventKind::Compensation, loss / 2, "风险补偿资金池按50%分担本金损失（演示）"));
                }
                if j < recovered {
                    plan.push((LoanEventKind::Repayment, loss / 5, "借款企业分期偿还部分欠款（演示）"));
                }
                let mut status = LoanStatus::Active;
                let mut repaid = Money::ZERO;
                for (i, (kind, fen, note)) in plan.into_iter().enumerate() {
                    if i > 0 {
                        day += Duration::days(rng.gen_range(60..=120));
                    }
                    if kind == LoanEventKind::Repayment {
                        repaid = Money::from_fen(repaid.fen() + fen);
                    }
                    status = loan_status_after(status, kind, repaid, Money::from_fen(amount))
                        .expect("the plan follows the loan rules");
                    events.push(vec![
                        row[0].clone(),
                        kind.name_zh().to_owned(),
                        day.to_string(),
                        Money::from_fen(fen).to_string(),
                        note.to_owned(),
                    ]);
                }
                row[7] = status.name_zh().to_owned();
            }
        }
        rows.extend(year_rows);
    }
    (table("科技金融贷款", LOAN_COLUMNS, rows), table("贷款事项", LOAN_EVENT_COLUMNS, events))
}

/// Loads the loans and their events, idempotently. The import carries a loan's status but not
/// its events, and `Store::add_loan_event` only records an event the current status allows (a
/// default needs an active loan). So a loan with events that is not stored yet is first
/// imported as active, then its events are recorded in order (moving its status), and then
/// the whole table is imported with the final statuses, which finds those loans unchanged. On
/// a second load every loan is there and has its events: nothing is imported as active, no
/// event is added, and the final import changes nothing. A loan that is stored but not active,
/// or that has events already, gets no events from here.
pub(crate) async fn load_loans(
    store: &Store,
    actor: &Actor,
    loans: &Table,
    events: &Table,
) -> Result<Vec<ImportReport>, StoreError> {
    let scope = Scope::All;
    let with_events: BTreeSet<&str> = events.rows.iter().map(|r| r.cells[0].as_str()).collect();
    let stored = |list: Vec<gaodi_store::activity::Loan>| -> BTreeMap<String, (i64, LoanStatus)> {
        list.into_iter()
            .filter(|l| with_events.contains(l.contract_no.as_str()))
            .map(|l| (l.contract_no, (l.loan_id, l.status)))
            .collect()
    };
    let filter =
        LoanFilter { scheme: Some(LoanScheme::KnowledgeValueLoan), include_retired: true, ..LoanFilter::default() };
    let mut known = stored(store.list_loans_filtered(&scope, &filter).await?);
    let mut reports = Vec::new();
    let fresh: Vec<TableRow> = loans
        .rows
        .iter()
        .filter(|r| with_events.contains(r.cells[0].as_str()) && !known.contains_key(&r.cells[0]))
        .map(|r| {
            let mut cells = r.cells.clone();
            cells[7] = LoanStatus::Active.name_zh().to_owned();
            TableRow { line: r.line, cells }
        })
        .collect();
    if !fresh.is_empty() {
        let first = Table { sheet: loans.sheet.clone(), headers: loans.headers.clone(), rows: fresh };
        let report = store.import_loans(actor, &scope, &first).await?;
        let ok = report.is_ok();
        reports.push(report);
        if !ok {
            return Ok(reports);
        }
        known = stored(store.list_loans_filtered(&scope, &filter).await?);
    }
    // A loan takes its events only while it is active and has none (a loan imported by other
    // means with its final status keeps it, without events).
    let mut open: BTreeMap<i64, bool> = BTreeMap::new();
    for row in &events.rows {
        let c = &row.cells;
        let (id, status) = *known.get(&c[0]).ok_or(StoreError::NotFound)?;
        let record = match open.get(&id) {
            Some(r) => *r,
            None => {
                let r = status == LoanStatus::Active && store.loan_events(&scope, id).await?.is_empty();
                open.insert(id, r);
                r
            }
        };
        if !record {
            continue;
        }
        let new = NewLoanEvent {
            kind: LoanEventKind::parse(&c[1]).map_err(|e| StoreError::Config(e.to_string()))?,
            occurred_on: parse(&c[2]),
            amount: Money::parse(&c[3]).map_err(|e| StoreError::Config(e.to_string()))?,
            note: Some(c[4].clone()),
        };
        store.add_loan_event(actor, &scope, id, &new).await?;
    }
    reports.push(store.import_loans(actor, &scope, loans).await?);
    Ok(reports)
}

// ---------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------

/// 科技活动周 per year: (year, first month and day, last month and day); 2020 and 2022 were
/// held in August.
const ST_WEEKS: [(i32, u8, u8, u8, u8); 4] =
    [(2019, 5, 19, 5, 25), (2020, 8, 23, 8, 29), (2021, 5, 22, 5, 28), (2022, 8, 20, 8, 27)];
const RURAL_COUNTIES: [&str; 5] = ["430212", "430223", "430224", "430225", "430281"];
const COUNTRYSIDE_TOPICS: [&str; 8] = [
    "水稻绿色高产",
    "茶叶种植与加工",
    "黄桃栽培",
    "油茶丰产",
    "生猪健康养殖",
    "稻虾综合种养",
    "蔬菜设施栽培",
    "农村电商",
];
const SCHOOL_TOPICS: [&str; 6] =
    ["机器人编程", "轨道交通科普", "航空模型", "陶瓷文化与科学", "青少年科学实验", "防灾减灾科普"];

/// Popularisation and other S&T events 2019-2022 in every district: 科技活动周 (a city
/// launch and a sub-event per district), 科普进校园/进社区, 科技下乡 in the rural counties,
/// lectures, a forum and trainings. 荷塘区's campaign of 2021 notes the national commendation
/// (an honour of the district, not an award record).
pub(crate) fn events<R: Rng>(rng: &mut R, firms: &[Firm]) -> Table {
    let (regions, _) = zhuzhou_seed();
    let names: BTreeMap<String, String> = regions.into_iter().map(|r| (r.code.to_string(), r.name_zh)).collect();
    let name = |code: &str| names.get(code).cloned().unwrap_or_default();
    let bureau = |code: &str| format!("{}科技局（演示）", name(code));
    let academic: Vec<usize> = (0..firms.len()).filter(|&i| firms[i].kind == "高校").collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut push = |kind: &str,
                    title: String,
                    held: String,
                    ends: String,
                    organiser: String,
                    uscc: &str,
                    region: &str,
                    n: u32,
                    outcome: &str| {
        rows.push(vec![
            kind.to_owned(),
            title,
            held,
            ends,
            organiser,
            uscc.to_owned(),
            region.to_owned(),
            n.to_string(),
            outcome.to_owned(),
        ]);
    };
    for (year, m1, d1, m2, d2) in ST_WEEKS {
        // 科技活动周: the city launch, then a day in each district.
        push(
            "st_week",
            format!("{year}年株洲市科技活动周启动仪式暨科技成果展"),
            date(year, m1, d1),
            date(year, m2, d2),
            bureau("430200"),
            "",
            "430200",
            rng.gen_range(3000..=8000),
            "全市联动，展出科技成果与科普展品（演示）",
        );
        for (code, _) in DISTRICTS {
            let day = rng.gen_range(d1..=d1 + 5).min(28);
            push(
                "st_week",
                format!("{year}年{}科技活动周主题活动", name(code)),
                date(year, m1, day),
                String::new(),
                bureau(code),
                "",
                code,
                rng.gen_range(300..=2500),
                "",
            );
        }
        // 科普进校园 / 进社区: two to five per district (fewer in 2020); 荷塘区 more in 2021.
        for (code, _) in DISTRICTS {
            let mut n = if year == 2020 { rng.gen_range(1..=3) } else { rng.gen_range(2..=5) };
            if code == "430202" && year == 2021 {
                n = 6;
            }
            for k in 1..=n {
                let school = k % 2 == 1;
                let (m, d) = (rng.gen_range(3..=12), rng.gen_range(1..=28));
                let outcome = if code == "430202" && year == 2021 && k == n {
                    "荷塘区科普进校园、进社区活动获全国科技活动周组委会表彰（区域荣誉，不计入科技奖励）"
                } else {
                    ""
                };
                push(
                    "popularisation",
                    if school {
                        format!("{year}年{}科普进校园·{}（第{k}场）", name(code), pick(rng, &SCHOOL_TOPICS))
                    } else {
                        format!("{year}年{}科普进社区（第{k}场）", name(code))
                    },
                    date(year, m, d),
                    String::new(),
                    bureau(code),
                    "",
                    code,
                    rng.gen_range(80..=1200),
                    outcome,
                );
            }
        }
        // 科技下乡: commissioners' training in the villages of the rural counties.
        for code in RURAL_COUNTIES {
            for k in 1..=rng.gen_range(2..=4) {
                let (m, d) = (rng.gen_range(2..=11), rng.gen_range(1..=28));
                push(
                    "countryside",
                    format!("{year}年{}科技下乡·{}技术培训（第{k}场）", name(code), pick(rng, &COUNTRYSIDE_TOPICS)),
                    date(year, m, d),
                    String::new(),
                    bureau(code),
                    "",
                    code,
                    rng.gen_range(60..=600),
                    "科技特派员现场授课与技术咨询（演示）",
                );
            }
        }
        // 动力谷创新讲堂, quarterly, hosted by a university of the demo.
        for quarter in 1..=4u8 {
            let host = *pick(rng, &academic);
            push(
                "lecture",
                format!("动力谷创新讲堂{year}年第{quarter}期"),
                date(year, quarter * 3 - 1, rng.gen_range(1..=28)),
                String::new(),
                firms[host].name.clone(),
                &firms[host].uscc,
                firms[host].region,
                rng.gen_range(100..=500),
                "",
            );
        }
        let (m, d) = (rng.gen_range(9..=11), rng.gen_range(1..=27));
        push(
            "conference",
            format!("{year}中国动力谷创新发展论坛（演示）"),
            date(year, m, d),
            date(year, m, d + 1),
            bureau("430200"),
            "",
            "430211",
            rng.gen_range(400..=1200),
            "",
        );
        for (title, month) in [("高新技术企业认定申报培训会", 4), ("科技型中小企业评价入库培训会", 3)]
        {
            push(
                "training",
                format!("{year}年{title}"),
                date(year, month, rng.gen_range(1..=28)),
                String::new(),
                bureau("430200"),
                "",
                "430200",
                rng.gen_range(150..=600),
                "",
            );
        }
    }
    table("科普与活动", EVENT_COLUMNS, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contracts_of_2021_add_up_to_the_baseline_and_liling_has_392() {
        let set = crate::generate(crate::SEED);
        let mut fen_2021 = 0i64;
        let mut liling_2021 = 0;
        let mut numbers = BTreeSet::new();
        for r in &set.contracts.rows {
            let c = &r.cells;
            assert!(numbers.insert(c[0].clone()), "duplicate {}", c[0]);
            let amount = Money::parse(&c[3]).unwrap();
            assert!(Money::parse(&c[4]).unwrap() <= amount);
            if c[11].starts_with("2021") {
                fen_2021 += amount.fen();
                liling_2021 += usize::from(c[7] == "430281");
            }
        }
        assert_eq!(Money::from_fen(fen_2021).to_string(), "20620000000.00");
        assert_eq!(liling_2021, 392);
    }

    #[test]
    fn the_awards_of_2021_match_the_seed() {
        let set = crate::generate(crate::SEED);
        let count = |level: &str, grade: Option<&str>| {
            set.awards
                .rows
                .iter()
                .filter(|r| r.cells[0] == "2021" && r.cells[3] == level && grade.is_none_or(|g| r.cells[4] == g))
                .count()
        };
        assert_eq!(count("国家级", None), 2);
        assert_eq!(count("省级", None), 35);
        assert_eq!(count("省级", Some("一等奖")), 5);
        assert_eq!(count("省级", Some("二等奖")), 7);
    }

    #[test]
    fn loan_events_follow_the_rules_and_end_in_2022() {
        let set = crate::generate(crate::SEED);
        assert!(set.loan_events.rows.len() >= 6);
        let mut defaults = 0;
        for r in &set.loan_events.rows {
            assert!(r.cells[2].as_str() <= "2022-12-31", "{:?}", r.cells);
            defaults += usize::from(r.cells[1] == "违约");
        }
        assert_eq!(defaults, TROUBLED.iter().map(|t| t.1).sum::<usize>());
    }

    #[test]
    fn event_keys_are_unique() {
        let set = crate::generate(crate::SEED);
        let mut keys = BTreeSet::new();
        for r in &set.events.rows {
            assert!(keys.insert((r.cells[6].clone(), r.cells[2].clone(), r.cells[1].clone())), "{:?}", r.cells);
        }
    }
}
