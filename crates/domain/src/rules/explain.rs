//! An [`Evaluation`] as readable text, in Chinese or English (`gaodi rules check --explain`).
//!
//! The names of conditions, score items, steps and spec notes live here, in both languages,
//! so that the JSON (which carries the English names) and the text cannot drift apart.

use std::fmt::Write as _;

use super::{Change, Check, CondId, Evaluation, GapNote, GapOption, NoteKind, Outcome, ScoreSource, Value};
use crate::money::Money;

/// The language of an explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh` (also `zh-CN`) or `en`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" | "zh_CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The name of a condition.
#[must_use]
pub fn condition_name(id: CondId, lang: Lang) -> &'static str {
    let (zh, en) = match id {
        CondId::Hnte00 => {
            ("在中国境内（不含港澳台）注册的居民企业", "Resident enterprise registered in mainland China")
        }
        CondId::Hnte01 => ("注册成立一年以上", "Registered at least one year"),
        CondId::Hnte02 => {
            ("拥有对主要产品（服务）发挥核心支持作用的知识产权", "Owns IP giving core support to the main products")
        }
        CondId::Hnte03 => {
            ("技术属于《国家重点支持的高新技术领域》", "Technology within the eight supported high-tech fields")
        }
        CondId::Hnte04 => ("科技人员占职工总数比例不低于10%", "S&T staff at least 10% of total staff"),
        CondId::Hnte05 => {
            ("近三个会计年度研发费用占销售收入比例", "R&D expenses of the last three years / sales revenue")
        }
        CondId::Hnte06 => ("境内研发费用占全部研发费用比例不低于60%", "R&D incurred in China at least 60% of all R&D"),
        CondId::Hnte07 => {
            ("高新技术产品（服务）收入占总收入比例不低于60%", "High-tech revenue at least 60% of total revenue")
        }
        CondId::Hnte08 => ("创新能力评价得分高于70分", "Innovation-capability score above 70"),
        CondId::Hnte09 => (
            "申请前一年内未发生重大安全、重大质量事故或严重环境违法行为",
            "No major safety or quality accident or serious environmental violation within a year",
        ),
        CondId::SmeB1 => (
            "在中国境内注册的居民企业，查账征收，会计核算健全",
            "Resident enterprise registered in China, taxed on actual profit, sound accounts",
        ),
        CondId::SmeB2 => (
            "职工总数不超过500人、年销售收入和资产总额均不超过2亿元",
            "At most 500 staff, sales and total assets at most 200,000,000",
        ),
        CondId::SmeB3 => {
            ("不属于限制类、淘汰类及不适用加计扣除的行业", "Not a restricted, eliminated or excluded industry")
        }
        CondId::SmeB4 => ("未发生重大事故、严重违法及失信行为", "No major accident, serious violation or listing"),
        CondId::SmeB5 => {
            ("综合评价得分不低于60分且科技人员指标得分不为0", "Score at least 60 and S&T staff points not 0")
        }
        CondId::SmeD1 => ("拥有有效期内高新技术企业资格证书", "Holds a valid HNTE certificate"),
        CondId::SmeD2 => (
            "近五年内获得国家级科技奖励，并在获奖单位中排在前三名",
            "National S&T award in the last five years, among the first three units",
        ),
        CondId::SmeD3 => ("拥有经认定的省部级以上研发机构", "Has a recognised provincial-or-higher R&D institution"),
        CondId::SmeD4 => (
            "近五年内主导制定过国际标准、国家标准或行业标准",
            "Led an international, national or industry standard in the last five years",
        ),
        CondId::SdE1 => {
            ("居民企业，查账征收，会计核算健全", "Resident enterprise, taxed on actual profit, sound accounts")
        }
        CondId::SdE2 => ("主营业务不属于不适用加计扣除的行业", "Main business not in an excluded industry"),
        CondId::SdE5 => ("研发费用按项目归集（辅助账）", "R&D costs recorded per project"),
        CondId::SdRate => ("加计扣除比例", "Extra-deduction rate"),
        CondId::SdBase => ("加计扣除基数", "Super-deduction base"),
        CondId::HunanE1 => ("在湖南省注册", "Registered in Hunan"),
        CondId::HunanE2 => ("具有独立法人资格", "Independent legal person"),
        CondId::HunanE3 => ("已建立并备案研发准备金制度", "R&D reserve fund filed"),
        CondId::HunanE4 => ("上年度已享受研发费用加计扣除", "Super-deduction claimed for the previous year"),
        CondId::HunanA1 => ("加计扣除研发费用较上年度有增长", "Super-deductible R&D grew over the previous year"),
        CondId::HunanA2 => ("奖补金额不低于20万元", "Reward at least 200,000"),
    };
    lang.pick(zh, en)
}

