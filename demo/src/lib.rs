//! The Zhuzhou demo data set: a deterministic generator (one seed, same data every time) and
//! its loader, which goes through the same imports a bureau clerk uses.
//!
//! Every organisation is synthetic (plausible names, valid but invented 统一社会信用代码); no
//! real firm appears. The generator is built so that every registry-countable figure of the
//! 2021 review (`seed-facts.csv`, a copy of `shared/seed/seed-facts.csv`) is reproduced when
//! counted from the records: e.g. 915 valid 高新技术企业 at the end of 2021, 25.0% more than the
//! 732 at the end of 2020 (the article says "more than 900" and "25%"), 42 of them in 渌口区;
//! 619 platforms of which 52 national and 297 provincial. [`SEED_COUNTS`] lists the figures
//! the generator reproduces and how each is counted; the test beside the loader checks them.

use std::collections::{BTreeMap, BTreeSet};

use gaodi_domain::access::Scope;
use gaodi_domain::money::Money;
use gaodi_domain::organisation::uscc_check_char;
use gaodi_store::facts::financial_columns;
use gaodi_store::import::{ColumnSpec, ImportReport};
use gaodi_store::organisation::ORGANISATION_COLUMNS;
use gaodi_store::platform::PLATFORM_COLUMNS;
use gaodi_store::tabular::{Table, TableRow};
use gaodi_store::tier::TIER_COLUMNS;
use gaodi_store::{Actor, Store, StoreError};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

mod activity;
pub mod indicators;
mod people;
pub mod projects;

/// The seed of the published demo.
pub const SEED: u64 = 20_211_231;

/// County-level divisions with their share of the city's enterprises (a plausible spread: the
/// high-tech zone in 天元区 and the ceramics city 醴陵 hold most firms).
const DISTRICTS: [(&str, u32); 9] = [
    ("430202", 9),
    ("430203", 8),
    ("430204", 14),
    ("430211", 26),
    ("430212", 6),
    ("430223", 8),
    ("430224", 6),
    ("430225", 5),
    ("430281", 18),
];

/// Enterprises generated.
const ENTERPRISES: usize = 3200;

/// HTE certificates issued per year (batch dates are synthetic), chosen so that the valid
/// counts are 620 (2019), 732 (2020), 915 (2021) and 1,105 (2022).
const HTE_BATCHES: [(i32, u8, u8); 6] =
    [(2017, 10, 31), (2018, 10, 17), (2019, 9, 20), (2020, 9, 11), (2021, 9, 18), (2022, 10, 18)];

/// A figure of `seed-facts.csv` the demo reproduces, and how it is counted from records.
pub struct SeedCount {
    pub fact_id: &'static str,
    pub indicator_code: &'static str,
    pub region: &'static str,
    pub year: i32,
    pub count: &'static str,
}

