//! The measures and indicators gaodi ships: every measurable quantity of the article
//! (`seed-facts.csv`, codes as its `indicator_code`) plus R&D intensity, HTE count and growth,
//! high-tech industry value added and growth, contract turnover, platforms by level, talent
//! counts and invention patents per 10,000 residents.
//!
//! Indicators counted from the registries are formulas over registry aggregates (see
//! [`super::registry`] for what each entity counts); figures only the statistics bureau or the
//! finance bureau know (GDP, R&D expenditure, fiscal spending, value added at comparable
//! prices) are measures, reported as facts.
//!
//! Project figures were reported until the project registry was kept: from 2021, the first
//! project year gaodi holds, [`LATER_VERSIONS`] counts applications, approvals and granted
//! funding from the registry, while the version before it (to 2020) still reads the reported
//! facts. A definition is versioned by year (`valid_from`, `valid_to` exclusive), so earlier
//! years keep their figures and their meaning. `key_tech_projects_implemented` stays reported:
//! which projects are "key technology" (攻关) projects is not something the registry records.

use super::{Direction, IndicatorDef, MeasureDef, SpaceAggregation, TimeAggregation};

/// (code, 中文, English, 单位, unit, decimals, time aggregation, space aggregation)
type MeasureRow =
    (&'static str, &'static str, &'static str, &'static str, &'static str, u8, TimeAggregation, SpaceAggregation);

const MEASURES: &[MeasureRow] = {
    use SpaceAggregation as S;
    use TimeAggregation as T;
    &[
        ("gdp", "地区生产总值", "Gross domestic product", "亿元", "100 million yuan", 2, T::Sum, S::Sum),
        ("rd_expenditure", "全社会研发经费", "R&D expenditure", "亿元", "100 million yuan", 2, T::Sum, S::Sum),
        (
            "fiscal_expenditure",
            "地方一般公共预算支出",
            "Local fiscal expenditure",
            "亿元",
            "100 million yuan",
            2,
            T::Sum,
            S::Sum,
        ),
        (
            "fiscal_st_expenditure",
            "地方财政科技支出",
            "Local fiscal S&T expenditure",
            "亿元",
            "100 million yuan",
            2,
            T::Sum,
            S::Sum,
        ),
        (
            "hti_value_added",
            "高新技术产业增加值",
            "High-tech industry value added",
            "亿元",
            "100 million yuan",
            2,
            T::Sum,
            S::Sum,
        ),
        (
            "hti_va_growth",
            "高新技术产业增加值增速(可比价)",
            "High-tech industry value added growth (comparable prices)",
            "%",
            "%",
            1,
            T::Last,
            S::None,
        ),
        ("resident_population", "常住人口", "Resident population", "万人", "10,000 persons", 2, T::Last, S::Sum),
        (
            "prov_plus_project_applications",
            "申报省级以上科技项目数",
            "Applications to provincial-and-above S&T programmes",
            "项",
            "projects",
            0,
            T::Sum,
            S::Sum,
        ),
        (
            "key_tech_projects_implemented",
            "实施科技攻关项目数",
            "Key technology projects under way",
            "项",
            "projects",
            0,
            T::Last,
            S::Sum,
        ),
        (
            "natl_prov_projects_approved",
            "国省科技计划立项数",
            "National and provincial S&T projects approved",
            "项",
            "projects",
            0,
            T::Sum,
            S::Sum,
        ),
        ("project_funding", "立项资金", "Funding of approved projects", "万元", "10,000 yuan", 2, T::Sum, S::Sum),
    ]
};

/// The measures gaodi ships.
#[must_use]
pub fn measures() -> Vec<MeasureDef> {
    MEASURES
        .iter()
        .map(|&(code, zh, en, unit_zh, unit_en, decimals, time, space)| MeasureDef {
            code: code.to_owned(),
            name_zh: zh.to_owned(),
            name_en: en.to_owned(),
            unit_zh: unit_zh.to_owned(),
            unit_en: unit_en.to_owned(),
            decimals,
            time,
            space,
        })
        .collect()
}

/// (code, 中文, English, 单位, unit, formula (None: the measure as reported), space, time, decimals)
type IndicatorRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    SpaceAggregation,
    TimeAggregation,
    u8,
);