/// The text of a spec note.
#[must_use]
pub fn note_text(note: NoteKind, lang: Lang) -> &'static str {
    let (zh, en) = match note {
        NoteKind::HnteOtherCostCap => (
            "其他费用按不超过研发总费用20%限额计算；“总费用”是否含其他费用，规范不明，本引擎按其他费用≤其余七项之和的1/4处理。",
            "Other R&D costs were capped at 20% of the total; whether the total includes them is unclear, and the engine caps them at one quarter of the other seven categories.",
        ),
        NoteKind::HnteCommissioned80 => (
            "委托外部研发按80%计入及境内研发费用的口径仅有间接佐证（中等可信）。",
            "Commissioned R&D at 80% and the definition of domestic R&D are only indirectly corroborated (medium confidence).",
        ),
        NoteKind::HnteZeroSales => (
            "销售收入合计为0时比例无定义，本引擎判为不符合（无来源讨论此情形）。",
            "With no sales over the window the ratio is undefined; the engine treats it as not met (no source discusses it).",
        ),
        NoteKind::HnteStaffDivisor => (
            "年中成立的企业按实际经营月数平均职工人数（除数为经营月数，中等可信）。",
            "A firm that operated part of the year averages staff over its operating months (the divisor is medium confidence).",
        ),
        NoteKind::HnteBranch => (
            "不具备法人资格的分支机构不能单独申报，应由总机构汇总申报。",
            "A branch without legal personality cannot apply alone; the head office applies for it.",
        ),
        NoteKind::HnteConversionDivisor => (
            "经营不满三年的企业，成果转化年均数按实际经营年数计算（规范未明确）。",
            "For a firm operating under three years, conversions are averaged over its operating years (not settled by the texts).",
        ),
        NoteKind::HnteConversionBelowOne => (
            "年均转化数介于0与1之间，评分档未覆盖，由专家在0-6分内判断。",
            "An average between 0 and 1 conversions is not covered by the bands; experts score it within 0-6.",
        ),
        NoteKind::HnteGrowthBands => (
            "成长性各档分值（9-10/7-8/5-6/3-4/1-2/0）来自单一来源，门槛值可靠，分值中等可信。",
            "The growth point ranges (9-10/7-8/5-6/3-4/1-2/0) come from one source; the thresholds are reliable, the points medium confidence.",
        ),
        NoteKind::HnteGrowthTwoYears => (
            "经营两年的企业，成长性按单一比值（第二年/第一年-1）计算，属本引擎解释。",
            "With two operating years, growth is the single ratio year2/year1 - 1, an engine interpretation.",
        ),
        NoteKind::HnteGrowthOneYear => (
            "仅经营一年的企业无法计算成长性，两项均按0分处理，属本引擎解释。",
            "With one operating year growth cannot be computed; both indicators score 0, an engine interpretation.",
        ),
        NoteKind::HnteGrowthNonPositive => (
            "净资产为负的情形规范仅涉及为0的情况；本引擎将负值视同0处理。",
            "The texts only cover zero values; the engine treats a negative first- or second-year value like zero.",
        ),
        NoteKind::HnteWindowUnknown => (
            "缺少注册日期，按完整三个会计年度计算。",
            "Registration date missing: the full three-year window is used.",
        ),
        NoteKind::Hnte2008Rules => (
            "2008年办法：指引文号及科技人员比例（30%，其中研发人员10%）未直接核实；研发人员10%的要求无输入字段，未检验；评分沿用2016年分档并以总资产增长率代替净资产增长率。",
            "2008 rules: the guideline number and the staff rule (30%, of which R&D staff 10%) are not directly confirmed; the 10% R&D-staff part has no input field and is not tested; the score uses the 2016 bands with total-asset growth.",
        ),
        NoteKind::Hnte2008TierOverlap => (
            "2008年办法在2亿元处“5,000万元至20,000万元”与“20,000万元以上”重叠，本引擎取4%。",
            "The 2008 wording overlaps at exactly 200,000,000 (\"50M to 200M\" and \"200M and above\"); the engine uses 4%.",
        ),
        NoteKind::Hnte2008Licence => (
            "2008年办法允许5年以上独占许可，输入中无许可期限和独占性，需专家判断。",
            "The 2008 rules accepted exclusive licences of 5+ years; the input has no term or exclusivity, so experts decide.",
        ),
        NoteKind::Sme2022Boundary => (
            "2022年指引的发布日期未查到，评价年度2022年采用2022年表述属判断。",
            "The 2022 guideline's issue date was not found; using its wording for evaluation year 2022 is a judgement.",
        ),
        NoteKind::SmeQuarterlyAveraging => (
            "职工人数按季度平均（两份2023年指南所述，中等可信）。",
            "Staff are averaged by quarter (reported by two 2023 guides, medium confidence).",
        ),
        NoteKind::SmeCostBasis => (
            "“成本费用支出总额”的定义未找到，按输入的 cost_expense_total 计算（低可信）。",
            "\"Total costs and expenses\" is not defined in any source; cost_expense_total is used as given (low confidence).",
        ),
        NoteKind::SmeFoundedInYear => (
            "当年成立的企业能否以当年数据参评未有定论，本引擎使用当年数据。",
            "Whether a firm founded in the evaluation year may use current-year data is unsettled; the engine uses that year.",
        ),
        NoteKind::SmeFiveYearWindow => (
            "“近五年”从评价日期向前计算（规范未给出起算点）。",
            "\"Last five years\" is counted back from the evaluation date (the texts give no anchor).",
        ),
        NoteKind::SmeAsOfDefaulted => (
            "未给出评价日期，按评价年度12月31日检验知识产权和直通条件。",
            "No evaluation date given: IP validity and the direct routes are tested on 31 December of the evaluation year.",
        ),
        NoteKind::SmeRdBasis => (
            "研发费用按加计扣除口径（含限额及委托研发80%）计算。",
            "R&D is the super-deduction base (with its caps and commissioned R&D at 80%).",
        ),
        NoteKind::SdExcludedActivities => (
            "假定输入的研发费用不含不适用加计扣除的活动（常规升级、直接应用成果等）。",
            "The R&D figures are taken to exclude the non-R&D activities of SD-E4 (routine upgrades, direct application, ...).",
        ),
        NoteKind::SdPerProjectCap => (
            "2021年以前其他相关费用限额按项目分别计算；输入为汇总数，按整体计算，实际可计入额可能更低。",
            "Before 2021 the other-costs cap applied per project; the input is aggregated, so the cap is applied to the total and the true allowance may be lower.",
        ),
        NoteKind::SdAbroadBefore2018 => (
            "2018年以前委托境外研发费用不得加计扣除（中等可信）。",
            "Before 2018 R&D commissioned abroad could not be super-deducted (medium confidence).",
        ),
        NoteKind::SdOverseasCapBase => (
            "境外委托研发三分之二限额的计算基数未经确认，按境内可加计扣除研发费用计算。",
            "The base of the two-thirds cap on R&D commissioned abroad is unconfirmed; the domestic eligible base is used.",
        ),
        NoteKind::SdQ4Split2022 => (
            "2022年1-9月75%、10-12月100%，分段方法未确认，按月份比例计算（81.25%）。",
            "2022: 75% for Jan-Sep and 100% for Oct-Dec; the split method is unconfirmed, months pro rata are used (81.25%).",
        ),
        NoteKind::SdIcRate => (
            "集成电路和工业母机企业120%仅见二手摘要（中等可信）。",
            "The 120% rate for IC and machine-tool firms comes from a secondary summary only (medium confidence).",
        ),
        NoteKind::SdManufacturingTest => (
            "制造业企业判定的收入基数按收入总额减不征税收入和投资收益计算（本引擎解释）。",
            "The manufacturing test uses gross income less non-taxable and investment income as revenue (an engine interpretation).",
        ),
        NoteKind::SdTakenAsZero => (
            "未填写的委托研发支付额或不征税收入按0计算。",
            "Absent commissioned-R&D payments or non-taxable grants are taken as 0.",
        ),
        NoteKind::SdIntangibleYears => (
            "研发形成的无形资产按整年摊销，首末年度未按月折算（规范未规定）。",
            "R&D intangibles are amortised by whole years; the first and last years are not pro-rated (not prescribed).",
        ),
        NoteKind::SdTaxYearDefaulted => (
            "未给出 tax_year，按评价日期所在年度作为纳税年度。",
            "No tax_year given: the year of the evaluation date is used.",
        ),
        NoteKind::HunanNewsOnly => (
            "湖南省两项政策仅见新闻报道，全文、文号和生效日期均未找到（低可信）。",
            "Both Hunan schemes are known only from news reports; texts, numbers and effective dates were not found (low confidence).",
        ),
        NoteKind::HunanIncrementBase => (
            "“新增部分”按经税务核实的加计扣除研发费用（基数）的增量计算，而非加计扣除额的增量。",
            "The increase is read as the increase of the tax-checked super-deductible base, not of the extra deduction.",
        ),
        NoteKind::HunanSchemeSwitch => (
            "2022年措施于2022年10月报道；本引擎自奖补年度2023年起适用，属判断。",
            "The 2022 measures were reported in October 2022; the engine applies them from award year 2023, a judgement.",
        ),
        NoteKind::Hunan2018Caps => (
            "2018年上限按征求意见稿：一般500万元，高新技术企业、省级以上研发平台评估优秀及首次纳入的企业1000万元（“优秀”和“首次纳入”无数据）；正式公布时只提到“最高1000万元”。",
            "2018 caps follow the draft: 5,000,000, or 10,000,000 for HNTEs, firms with an excellent provincial-or-higher platform and first-time firms (no data on the last two); the June 2018 announcement mentions only \"up to 10,000,000\".",
        ),
        NoteKind::Hunan2022KeyFields => (
            "“省重点高新技术领域”名单未找到，按输入的 hunan_key_hightech_field 计算。",
            "The list of provincial key high-tech fields was not found; hunan_key_hightech_field is used as given.",
        ),
        NoteKind::Hunan2022Conditions => (
            "2018年的分档上限和研发准备金备案条件在2022年措施下是否保留不明，本引擎未适用。",
            "Whether the 2018 tiered caps and the reserve-fund condition survive under the 2022 measures is unknown; the engine does not apply them.",
        ),
        NoteKind::HunanFirstTime => (
            "首次纳入（上上年度无加计扣除基数）的企业如何处理不明。",
            "How firms without a base two years before (first-time firms) are treated is unknown.",
        ),
    };
    lang.pick(zh, en)
}