/// The registry-countable figures the generator reproduces (the test checks each against
/// `seed-facts.csv` and against the loaded records).
pub const SEED_COUNTS: &[SeedCount] = &[
    SeedCount {
        fact_id: "F028",
        indicator_code: "hte_count",
        region: "430200",
        year: 2021,
        count: "organisations holding a valid hte tier on 2021-12-31",
    },
    SeedCount {
        fact_id: "F029",
        indicator_code: "hte_count_growth",
        region: "430200",
        year: 2021,
        count: "growth of that count over 2020-12-31, in %",
    },
    SeedCount {
        fact_id: "F037",
        indicator_code: "hte_count",
        region: "430212",
        year: 2021,
        count: "valid hte on 2021-12-31 in 渌口区",
    },
    SeedCount {
        fact_id: "F038",
        indicator_code: "tech_sme_count",
        region: "430212",
        year: 2021,
        count: "valid tech_sme on 2021-12-31 in 渌口区",
    },
    SeedCount {
        fact_id: "F033",
        indicator_code: "rd_reserve_filed_firms",
        region: "430200",
        year: 2021,
        count: "rd_reserve_filing tiers valid on 2021-12-31",
    },
    SeedCount {
        fact_id: "F025",
        indicator_code: "st_platforms_total",
        region: "430200",
        year: 2021,
        count: "platforms approved by 2021-12-31, not revoked",
    },
    SeedCount {
        fact_id: "F026",
        indicator_code: "st_platforms_national",
        region: "430200",
        year: 2021,
        count: "of which national",
    },
    SeedCount {
        fact_id: "F027",
        indicator_code: "st_platforms_provincial",
        region: "430200",
        year: 2021,
        count: "of which provincial",
    },
    SeedCount {
        fact_id: "F023",
        indicator_code: "national_key_labs_accepted",
        region: "430200",
        year: 2021,
        count: "state_key_lab platforms with status accepted",
    },
    SeedCount {
        fact_id: "F030",
        indicator_code: "new_rd_institutions",
        region: "430200",
        year: 2021,
        count: "provincial new_rd_institution platforms approved in 2021",
    },
    SeedCount {
        fact_id: "F098",
        indicator_code: "natl_platforms",
        region: "430281",
        year: 2021,
        count: "national platforms in 醴陵市",
    },
    SeedCount {
        fact_id: "F099",
        indicator_code: "prov_platforms",
        region: "430281",
        year: 2021,
        count: "provincial platforms in 醴陵市",
    },
    SeedCount {
        fact_id: "F094",
        indicator_code: "single_champion_count",
        region: "430281",
        year: 2021,
        count: "single_champion tiers valid on 2021-12-31 in 醴陵市",
    },
    SeedCount {
        fact_id: "F041",
        indicator_code: "municipal_leading_talents_cum",
        region: "430200",
        year: 2021,
        count: "people holding a leading_talent role on 2021-12-31 (titles do not lapse: all ever selected)",
    },
    SeedCount {
        fact_id: "F042",
        indicator_code: "dual_appointed_talents_cum",
        region: "430200",
        year: 2021,
        count: "people holding a dual_appointed_talent role on 2021-12-31 (three-year terms from 2020)",
    },
    SeedCount {
        fact_id: "F043",
        indicator_code: "industry_leading_experts_cum",
        region: "430200",
        year: 2021,
        count: "people holding an industry_leading_expert role on 2021-12-31",
    },
    SeedCount {
        fact_id: "F044",
        indicator_code: "st_commissioners",
        region: "430200",
        year: 2021,
        count: "people holding a commissioner role at any time in 2021",
    },
    SeedCount {
        fact_id: "F045",
        indicator_code: "expert_service_team_size",
        region: "430200",
        year: 2021,
        count: "people holding an expert_service_team role on 2021-12-31",
    },
    SeedCount {
        fact_id: "F046",
        indicator_code: "foreign_work_permits_new",
        region: "430200",
        year: 2021,
        count: "foreign_expert roles (one per work permit) starting in 2021",
    },
    SeedCount {
        fact_id: "F048",
        indicator_code: "foreign_experts_employed",
        region: "430200",
        year: 2021,
        count: "people holding a foreign_expert role (a valid work permit) on 2021-12-31",
    },
    SeedCount {
        fact_id: "F007",
        indicator_code: "national_st_award_projects",
        region: "430200",
        year: 2021,
        count: "national awards of 2021, all grades",
    },
    SeedCount {
        fact_id: "F008",
        indicator_code: "provincial_st_award_projects",
        region: "430200",
        year: 2021,
        count: "provincial awards of 2021, all grades",
    },
    SeedCount {
        fact_id: "F009",
        indicator_code: "provincial_st_award_first_prize",
        region: "430200",
        year: 2021,
        count: "provincial first prizes of 2021",
    },
    SeedCount {
        fact_id: "F010",
        indicator_code: "provincial_st_award_second_prize",
        region: "430200",
        year: 2021,
        count: "provincial second prizes of 2021",
    },
    SeedCount {
        fact_id: "F089",
        indicator_code: "tech_contracts_registered",
        region: "430281",
        year: 2021,
        count: "technology contracts registered in 2021 with the seller in 醴陵市",
    },
    SeedCount {
        fact_id: "F019",
        indicator_code: "prov_plus_project_applications",
        region: "430200",
        year: 2021,
        count: "applications to provincial and national calls submitted in 2021, not withdrawn",
    },
];

