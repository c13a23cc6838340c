//! People of the demo: talents, experts, commissioners, members of the expert service team and
//! foreign experts, as the rows of the people import (one row per person and role).
//!
//! Everyone is synthetic: a name drawn from common surnames and given-name characters, and a
//! resident ID number that is valid (GB 11643 check character) but invented: a 4302xx region
//! prefix, a date of birth from 1950 to 2000 and a sequence number whose last digit gives the
//! gender. Foreign experts have invented passport-style numbers, Latin names and a nationality.
//!
//! The roles are planned so that the talent figures of the 2021 review (`seed-facts.csv`, the
//! unlabelled talent paragraph) are what the register counts:
//! - 市级领军人才 171 selected in five yearly batches to 2021 (F041), titles without end;
//! - 双聘精英人才 32 on three-year appointments from 2020 and 2021 (F042);
//! - 中国动力谷产业领军专家 856 in four batches to 2021 (F043);
//! - 科技特派员 331 for 2021 (F044): commissioners serve calendar-year terms, so the 2021 batch
//!   is exactly the commissioners valid at any time in 2021;
//! - 科技专家服务团 1,330 members formed in 2021 for 2021-2023 (F045), 31 of them the doctors and
//!   postgraduates 茶陵县 recruited (F049 14 / F050 17: the register has no degree field, so
//!   those two figures are in the data but cannot be counted from it);
//! - 外国专家: 31 work permits issued in 2021 (F046), 40 permits valid on 2021-12-31 (F048).
//!
//! Each kind also has records before and after, so lists by date change over the years.

use std::collections::{BTreeMap, BTreeSet};

use gaodi_domain::person::resident_check_char;
use gaodi_store::person::PERSON_COLUMNS;
use gaodi_store::tabular::Table;
use rand::seq::SliceRandom;
use rand::Rng;

use crate::{date, table, Firm};

/// 市级领军人才 selected per year: 171 by the end of 2021 (F041), 45 more in 2022.
pub(crate) const LEADING_TALENT_BATCHES: [(i32, usize); 6] =
    [(2017, 28), (2018, 31), (2019, 35), (2020, 37), (2021, 40), (2022, 45)];
/// 双聘精英人才 appointed per year for three years: 32 in office at the end of 2021 (F042); the
/// 2022 batch meets the target of 30 more (F062).
pub(crate) const DUAL_APPOINTED_BATCHES: [(i32, usize); 3] = [(2020, 12), (2021, 20), (2022, 31)];
/// 中国动力谷产业领军专家 recognised per year: 856 by the end of 2021 (F043).
pub(crate) const INDUSTRY_EXPERT_BATCHES: [(i32, usize); 5] =
    [(2018, 180), (2019, 205), (2020, 221), (2021, 250), (2022, 120)];
/// 科技特派员 sent per year (calendar-year terms): 331 in 2021 (F044).
pub(crate) const COMMISSIONER_YEARS: [(i32, usize); 4] = [(2019, 260), (2020, 298), (2021, 331), (2022, 350)];
/// Members of the 科技专家服务团 formed in 2021 (F045), of which 茶陵县's 14 doctors and 17
/// postgraduates (F049, F050), and members added in 2022.
pub(crate) const SERVICE_TEAM_2021: usize = 1330;
const CHALING_RECRUITS: usize = 14 + 17;
const SERVICE_TEAM_2022: usize = 96;
/// Review experts (评审专家) in the pool.
const REVIEW_EXPERTS: usize = 420;
/// Foreign work permits per year of issue: (year, permits, of which still valid on 2021-12-31).
/// 31 issued in 2021 (F046); 4 + 5 + 31 = 40 valid at the end of 2021 (F048).
pub(crate) const FOREIGN_PERMITS: [(i32, usize, usize); 4] =
    [(2019, 16, 4), (2020, 5, 5), (2021, 31, 31), (2022, 18, 0)];

