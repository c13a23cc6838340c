//! `gaodi rules check`: evaluates one firm (the JSON of `docs/policy-input.schema.json`)
//! against a policy rule of `policy-rules.md` and prints the result as JSON, or with
//! `--explain` as readable Chinese or English text.
//!
//! Wired in `main.rs` as `rules check` (a `Rules` subcommand holding `Check(RulesCheckArgs)`,
//! dispatched to [`run`]).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use gaodi_domain::rules::explain::{explain, Lang};
use gaodi_domain::rules::{evaluate, parse_date, FirmInput, RuleKind};
use time::Date;

/// Arguments of `gaodi rules check`.
#[derive(clap::Args, Debug, Clone)]
pub struct RulesCheckArgs {
    /// The rule: hnte, sme, super-deduction or hunan-reward.
    #[arg(long, value_parser = parse_rule)]
    pub rule: RuleKind,
    /// The firm's data, as JSON (fields: docs/policy-input.schema.json).
    #[arg(long)]
    pub input: PathBuf,
    /// Evaluation date, YYYY-MM-DD, which chooses the rule version: the HNTE application date,
    /// the SME evaluation date; for the super-deduction and the Hunan reward it gives the year
    /// only when the input has no tax_year / award_year. Default: from the input.
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<Date>,
    /// Print a readable explanation instead of the JSON result.
    #[arg(long)]
    pub explain: bool,
    /// Language of the explanation: zh or en.
    #[arg(long, default_value = "zh", value_parser = parse_lang)]
    pub lang: Lang,
}

fn parse_rule(text: &str) -> Result<RuleKind, String> {
    RuleKind::parse(text).map_err(|error| error.to_string())
}

fn parse_as_of(text: &str) -> Result<Date, String> {
    parse_date(text).map_err(|error| error.to_string())
}

fn parse_lang(text: &str) -> Result<Lang, String> {
    Lang::parse(text).ok_or_else(|| format!("Language \"{text}\" is not available; accepted: zh, en."))
}

/// Reads the file, evaluates the rule and prints the result (JSON, or the explanation).
///
/// Fails, naming the file, when it cannot be read, when its JSON is malformed or a value is
/// not accepted (with the line, column and field), or when the rule cannot be evaluated (no
/// date, no rule version for the date, an expert score outside its band).
pub fn run(args: &RulesCheckArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("cannot read the firm's data from {}", args.input.display()))?;
    let output = check(args, &text)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(output.as_bytes())?;
    stdout.flush()?;
    Ok(())
}

