//! Shared fixtures (the firms of the spec's worked examples), the JSON output and schema
//! checks, and the property tests of the whole engine.

use proptest::prelude::*;
use serde_json::Value as Json;
use time::macros::date;

use super::input::{
    ByYear, Conversion, ConversionForm, ExpertScores, Headcount, IpRecord, SmeRegistration, StaffCount, TaxAssessment,
    TechField,
};
use super::*;
use crate::registry::{Acquisition, IndustryCode, IpKind, RdHnte, RdSd};

pub(crate) fn m(text: &str) -> Money {
    Money::parse(text).unwrap()
}

/// Evaluates and unwraps.
pub(crate) fn run(rule: RuleKind, input: &FirmInput) -> Evaluation {
    evaluate(rule, input, None).unwrap_or_else(|error| panic!("{rule}: {error}"))
}

fn money_years(pairs: &[(i32, &str)]) -> ByYear<Money> {
    ByYear::from_pairs(pairs.iter().map(|(year, amount)| (*year, m(amount))))
}

fn rd_hnte(personnel: &str, commissioned: &str) -> RdHnte {
    RdHnte {
        personnel: Some(m(personnel)),
        direct_inputs: Some(Money::ZERO),
        depreciation_and_lt_prepaid: Some(Money::ZERO),
        intangible_amort: Some(Money::ZERO),
        design: Some(Money::ZERO),
        equipment_testing: Some(Money::ZERO),
        commissioned_external_counted: Some(m(commissioned)),
        other: Some(Money::ZERO),
    }
}

fn flat(count: Headcount, periods: usize) -> Vec<StaffCount> {
    vec![StaffCount::flat(count); periods]
}

fn ip(kind: IpKind) -> IpRecord {
    IpRecord {
        kind: Some(kind),
        granted_in_china: Some(true),
        grant_date: Some(date!(2021 - 03 - 01)),
        owner_is_applicant: Some(true),
        acquisition: Some(Acquisition::SelfDeveloped),
        related_to_main_product: Some(true),
        in_dispute: Some(false),
        ..IpRecord::default()
    }
}

/// §2.10 H1: application 2025-06-15, registered 2015-03-01; sales 40,000,000 / 45,000,000 /
/// 50,000,000, R&D 2,000,000 / 2,200,000 / 2,415,000 (all domestic); staff 80, S&T 8;
/// gross income 51,000,000, non-taxable 1,000,000, high-tech revenue 30,000,000.
pub(crate) fn hnte_h1() -> FirmInput {
    FirmInput {
        hnte_application_date: Some(date!(2025 - 06 - 15)),
        registration_date: Some(date!(2015 - 03 - 01)),
        registered_in_mainland: Some(true),
        resident_enterprise: Some(true),
        is_branch_without_legal_person: Some(false),
        tech_field: Some(TechField::ElectronicInformation),
        ip_items: Some(vec![ip(IpKind::InventionPatent)]),
        incidents: Some(Vec::new()),
        main_business_revenue: money_years(&[(2022, "40000000"), (2023, "45000000"), (2024, "50000000")]),
        other_business_revenue: money_years(&[(2022, "0"), (2023, "0"), (2024, "0")]),
        rd_hnte: ByYear::from_pairs([
            (2022, rd_hnte("2000000", "0")),
            (2023, rd_hnte("2200000", "0")),
            (2024, rd_hnte("2415000", "0")),
        ]),
        rd_hnte_domestic: money_years(&[(2022, "2000000"), (2023, "2200000"), (2024, "2415000")]),
        staff_monthly: ByYear::from_pairs([(2024, flat(Headcount::persons(80), 12))]),
        tech_staff_monthly: ByYear::from_pairs([(2024, flat(Headcount::persons(8), 12))]),
        gross_income_cit: money_years(&[(2024, "51000000")]),
        non_taxable_income: money_years(&[(2024, "1000000")]),
        hightech_revenue: money_years(&[(2024, "30000000")]),
        ..FirmInput::default()
    }
}

/// §2.10 H2: a mature firm meeting every hard condition; net assets 10,000,000 /
/// 11,500,000 / 13,225,000, sales 40,000,000 / 42,000,000 / 44,100,000; experts gave 7, 7,
/// 7, 5, no standards bonus, 20 for 12 conversions, management 5 + 5 + 3 + 3.
pub(crate) fn hnte_h2() -> FirmInput {
    let conversions = (0..12)
        .map(|i| Conversion {
            achievement_id: format!("R{i:02}"),
            year: 2022 + i / 4,
            form: ConversionForm::OwnImplementation,
        })
        .collect();
    FirmInput {
        main_business_revenue: money_years(&[(2022, "40000000"), (2023, "42000000"), (2024, "44100000")]),
        rd_hnte: ByYear::from_pairs([
            (2022, rd_hnte("2500000", "0")),
            (2023, rd_hnte("2500000", "0")),
            (2024, rd_hnte("2500000", "0")),
        ]),
        rd_hnte_domestic: money_years(&[(2022, "2500000"), (2023, "2500000"), (2024, "2500000")]),
        gross_income_cit: money_years(&[(2024, "44100000")]),
        non_taxable_income: money_years(&[(2024, "0")]),
        total_assets_ye: money_years(&[(2022, "10000000"), (2023, "11500000"), (2024, "13225000")]),
        total_liabilities_ye: money_years(&[(2022, "0"), (2023, "0"), (2024, "0")]),
        standards_participation: Some(Vec::new()),
        conversions: Some(conversions),
        expert_scores: ExpertScores {
            advancement: Some(7),
            core_support: Some(7),
            ip_count: Some(7),
            ip_acquisition: Some(5),
            conversion: Some(20),
            mgmt_1: Some(5),
            mgmt_2: Some(5),
            mgmt_3: Some(3),
            mgmt_4: Some(3),
            ..ExpertScores::default()
        },
        ..hnte_h1()
    }
}