const SURNAMES: [&str; 60] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "姚", "卢", "谭", "易", "贺", "龙", "阳", "颜", "邹",
    "廖", "文", "欧阳",
];
const GIVEN_MALE: [&str; 36] = [
    "伟", "强", "军", "勇", "杰", "涛", "斌", "波", "辉", "刚", "健", "明", "超", "亮", "华", "峰", "磊", "鹏", "飞",
    "俊", "浩", "宇", "志", "文", "建", "国", "海", "平", "东", "林", "新", "宏", "庆", "龙", "凯", "毅",
];
const GIVEN_FEMALE: [&str; 26] = [
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琳", "红", "梅", "莉", "兰", "萍", "洁",
    "颖", "倩", "慧", "佳", "欣", "怡", "蓉",
];
const GIVEN_ANY: [&str; 12] = ["晓", "春", "秋", "立", "永", "德", "嘉", "思", "宁", "雨", "湘", "清"];

const SENIOR_TITLES: [&str; 4] = ["正高级工程师", "教授", "研究员", "高级工程师"];
const EXPERT_TITLES: [&str; 7] = ["正高级工程师", "高级工程师", "教授", "副教授", "研究员", "副研究员", "高级经济师"];
const COMMISSIONER_TITLES: [&str; 7] =
    ["高级农艺师", "农艺师", "副教授", "高级工程师", "工程师", "副研究员", "推广研究员"];
const TEAM_TITLES: [&str; 8] =
    ["高级工程师", "工程师", "副教授", "讲师", "副研究员", "助理研究员", "高级农艺师", "农艺师"];
const FIELDS: [&str; 14] = [
    "轨道交通装备",
    "电力电子",
    "航空动力",
    "硬质合金",
    "先进陶瓷",
    "新材料",
    "电子信息",
    "智能制造",
    "生物医药",
    "现代农业",
    "节能环保",
    "服饰设计",
    "财务管理",
    "知识产权",
];
const TOWN_HEADS: [&str; 10] = ["龙", "金", "石", "桃", "枫", "清", "白", "长", "新", "马"];
const TOWN_TAILS: [&str; 6] = ["塘镇", "田镇", "江镇", "山乡", "桥镇", "坪乡"];
const VILLAGES: [&str; 10] =
    ["和平村", "新华村", "团结村", "红星村", "桃源村", "青山村", "双江村", "荷花村", "光明村", "金竹村"];
/// Where commissioners serve: the rural counties more often.
const RURAL: [(&str, &str, u32); 6] = [
    ("430212", "渌口区", 4),
    ("430223", "攸县", 6),
    ("430224", "茶陵县", 6),
    ("430225", "炎陵县", 5),
    ("430281", "醴陵市", 5),
    ("430211", "天元区", 1),
];