/// The text `run` prints for the file content `text`.
fn check(args: &RulesCheckArgs, text: &str) -> anyhow::Result<String> {
    let file = args.input.display();
    let input = FirmInput::from_json(text).map_err(|error| anyhow!("{file}: {error}"))?;
    let evaluation = evaluate(args.rule, &input, args.as_of).map_err(|error| anyhow!("{file}: {error}"))?;
    if args.explain {
        Ok(explain(&evaluation, args.lang))
    } else {
        let mut json = serde_json::to_string_pretty(&evaluation)?;
        json.push('\n');
        Ok(json)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: RulesCheckArgs,
    }

    fn args(flags: &[&str]) -> Result<RulesCheckArgs, clap::Error> {
        let mut argv = vec!["gaodi"];
        argv.extend_from_slice(flags);
        Cli::try_parse_from(argv).map(|cli| cli.args)
    }

    const SD_EXAMPLE: &str = r#"{"tax_year": 2024, "resident_enterprise": true,
 "tax_assessment_method": {"2024": "ActualProfit"}, "accounting_sound": {"2024": true},
 "rd_costs_tracked_by_project": {"2024": true}, "main_industry_gb4754": {"2024": "C38"},
 "revenue_by_industry": {"2024": {"C38": "80000000.00"}},
 "gross_income_cit": {"2024": "81000000.00"}, "non_taxable_income": {"2024": "0.00"},
 "investment_income": {"2024": "0.00"}, "on_ic_or_machine_tool_list": {"2024": false},
 "sme_registrations": [],
 "rd_sd": {"2024": {"personnel": "3000000.00", "direct_inputs": "900000.00",
   "depreciation": "400000.00", "intangible_amort": "100000.00", "design_trials": "100000.00",
   "other_related": "300000.00"}},
 "rd_commissioned_domestic_paid": {"2024": "0.00"}, "rd_commissioned_abroad_paid": {"2024": "0.00"},
 "rd_commissioned_related_party": {"2024": false}, "rd_nontaxable_grants_used": {"2024": "0.00"}}"#;

    #[test]
    fn parses_the_flags() {
        let parsed = args(&["--rule", "super-deduction", "--input", "firm.json", "--as-of", "2025-03-31"]).unwrap();
        assert_eq!(parsed.rule, RuleKind::SuperDeduction);
        assert_eq!(parsed.as_of, Some(time::macros::date!(2025 - 03 - 31)));
        assert_eq!(parsed.lang, Lang::Zh);
        assert!(!parsed.explain);
        let parsed = args(&["--rule", "hnte", "--input", "f.json", "--explain", "--lang", "en"]).unwrap();
        assert!(parsed.explain);
        assert_eq!(parsed.lang, Lang::En);
        let error = args(&["--rule", "hte", "--input", "f.json"]).unwrap_err().to_string();
        assert!(error.contains("hunan-reward"), "{error}");
        let error = args(&["--rule", "sme", "--input", "f.json", "--as-of", "2025-3-31"]).unwrap_err().to_string();
        assert!(error.contains("YYYY-MM-DD"), "{error}");
        assert!(args(&["--rule", "sme", "--input", "f.json", "--lang", "fr"]).is_err());
    }

    /// The example of policy-input.md: base 4,800,000 at 100% (2024).
    #[test]
    fn prints_the_result_json() {
        let parsed = args(&["--rule", "super-deduction", "--input", "firm.json"]).unwrap();
        let output = check(&parsed, SD_EXAMPLE).unwrap();
        let json: serde_json::Value = serde_json::from_str(&output).unwrap();
        assert_eq!(json["rule"], "super-deduction");
        assert_eq!(json["rule_version"], "sd-2023");
        assert_eq!(json["outcome"], "eligible");
        assert_eq!(json["base"], "4800000.00");
        assert_eq!(json["rate"], "1.00");
        assert_eq!(json["extra_deduction"], "4800000.00");
    }

    #[test]
    fn explains_in_both_languages() {
        let parsed = args(&["--rule", "super-deduction", "--input", "firm.json", "--explain"]).unwrap();
        let zh = check(&parsed, SD_EXAMPLE).unwrap();
        assert!(zh.contains("加计扣除额：4,800,000.00 元"), "{zh}");
        let parsed = args(&["--rule", "super-deduction", "--input", "firm.json", "--explain", "--lang", "en"]).unwrap();
        let en = check(&parsed, SD_EXAMPLE).unwrap();
        assert!(en.contains("Extra deduction: 4,800,000.00 yuan"), "{en}");
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let parsed = args(&["--rule", "hnte", "--input", "firm.json"]).unwrap();
        let bad =
            "{\n  \"hnte_application_date\": \"2025-06-15\",\n  \"rd_hnte\": {\"2024\": {\"personnel\": \"1.234\"}}\n}";
        let error = check(&parsed, bad).unwrap_err().to_string();
        assert!(error.starts_with("firm.json: line 3, column "), "{error}");
        assert!(error.contains("at rd_hnte.2024.personnel:"), "{error}");
        assert!(error.contains("at most 2 decimals"), "{error}");
        let error = check(&parsed, "{}").unwrap_err().to_string();
        assert!(error.contains("firm.json") && error.contains("--as-of"), "{error}");
        let missing = args(&["--rule", "hnte", "--input", "/nonexistent/firm.json"]).unwrap();
        let error = format!("{:#}", run(&missing).unwrap_err());
        assert!(error.contains("/nonexistent/firm.json"), "{error}");
    }
}