/// §2.10 H3: registered 2023-04-10, application 2025-05-20; sales 3,000,000 / 12,000,000;
/// R&D 400,000 / 500,000 (100,000 the counted 80% of a foreign contract); staff 30.5, S&T 9;
/// high-tech revenue 9,000,000 of 12,300,000; 8 self-developed software copyrights; 7
/// distinct conversions; net assets 2,000,000 → 2,600,000.
pub(crate) fn hnte_h3() -> FirmInput {
    let conversions = (0..7)
        .map(|i| Conversion { achievement_id: format!("C{i}"), year: 2023 + i % 2, form: ConversionForm::Transfer })
        .collect();
    FirmInput {
        hnte_application_date: Some(date!(2025 - 05 - 20)),
        registration_date: Some(date!(2023 - 04 - 10)),
        ip_items: Some(vec![ip(IpKind::SoftwareCopyright); 8]),
        main_business_revenue: money_years(&[(2023, "3000000"), (2024, "12000000")]),
        other_business_revenue: money_years(&[(2023, "0"), (2024, "0")]),
        rd_hnte: ByYear::from_pairs([(2023, rd_hnte("400000", "0")), (2024, rd_hnte("400000", "100000"))]),
        rd_hnte_domestic: money_years(&[(2023, "400000"), (2024, "400000")]),
        staff_monthly: ByYear::from_pairs([(2024, flat(Headcount::from_units(305_000), 12))]),
        tech_staff_monthly: ByYear::from_pairs([(2024, flat(Headcount::persons(9), 12))]),
        gross_income_cit: money_years(&[(2024, "12500000")]),
        non_taxable_income: money_years(&[(2024, "200000")]),
        hightech_revenue: money_years(&[(2024, "9000000")]),
        total_assets_ye: money_years(&[(2023, "2000000"), (2024, "2600000")]),
        total_liabilities_ye: money_years(&[(2023, "0"), (2024, "0")]),
        conversions: Some(conversions),
        ..hnte_h1()
    }
}

/// §3.8 S1: evaluation year 2025 (FY2024 data); software firm taxed on actual profit; staff
/// 50.0, S&T 11.0; sales 10,000,000, assets 15,000,000, R&D 480,000, costs 9,000,000; three
/// software copyrights in force, linked to the main product, undisputed.
pub(crate) fn sme_s1() -> FirmInput {
    let i65 = IndustryCode::parse("I65").unwrap();
    FirmInput {
        sme_evaluation_year: Some(2025),
        as_of: Some(date!(2025 - 07 - 01)),
        registration_date: Some(date!(2016 - 05 - 01)),
        registered_in_mainland: Some(true),
        resident_enterprise: Some(true),
        tax_assessment_method: ByYear::from_pairs([
            (2024, TaxAssessment::ActualProfit),
            (2025, TaxAssessment::ActualProfit),
        ]),
        accounting_sound: ByYear::from_pairs([(2024, true)]),
        rd_costs_tracked_by_project: ByYear::from_pairs([(2024, true)]),
        in_restricted_or_eliminated_catalogue: ByYear::from_pairs([(2024, false)]),
        main_industry_gb4754: ByYear::from_pairs([(2024, i65)]),
        revenue_by_industry: ByYear::from_pairs([(2024, [(i65, m("10000000"))].into_iter().collect())]),
        gross_income_cit: money_years(&[(2024, "10000000")]),
        non_taxable_income: money_years(&[(2024, "0")]),
        investment_income: money_years(&[(2024, "0")]),
        staff_quarterly: ByYear::from_pairs([(2024, flat(Headcount::persons(50), 4))]),
        tech_staff_quarterly: ByYear::from_pairs([(2024, flat(Headcount::persons(11), 4))]),
        main_business_revenue: money_years(&[(2024, "10000000")]),
        other_business_revenue: money_years(&[(2024, "0")]),
        total_assets_ye: money_years(&[(2024, "15000000")]),
        cost_expense_total: money_years(&[(2024, "9000000")]),
        rd_sd: ByYear::from_pairs([(
            2024,
            RdSd {
                personnel: Some(m("480000")),
                direct_inputs: Some(Money::ZERO),
                depreciation: Some(Money::ZERO),
                intangible_amort: Some(Money::ZERO),
                design_trials: Some(Money::ZERO),
                other_related: Some(Money::ZERO),
            },
        )]),
        rd_commissioned_domestic_paid: money_years(&[(2024, "0")]),
        rd_commissioned_abroad_paid: money_years(&[(2024, "0")]),
        rd_nontaxable_grants_used: money_years(&[(2024, "0")]),
        ip_items: Some(vec![ip(IpKind::SoftwareCopyright); 3]),
        incidents: Some(Vec::new()),
        abnormal_list_periods: Some(Vec::new()),
        serious_dishonesty_list_periods: Some(Vec::new()),
        hnte_certificates: Some(Vec::new()),
        national_st_awards: Some(Vec::new()),
        rd_institutions: Some(Vec::new()),
        standards_led: Some(Vec::new()),
        ..FirmInput::default()
    }
}