/// (nationality, given names with gender, surnames, passport number: letters, digits).
type Nation = (&'static str, &'static [(&'static str, &'static str)], &'static [&'static str], &'static str, usize);
const NATIONS: [Nation; 8] = [
    (
        "德国",
        &[("Lukas", "男"), ("Jonas", "男"), ("Markus", "男"), ("Katrin", "女"), ("Anna", "女")],
        &["Becker", "Hoffmann", "Schulz", "Krause", "Richter"],
        "C",
        8,
    ),
    (
        "美国",
        &[("Daniel", "男"), ("Jason", "男"), ("Michael", "男"), ("Emily", "女"), ("Sarah", "女")],
        &["Walker", "Bennett", "Foster", "Hayes", "Brooks"],
        "",
        9,
    ),
    (
        "英国",
        &[("Oliver", "男"), ("Harry", "男"), ("George", "男"), ("Amelia", "女"), ("Grace", "女")],
        &["Turner", "Collins", "Marshall", "Lloyd", "Palmer"],
        "",
        9,
    ),
    (
        "日本",
        &[("Hiroshi", "男"), ("Takashi", "男"), ("Kenji", "男"), ("Yuki", "女"), ("Naoko", "女")],
        &["Tanaka", "Sato", "Suzuki", "Kobayashi", "Yamada"],
        "TK",
        7,
    ),
    (
        "韩国",
        &[("Minjun", "男"), ("Jihoon", "男"), ("Seoyeon", "女"), ("Jiwoo", "女")],
        &["Kim", "Lee", "Park", "Choi", "Jung"],
        "M",
        8,
    ),
    (
        "俄罗斯",
        &[("Alexei", "男"), ("Dmitri", "男"), ("Sergei", "男"), ("Irina", "女"), ("Olga", "女")],
        &["Sokolov", "Orlov", "Lebedev", "Morozov", "Volkov"],
        "",
        9,
    ),
    (
        "法国",
        &[("Julien", "男"), ("Nicolas", "男"), ("Camille", "女"), ("Claire", "女")],
        &["Moreau", "Laurent", "Girard", "Bonnet", "Dupont"],
        "FR",
        7,
    ),
    (
        "意大利",
        &[("Marco", "男"), ("Luca", "男"), ("Giulia", "女"), ("Chiara", "女")],
        &["Ricci", "Marino", "Greco", "Bruno", "Gallo"],
        "YA",
        7,
    ),
];

struct Person {
    name: String,
    id_number: String,
    gender: &'static str,
    birth_year: i32,
    region: &'static str,
    employer: Option<usize>,
    title: &'static str,
    nationality: &'static str,
}

#[derive(Default)]
struct Role {
    person: usize,
    kind: &'static str,
    from: String,
    to: String,
    reference: String,
    fields: String,
    assignment: String,
}

struct Register<'a> {
    firms: &'a [Firm],
    /// Enterprises holding an HTE certificate (talents and experts work there most).
    hte: Vec<usize>,
    /// Universities and institutes.
    academic: Vec<usize>,
    people: Vec<Person>,
    roles: Vec<Role>,
    ids: BTreeSet<String>,
}

fn pick<'x, R: Rng, T>(rng: &mut R, items: &'x [T]) -> &'x T {
    &items[rng.gen_range(0..items.len())]
}

/// A synthetic Chinese name for a gender.
pub(crate) fn chinese_name<R: Rng>(rng: &mut R, male: bool) -> String {
    let surname = pick(rng, &SURNAMES);
    let given = |rng: &mut R| {
        if rng.gen_bool(0.3) {
            *pick(rng, &GIVEN_ANY)
        } else if male {
            *pick(rng, &GIVEN_MALE)
        } else {
            *pick(rng, &GIVEN_FEMALE)
        }
    };
    if rng.gen_bool(0.3) {
        format!("{surname}{}", given(rng))
    } else {
        let first = given(rng);
        let mut second = given(rng);
        while second == first {
            second = given(rng);
        }
        format!("{surname}{first}{second}")
    }
}

/// Where a number of someone born in a district was issued: 渌口区 was 株洲县 (430221) before 2018.
fn id_prefix(region: &str) -> &str {
    match region {
        "430212" => "430221",
        "430200" => "430202",
        r => r,
    }
}