/// The label of a field changed by a gap.
fn gap_field_label(gap: &GapOption, lang: Lang) -> &'static str {
    let (zh, en) = match (gap.field.field, gap.field.key) {
        ("rd_hnte", _) => ("研发费用（高企口径）", "R&D expenses (HNTE basis)"),
        ("sales_revenue", _) => ("销售收入", "sales revenue"),
        ("rd_hnte_domestic", _) => ("境内研发费用", "R&D incurred in China"),
        ("hightech_revenue", _) => ("高新技术产品（服务）收入", "high-tech product and service revenue"),
        ("hightech_share", _) => ("高新技术产品（服务）收入占比", "high-tech revenue share"),
        ("tech_staff_monthly", _) => ("科技人员（月平均）", "S&T staff (monthly average)"),
        ("tech_staff_quarterly", _) => ("科技人员（季平均）", "S&T staff (quarterly average)"),
        ("staff_quarterly", _) => ("职工总数（季平均）", "total staff (quarterly average)"),
        ("total_assets_ye", _) => ("年末资产总额", "total assets at year end"),
        ("ip_items", Some("class_i")) => ("Ⅰ类知识产权", "Class I IP items"),
        ("ip_items", Some("class_ii")) => ("Ⅱ类知识产权", "Class II IP items"),
        ("ip_items", _) => ("符合条件的知识产权", "qualifying IP items"),
        ("score", _) => ("创新能力评价得分", "innovation score"),
        ("rd_sd", _) => ("研发费用（加计扣除口径）", "R&D expenses (super-deduction basis)"),
        ("sd_base_assessed", _) => ("经税务核实的加计扣除研发费用", "tax-checked super-deductible R&D"),
        _ => ("", ""),
    };
    if zh.is_empty() {
        gap.field.field
    } else {
        lang.pick(zh, en)
    }
}