/// §4.6: the software firm of the worked example, for tax year `year`: items 1-5 5,000,000,
/// other 700,000, 1,000,000 paid to a domestic institute, 2,000,000 to a foreign lab.
pub(crate) fn sd_46(year: i32) -> FirmInput {
    let i65 = IndustryCode::parse("I65").unwrap();
    let at = |amount: &str| money_years(&[(year, amount)]);
    FirmInput {
        tax_year: Some(year),
        resident_enterprise: Some(true),
        tax_assessment_method: ByYear::from_pairs([(year, TaxAssessment::ActualProfit)]),
        accounting_sound: ByYear::from_pairs([(year, true)]),
        rd_costs_tracked_by_project: ByYear::from_pairs([(year, true)]),
        main_industry_gb4754: ByYear::from_pairs([(year, i65)]),
        revenue_by_industry: ByYear::from_pairs([(year, [(i65, m("81000000"))].into_iter().collect())]),
        gross_income_cit: at("81000000"),
        non_taxable_income: at("0"),
        investment_income: at("0"),
        on_ic_or_machine_tool_list: ByYear::from_pairs([(year, false)]),
        sme_registrations: Some(Vec::<SmeRegistration>::new()),
        rd_sd: ByYear::from_pairs([(
            year,
            RdSd {
                personnel: Some(m("3000000")),
                direct_inputs: Some(m("1200000")),
                depreciation: Some(m("400000")),
                intangible_amort: Some(m("100000")),
                design_trials: Some(m("300000")),
                other_related: Some(m("700000")),
            },
        )]),
        rd_commissioned_domestic_paid: at("1000000"),
        rd_commissioned_abroad_paid: at("2000000"),
        rd_commissioned_related_party: ByYear::from_pairs([(year, false)]),
        rd_nontaxable_grants_used: at("0"),
        ..FirmInput::default()
    }
}

/// §5.2 illustration: a key-field firm in Zhuzhou, base 30,000,000 (2023) → 38,000,000 (2024),
/// award year 2025.
pub(crate) fn hunan_firm() -> FirmInput {
    FirmInput {
        award_year: Some(2025),
        province: Some("430000".into()),
        city: Some("430200".into()),
        is_branch_without_legal_person: Some(false),
        sd_base_assessed: money_years(&[(2023, "30000000"), (2024, "38000000")]),
        hunan_key_hightech_field: ByYear::from_pairs([(2024, true)]),
        ..FirmInput::default()
    }
}

// ---------------------------------------------------------------------------------------
// The JSON output
// ---------------------------------------------------------------------------------------

#[test]
fn result_json_has_the_agreed_top_level_fields() {
    let hnte: Json = serde_json::to_value(run(RuleKind::Hnte, &hnte_h2())).unwrap();
    for key in ["rule", "rule_version", "outcome", "score", "conditions", "notes", "confidence"] {
        assert!(hnte.get(key).is_some(), "{key} missing in {hnte}");
    }
    assert_eq!(hnte["rule"], "hnte");
    assert_eq!(hnte["rule_version"], "hnte-2016");
    assert_eq!(hnte["outcome"], "needs_expert");
    assert_eq!(hnte["score"], serde_json::json!([70, 72]));
    let condition = &hnte["conditions"][5];
    for key in ["id", "outcome", "value", "threshold", "gap", "inputs", "spec", "confidence", "name"] {
        assert!(condition.get(key).is_some(), "{key} missing in {condition}");
    }
    assert_eq!(condition["id"], "HNTE-05");
    assert_eq!(condition["threshold"], ">= 5%");
    assert_eq!(condition["gap"], Json::Null);

    let failed: Json = serde_json::to_value(run(RuleKind::Hnte, &hnte_h1())).unwrap();
    let gap = &failed["conditions"][5]["gap"][0];
    assert_eq!(gap["field"], "rd_hnte.2024");
    assert_eq!(gap["delta"], "+135000.00");
    assert_eq!(gap["text"], "R&D expenses (HNTE basis), FY2024: +135,000.00 yuan (to 2,550,000.00)");

    let sd: Json = serde_json::to_value(run(RuleKind::SuperDeduction, &sd_46(2024))).unwrap();
    assert_eq!(
        (&sd["base"], &sd["rate"], &sd["extra_deduction"]),
        (&Json::from("7955555.56"), &Json::from("1.00"), &Json::from("7955555.56"))
    );
    assert_eq!(sd["score"], Json::Null);

    let hunan: Json = serde_json::to_value(run(RuleKind::HunanReward, &hunan_firm())).unwrap();
    assert_eq!(hunan["amount"], "960000.00");
    assert_eq!(hunan["confidence"], "low");
    assert!(hunan["notes"].as_array().unwrap().iter().any(|note| note["code"] == "hunan.news_only"));
}