/// The generated registries, as the tables their imports read.
pub struct DemoSet {
    pub organisations: Table,
    pub tiers: Table,
    pub platforms: Table,
    pub financials: Table,
    /// One row per person and role (talents, experts, commissioners, foreign experts).
    pub people: Table,
    pub awards: Table,
    pub contracts: Table,
    pub loans: Table,
    /// Defaults, compensations and recoveries of loans: not an import (the loan import carries
    /// no events); [`load`] records them through `Store::add_loan_event`.
    pub loan_events: Table,
    pub events: Table,
}

struct Firm {
    uscc: String,
    name: String,
    kind: &'static str,
    region: &'static str,
    park: Option<&'static str>,
    industry: &'static str,
    founded: String,
}

fn table(sheet: &str, cols: &[ColumnSpec], rows: Vec<Vec<String>>) -> Table {
    Table {
        sheet: sheet.to_owned(),
        headers: cols.iter().map(|c| c.zh.to_owned()).collect(),
        rows: rows.into_iter().enumerate().map(|(i, cells)| TableRow { line: i + 2, cells }).collect(),
    }
}

/// A synthetic unified social credit code: `91` (an enterprise), the region code, `MA` and
/// a 7-character body from the index, then the check character.
fn synthetic_uscc(region: &str, index: usize, university: bool) -> String {
    const SET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut n = index;
    let mut body = [b'0'; 7];
    for slot in body.iter_mut().rev() {
        *slot = SET[n % SET.len()];
        n /= SET.len();
    }
    let prefix = if university { "12" } else { "91" };
    let first17 = format!("{prefix}{region}MA{}", String::from_utf8_lossy(&body));
    let check = uscc_check_char(&first17).expect("built from the GB 32100 character set");
    format!("{first17}{check}")
}

const NAME_HEAD: [&str; 30] = [
    "时代", "动力", "中天", "华锐", "精工", "宏达", "恒通", "凯杰", "博瑞", "瑞丰", "联诚", "金陶", "启航", "明德",
    "长河", "远景", "卓越", "立信", "诺达", "鼎泰", "飞腾", "锐意", "昌盛", "东方", "汇能", "科睿", "湘宇", "蓝天",
    "云帆", "星源",
];
const NAME_TAIL: [&str; 8] = ["科技", "智能", "新材料", "装备", "电子", "精密", "实业", "技术"];
const INDUSTRIES: [(&str, &str); 10] = [
    ("C38", "电气"),
    ("C37", "轨道交通装备"),
    ("C34", "机械"),
    ("C30", "陶瓷"),
    ("C39", "电子"),
    ("C26", "化工"),
    ("I65", "软件"),
    ("C37", "航空装备"),
    ("C33", "硬质合金"),
    ("M74", "检测"),
];

fn weighted_district<R: Rng>(rng: &mut R) -> &'static str {
    let total: u32 = DISTRICTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (code, w) in DISTRICTS {
        if x < w {
            return code;
        }
        x -= w;
    }
    DISTRICTS[0].0
}