/// The unit of a value in a sentence.
fn unit(value: &Value, lang: Lang) -> &'static str {
    match value {
        Value::Money(_) => lang.pick("元", " yuan"),
        Value::Number(_) | Value::NumberUp(_) => lang.pick("人", " persons"),
        Value::Points(_) => lang.pick("分", " points"),
        Value::PercentPoints(_) => lang.pick("个百分点", " percentage points"),
        Value::Count(_) => lang.pick("项", " items"),
        Value::Days(_) => lang.pick("天", " days"),
        _ => "",
    }
}

/// A value as shown to people: amounts grouped by thousands.
fn shown(value: &Value) -> String {
    match value {
        Value::Money(money) => grouped(*money),
        other => other.text(),
    }
}

/// `1234567.80` → `1,234,567.80`.
fn grouped(money: Money) -> String {
    let text = money.to_string();
    let (sign, unsigned) = text.strip_prefix('-').map_or(("", text.as_str()), |rest| ("-", rest));
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "00"));
    let mut out = String::with_capacity(text.len() + integer.len() / 3);
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    format!("{sign}{out}.{fraction}")
}

/// One gap option as a sentence: "R&D expenses (HNTE basis), FY2024: +135,000.00 yuan".
#[must_use]
pub fn gap_text(gap: &GapOption, lang: Lang) -> String {
    let amount = format!("{}{}", shown(&gap.amount), unit(&gap.amount, lang));
    if gap.change == Change::Wait {
        let date = gap.to.map(|to| shown(&to)).unwrap_or_default();
        return match lang {
            Lang::Zh => format!("在 {date} 或之后申请（再等 {amount}）"),
            Lang::En => format!("apply on or after {date} ({amount} later)"),
        };
    }
    let label = gap_field_label(gap, lang);
    let year = gap.field.year.map(|year| match lang {
        Lang::Zh => format!("（{year}年）"),
        Lang::En => format!(", FY{year}"),
    });
    let year = year.unwrap_or_default();
    let sign = if gap.change == Change::Decrease { "-" } else { "+" };
    let mut text = match lang {
        Lang::Zh => format!("{label}{year} {sign}{amount}"),
        Lang::En => format!("{label}{year}: {sign}{amount}"),
    };
    if gap.change == Change::Reclassify {
        text.push_str(
            lang.pick("（由现有数额重新归类，总额不变）", " (reclassified from existing amounts, total unchanged)"),
        );
    }
    if let Some(to) = &gap.to {
        let to = shown(to);
        let _ = match lang {
            Lang::Zh => write!(text, "（达到 {to}）"),
            Lang::En => write!(text, " (to {to})"),
        };
    }
    if let Some(note) = gap.note {
        let _ = match (note, lang) {
            (GapNote::NextTier { percent }, Lang::Zh) => write!(text, "（进入 {percent}% 档）"),
            (GapNote::NextTier { percent }, Lang::En) => write!(text, " (moves to the {percent}% tier)"),
            (GapNote::CostsGrowWithRd, _) => {
                text.push_str(
                    lang.pick("（成本费用口径，成本费用随研发费用增加）", " (cost basis; costs grow with R&D)"),
                );
                Ok(())
            }
            (GapNote::SalesBasis, _) => {
                text.push_str(lang.pick("（销售收入口径）", " (sales-revenue basis)"));
                Ok(())
            }
        };
    }
    text
}