impl Register<'_> {
    /// A new resident with a unique, valid ID number.
    fn resident<R: Rng>(
        &mut self,
        rng: &mut R,
        region: &'static str,
        employer: Option<usize>,
        titles: &[&'static str],
        born: (i32, i32),
    ) -> usize {
        let male = rng.gen_bool(0.72);
        let (id_number, birth_year) = loop {
            let year = rng.gen_range(born.0..=born.1);
            let seq = rng.gen_range(0..500) * 2 + u32::from(male);
            let body =
                format!("{}{year}{:02}{:02}{seq:03}", id_prefix(region), rng.gen_range(1..=12), rng.gen_range(1..=28));
            let check = resident_check_char(&body).expect("17 digits");
            let id = format!("{body}{check}");
            if self.ids.insert(id.clone()) {
                break (id, year);
            }
        };
        let title = *pick(rng, titles);
        self.people.push(Person {
            name: chinese_name(rng, male),
            id_number,
            gender: if male { "男" } else { "女" },
            birth_year,
            region,
            employer,
            title,
            nationality: "",
        });
        self.people.len() - 1
    }

    /// A resident working at an organisation (in its region).
    fn employee<R: Rng>(&mut self, rng: &mut R, firm: usize, titles: &[&'static str], born: (i32, i32)) -> usize {
        let region = self.firms[firm].region;
        self.resident(rng, region, Some(firm), titles, born)
    }

    /// An HTE (`share_hte` of the time) or a university / institute.
    fn talent_employer<R: Rng>(&self, rng: &mut R, share_hte: f64) -> usize {
        if rng.gen_bool(share_hte) {
            *pick(rng, &self.hte)
        } else {
            *pick(rng, &self.academic)
        }
    }

    fn role(&mut self, role: Role) {
        self.roles.push(role);
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.roles
            .iter()
            .map(|r| {
                let p = &self.people[r.person];
                vec![
                    p.name.clone(),
                    p.id_number.clone(),
                    p.gender.to_owned(),
                    p.birth_year.to_string(),
                    p.region.to_owned(),
                    p.employer.map(|i| self.firms[i].uscc.clone()).unwrap_or_default(),
                    p.title.to_owned(),
                    r.kind.to_owned(),
                    r.from.clone(),
                    r.to.clone(),
                    r.reference.clone(),
                    r.fields.clone(),
                    r.assignment.clone(),
                    p.nationality.to_owned(),
                ]
            })
            .collect()
    }
}

/// The last day of a term of `years` from `(y, m, d)` (`d` at most 28).
fn term_end(y: i32, m: u8, d: u8, years: i32) -> String {
    if d > 1 {
        date(y + years, m, d - 1)
    } else if m > 1 {
        date(y + years, m - 1, 28)
    } else {
        date(y + years - 1, 12, 31)
    }
}

fn batch_day<R: Rng>(rng: &mut R, months: (u8, u8)) -> (u8, u8) {
    (rng.gen_range(months.0..=months.1), rng.gen_range(1..=28))
}

/// A county where a commissioner serves, by weight.
fn rural_county<R: Rng>(rng: &mut R) -> (&'static str, &'static str) {
    let total: u32 = RURAL.iter().map(|r| r.2).sum();
    let mut x = rng.gen_range(0..total);
    for (code, name, w) in RURAL {
        if x < w {
            return (code, name);
        }
        x -= w;
    }
    (RURAL[0].0, RURAL[0].1)
}

fn fields_of<R: Rng>(rng: &mut R) -> String {
    let n = rng.gen_range(1..=3);
    let mut chosen: Vec<&str> = FIELDS.choose_multiple(rng, n).copied().collect();
    chosen.sort_unstable();
    chosen.join(",")
}

/// Builds the people import: one row per person and role (see the module docs for the plan).
pub(crate) fn people<R: Rng>(rng: &mut R, firms: &[Firm], hte: &BTreeSet<usize>) -> Table {
    let mut reg = Register {
        firms,
        hte: hte.iter().copied().collect(),
        academic: (0..firms.len()).filter(|&i| firms[i].kind != "企业").collect(),
        people: Vec::new(),
        roles: Vec::new(),
        ids: BTreeSet::new(),
    };

    // 市级领军人才: certificates numbered per batch, no end date.
    let mut talents: Vec<usize> = Vec::new();
    for (year, n) in LEADING_TALENT_BATCHES {
        let (m, d) = batch_day(rng, (9, 12));
        for k in 0..n {
            let employer = reg.talent_employer(rng, 0.75);
            let p = reg.employee(rng, employer, &SENIOR_TITLES, (1962, 1988));
            reg.role(Role {
                person: p,
                kind: "leading_talent",
                from: date(year, m, d),
                reference: format!("株人才证〔{year}〕{:03}号（演示）", k + 1),
                ..Role::default()
            });
            talents.push(p);
        }
    }

    // 双聘精英人才: three-year appointments, mostly in enterprises.
    for (year, n) in DUAL_APPOINTED_BATCHES {
        let (m, d) = batch_day(rng, (5, 10));
        for k in 0..n {
            let employer = reg.talent_employer(rng, 0.85);
            let p = reg.employee(rng, employer, &SENIOR_TITLES, (1965, 1986));
            reg.role(Role {
                person: p,
                kind: "dual_appointed_talent",
                from: date(year, m, d),
                to: term_end(year, m, d, 3),
                reference: format!("株双聘〔{year}〕{:03}号（演示）", k + 1),
                ..Role::default()
            });
        }
    }

    // 中国动力谷产业领军专家: about one in seven is also a leading talent.
    let mut talent_pool = talents.clone();
    talent_pool.shuffle(rng);
    let mut industry_experts: Vec<usize> = Vec::new();
    for (year, n) in INDUSTRY_EXPERT_BATCHES {
        let (m, d) = batch_day(rng, (3, 8));
        for _ in 0..n {
            let reused = if rng.gen_bool(0.15) { talent_pool.pop() } else { None };
            let p = match reused {
                Some(p) => p,
                None => {
                    let employer = reg.talent_employer(rng, 0.8);
                    reg.employee(rng, employer, &EXPERT_TITLES, (1958, 1990))
                }
            };
            reg.role(Role { person: p, kind: "industry_leading_expert", from: date(year, m, d), ..Role::default() });
            industry_experts.push(p);
        }
    }

    // 评审专家: three-year terms in the pool; a quarter are talents or industry experts.
    let mut known: Vec<usize> =
        talents.iter().chain(&industry_experts).copied().collect::<BTreeSet<_>>().into_iter().collect();
    known.shuffle(rng);
    let mut review_experts: Vec<usize> = Vec::new();
    for k in 0..REVIEW_EXPERTS {
        let year = 2019 + i32::try_from(k % 3).unwrap_or(0);
        let reused = if k % 4 == 0 { known.pop() } else { None };
        let p = match reused {
            Some(p) => p,
            None => {
                let employer = reg.talent_employer(rng, 0.6);
                reg.employee(rng, employer, &EXPERT_TITLES, (1955, 1988))
            }
        };
        let (m, d) = (3, 15);
        reg.role(Role {
            person: p,
            kind: "expert",
            from: date(year, m, d),
            to: term_end(year, m, d, 3),
            fields: fields_of(rng),
            ..Role::default()
        });
        review_experts.push(p);
    }

    // 科技特派员: a batch per calendar year; about two thirds serve again the next year. A
    // third of the new ones serve a firm of the county, the others a village.
    let mut local_firms: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in firms.iter().enumerate().filter(|(_, f)| f.kind == "企业") {
        local_firms.entry(f.region).or_default().push(i);
    }
    let mut previous: Vec<(usize, String)> = Vec::new();
    let mut commissioners_2021: Vec<usize> = Vec::new();
    for (year, n) in COMMISSIONER_YEARS {
        let mut batch: Vec<(usize, String)> = Vec::new();
        previous.shuffle(rng);
        let again = (previous.len() * 2 / 3).min(n);
        batch.extend(previous.drain(..again));
        while batch.len() < n {
            let (code, county) = rural_county(rng);
            let p = if rng.gen_bool(0.45) {
                let employer = *pick(rng, &reg.academic);
                reg.employee(rng, employer, &COMMISSIONER_TITLES, (1960, 1992))
            } else {
                reg.resident(rng, code, None, &COMMISSIONER_TITLES, (1962, 1994))
            };
            let local = local_firms.get(code).map_or(&[][..], Vec::as_slice);
            let assignment = if rng.gen_bool(0.35) && !local.is_empty() {
                firms[*pick(rng, local)].name.clone()
            } else {
                format!("{county}{}{}{}", pick(rng, &TOWN_HEADS), pick(rng, &TOWN_TAILS), pick(rng, &VILLAGES))
            };
            batch.push((p, assignment));
        }
        batch.sort_unstable();
        for (p, assignment) in &batch {
            reg.role(Role {
                person: *p,
                kind: "commissioner",
                from: date(year, 1, 1),
                to: date(year, 12, 31),
                assignment: assignment.clone(),
                ..Role::default()
            });
        }
        if year == 2021 {
            commissioners_2021 = batch.iter().map(|(p, _)| *p).collect();
        }
        previous = batch;
    }

    // 科技专家服务团, formed in 2021 for 2021-2023 from commissioners, industry experts, review
    // experts and new members; 茶陵县's recruits join in the autumn.
    let mut members: BTreeSet<usize> = BTreeSet::new();
    for (pool, n) in [(&commissioners_2021, 160), (&industry_experts, 240), (&review_experts, 90)] {
        let mut pool: Vec<usize> = pool.iter().copied().filter(|p| !members.contains(p)).collect();
        pool.sort_unstable();
        pool.dedup();
        pool.shuffle(rng);
        members.extend(pool.into_iter().take(n));
    }
    let founding: Vec<usize> = members.iter().copied().collect();
    for p in founding {
        reg.role(Role {
            person: p,
            kind: "expert_service_team",
            from: date(2021, 4, 16),
            to: date(2023, 12, 31),
            ..Role::default()
        });
    }
    let chaling_institute = (0..firms.len()).find(|&i| firms[i].kind != "企业" && firms[i].region == "430224");
    for _ in 0..CHALING_RECRUITS {
        let p = reg.resident(rng, "430224", chaling_institute, &["助理研究员", "农艺师", "工程师"], (1986, 1996));
        reg.role(Role {
            person: p,
            kind: "expert_service_team",
            from: date(2021, 9, 1),
            to: date(2023, 12, 31),
            ..Role::default()
        });
    }
    let new_members = SERVICE_TEAM_2021 - members.len() - CHALING_RECRUITS;
    for _ in 0..new_members {
        let employer = reg.talent_employer(rng, 0.7);
        let p = reg.employee(rng, employer, &TEAM_TITLES, (1960, 1995));
        reg.role(Role {
            person: p,
            kind: "expert_service_team",
            from: date(2021, 4, 16),
            to: date(2023, 12, 31),
            ..Role::default()
        });
    }
    for _ in 0..SERVICE_TEAM_2022 {
        let employer = reg.talent_employer(rng, 0.7);
        let p = reg.employee(rng, employer, &TEAM_TITLES, (1965, 1996));
        reg.role(Role {
            person: p,
            kind: "expert_service_team",
            from: date(2022, 5, 20),
            to: date(2023, 12, 31),
            ..Role::default()
        });
    }

    // 外国专家: one work permit each, in HTEs and universities.
    let mut passports: BTreeSet<String> = BTreeSet::new();
    let mut permit = 0;
    for (year, n, valid_end_2021) in FOREIGN_PERMITS {
        for k in 0..n {
            permit += 1;
            let (nationality, given, surnames, letters, digits) = *pick(rng, &NATIONS);
            let (first, gender) = *pick(rng, given);
            let passport = loop {
                let number: String = (0..digits).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect();
                let p = format!("{letters}{number}");
                if passports.insert(p.clone()) {
                    break p;
                }
            };
            let employer = reg.talent_employer(rng, 0.8);
            let (m, d) = batch_day(rng, (1, 12));
            // Permits run one to three years. Those of 2019 and 2020 still valid at the end of 2021
            // run into 2022 or 2023; the other 2019 ones ended in 2020 or 2021.
            let to = match year {
                2021 | 2022 => date(year + rng.gen_range(1..=2), m, d),
                _ if k < valid_end_2021 => date(year + 3, m, d),
                _ => date(year + rng.gen_range(1..=2), m, d),
            };
            reg.people.push(Person {
                name: format!("{first} {}", pick(rng, surnames)),
                id_number: passport,
                gender,
                birth_year: rng.gen_range(1955..=1990),
                region: firms[employer].region,
                employer: Some(employer),
                title: "",
                nationality,
            });
            let p = reg.people.len() - 1;
            reg.role(Role {
                person: p,
                kind: "foreign_expert",
                from: date(year, m, d),
                to,
                reference: format!("{year}43020{permit:05}"),
                ..Role::default()
            });
        }
    }

    table("人员", PERSON_COLUMNS, reg.rows())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gaodi_domain::person::IdNumber;
    use rand::SeedableRng;

    fn generated() -> Table {
        crate::generate(crate::SEED).people
    }

    /// (kind, valid_from, valid_to) of every row.
    fn roles(t: &Table) -> Vec<(String, String, String)> {
        t.rows.iter().map(|r| (r.cells[7].clone(), r.cells[8].clone(), r.cells[9].clone())).collect()
    }

    fn valid_on(roles: &[(String, String, String)], kind: &str, day: &str) -> usize {
        roles
            .iter()
            .filter(|(k, from, to)| k == kind && from.as_str() <= day && (to.is_empty() || to.as_str() >= day))
            .count()
    }

    #[test]
    fn the_plan_gives_the_seed_figures() {
        let t = generated();
        let r = roles(&t);
        let end21 = "2021-12-31";
        assert_eq!(valid_on(&r, "leading_talent", end21), 171);
        assert_eq!(valid_on(&r, "dual_appointed_talent", end21), 32);
        assert_eq!(valid_on(&r, "industry_leading_expert", end21), 856);
        assert_eq!(valid_on(&r, "expert_service_team", end21), 1330);
        assert_eq!(valid_on(&r, "foreign_expert", end21), 40);
        let commissioners_2021 = r
            .iter()
            .filter(|(k, from, to)| k == "commissioner" && from.as_str() <= end21 && to.as_str() >= "2021-01-01");
        assert_eq!(commissioners_2021.count(), 331);
        assert_eq!(r.iter().filter(|(k, from, _)| k == "foreign_expert" && from.starts_with("2021")).count(), 31);
    }

    #[test]
    fn ids_are_valid_unique_and_agree_with_gender_and_birth_year() {
        let t = generated();
        let mut person_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in &t.rows {
            let c = &row.cells;
            let cols = c[..7].to_vec();
            if let Some(first) = person_of.insert(c[1].clone(), cols.clone()) {
                assert_eq!(first, cols, "rows of one person agree");
            }
            if c[13].is_empty() {
                let id = IdNumber::parse_resident(&c[1]).expect("valid resident ID");
                assert!(c[1].starts_with("4302"), "{}", c[1]);
                let born = id.birth_date().expect("date of birth").year();
                assert!((1950..=2000).contains(&born), "{born}");
                assert_eq!(c[3], born.to_string());
                assert_eq!(c[2], id.gender().expect("gender").name_zh());
            } else {
                assert!(IdNumber::parse_foreign(&c[1]).is_ok(), "{}", c[1]);
            }
        }
        assert!(person_of.len() > 2500, "{} people", person_of.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let firms = crate::firms(&mut rand::rngs::StdRng::seed_from_u64(1));
        let hte: BTreeSet<usize> = (0..firms.len()).step_by(3).collect();
        let a = people(&mut rand::rngs::StdRng::seed_from_u64(7), &firms, &hte);
        let b = people(&mut rand::rngs::StdRng::seed_from_u64(7), &firms, &hte);
        assert!(a.rows.iter().zip(&b.rows).all(|(x, y)| x.cells == y.cells));
    }
}