fn firms<R: Rng>(rng: &mut R) -> Vec<Firm> {
    let mut names: Vec<(usize, usize, usize)> = Vec::new();
    for h in 0..NAME_HEAD.len() {
        for t in 0..NAME_TAIL.len() {
            for i in 0..INDUSTRIES.len() {
                names.push((h, t, i));
            }
        }
    }
    names.shuffle(rng);
    let places = ["株洲", "湖南", "湘"];
    let mut out = Vec::with_capacity(ENTERPRISES + 12);
    for (index, &(h, t, i)) in names.iter().cycle().take(ENTERPRISES).enumerate() {
        let region = weighted_district(rng);
        let park = match region {
            "430211" if rng.gen_bool(0.6) => Some("P43001"),
            "430225" if rng.gen_bool(0.4) => Some("P43002"),
            _ => None,
        };
        let place = places[index / names.len() % places.len()];
        let (industry, trade) = INDUSTRIES[i];
        let suffix = if rng.gen_bool(0.15) { "股份有限公司" } else { "有限公司" };
        out.push(Firm {
            uscc: synthetic_uscc(region, index + 1, false),
            name: format!("{place}{}{}{trade}{suffix}", NAME_HEAD[h], NAME_TAIL[t]),
            kind: "企业",
            region,
            park,
            industry,
            founded: format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1995..=2020),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28)
            ),
        });
    }
    // Universities and institutes that host labs (synthetic names).
    let academic = [
        ("430211", "高校", "株洲示范理工学院"),
        ("430211", "高校", "湖南动力谷职业技术学院"),
        ("430202", "高校", "株洲师范高等专科学校（演示）"),
        ("430281", "高校", "醴陵陶瓷职业学院（演示）"),
        ("430204", "科研院所", "株洲轨道交通研究院（演示）"),
        ("430211", "科研院所", "湘东先进材料研究所（演示）"),
        ("430281", "科研院所", "醴陵陶瓷研究院（演示）"),
        ("430203", "科研院所", "株洲服饰设计研究院（演示）"),
        ("430223", "科研院所", "攸县农业科学研究所（演示）"),
        ("430224", "科研院所", "茶陵特色农产品研究所（演示）"),
        ("430225", "科研院所", "炎陵生态研究所（演示）"),
        ("430212", "科研院所", "渌口智能制造研究院（演示）"),
    ];
    for (i, (region, kind, name)) in academic.iter().enumerate() {
        out.push(Firm {
            uscc: synthetic_uscc(region, 90_000 + i, true),
            name: (*name).to_owned(),
            kind,
            region,
            park: None,
            industry: "P83",
            founded: "1985-09-01".to_owned(),
        });
    }
    out
}

fn date(y: i32, m: u8, d: u8) -> String {
    format!("{y}-{m:02}-{d:02}")
}

/// Picks `n` distinct indices from `pool` (removing them).
fn take<R: Rng>(rng: &mut R, pool: &mut Vec<usize>, n: usize) -> Vec<usize> {
    pool.shuffle(rng);
    let n = n.min(pool.len());
    pool.split_off(pool.len() - n)
}

/// Builds the HTE certificates, returning (firm index, batch year).
fn hte_plan<R: Rng>(rng: &mut R, firms: &[Firm]) -> Vec<(usize, i32)> {
    let enterprises: Vec<usize> = (0..firms.len()).filter(|&i| firms[i].kind == "企业").collect();
    // The firms valid at the end of 2021: 42 in 渌口区, the rest spread by district weight.
    let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &enterprises {
        by_region.entry(firms[i].region).or_default().push(i);
    }
    let others_total: u32 = DISTRICTS.iter().filter(|(c, _)| *c != "430212").map(|(_, w)| w).sum();
    let mut s21: Vec<usize> = Vec::new();
    let mut quota_left = 915 - 42;
    let mut weights_left = others_total;
    for (code, w) in DISTRICTS {
        let quota = if code == "430212" {
            42
        } else {
            let q = (quota_left * w as usize).div_ceil(weights_left as usize).min(quota_left);
            quota_left -= q;
            weights_left -= w;
            q
        };
        let pool = by_region.get_mut(code).expect("every district has firms");
        s21.extend(take(rng, pool, quota));
    }
    let mut rest: Vec<usize> = by_region.into_values().flatten().collect();
    s21.shuffle(rng);
    let (g21, rest21) = s21.split_at(383);
    let (g20, g19) = rest21.split_at(292);
    let mut plan: Vec<(usize, i32)> = Vec::new();
    plan.extend(g21.iter().map(|&i| (i, 2021)));
    plan.extend(g20.iter().map(|&i| (i, 2020)));
    plan.extend(g19.iter().map(|&i| (i, 2019)));
    // Renewals: 170 of the 2021 firms held a 2018 certificate, 150 of the 2020 firms a 2017
    // one, 200 of the 2019 firms renew in 2022.
    plan.extend(g21[..170].iter().map(|&i| (i, 2018)));
    plan.extend(g20[..150].iter().map(|&i| (i, 2017)));
    plan.extend(g19[..200].iter().map(|&i| (i, 2022)));
    // Firms whose certificates lapsed (30 of 2017, 30 of 2018) and 230 new in 2022.
    for (year, n) in [(2017, 30), (2018, 30), (2022, 230)] {
        plan.extend(take(rng, &mut rest, n).into_iter().map(|i| (i, year)));
    }
    plan
}