/// The outcome of a rule in words.
#[must_use]
pub fn outcome_label(outcome: Outcome, lang: Lang) -> &'static str {
    match outcome {
        Outcome::Eligible => lang.pick("符合", "ELIGIBLE"),
        Outcome::NotEligible => lang.pick("不符合", "NOT ELIGIBLE"),
        Outcome::NeedsExpert => lang.pick("需专家评审", "NEEDS EXPERT JUDGEMENT"),
        Outcome::Unknown => lang.pick("数据不足，无法判断", "UNKNOWN (data missing)"),
    }
}

fn check_mark(check: Check) -> &'static str {
    match check {
        Check::Pass => "[✓]",
        Check::Fail => "[✗]",
        Check::NeedsExpert => "[!]",
        Check::Unknown => "[?]",
        Check::NotApplicable => "[-]",
    }
}

fn score_item_label(key: &str, lang: Lang) -> &'static str {
    let (zh, en) = match key {
        "advancement" => ("技术的先进程度", "technical advancement"),
        "core_support" => ("对主要产品（服务）的核心支持作用", "core support to the main products"),
        "ip_count" => ("知识产权数量", "number of IP items"),
        "ip_acquisition" => ("知识产权获得方式", "how the IP was obtained"),
        "standards" => ("参与标准制定（加分）", "standards bonus"),
        "conversion" => ("科技成果转化能力", "conversion of S&T results"),
        "mgmt_1" => ("研发管理制度、投入核算体系、辅助账", "R&D rules, input accounting, auxiliary ledger"),
        "mgmt_2" => ("内部研发机构与产学研合作", "internal R&D unit and cooperation"),
        "mgmt_3" => ("成果转化组织与激励、创新创业平台", "conversion incentives and platforms"),
        "mgmt_4" => ("人才培养、引进与绩效奖励", "training, recruitment and rewards"),
        "growth_net" => ("净资产增长率", "net-asset growth"),
        "growth_sales" => ("销售收入增长率", "sales growth"),
        "st_staff" => ("科技人员占比", "S&T staff share"),
        "rd_sales" => ("研发投入（销售收入口径）", "R&D input (sales basis)"),
        "rd_cost" => ("研发投入（成本费用口径）", "R&D input (cost basis)"),
        "ip" => ("科技成果（知识产权）", "S&T results (IP)"),
        _ => ("", ""),
    };
    lang.pick(zh, en)
}