#[test]
fn missing_data_is_named_and_gives_unknown() {
    let eval =
        run(RuleKind::Hnte, &FirmInput { hnte_application_date: Some(date!(2025 - 06 - 15)), ..FirmInput::default() });
    assert_eq!(eval.outcome, Outcome::Unknown);
    let registration = eval.condition(CondId::Hnte01).unwrap();
    assert_eq!(registration.outcome, Check::Unknown);
    assert_eq!(registration.missing[0].to_string(), "registration_date");
    let eval = run(RuleKind::SuperDeduction, &FirmInput { tax_year: Some(2024), ..FirmInput::default() });
    assert_eq!(eval.outcome, Outcome::Unknown);
    assert!(eval.condition(CondId::SdBase).unwrap().missing.iter().any(|field| field.to_string() == "rd_sd.2024"));
}

#[test]
fn errors_say_what_is_wrong() {
    let no_date = evaluate(RuleKind::Hnte, &FirmInput::default(), None).unwrap_err();
    assert_eq!(no_date.code(), "rules.no_evaluation_date");
    assert!(no_date.to_string().contains("hnte_application_date"), "{no_date}");
    let conflict =
        FirmInput { sme_evaluation_year: Some(2025), as_of: Some(date!(2024 - 07 - 01)), ..FirmInput::default() };
    assert_eq!(evaluate(RuleKind::Sme, &conflict, None).unwrap_err().code(), "rules.evaluation_year_conflict");
    assert_eq!(RuleKind::parse("hnte"), Ok(RuleKind::Hnte));
    assert_eq!(RuleKind::parse("super-deduction"), Ok(RuleKind::SuperDeduction));
    assert!(RuleKind::parse("hte").unwrap_err().to_string().contains("hunan-reward"));
    assert_eq!(parse_date("2025-06-15"), Ok(date!(2025 - 06 - 15)));
    assert_eq!(parse_date("2025-6-15").unwrap_err().code(), "rules.invalid_date");
}

/// Every error has a row in the module's message table, and the English row is `Display`.
#[test]
fn error_messages_match_the_doc_table() {
    let samples = [
        RuleError::Input(FirmInput::from_json("{\"rd_sd\": {\"2024\": {\"personnel\": \"1.234\"}}}").unwrap_err()),
        RuleError::UnknownRule { value: "hte".into() },
        RuleError::InvalidDate { value: "2025-6-1".into() },
        RuleError::NoEvaluationDate { rule: RuleKind::Sme },
        RuleError::NoRuleVersion { rule: RuleKind::Hnte, year: 2007 },
        RuleError::EvaluationYearConflict { as_of: date!(2024 - 07 - 01), year: 2025 },
        RuleError::ExpertScoreOutsideBand { key: "growth_net", score: 7, min: 5, max: 6 },
    ];
    crate::message_table::assert_doc_table_matches(include_str!("mod.rs"), &samples, RuleError::code, RuleError::args);
    // Input errors without a position or a path render too.
    let plain = InputError { line: None, column: None, path: String::new(), message: "m".into() };
    assert_eq!(plain.to_string(), "m");
}