/// Generates the demo set (pure and deterministic for a seed).
#[must_use]
pub fn generate(seed: u64) -> DemoSet {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let firms = firms(&mut rng);
    let organisations = table(
        "主体",
        ORGANISATION_COLUMNS,
        firms
            .iter()
            .map(|f| {
                vec![
                    f.uscc.clone(),
                    f.name.clone(),
                    f.kind.to_owned(),
                    f.region.to_owned(),
                    f.park.unwrap_or("").to_owned(),
                    f.industry.to_owned(),
                    f.founded.clone(),
                ]
            })
            .collect(),
    );

    let mut tiers: Vec<Vec<String>> = Vec::new();
    let tier_row = |uscc: &str, kind: &str, reference: &str, level: &str, from: String, to: &str, evidence: &str| {
        vec![
            uscc.to_owned(),
            kind.to_owned(),
            reference.to_owned(),
            level.to_owned(),
            from,
            to.to_owned(),
            evidence.to_owned(),
        ]
    };
    let hte = hte_plan(&mut rng, &firms);
    let hte_firms: BTreeSet<usize> = hte.iter().map(|(i, _)| *i).collect();
    let mut serial: BTreeMap<i32, u32> = BTreeMap::new();
    let mut hte_sorted = hte.clone();
    hte_sorted.sort_unstable();
    for (i, year) in hte_sorted {
        let (y, m, d) = HTE_BATCHES.iter().copied().find(|b| b.0 == year).expect("a batch per year");
        let n = serial.entry(year).or_insert(0);
        *n += 1;
        tiers.push(tier_row(
            &firms[i].uscc,
            "高新技术企业",
            &format!("GR{year}43{:06}", 1000 + *n),
            "",
            date(y, m, d),
            "",
            &format!("演示数据：湖南省{year}年认定高新技术企业名单"),
        ));
    }

    // 科技型中小企业: registered every year; 43 in 渌口区 in 2021.
    let enterprises: Vec<usize> = (0..firms.len()).filter(|&i| firms[i].kind == "企业").collect();
    for (year, total, lukou) in [(2019, 640, None), (2020, 820, None), (2021, 1050, Some(43)), (2022, 1160, None)] {
        let mut lukou_pool: Vec<usize> = enterprises.iter().copied().filter(|&i| firms[i].region == "430212").collect();
        let mut other_pool: Vec<usize> = enterprises.iter().copied().filter(|&i| firms[i].region != "430212").collect();
        let chosen: Vec<usize> = match lukou {
            Some(l) => {
                let mut v = take(&mut rng, &mut lukou_pool, l);
                v.extend(take(&mut rng, &mut other_pool, total - l));
                v
            }
            None => {
                let mut all: Vec<usize> = enterprises.clone();
                take(&mut rng, &mut all, total)
            }
        };
        let mut chosen = chosen;
        chosen.sort_unstable();
        for (n, i) in chosen.into_iter().enumerate() {
            let f = &firms[i];
            tiers.push(tier_row(
                &f.uscc,
                "科技型中小企业",
                &format!("{year}{}01{:06}", f.region, n + 1),
                "",
                date(year, rng.gen_range(3..=10), rng.gen_range(1..=28)),
                "",
                &format!("演示数据：{year}年科技型中小企业入库登记"),
            ));
        }
    }

    // 省研发准备金备案: 502 firms in 2020, 581 in 2021, drawn from HTEs first.
    let mut filers: Vec<usize> = hte_firms.iter().copied().collect();
    for (year, n) in [(2020, 502), (2021, 581)] {
        let mut pool = filers.clone();
        let mut chosen = take(&mut rng, &mut pool, n);
        chosen.sort_unstable();
        for i in chosen {
            tiers.push(tier_row(
                &firms[i].uscc,
                "研发准备金备案",
                "",
                "",
                date(year, 1, 1),
                &date(year, 12, 31),
                &format!("演示数据：{year}年度湖南省企业研发准备金备案"),
            ));
        }
    }
    filers.clear();

    // Other tiers: a handful each, with 2 single champions in 醴陵.
    let mut pool: Vec<usize> = hte_firms.iter().copied().collect();
    let liling: Vec<usize> = pool.iter().copied().filter(|&i| firms[i].region == "430281").take(2).collect();
    pool.retain(|i| !liling.contains(i));
    let champions: Vec<usize> = liling
        .into_iter()
        .chain(take(&mut rng, &mut pool, 3).into_iter().filter(|&i| firms[i].region != "430281"))
        .collect();
    for i in champions {
        tiers.push(tier_row(
            &firms[i].uscc,
            "制造业单项冠军企业",
            "",
            "国家级",
            date(2020, 12, 1),
            "",
            "演示数据：工信部第五批制造业单项冠军名单",
        ));
    }
    for (kind, level, n, year) in [
        ("专精特新中小企业", "省级", 160, 2021),
        ("专精特新“小巨人”企业", "国家级", 14, 2021),
        ("瞪羚企业", "市级", 40, 2021),
        ("链主企业", "市级", 12, 2021),
    ] {
        for i in take(&mut rng, &mut pool, n) {
            let valid_to = if kind == "链主企业" { String::new() } else { date(year + 2, 12, 31) };
            tiers.push(tier_row(
                &firms[i].uscc,
                kind,
                "",
                level,
                date(year, 7, 1),
                &valid_to,
                &format!("演示数据：{year}年{kind}名单"),
            ));
        }
    }

    let platforms = platforms(&mut rng, &firms);
    let financials = financials(&mut rng, &firms, &hte_firms);
    // People and activity draw from generators of their own, so the registries above stay
    // exactly as they were and each of these can change without moving the others.
    let sub = |k: u64| rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(k));
    let people = people::people(&mut sub(1), &firms, &hte_firms);
    let awards = activity::awards(&mut sub(2), &firms, &hte_firms);
    let contracts = activity::contracts(&mut sub(3), &firms, &hte_firms);
    let (loans, loan_events) = activity::loans(&mut sub(4), &firms, &hte_firms);
    let events = activity::events(&mut sub(5), &firms);
    DemoSet {
        organisations,
        tiers: table("资质", TIER_COLUMNS, tiers),
        platforms: table("平台", PLATFORM_COLUMNS, platforms),
        financials: table("年度数据", &financial_columns(), financials),
        people,
        awards,
        contracts,
        loans,
        loan_events,
        events,
    }
}

