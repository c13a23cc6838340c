//! Reported figures (facts) 2019-2022 and the 2022 plan's targets of the demo.
//!
//! City figures the article or the public baseline gives are used as they are (GDP 2021
//! 3420.3亿元 B01, R&D intensity 2019 2.86 % and 2020 3.27 % B12-B13, high-tech industry value
//! added 1016.11亿元 2021 F031 / 1043.3亿元 2022 B22, its growth 22.1 % F032, resident
//! population 388.33万 B07); every other figure is synthetic and plausible.
//!
//! Project figures from 2021 on are counted from the project registry (`projects.rs` loads the
//! 2021 project year: 602 applications F019, 98 approvals, 52,000 万元), so 2021 has no
//! reported fact for them; 2019, 2020 and 2022 are reported (the registry holds no project of
//! 2022, and a reported figure wins over the count, see the indicator engine). District figures split the city's by fixed weights so that they add up to it
//! exactly; each district's high-tech value-added growth is its own (渌口区 34.5 % in 2021,
//! F039). The targets are those of the article's 2022 key tasks (重点2-4).

use gaodi_store::tabular::{Table, TableRow};

/// The county-level divisions from 2018 on, with the weights that split city figures.
const DISTRICTS: [(&str, i64); 9] = [
    ("430202", 11), // 荷塘区
    ("430203", 10), // 芦淞区
    ("430204", 12), // 石峰区
    ("430211", 18), // 天元区
    ("430212", 7),  // 渌口区
    ("430223", 10), // 攸县
    ("430224", 7),  // 茶陵县
    ("430225", 4),  // 炎陵县
    ("430281", 21), // 醴陵市
];

const YEARS: [i32; 4] = [2019, 2020, 2021, 2022];

/// City figures by year (2019..2022), split to the districts.
const SPLIT: &[(&str, [&str; 4])] = &[
    ("gdp", ["3003.13", "3105.80", "3420.30", "3616.80"]),
    ("rd_expenditure", ["85.89", "101.56", "114.58", "123.70"]),
    ("fiscal_expenditure", ["480.50", "505.20", "512.70", "530.40"]),
    ("fiscal_st_expenditure", ["27.90", "31.30", "34.90", "37.10"]),
    ("hti_value_added", ["800.20", "868.60", "1016.11", "1043.30"]),
    ("resident_population", ["402.85", "390.27", "388.33", "386.30"]),
];

/// City-only figures by year (project figures of [`COUNTED_2021`] are not reported for 2021).
const CITY_ONLY: &[(&str, [&str; 4])] = &[
    ("hti_va_growth", ["12.3", "8.6", "22.1", "9.8"]),
    ("prov_plus_project_applications", ["540", "571", "602", "630"]),
    ("key_tech_projects_implemented", ["72", "80", "86", "104"]),
    ("natl_prov_projects_approved", ["88", "93", "98", "126"]),
    ("project_funding", ["41200", "45600", "52000", "63440"]),
];

/// Project figures the registry counts for 2021.
const COUNTED_2021: [&str; 3] = ["prov_plus_project_applications", "natl_prov_projects_approved", "project_funding"];

/// Each district's high-tech value-added growth (%), 2019..2022.
const DISTRICT_GROWTH: [[&str; 4]; 9] = [
    ["10.2", "7.9", "18.4", "8.1"],
    ["9.5", "6.8", "16.9", "7.7"],
    ["13.1", "9.4", "24.6", "10.3"],
    ["14.0", "10.1", "25.3", "11.2"],
    ["15.8", "12.0", "34.5", "12.9"],
    ["11.4", "8.2", "20.7", "9.1"],
    ["10.9", "7.5", "21.2", "8.8"],
    ["9.7", "6.9", "19.8", "8.4"],
    ["12.6", "9.0", "23.9", "10.6"],
];

fn e4(text: &str) -> i64 {
    gaodi_domain::indicator::parse_e4(text).expect("demo figures are valid")
}

fn text(v: i64) -> String {
    gaodi_domain::indicator::format_e4_plain(v)
}

/// How each measure's city figure is shared among the districts (relative weights in
/// `DISTRICTS` order), so that ratios such as R&D intensity differ between districts: the
/// urban districts and 醴陵市 spend more on R&D for their GDP than the rural counties.
fn weights_of(measure: &str) -> [i64; 9] {
    match measure {
        "rd_expenditure" => [13, 9, 16, 24, 6, 8, 5, 3, 16],
        "fiscal_expenditure" => [12, 11, 11, 15, 8, 12, 10, 7, 14],
        "fiscal_st_expenditure" => [15, 10, 14, 22, 6, 9, 6, 3, 15],
        "hti_value_added" => [12, 8, 17, 22, 7, 8, 5, 3, 18],
        "resident_population" => [10, 12, 8, 12, 8, 17, 15, 5, 27],
        _ => DISTRICTS.map(|(_, w)| w),
    }
}