#[test]
fn versions_are_chosen_by_date() {
    let pick = |rule, y, mo, d| {
        rule_version(rule, Date::from_calendar_date(y, time::Month::try_from(mo).unwrap(), d).unwrap()).map(|v| v.id)
    };
    assert_eq!(pick(RuleKind::Hnte, 2015, 12, 31), Some("hnte-2008"));
    assert_eq!(pick(RuleKind::Hnte, 2016, 1, 1), Some("hnte-2016"));
    assert_eq!(pick(RuleKind::Sme, 2021, 12, 31), Some("sme-2017"));
    assert_eq!(pick(RuleKind::Sme, 2022, 1, 1), Some("sme-2022"));
    assert_eq!(pick(RuleKind::SuperDeduction, 2017, 12, 31), Some("sd-2008"));
    assert_eq!(pick(RuleKind::SuperDeduction, 2018, 1, 1), Some("sd-2018"));
    assert_eq!(pick(RuleKind::SuperDeduction, 2023, 1, 1), Some("sd-2023"));
    assert_eq!(pick(RuleKind::HunanReward, 2022, 12, 31), Some("hunan-2018"));
    assert_eq!(pick(RuleKind::HunanReward, 2023, 1, 1), Some("hunan-2022"));
    assert_eq!(pick(RuleKind::Sme, 2016, 6, 1), None);
    // No two versions of a rule overlap.
    for a in &RULE_VERSIONS {
        for b in RULE_VERSIONS.iter().filter(|b| b.rule == a.rule && b.id != a.id) {
            assert!(
                a.effective_to.is_some_and(|end| end < b.effective_from)
                    || b.effective_to.is_some_and(|end| end < a.effective_from)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The JSON Schema of the input
// ---------------------------------------------------------------------------------------

const SCHEMA: &str = include_str!("../../../../docs/policy-input.schema.json");

/// The field names a serde struct with `deny_unknown_fields` accepts, read from the error it
/// gives for an unknown field.
fn accepted_fields<T: serde::de::DeserializeOwned>() -> Vec<String> {
    let error = serde_json::from_str::<T>(r#"{"__probe__": 0}"#).err().expect("the probe field is refused");
    let message = error.to_string();
    let expected = message.split_once("expected").map_or("", |(_, rest)| rest);
    let mut names: Vec<String> = expected.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    names.sort();
    names
}

fn schema_fields(schema: &Json) -> Vec<String> {
    let mut names: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
    names.sort();
    names
}

/// Every field the schema lists is a field the serde model accepts, and vice versa, for the
/// firm and for each nested record.
#[test]
fn schema_lists_exactly_the_fields_serde_accepts() {
    let schema: Json = serde_json::from_str(SCHEMA).unwrap();
    let defs = &schema["$defs"];
    let pairs: Vec<(&str, &Json, Vec<String>)> = vec![
        ("firm", &schema, accepted_fields::<FirmInput>()),
        ("staff_count", &defs["staff_count"], accepted_fields::<StaffCount>()),
        ("rd_hnte", &defs["rd_hnte"], accepted_fields::<RdHnte>()),
        ("rd_sd", &defs["rd_sd"], accepted_fields::<RdSd>()),
        ("rd_intangible", &defs["rd_intangible"], accepted_fields::<input::RdIntangible>()),
        ("ip_item", &defs["ip_item"], accepted_fields::<IpRecord>()),
        ("conversion", &defs["conversion"], accepted_fields::<Conversion>()),
        ("standard_participation", &defs["standard_participation"], accepted_fields::<input::StandardParticipation>()),
        ("expert_scores", &defs["expert_scores"], accepted_fields::<ExpertScores>()),
        ("change_reported", &defs["change_reported"], accepted_fields::<input::ChangeReported>()),
        ("incident", &defs["incident"], accepted_fields::<input::Incident>()),
        ("date_range", &defs["date_range"], accepted_fields::<input::DateRange>()),
        ("hnte_certificate", &defs["hnte_certificate"], accepted_fields::<input::HnteCertificate>()),
        ("national_award", &defs["national_award"], accepted_fields::<input::NationalAward>()),
        ("rd_institution", &defs["rd_institution"], accepted_fields::<input::RdInstitution>()),
        ("standard_led", &defs["standard_led"], accepted_fields::<input::StandardLed>()),
        ("sme_registration", &defs["sme_registration"], accepted_fields::<SmeRegistration>()),
    ];
    for (name, schema, accepted) in pairs {
        assert!(accepted.len() > 1, "{name}: could not read the accepted fields");
        assert_eq!(schema_fields(schema), accepted, "{name}: schema and serde model differ");
        assert_eq!(schema["additionalProperties"], Json::Bool(false), "{name} must refuse unknown fields");
    }
    // Every object definition of the schema was compared above or is a map.
    for (name, definition) in defs.as_object().unwrap() {
        if definition.get("properties").is_some() {
            assert!(
                [
                    "staff_count",
                    "rd_hnte",
                    "rd_sd",
                    "rd_intangible",
                    "ip_item",
                    "conversion",
                    "standard_participation",
                    "expert_scores",
                    "change_reported",
                    "incident",
                    "date_range",
                    "hnte_certificate",
                    "national_award",
                    "rd_institution",
                    "standard_led",
                    "sme_registration"
                ]
                .contains(&name.as_str()),
                "{name} is not compared with the serde model"
            );
        }
    }
}

/// A small validator for the subset of JSON Schema the input schema uses.
fn validate(schema: &Json, root: &Json, value: &Json, path: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local references only");
        validate(&root["$defs"][name], root, value, path, errors);
    }
    if let Some(kind) = schema.get("type").and_then(Json::as_str) {
        let ok = match kind {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            other => panic!("type {other} not supported"),
        };
        if !ok {
            errors.push(format!("{path}: not a {kind}: {value}"));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Json::as_array) {
        if !options.contains(value) {
            errors.push(format!("{path}: {value} not one of {options:?}"));
        }
    }
    if let (Some(pattern), Some(text)) = (schema.get("pattern").and_then(Json::as_str), value.as_str()) {
        if !matches_pattern(pattern, text) {
            errors.push(format!("{path}: \"{text}\" does not match {pattern}"));
        }
    }
    if let (Some(minimum), Some(number)) = (schema.get("minimum").and_then(Json::as_f64), value.as_f64()) {
        if number < minimum {
            errors.push(format!("{path}: {number} below {minimum}"));
        }
    }
    if let (Some(maximum), Some(number)) = (schema.get("maximum").and_then(Json::as_f64), value.as_f64()) {
        if number > maximum {
            errors.push(format!("{path}: {number} above {maximum}"));
        }
    }
    if let Some(items) = value.as_array() {
        let count = items.len() as u64;
        if schema.get("minItems").and_then(Json::as_u64).is_some_and(|min| count < min)
            || schema.get("maxItems").and_then(Json::as_u64).is_some_and(|max| count > max)
        {
            errors.push(format!("{path}: {count} items"));
        }
        if let Some(item_schema) = schema.get("items") {
            for (index, item) in items.iter().enumerate() {
                validate(item_schema, root, item, &format!("{path}[{index}]"), errors);
            }
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Json::as_array).into_iter().flatten() {
            if !object.contains_key(required.as_str().unwrap()) {
                errors.push(format!("{path}: {required} required"));
            }
        }
        let properties = schema.get("properties").and_then(Json::as_object);
        for (key, item) in object {
            let item_path = format!("{path}.{key}");
            if let Some(names) = schema.get("propertyNames") {
                validate(names, root, &Json::from(key.as_str()), &item_path, errors);
            }
            match (properties.and_then(|p| p.get(key)), schema.get("additionalProperties")) {
                (Some(property), _) => validate(property, root, item, &item_path, errors),
                (None, Some(Json::Bool(false))) => errors.push(format!("{item_path}: not in the schema")),
                (None, Some(additional)) if additional.is_object() => {
                    validate(additional, root, item, &item_path, errors);
                }
                (None, _) => {}
            }
        }
    }
}

/// The few regular expressions the schema uses, matched by hand.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match pattern {
        "^[0-9]{4}$" => digits(text, 4),
        "^[0-9]{6}$" => digits(text, 6),
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" => {
            let parts: Vec<&str> = text.split('-').collect();
            parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) && digits(parts[2], 2)
        }
        "^-?[0-9]+\\.[0-9]{2}$" => {
            let unsigned = text.strip_prefix('-').unwrap_or(text);
            unsigned.split_once('.').is_some_and(|(int, frac)| {
                !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit()) && digits(frac, 2)
            })
        }
        "^[A-T]([0-9]{2})?$" => {
            let bytes = text.as_bytes();
            !bytes.is_empty() && (b'A'..=b'T').contains(&bytes[0]) && (bytes.len() == 1 || digits(&text[1..], 2))
        }
        other => panic!("the test validator does not know the pattern {other}"),
    }
}