/// Platforms: 619 approved by the end of 2021 (52 national, 297 provincial, 270 municipal;
/// 醴陵 6 national and 24 provincial), 38 more in 2022.
fn platforms<R: Rng>(rng: &mut R, firms: &[Firm]) -> Vec<Vec<String>> {
    // (level, kind, count, status, first year, last year)
    let plan: [(&str, &str, usize, &str, i32, i32); 22] = [
        ("国家级", "state_key_lab", 3, "已验收", 2008, 2015),
        ("国家级", "engineering_research_centre", 8, "运行", 2008, 2020),
        ("国家级", "enterprise_tech_centre", 16, "运行", 2008, 2021),
        ("国家级", "incubator", 9, "运行", 2010, 2021),
        ("国家级", "maker_space", 12, "运行", 2015, 2021),
        ("国家级", "tech_innovation_centre", 2, "建设中", 2020, 2021),
        ("国家级", "demo_base", 2, "运行", 2016, 2021),
        ("省级", "provincial_key_lab", 60, "运行", 2008, 2021),
        ("省级", "engineering_research_centre", 110, "运行", 2008, 2021),
        ("省级", "enterprise_tech_centre", 70, "运行", 2008, 2021),
        ("省级", "new_rd_institution", 7, "运行", 2021, 2021),
        ("省级", "incubator", 20, "运行", 2010, 2021),
        ("省级", "maker_space", 25, "运行", 2015, 2021),
        ("省级", "academician_workstation", 5, "运行", 2012, 2020),
        ("市级", "engineering_research_centre", 120, "运行", 2012, 2021),
        ("市级", "enterprise_tech_centre", 90, "运行", 2012, 2021),
        ("市级", "school_enterprise_lab", 30, "运行", 2016, 2021),
        ("市级", "maker_space", 20, "运行", 2016, 2021),
        ("市级", "other", 10, "运行", 2016, 2021),
        ("省级", "engineering_research_centre", 20, "运行", 2022, 2022),
        ("省级", "provincial_key_lab", 14, "运行", 2022, 2022),
        ("国家级", "enterprise_tech_centre", 4, "运行", 2022, 2022),
    ];
    let mut rows = Vec::new();
    let mut seq = 0;
    // 醴陵's national and provincial platforms approved by 2021 are fixed: the first 6 national
    // and the first 24 provincial of the plan go there; no other is placed in 醴陵.
    let (mut liling_nat, mut liling_prov) = (6, 24);
    for (level, kind, count, status, from, to) in plan {
        for _ in 0..count {
            seq += 1;
            let year = rng.gen_range(from..=to);
            let region = if to <= 2021 && level == "国家级" && liling_nat > 0 {
                liling_nat -= 1;
                "430281"
            } else if to <= 2021 && level == "省级" && liling_prov > 0 {
                liling_prov -= 1;
                "430281"
            } else {
                let mut r = weighted_district(rng);
                while r == "430281" && level != "市级" {
                    r = weighted_district(rng);
                }
                r
            };
            let hosts: Vec<&Firm> = firms.iter().filter(|f| f.region == region).collect();
            let host = hosts[rng.gen_range(0..hosts.len())];
            let kind_zh = gaodi_domain::registry::PlatformKind::parse(kind)
                .map(gaodi_domain::registry::PlatformKind::name_zh)
                .unwrap_or("平台");
            let short = host.name.trim_end_matches("股份有限公司").trim_end_matches("有限公司");
            let doc = match level {
                "国家级" => format!("国科发〔{year}〕{seq}号（演示）"),
                "省级" => format!("湘科计〔{year}〕{seq}号（演示）"),
                _ => format!("株科发〔{year}〕{seq}号（演示）"),
            };
            rows.push(vec![
                format!("{short}{level}{kind_zh}"),
                kind.to_owned(),
                level.to_owned(),
                host.uscc.clone(),
                region.to_owned(),
                doc,
                date(year, rng.gen_range(1..=12), rng.gen_range(1..=28)),
                status.to_owned(),
            ]);
        }
    }
    rows
}