fn source_label(source: ScoreSource, lang: Lang) -> &'static str {
    match source {
        ScoreSource::Computed => lang.pick("数据计算", "computed"),
        ScoreSource::Band => lang.pick("数据定档，专家定分", "band from data, point by experts"),
        ScoreSource::Expert => lang.pick("专家评分", "expert score"),
        ScoreSource::Open => lang.pick("待专家评分", "open, for experts"),
        ScoreSource::Missing => lang.pick("缺少数据", "data missing"),
    }
}

fn step_label(key: &str, lang: Lang) -> &'static str {
    let (zh, en) = match key {
        "items_1_5" => ("前五项费用合计", "items 1-5"),
        "other_actual" => ("其他相关费用（实际发生）", "other related costs (actual)"),
        "other_cap" => ("其他相关费用限额", "cap on other costs"),
        "other_allowed" => ("其他相关费用（可计入）", "other costs allowed"),
        "commissioned_domestic_counted" => ("委托境内研发（按80%）", "commissioned in China (80%)"),
        "nontaxable_grants_subtracted" => ("用于研发的不征税收入（扣除）", "non-taxable grants subtracted"),
        "domestic" => ("境内可加计扣除研发费用", "domestic eligible R&D"),
        "abroad_counted" => ("委托境外研发（按80%）", "commissioned abroad (80%)"),
        "abroad_cap" => ("委托境外限额（境内的2/3）", "cap on abroad (2/3 of domestic)"),
        "abroad_allowed" => ("委托境外研发（可计入）", "commissioned abroad allowed"),
        "base" => ("加计扣除基数", "base"),
        "extra_deduction" => ("加计扣除额", "extra deduction"),
        "intangible_tax_amortisation" => ("研发无形资产税前摊销额", "tax amortisation of R&D intangibles"),
        "extra_amortisation" => ("无形资产加计摊销额", "extra amortisation"),
        "tax_saving_at_25_percent" => ("按25%税率节税", "tax saved at 25%"),
        "tax_saving_at_15_percent" => ("按15%税率节税", "tax saved at 15%"),
        "increment" => ("较上年度新增", "increase over the previous year"),
        "rate" => ("比例", "rate"),
        "raw_amount" => ("计算金额", "computed amount"),
        "cap" => ("上限", "cap"),
        "amount" => ("奖补金额", "reward"),
        _ => ("", ""),
    };
    lang.pick(zh, en)
}