const INDICATORS: &[IndicatorRow] = {
    use SpaceAggregation::{None as Own, Recompute, Sum};
    use TimeAggregation::{Last, Sum as Flow};
    &[
        // Firms and tiers (stocks at the period's end).
        (
            "hte_count",
            "有效高新技术企业数",
            "Valid high-tech enterprises",
            "家",
            "firms",
            Some(r#"count(org where tier = "hte" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "hte_count_growth",
            "有效高新技术企业数增幅",
            "Growth of valid high-tech enterprises",
            "%",
            "%",
            Some("yoy(hte_count)"),
            Recompute,
            Last,
            1,
        ),
        (
            "tech_sme_count",
            "科技型中小企业数",
            "Registered S&T SMEs",
            "家",
            "firms",
            Some(r#"count(org where tier = "tech_sme" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "rd_reserve_filed_firms",
            "省研发准备金备案企业数",
            "Firms with a provincial R&D reserve filing",
            "家",
            "firms",
            Some(r#"count(org where tier = "rd_reserve_filing" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "single_champion_count",
            "单项冠军企业(产品)数",
            "Single champions",
            "个",
            "firms",
            Some(r#"count(org where tier = "single_champion" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        // Platforms (stock approved by the period's end).
        (
            "st_platforms_total",
            "各类科技创新平台数",
            "S&T innovation platforms",
            "家",
            "platforms",
            Some("count(platform)"),
            Sum,
            Last,
            0,
        ),
        (
            "st_platforms_national",
            "国家级科技创新平台数",
            "National S&T platforms",
            "家",
            "platforms",
            Some(r#"count(platform where level = "national")"#),
            Sum,
            Last,
            0,
        ),
        (
            "st_platforms_provincial",
            "省级科技创新平台数",
            "Provincial S&T platforms",
            "家",
            "platforms",
            Some(r#"count(platform where level = "provincial")"#),
            Sum,
            Last,
            0,
        ),
        (
            "natl_platforms",
            "国家级创新平台数",
            "National innovation platforms",
            "个",
            "platforms",
            Some("st_platforms_national"),
            Sum,
            Last,
            0,
        ),
        (
            "prov_platforms",
            "省级创新平台数",
            "Provincial innovation platforms",
            "个",
            "platforms",
            Some("st_platforms_provincial"),
            Sum,
            Last,
            0,
        ),
        (
            "new_prov_platforms",
            "新增省级科技创新平台数",
            "New provincial S&T platforms",
            "家",
            "platforms",
            Some("st_platforms_provincial - lag(st_platforms_provincial, 1)"),
            Sum,
            Flow,
            0,
        ),
        (
            "national_key_labs_accepted",
            "已完成国家验收的国家重点实验室数",
            "State key laboratories accepted",
            "家",
            "labs",
            Some(r#"count(platform where kind = "state_key_lab" and status = "accepted")"#),
            Sum,
            Last,
            0,
        ),
        (
            "new_rd_institutions",
            "新入选省级新型研发机构数",
            "New provincial new-type R&D institutions",
            "家",
            "institutions",
            Some(r#"count(platform where kind = "new_rd_institution" and level = "provincial" valid_at started)"#),
            Sum,
            Flow,
            0,
        ),
        // Awards (awarded in the period).
        (
            "national_st_award_projects",
            "获国家科技奖项目数",
            "National S&T award projects",
            "项",
            "projects",
            Some(r#"count(award where level = "national")"#),
            Sum,
            Flow,
            0,
        ),
        (
            "provincial_st_award_projects",
            "获省科技奖项目数",
            "Provincial S&T award projects",
            "项",
            "projects",
            Some(r#"count(award where level = "provincial")"#),
            Sum,
            Flow,
            0,
        ),
        (
            "provincial_st_award_first_prize",
            "省科技奖一等奖项目数",
            "Provincial S&T award first prizes",
            "项",
            "projects",
            Some(r#"count(award where level = "provincial" and grade = "first")"#),
            Sum,
            Flow,
            0,
        ),
        (
            "provincial_st_award_second_prize",
            "省科技奖二等奖项目数",
            "Provincial S&T award second prizes",
            "项",
            "projects",
            Some(r#"count(award where level = "provincial" and grade = "second")"#),
            Sum,
            Flow,
            0,
        ),
        // Technology market and finance (flows).
        (
            "tech_contract_turnover",
            "技术合同成交额",
            "Technology contract turnover",
            "亿元",
            "100 million yuan",
            Some("sum(contract.amount) / 100000000"),
            Sum,
            Flow,
            2,
        ),
        (
            "tech_contracts_registered",
            "登记技术合同数",
            "Technology contracts registered",
            "件",
            "contracts",
            Some("count(contract)"),
            Sum,
            Flow,
            0,
        ),
        (
            "ip_credit_loans",
            "知识价值信用贷款额",
            "Knowledge-value credit loans",
            "亿元",
            "100 million yuan",
            Some(r#"sum(loan.amount where scheme = "knowledge_value_loan") / 100000000"#),
            Sum,
            Flow,
            2,
        ),
        // Talent.
        (
            "municipal_leading_talents_cum",
            "市级领军人才(累计)",
            "Municipal leading talents (cumulative)",
            "名",
            "persons",
            Some(r#"count(person where role = "leading_talent" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "dual_appointed_talents_cum",
            "双聘精英人才(累计)",
            "Dual-appointed talents (cumulative)",
            "名",
            "persons",
            Some(r#"count(person where role = "dual_appointed_talent" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "dual_appointed_talents_new",
            "新培养认定双聘精英人才数",
            "New dual-appointed talents",
            "名",
            "persons",
            Some("dual_appointed_talents_cum - lag(dual_appointed_talents_cum, 1)"),
            Sum,
            Flow,
            0,
        ),
        (
            "industry_leading_experts_cum",
            "中国动力谷产业领军专家(累计)",
            "Industry leading experts (cumulative)",
            "人",
            "persons",
            Some(r#"count(person where role = "industry_leading_expert" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "st_commissioners",
            "选派科技特派员数",
            "S&T commissioners",
            "名",
            "persons",
            Some(r#"count(person where role = "commissioner")"#),
            Sum,
            Last,
            0,
        ),
        (
            "expert_service_team_size",
            "科技专家服务团人数",
            "Expert service team members",
            "人",
            "persons",
            Some(r#"count(person where role = "expert_service_team" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        (
            "foreign_work_permits_new",
            "新办外国人来华工作许可数",
            "New foreign work permits",
            "个",
            "permits",
            Some(r#"count(person where role = "foreign_expert" valid_at started)"#),
            Sum,
            Flow,
            0,
        ),
        (
            "foreign_experts_employed",
            "在聘外国专家数",
            "Foreign experts employed",
            "人",
            "persons",
            Some(r#"count(person where role = "foreign_expert" valid_at period_end)"#),
            Sum,
            Last,
            0,
        ),
        // Reported figures and ratios.
        ("gdp", "地区生产总值", "Gross domestic product", "亿元", "100 million yuan", None, Sum, Flow, 2),
        ("rd_expenditure", "全社会研发经费", "R&D expenditure", "亿元", "100 million yuan", None, Sum, Flow, 2),
        (
            "rd_intensity",
            "研发投入强度",
            "R&D intensity",
            "%",
            "%",
            Some("rd_expenditure / gdp * 100"),
            Recompute,
            Flow,
            2,
        ),
        (
            "fiscal_st_expenditure_share",
            "地方财政科技支出占地方财政支出比值",
            "Fiscal S&T expenditure share",
            "%",
            "%",
            Some("fiscal_st_expenditure / fiscal_expenditure * 100"),
            Recompute,
            Flow,
            2,
        ),
        (
            "hti_value_added",
            "高新技术产业增加值",
            "High-tech industry value added",
            "亿元",
            "100 million yuan",
            None,
            Sum,
            Flow,
            2,
        ),
        (
            "hti_va_growth",
            "高新技术产业增加值增速",
            "High-tech industry value added growth",
            "%",
            "%",
            None,
            Own,
            Last,
            1,
        ),
        (
            "invention_patents_per_10k",
            "万人有效发明专利拥有量",
            "Valid invention patents per 10,000 residents",
            "件/万人",
            "per 10,000 residents",
            Some(r#"count(ip where kind = "invention_patent") / resident_population"#),
            Recompute,
            Last,
            2,
        ),
        // Projects: reported to 2020, counted from the project registry from 2021 (LATER_VERSIONS).
        (
            "prov_plus_project_applications",
            "申报省级以上科技项目数",
            "Applications to provincial-and-above programmes",
            "项",
            "projects",
            None,
            Sum,
            Flow,
            0,
        ),
        (
            "key_tech_projects_implemented",
            "实施科技攻关项目数",
            "Key technology projects under way",
            "项",
            "projects",
            None,
            Sum,
            Last,
            0,
        ),
        (
            "natl_prov_projects_approved",
            "争取国省科技计划立项数",
            "National and provincial projects approved",
            "项",
            "projects",
            None,
            Sum,
            Flow,
            0,
        ),
        ("project_funding", "立项资金", "Funding of approved projects", "万元", "10,000 yuan", None, Sum, Flow, 2),
        (
            "project_funding_growth",
            "立项资金同比增长",
            "Growth of project funding",
            "%",
            "%",
            Some("yoy(project_funding)"),
            Recompute,
            Flow,
            1,
        ),
    ]
};

/// New definitions of shipped indicators from a year on: (code, first year, formula). The
/// version before ends that year; names, units, aggregation and decimals stay.
///
/// Applications count once submitted (a draft never submitted counts nowhere; one withdrawn
/// since does not count), to provincial and national calls, filed in gaodi or recorded from the
/// higher levels' portals; approvals and funding count projects by their approval date
/// (funding: every level, granted amounts, in 万元).
pub const LATER_VERSIONS: &[(&str, i32, &str)] = &[
    (
        "prov_plus_project_applications",
        2021,
        concat!(
            r#"count(application where level = "national" and status != "draft" and status != "withdrawn" "#,
            r#"valid_at started) + count(application where level = "provincial" and status != "draft" "#,
            r#"and status != "withdrawn" valid_at started)"#,
        ),
    ),
    (
        "natl_prov_projects_approved",
        2021,
        r#"count(project where level = "national" valid_at started) + count(project where level = "provincial" valid_at started)"#,
    ),
    ("project_funding", 2021, "sum(project.amount valid_at started) / 10000"),
];

/// Whether a higher value of the indicator is better (every shipped indicator: yes).
const DIRECTION: Direction = Direction::Up;

/// The first year of every shipped indicator's first version.
const FIRST_YEAR: i32 = 2015;

/// The indicators gaodi ships: each from 2015, and its later versions ([`LATER_VERSIONS`]).
#[must_use]
pub fn indicators() -> Vec<IndicatorDef> {
    let mut out = Vec::new();
    for &(code, zh, en, unit_zh, unit_en, formula, space, time, decimals) in INDICATORS {
        let first = IndicatorDef {
            code: code.to_owned(),
            valid_from: FIRST_YEAR,
            valid_to: None,
            name_zh: zh.to_owned(),
            name_en: en.to_owned(),
            unit_zh: unit_zh.to_owned(),
            unit_en: unit_en.to_owned(),
            formula: formula.map(str::to_owned),
            space,
            time,
            direction: DIRECTION,
            decimals,
        };
        let mut versions = vec![first];
        for &(_, from, formula) in LATER_VERSIONS.iter().filter(|(c, _, _)| *c == code) {
            let mut next = versions.last().expect("the first version").clone();
            versions.last_mut().expect("the first version").valid_to = Some(from);
            next.valid_from = from;
            next.formula = Some(formula.to_owned());
            versions.push(next);
        }
        out.extend(versions);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_valid() {
        let mut seen = HashSet::new();
        for d in indicators() {
            assert!(super::super::parse_code(&d.code).is_ok(), "{}", d.code);
            assert!(seen.insert((d.code.clone(), d.valid_from)), "duplicate {}@{}", d.code, d.valid_from);
        }
        let measures: HashSet<String> = measures().into_iter().map(|m| m.code).collect();
        for d in indicators().iter().filter(|d| d.formula.is_none()) {
            assert!(measures.contains(&d.code), "{} reads a measure that is not shipped", d.code);
        }
    }

    #[test]
    fn versions_follow_each_other_without_gap_or_overlap() {
        let all = indicators();
        for (code, from, _) in LATER_VERSIONS {
            assert!(INDICATORS.iter().any(|r| r.0 == *code), "{code} is shipped");
            let versions: Vec<&IndicatorDef> = all.iter().filter(|d| d.code == *code).collect();
            for year in FIRST_YEAR..2040 {
                assert_eq!(versions.iter().filter(|d| d.valid_in(year)).count(), 1, "{code} in {year}");
            }
            let later = versions.iter().find(|d| d.valid_in(*from)).unwrap();
            assert_eq!(later.valid_from, *from);
            assert!(later.formula.is_some());
        }
        // Reported to 2020, counted from 2021.
        let funding: Vec<&IndicatorDef> = all.iter().filter(|d| d.code == "project_funding").collect();
        assert!(funding.iter().find(|d| d.valid_in(2020)).unwrap().formula.is_none());
    }

    #[test]
    fn every_formula_parses() {
        for d in indicators() {
            if let Some(f) = &d.formula {
                assert!(gaodi_expr::parse(f).is_ok(), "{}@{}: {f}", d.code, d.valid_from);
            }
        }
    }
}