/// Yearly figures 2019-2021 for 400 of the high-tech enterprises (exact to the fen).
fn financials<R: Rng>(rng: &mut R, firms: &[Firm], hte: &BTreeSet<usize>) -> Vec<Vec<String>> {
    let specs = financial_columns();
    let pos = |key: &str| specs.iter().position(|c| c.key == key).expect("known field");
    let mut chosen: Vec<usize> = hte.iter().copied().collect();
    chosen.shuffle(rng);
    chosen.truncate(400);
    chosen.sort_unstable();
    let mut rows = Vec::new();
    for i in chosen {
        let base_revenue: i64 = rng.gen_range(20_000_000..800_000_000);
        let staff: i64 = rng.gen_range(50..2000);
        for (k, year) in [2019, 2020, 2021].into_iter().enumerate() {
            let growth = 100 + 8 * i64::try_from(k).unwrap_or(0);
            let revenue_fen = base_revenue * growth + rng.gen_range(0..100);
            let money = |fen: i64| Money::from_fen(fen).to_string();
            let mut row = vec![String::new(); specs.len()];
            row[pos("uscc")] = firms[i].uscc.clone();
            row[pos("year")] = year.to_string();
            row[pos("main_business_revenue")] = money(revenue_fen);
            row[pos("other_business_revenue")] = money(revenue_fen / 50);
            row[pos("gross_income_cit")] = money(revenue_fen + revenue_fen / 50 + 1_000_000);
            row[pos("non_taxable_income")] = money(0);
            row[pos("hightech_revenue")] = money(revenue_fen * rng.gen_range(60..90) / 100);
            let rd = revenue_fen * rng.gen_range(35..80) / 1000;
            let personnel = rd * 55 / 100;
            let direct = rd * 25 / 100;
            let depreciation = rd * 10 / 100;
            let other = rd - personnel - direct - depreciation;
            row[pos("rd_hnte.personnel")] = money(personnel);
            row[pos("rd_hnte.direct_inputs")] = money(direct);
            row[pos("rd_hnte.depreciation_and_lt_prepaid")] = money(depreciation);
            row[pos("rd_hnte.intangible_amort")] = money(0);
            row[pos("rd_hnte.design")] = money(0);
            row[pos("rd_hnte.equipment_testing")] = money(0);
            row[pos("rd_hnte.commissioned_external_counted")] = money(0);
            row[pos("rd_hnte.other")] = money(other);
            row[pos("rd_hnte_domestic")] = money(rd);
            row[pos("total_assets_ye")] = money(revenue_fen * 12 / 10);
            row[pos("total_liabilities_ye")] = money(revenue_fen * 6 / 10);
            let staff_year = staff + 5 * i64::try_from(k).unwrap_or(0);
            row[pos("staff_total")] = staff_year.to_string();
            row[pos("staff_st")] = (staff_year * rng.gen_range(12..40) / 100).to_string();
            row[pos("rd_staff")] = (staff_year * rng.gen_range(8..12) / 100).to_string();
            rows.push(row);
        }
    }
    rows
}