fn rule_name(eval: &Evaluation, lang: Lang) -> &'static str {
    lang.pick(eval.rule.name_zh(), eval.rule.name_en())
}

/// The whole evaluation as text: outcome, score, each condition with its value, threshold,
/// missing data and gap, the score items, the computed steps and the spec notes.
#[must_use]
pub fn explain(eval: &Evaluation, lang: Lang) -> String {
    let mut out = String::new();
    let zh = lang == Lang::Zh;
    let _ = writeln!(
        out,
        "{}{} {} ({})",
        rule_name(eval, lang),
        lang.pick(" — 规则版本", " — rule version"),
        eval.version.id,
        eval.version.documents
    );
    let as_of = Value::Date(eval.as_of).text();
    let _ = if zh {
        writeln!(out, "评价日期 {as_of}，年度 {}", eval.year)
    } else {
        writeln!(out, "Evaluation date {as_of}, year {}", eval.year)
    };
    let confidence = match eval.confidence {
        super::Confidence::High => lang.pick("高", "high"),
        super::Confidence::Medium => lang.pick("中", "medium"),
        super::Confidence::Low => lang.pick("低", "low"),
    };
    let _ = writeln!(
        out,
        "{}{}{}{}{}",
        lang.pick("结论：", "Outcome: "),
        outcome_label(eval.outcome, lang),
        lang.pick("（可信度：", " (confidence: "),
        confidence,
        lang.pick("）", ")")
    );
    if let Some(score) = eval.score {
        let text =
            if score.min == score.max { score.min.to_string() } else { format!("[{}, {}]", score.min, score.max) };
        let _ = writeln!(out, "{}{text}", lang.pick("得分：", "Score: "));
    }
    for (label, amount) in [
        (lang.pick("加计扣除基数：", "Base: "), eval.base),
        (lang.pick("加计扣除额：", "Extra deduction: "), eval.extra_deduction),
        (lang.pick("无形资产加计摊销额：", "Extra amortisation: "), eval.extra_amortisation),
        (lang.pick("奖补金额：", "Reward: "), eval.amount),
    ] {
        if let Some(amount) = amount {
            let _ = writeln!(out, "{label}{}{}", grouped(amount), lang.pick(" 元", " yuan"));
        }
    }
    if let Some(rate) = eval.rate {
        let _ = writeln!(out, "{}{}", lang.pick("加计扣除比例：", "Rate: "), Value::rate(rate).text());
    }

    let _ = writeln!(out, "\n{}", lang.pick("条件", "Conditions"));
    for condition in &eval.conditions {
        let _ = write!(
            out,
            "  {} {} {}",
            check_mark(condition.outcome),
            condition.id.as_str(),
            condition_name(condition.id, lang)
        );
        if let Some(value) = &condition.value {
            let _ = write!(out, "{}{}{}", lang.pick("：", ": "), shown(value), unit(value, lang));
        }
        if let Some(threshold) = &condition.threshold {
            let _ = write!(
                out,
                "{}{} {}{}{}",
                lang.pick("（要求 ", " (required "),
                threshold.cmp.symbol(),
                shown(&threshold.value),
                unit(&threshold.value, lang),
                lang.pick("）", ")")
            );
        }
        let _ = writeln!(out, " [{}]", condition.id.spec());
        if !condition.missing.is_empty() {
            let missing: Vec<String> = condition.missing.iter().map(ToString::to_string).collect();
            let _ = writeln!(out, "      {}{}", lang.pick("缺少数据：", "missing: "), missing.join(", "));
        }
        if !condition.gap.is_empty() {
            let options: Vec<String> = condition.gap.iter().map(|gap| gap_text(gap, lang)).collect();
            let _ = writeln!(
                out,
                "      {}{}",
                lang.pick("差距：", "to pass: "),
                options.join(lang.pick("；或 ", "; or "))
            );
        }
    }

    if !eval.score_items.is_empty() {
        let _ = writeln!(out, "\n{}", lang.pick("评分项", "Score items"));
        for item in &eval.score_items {
            let range = if item.min == item.max { item.min.to_string() } else { format!("{}-{}", item.min, item.max) };
            let part = match lang {
                Lang::Zh => format!("第{}部分", item.part),
                Lang::En => format!("part {}", item.part),
            };
            let _ = write!(
                out,
                "  {part} {}{} {range}{} ({})",
                score_item_label(item.key, lang),
                lang.pick("：", ":"),
                lang.pick("分", ""),
                source_label(item.source, lang)
            );
            if let Some(value) = &item.value {
                let _ = write!(out, " [{}]", shown(value));
            }
            out.push('\n');
        }
    }

    if !eval.steps.is_empty() {
        let _ = writeln!(out, "\n{}", lang.pick("计算过程", "Computation"));
        for step in &eval.steps {
            let _ = writeln!(out, "  {} {}: {}", step.id, step_label(step.key, lang), shown(&step.value));
        }
    }

    if !eval.notes.is_empty() {
        let _ = writeln!(out, "\n{}", lang.pick("规范存疑之处", "Where the spec is unsure"));
        for note in eval.notes.iter() {
            let _ = writeln!(out, "  [{}] {}: {}", note.confidence().tag(), note.spec(), note_text(note, lang));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{hnte_h1, run};
    use super::super::RuleKind;
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(Money::parse("1234567.8").unwrap()), "1,234,567.80");
        assert_eq!(grouped(Money::parse("-999").unwrap()), "-999.00");
        assert_eq!(grouped(Money::parse("100000").unwrap()), "100,000.00");
    }

    #[test]
    fn explains_h1_in_both_languages() {
        let eval = run(RuleKind::Hnte, &hnte_h1());
        let zh = explain(&eval, Lang::Zh);
        assert!(zh.contains("结论：不符合"), "{zh}");
        assert!(zh.contains("[✗] HNTE-05"), "{zh}");
        assert!(zh.contains("研发费用（高企口径）（2024年） +135,000.00元"), "{zh}");
        assert!(zh.contains("销售收入（2024年） +0.01元（达到 50,000,000.01）（进入 4% 档）"), "{zh}");
        let en = explain(&eval, Lang::En);
        assert!(en.contains("Outcome: NOT ELIGIBLE"), "{en}");
        assert!(en.contains("R&D expenses (HNTE basis), FY2024: +135,000.00 yuan"), "{en}");
        assert!(en.contains("(required >= 5%)"), "{en}");
    }

    #[test]
    fn every_condition_and_note_has_both_texts() {
        use super::super::{CondId, NoteKind};
        let ids = [
            CondId::Hnte00,
            CondId::Hnte09,
            CondId::SmeB1,
            CondId::SmeD4,
            CondId::SdE1,
            CondId::SdBase,
            CondId::HunanA2,
        ];
        for id in ids {
            assert!(!condition_name(id, Lang::Zh).is_empty() && !condition_name(id, Lang::En).is_empty());
        }
        for note in [NoteKind::HnteOtherCostCap, NoteKind::HunanFirstTime] {
            assert_ne!(note_text(note, Lang::Zh), note_text(note, Lang::En));
        }
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("fr"), None);
    }
}