/// The example inputs of the tests (and of policy-input.md) validate against the schema.
#[test]
fn example_inputs_validate_against_the_schema() {
    let schema: Json = serde_json::from_str(SCHEMA).unwrap();
    let mut h3_scored = hnte_h3();
    h3_scored.expert_scores.advancement = Some(5);
    h3_scored.standards_participation =
        Some(vec![input::StandardParticipation { level: input::StandardLevel::National, date: date!(2024 - 01 - 01) }]);
    let examples = [hnte_h1(), hnte_h2(), hnte_h3(), h3_scored, sme_s1(), sd_46(2024), sd_46(2016), hunan_firm()];
    for (index, example) in examples.iter().enumerate() {
        let value = serde_json::to_value(example).unwrap();
        let mut errors = Vec::new();
        validate(&schema, &schema, &value, "$", &mut errors);
        assert!(errors.is_empty(), "example {index}: {errors:#?}");
        // And back through the reader of the CLI.
        assert_eq!(&FirmInput::from_json(&value.to_string()).unwrap(), example);
    }
    let doc_example: Json = serde_json::from_str(
        r#"{"tax_year": 2024, "resident_enterprise": true, "tax_assessment_method": {"2024": "ActualProfit"},
            "revenue_by_industry": {"2024": {"C38": "80000000.00"}}, "sme_registrations": [],
            "staff_monthly": {"2024": [{"start": 1, "end": 2}, {"start": 1, "end": 2}, {"start": 1, "end": 2},
              {"start": 1, "end": 2}, {"start": 1, "end": 2}, {"start": 1, "end": 2}, {"start": 1, "end": 2},
              {"start": 1, "end": 2}, {"start": 1, "end": 2}, {"start": 1, "end": 2}, {"start": 1, "end": 2},
              {"start": 1, "end": 30.5}]}}"#,
    )
    .unwrap();
    let mut errors = Vec::new();
    validate(&schema, &schema, &doc_example, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does refuse what the schema forbids.
    let bad: Json = serde_json::from_str(r#"{"tax_yaer": 2024, "main_business_revenue": {"2024": "1.5"}}"#).unwrap();
    let mut errors = Vec::new();
    validate(&schema, &schema, &bad, "$", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

/// A firm with every rule's data, from a few generated numbers (fen and 1/10,000 persons).
#[allow(clippy::too_many_arguments)]
fn generated_firm(
    sales: [i64; 3],
    rd: [i64; 3],
    staff: i64,
    tech: i64,
    ht_percent: i64,
    previous_base: i64,
) -> FirmInput {
    let mut firm = hnte_h2();
    let years = [2022, 2023, 2024];
    for (index, year) in years.into_iter().enumerate() {
        firm.main_business_revenue.insert(year, Money::from_fen(sales[index]));
        firm.rd_hnte.insert(year, RdHnte { personnel: Some(Money::from_fen(rd[index])), ..rd_hnte("0", "0") });
        firm.rd_hnte_domestic.insert(year, Money::from_fen(rd[index] * 9 / 10));
    }
    firm.staff_monthly = ByYear::from_pairs([(2024, flat(Headcount::from_units(staff), 12))]);
    firm.tech_staff_monthly = ByYear::from_pairs([(2024, flat(Headcount::from_units(tech), 12))]);
    firm.hightech_revenue.insert(2024, Money::from_fen(sales[2] * ht_percent / 100));
    firm.gross_income_cit.insert(2024, Money::from_fen(sales[2]));
    // The SME, super-deduction and Hunan data of the same firm.
    let s1 = sme_s1();
    firm.sme_evaluation_year = s1.sme_evaluation_year;
    firm.as_of = s1.as_of;
    firm.tax_assessment_method = s1.tax_assessment_method.clone();
    firm.accounting_sound = s1.accounting_sound.clone();
    firm.rd_costs_tracked_by_project = s1.rd_costs_tracked_by_project.clone();
    firm.in_restricted_or_eliminated_catalogue = s1.in_restricted_or_eliminated_catalogue.clone();
    firm.revenue_by_industry = ByYear::from_pairs([(
        2024,
        [(IndustryCode::parse("I65").unwrap(), Money::from_fen(sales[2]))].into_iter().collect(),
    )]);
    firm.non_taxable_income.insert(2024, Money::ZERO);
    firm.investment_income = money_years(&[(2024, "0")]);
    firm.staff_quarterly = ByYear::from_pairs([(2024, flat(Headcount::from_units(staff), 4))]);
    firm.tech_staff_quarterly = ByYear::from_pairs([(2024, flat(Headcount::from_units(tech), 4))]);
    firm.cost_expense_total = ByYear::from_pairs([(2024, Money::from_fen(sales[2] * 9 / 10))]);
    firm.rd_sd = ByYear::from_pairs([(
        2024,
        RdSd { personnel: Some(Money::from_fen(rd[2])), ..s1.rd_sd.get(2024).copied().unwrap() },
    )]);
    firm.rd_commissioned_domestic_paid = s1.rd_commissioned_domestic_paid.clone();
    firm.rd_commissioned_abroad_paid = s1.rd_commissioned_abroad_paid.clone();
    firm.rd_nontaxable_grants_used = s1.rd_nontaxable_grants_used.clone();
    for (field, value) in
        [(&mut firm.abnormal_list_periods, Vec::new()), (&mut firm.serious_dishonesty_list_periods, Vec::new())]
    {
        *field = Some(value);
    }
    firm.hnte_certificates = Some(Vec::new());
    firm.national_st_awards = Some(Vec::new());
    firm.rd_institutions = Some(Vec::new());
    firm.standards_led = Some(Vec::new());
    firm.tax_year = Some(2024);
    firm.on_ic_or_machine_tool_list = ByYear::from_pairs([(2024, false)]);
    firm.award_year = Some(2025);
    firm.province = Some("430000".into());
    firm.sd_base_assessed =
        ByYear::from_pairs([(2023, Money::from_fen(previous_base)), (2024, Money::from_fen(rd[2]))]);
    firm.hunan_key_hightech_field = ByYear::from_pairs([(2024, false)]);
    firm.hnte_application_date = None;
    firm.as_of = Some(date!(2025 - 06 - 15));
    firm
}

/// Adds `extra` fen of R&D to `year` everywhere the firm reports R&D (HNTE basis and its
/// domestic part, super-deduction basis, the tax-checked base).
fn with_more_rd(firm: &FirmInput, year: i32, extra: i64) -> FirmInput {
    let mut more = firm.clone();
    let add = |amount: Option<Money>| amount.map(|amount| Money::from_fen(amount.fen() + extra));
    if let Some(rd) = more.rd_hnte.get(year).copied() {
        more.rd_hnte.insert(year, RdHnte { personnel: add(rd.personnel), ..rd });
    }
    if let Some(domestic) = more.rd_hnte_domestic.at(year) {
        more.rd_hnte_domestic.insert(year, Money::from_fen(domestic.fen() + extra));
    }
    if let Some(rd) = more.rd_sd.get(year).copied() {
        more.rd_sd.insert(year, RdSd { personnel: add(rd.personnel), ..rd });
    }
    if let Some(base) = more.sd_base_assessed.at(year) {
        more.sd_base_assessed.insert(year, Money::from_fen(base.fen() + extra));
    }
    more
}

fn firm_strategy() -> impl Strategy<Value = FirmInput> {
    (
        prop::array::uniform3(0_i64..30_000_000_000),
        prop::array::uniform3(0_i64..2_000_000_000),
        10_000_i64..5_000_000,
        0_i64..2_000_000,
        0_i64..100,
        0_i64..2_000_000_000,
    )
        .prop_map(|(sales, rd, staff, tech, ht, previous)| {
            generated_firm(sales, rd, staff, tech.min(staff), ht, previous)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// More R&D (in the latest year, for every rule; in any window year, for HNTE) never
    /// turns a passing condition into a failing one, nor an eligible firm into another outcome.
    #[test]
    fn more_rd_never_turns_a_pass_into_a_fail(
        firm in firm_strategy(),
        extra in 1_i64..1_000_000_000,
        year in 2022_i32..=2024,
    ) {
        for (rules, year) in [(&RuleKind::ALL[..], 2024), (&[RuleKind::Hnte][..], year)] {
            let more = with_more_rd(&firm, year, extra);
            for &rule in rules {
                let before = evaluate(rule, &firm, None).unwrap();
                let after = evaluate(rule, &more, None).unwrap();
                for (a, b) in before.conditions.iter().zip(&after.conditions) {
                    prop_assert_eq!(a.id, b.id);
                    if a.outcome == Check::Pass {
                        prop_assert_eq!(b.outcome, Check::Pass, "{} {} with {} more in {}", rule, a.id.as_str(), extra, year);
                    }
                }
                if before.outcome == Outcome::Eligible {
                    prop_assert_eq!(after.outcome, Outcome::Eligible, "{}", rule);
                }
                prop_assert!(after.extra_deduction >= before.extra_deduction);
                prop_assert!(after.amount >= before.amount);
                if let (Some(a), Some(b)) = (before.score, after.score) {
                    prop_assert!(b.min >= a.min, "{}: score {:?} -> {:?}", rule, a, b);
                }
            }
        }
    }

    /// The same input gives the same result, byte for byte, also after a JSON round trip.
    #[test]
    fn results_are_deterministic(firm in firm_strategy()) {
        let text = serde_json::to_string(&firm).unwrap();
        let again = FirmInput::from_json(&text).unwrap();
        for rule in RuleKind::ALL {
            let first = serde_json::to_string(&evaluate(rule, &firm, None).unwrap()).unwrap();
            let second = serde_json::to_string(&evaluate(rule, &firm, None).unwrap()).unwrap();
            let third = serde_json::to_string(&evaluate(rule, &again, None).unwrap()).unwrap();
            prop_assert_eq!(&first, &second);
            prop_assert_eq!(&first, &third);
        }
    }

    /// A reused evaluator, with or without inputs, gives the same results as a fresh one.
    #[test]
    fn evaluators_agree(firms in proptest::collection::vec(firm_strategy(), 1..6)) {
        let mut reused = Evaluator::new();
        let mut lean = Evaluator::without_inputs();
        for firm in &firms {
            for rule in RuleKind::ALL {
                let fresh = evaluate(rule, firm, None).unwrap();
                let again = reused.evaluate(rule, firm, None).unwrap();
                let thin = lean.evaluate(rule, firm, None).unwrap();
                prop_assert_eq!(serde_json::to_string(&fresh).unwrap(), serde_json::to_string(&again).unwrap());
                prop_assert_eq!(fresh.outcome, thin.outcome);
                prop_assert_eq!(fresh.score, thin.score);
                for (a, b) in fresh.conditions.iter().zip(&thin.conditions) {
                    prop_assert_eq!((a.outcome, a.value, a.threshold, &a.missing, &a.gap), (b.outcome, b.value, b.threshold, &b.missing, &b.gap));
                    prop_assert!(b.inputs.is_empty());
                }
                reused.recycle(again);
                lean.recycle(thin);
            }
        }
    }

    /// The outcome follows the conditions (§0.2): eligible only if nothing fails or is open,
    /// not eligible whenever a hard condition fails (HNTE, super-deduction).
    #[test]
    fn outcome_follows_the_conditions(firm in firm_strategy()) {
        for rule in [RuleKind::Hnte, RuleKind::SuperDeduction] {
            let eval = evaluate(rule, &firm, None).unwrap();
            let any_fail = eval.conditions.iter().any(|c| c.outcome == Check::Fail);
            prop_assert_eq!(any_fail, eval.outcome == Outcome::NotEligible);
            if eval.outcome == Outcome::Eligible {
                prop_assert!(eval.conditions.iter().all(|c| matches!(c.outcome, Check::Pass | Check::NotApplicable)));
            }
            // Every failed quantitative HNTE condition has a gap.
            for condition in &eval.conditions {
                if condition.outcome == Check::Fail && matches!(condition.id, CondId::Hnte04 | CondId::Hnte05 | CondId::Hnte06 | CondId::Hnte07) && condition.value.is_some() {
                    prop_assert!(!condition.gap.is_empty(), "{} has no gap", condition.id.as_str());
                }
            }
        }
    }

    /// A gap closes its condition: applying the R&D gap of HNTE-05 makes it pass, and one
    /// fen less does not.
    #[test]
    fn the_rd_gap_is_the_smallest_change(firm in firm_strategy()) {
        let eval = evaluate(RuleKind::Hnte, &firm, None).unwrap();
        let rd = eval.condition(CondId::Hnte05).unwrap();
        if rd.outcome == Check::Fail {
            if let Some(Value::Money(needed)) = rd.gap.first().map(|gap| gap.amount) {
                let closed = with_more_rd(&firm, 2024, needed.fen());
                let after = evaluate(RuleKind::Hnte, &closed, None).unwrap();
                prop_assert_eq!(after.condition(CondId::Hnte05).unwrap().outcome, Check::Pass);
                let short = with_more_rd(&firm, 2024, needed.fen() - 1);
                let after = evaluate(RuleKind::Hnte, &short, None).unwrap();
                prop_assert_eq!(after.condition(CondId::Hnte05).unwrap().outcome, Check::Fail);
            }
        }
    }
}

#[test]
fn note_list_is_in_declaration_order() {
    for (index, note) in NoteKind::ALL.iter().enumerate() {
        assert_eq!(*note as usize, index, "{note:?}");
    }
    let mut set = NoteSet::default();
    set.insert(NoteKind::HunanFirstTime);
    set.insert(NoteKind::HnteOtherCostCap);
    set.insert(NoteKind::HunanFirstTime);
    assert_eq!(set.iter().collect::<Vec<_>>(), [NoteKind::HnteOtherCostCap, NoteKind::HunanFirstTime]);
}