/// What loading did, per registry.
pub struct LoadSummary {
    pub reports: Vec<ImportReport>,
}

/// Loads the demo set through the registries' imports (all or nothing each, idempotent: a
/// second load changes nothing).
pub async fn load(store: &Store, actor: &Actor) -> Result<LoadSummary, StoreError> {
    let set = generate(SEED);
    let scope = Scope::All;
    let mut reports = Vec::new();
    reports.push(store.import_organisations(actor, &scope, &set.organisations).await?);
    reports.push(store.import_tiers(actor, &scope, &set.tiers).await?);
    reports.push(store.import_platforms(actor, &scope, &set.platforms).await?);
    reports.push(store.import_financials(actor, &scope, &set.financials).await?);
    reports.push(store.import_people(actor, &scope, &set.people).await?);
    reports.push(store.import_awards(actor, &scope, &set.awards).await?);
    reports.push(store.import_contracts(actor, &scope, &set.contracts).await?);
    if reports.iter().all(ImportReport::is_ok) {
        reports.extend(activity::load_loans(store, actor, &set.loans, &set.loan_events).await?);
    }
    reports.push(store.import_events(actor, &scope, &set.events).await?);
    store.install_catalogue(actor).await?;
    store
        .ensure_plan(actor, "annual_2022", 1, ("株洲市2022年科技工作目标", "Zhuzhou 2022 annual S&T targets"), 2022)
        .await?;
    reports.push(store.import_facts(actor, &scope, &indicators::facts(), "demo").await?);
    reports.push(store.import_targets(actor, &scope, &indicators::targets()).await?);
    if reports.iter().all(ImportReport::is_ok) {
        projects::load(store, actor).await?;
    }
    for r in &reports {
        if !r.is_ok() {
            let first = &r.errors[0];
            return Err(StoreError::Config(format!(
                "demo {} import refused {} rows; first: line {} column {} value {:?}: {} {:?}",
                r.kind,
                r.errors.len(),
                first.line,
                first.column,
                first.value,
                first.code,
                first.args
            )));
        }
    }
    Ok(LoadSummary { reports })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let a = generate(SEED);
        let b = generate(SEED);
        assert_eq!(a.organisations.rows.len(), b.organisations.rows.len());
        assert!(a.tiers.rows.iter().zip(&b.tiers.rows).all(|(x, y)| x.cells == y.cells));
        assert!(a.platforms.rows.iter().zip(&b.platforms.rows).all(|(x, y)| x.cells == y.cells));
    }

    #[test]
    fn codes_are_valid_and_unique() {
        let set = generate(SEED);
        let mut seen = BTreeSet::new();
        for r in &set.organisations.rows {
            assert!(gaodi_domain::organisation::Uscc::parse(&r.cells[0]).is_ok(), "{}", r.cells[0]);
            assert!(seen.insert(r.cells[0].clone()), "duplicate {}", r.cells[0]);
        }
    }
}