/// Splits `total` (units of 1e-4, a multiple of 100 = two decimals) by `weights` into
/// two-decimal parts that add up to it exactly (the remainder goes to the largest).
fn split(total: i64, weights: [i64; 9]) -> Vec<i64> {
    let sum: i64 = weights.iter().sum();
    let mut parts: Vec<i64> = weights.iter().map(|w| total / 100 * w / sum * 100).collect();
    let rest = total - parts.iter().sum::<i64>();
    let largest = weights.iter().enumerate().max_by_key(|(_, w)| **w).map_or(0, |(i, _)| i);
    parts[largest] += rest;
    parts
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
    Table {
        sheet: "demo".to_owned(),
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: rows.into_iter().enumerate().map(|(i, cells)| TableRow { line: i + 2, cells }).collect(),
    }
}

/// The facts, as the fact import template reads them.
#[must_use]
pub fn facts() -> Table {
    let mut rows = Vec::new();
    let mut row = |measure: &str, region: &str, year: i32, value: String, source: &str| {
        rows.push(vec![
            measure.to_owned(),
            region.to_owned(),
            year.to_string(),
            value,
            source.to_owned(),
            String::new(),
        ]);
    };
    for (measure, values) in SPLIT {
        for (year, value) in YEARS.iter().zip(values) {
            row(measure, "430200", *year, (*value).to_owned(), "statistics_bureau");
            for ((district, _), part) in DISTRICTS.iter().zip(split(e4(value), weights_of(measure))) {
                row(measure, district, *year, text(part), "statistics_bureau");
            }
        }
    }
    for (measure, values) in CITY_ONLY {
        for (year, value) in YEARS.iter().zip(values) {
            if *year == 2021 && COUNTED_2021.contains(measure) {
                continue;
            }
            row(measure, "430200", *year, (*value).to_owned(), "bureau");
        }
    }
    for ((district, _), growth) in DISTRICTS.iter().zip(DISTRICT_GROWTH) {
        for (year, value) in YEARS.iter().zip(growth) {
            row("hti_va_growth", district, *year, value.to_owned(), "statistics_bureau");
        }
    }
    table(&["数据项代码", "行政区划代码", "期间", "数值", "来源", "备注"], rows)
}

/// The 2022 plan's targets (重点2-4 of the article); the HTE target is also decomposed to the
/// districts (their parts add up to at least the city's 1100).
#[must_use]
pub fn targets() -> Table {
    const CITY: &[(&str, &str, &str)] = &[
        ("hte_count", ">=", "1100"),
        ("tech_sme_count", ">=", "1100"),
        ("hti_va_growth", ">=", "25"),
        ("dual_appointed_talents_new", ">=", "30"),
        ("new_prov_platforms", ">=", "30"),
        ("key_tech_projects_implemented", ">=", "100"),
        ("natl_prov_projects_approved", ">=", "120"),
        ("project_funding_growth", ">=", "20"),
        ("rd_expenditure", ">=", "140"),
        ("rd_intensity", ">=", "3.4"),
        ("fiscal_st_expenditure_share", ">=", "7.1"),
        ("tech_contract_turnover", ">=", "260"),
        ("ip_credit_loans", ">=", "4"),
    ];
    const HTE_BY_DISTRICT: [&str; 9] = ["125", "105", "140", "245", "60", "95", "70", "40", "225"];
    let mut rows: Vec<Vec<String>> = CITY
        .iter()
        .map(|(code, cmp, value)| {
            vec![
                "annual_2022".to_owned(),
                (*code).to_owned(),
                "430200".to_owned(),
                "2022".to_owned(),
                (*cmp).to_owned(),
                (*value).to_owned(),
                String::new(),
            ]
        })
        .collect();
    for ((district, _), value) in DISTRICTS.iter().zip(HTE_BY_DISTRICT) {
        rows.push(vec![
            "annual_2022".to_owned(),
            "hte_count".to_owned(),
            (*district).to_owned(),
            "2022".to_owned(),
            ">=".to_owned(),
            value.to_owned(),
            String::new(),
        ]);
    }
    table(&["计划代码", "指标代码", "行政区划代码", "期间", "比较符", "目标值", "备注"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn district_parts_add_up_to_the_city_exactly() {
        for (measure, values) in SPLIT {
            for v in values {
                let parts = split(e4(v), weights_of(measure));
                assert_eq!(parts.iter().sum::<i64>(), e4(v));
                assert!(parts.iter().all(|p| p % 100 == 0), "two decimals");
            }
        }
    }

    #[test]
    fn hte_district_targets_cover_the_city() {
        let t = targets();
        let parts: i64 = t
            .rows
            .iter()
            .filter(|r| r.cells[1] == "hte_count" && r.cells[2] != "430200")
            .map(|r| e4(&r.cells[5]))
            .sum();
        assert!(parts >= e4("1100"));
    }
}
