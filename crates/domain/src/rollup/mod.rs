//! Roll-up of facts through the region tree of a period, time aggregation, sibling ranks.
//!
//! The indicator pipeline of the product is: the store loads the facts of the periods asked
//! for into a [`FactCube`] (node × period × measure → [`Quantity`]) over the [`Tree`] of the
//! year → [`FactCube::rollup`] sums children into parents level by level → indicator
//! formulas (gaodi-expr, [`formula::ExprFormula`]) are evaluated per region and period over
//! the rolled-up columns ([`formula::evaluate`]) → targets, status, [`rank`]s and drill-down read the result.
//!
//! # Rules
//!
//! - **Exact sums.** Values are [`Quantity`]s: fixed point in units of 1e-4, held as `i64`.
//!   Every sum is checked; an overflow is an error naming the measure, region and period,
//!   never a wrapped or saturated number. Money facts (fen) convert exactly
//!   ([`Quantity::from_money`]).
//! - **The tree of the period.** A cube holds one [`Tree`], the tree as it stood in the year
//!   of its periods ([`Tree::from_regions`] over [`crate::region::tree_as_of`]). Facts that
//!   span a boundary change (株洲县 430221 until 2017, 渌口区 430212 from 2018) go into one
//!   cube per year, so a county is summed into the city it belonged to in that year.
//! - **Parks counted once.** A park hangs under its host region (or under another park) in
//!   the park hierarchy. A park's facts roll up into its parent park only: park totals. They
//!   are **never** added to an administrative region, because the host district's own
//!   figures already contain the firms of the park; adding the park again would count them
//!   twice in the city total. [`Rollup::park_total`] answers "of which in parks" for an
//!   administrative region (the sum of the outermost parks hosted in its subtree).
//! - **Coverage.** Every aggregated cell keeps how many of its children contributed a value
//!   and how many exist ("7 of 9 districts reported"): [`Coverage`]. A parent none of whose
//!   children reported, and which has no figure of its own, has no value (never 0).
//! - **A parent's own figure wins.** When a region with children has its own reported fact
//!   (e.g. the city's figure from the statistics bureau), that figure is the region's value
//!   and is what rolls up further; the sum of its children is kept beside it, and
//!   [`Cell::discrepancy`] is own figure minus sum of the children.
//! - **Time.** A year (or quarter, half) is built from months or quarters per measure by
//!   [`TimeAggregation`] `sum`, `last` or `average` ([`FactCube::aggregate_time`]), with the
//!   count of source periods that reported.
//! - **Ranks.** Min-rank ("1, 2, 2, 4") among siblings or any grouping, by direction; missing
//!   or non-finite values come last and get no rank ([`rank`]).
//!
//! # Error codes
//!
//! Each [`RollupError`] has a stable i18n key ([`RollupError::code`]) and named arguments
//! ([`RollupError::args`]). Suggested message templates for the locale files; the English
//! one is exactly what `Display` prints (a unit test checks this table against the code).
//! `messages.tsv` in this folder holds the same rows for `tools/add-messages.py`.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `rollup.empty_quantity` | The value is empty; accepted forms: 1234, -0.5, 1234.5678 (at most 4 decimals). | 数值为空；可接受的格式：1234、-0.5、1234.5678（最多 4 位小数）。 |
//! | `rollup.invalid_quantity` | Value "{value}" is not a number in a recognised form; accepted forms: 1234, -0.5, 1234.5678 (digits on both sides of the decimal point, the minus sign only at the start, at most 4 decimals). | 数值“{value}”格式不正确；可接受的格式：1234、-0.5、1234.5678（小数点两侧均有数字，负号只能在开头，最多 4 位小数）。 |
//! | `rollup.quantity_out_of_range` | Value "{value}" is out of range; accepted values lie between -922337203685477.5807 and 922337203685477.5807. | 数值“{value}”超出范围；可接受的数值在 -922337203685477.5807 至 922337203685477.5807 之间。 |
//! | `rollup.overflow` | The sum of {measure} for {region} in {period} is out of range; accepted values lie between -922337203685477.5807 and 922337203685477.5807. | {region} 在 {period} 的 {measure} 合计超出范围；可接受的数值在 -922337203685477.5807 至 922337203685477.5807 之间。 |
//! | `rollup.duplicate_fact` | {measure} for {region} in {period} is given twice; accepted: one value per measure, region and period. | {region} 在 {period} 的 {measure} 出现两次；每个指标数据项、区域和期间只能有一个数值。 |
//! | `rollup.out_of_range` | The {axis} index {index} is out of range; accepted: 0 to {last}. | {axis} 序号 {index} 超出范围；可接受：0 至 {last}。 |
//! | `rollup.unknown_parent` | Region {region} names parent number {parent}, which is not in the tree; accepted: the number of a listed region. | 区域 {region} 的上级编号 {parent} 不在树中；只能引用已列出的区域。 |
//! | `rollup.cycle` | Region {region} lies on a cycle of parents; accepted: a region is never its own ancestor. | 区域 {region} 处于循环隶属中；区域不能成为自己的上级。 |
//! | `rollup.administrative_under_park` | Administrative region {region} hangs under park {parent}; accepted: only parks hang under parks. | 行政区域 {region} 隶属于园区 {parent}；只有园区可以隶属于园区。 |
//! | `rollup.wrong_source_period` | Period {period} of the cube is not a {kind} period; accepted: a cube of {kind} periods to aggregate from. | 数据立方中的期间 {period} 不是{kind}期间；汇总时只能使用{kind}期间的数据立方。 |
//! | `rollup.unknown_measure` | Formula {formula} uses {code}, which is not a measure of the cube; accepted: the codes of the loaded measures. | 公式 {formula} 引用的 {code} 不是已加载的数据项；只能引用已加载数据项的代码。 |
//! | `rollup.formula_not_columnar` | Formula {formula} uses {function}, which needs other periods, regions or registries; accepted over whole columns: arithmetic, comparisons, if, round, min, max, abs (evaluate the others cell by cell). | 公式 {formula} 使用了 {function}，需要其他期间、区域或名录数据；整列计算只接受算术、比较、if、round、min、max、abs（其他函数请逐格计算）。 |

use std::fmt;

mod cube;
pub mod formula;
mod quantity;
mod rank;
mod time;
mod tree;

#[cfg(test)]
mod tests;

pub use cube::{Cell, Coverage, CubeWriter, FactCube, Rollup};
pub use quantity::Quantity;
pub use rank::{rank, rank_among_siblings, rank_by_group};
pub use time::TimeAggregation;
pub use tree::{NodeKind, Tree};

/// Why a quantity, a tree or a roll-up was refused. See the module docs for the message
/// templates of each [`code`](RollupError::code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollupError {
    /// [`Quantity::parse`] got the empty string.
    EmptyQuantity,
    /// Not a plain decimal with at most 4 decimals: `1.23456`, `1e5`, `+1`, `.5`.
    InvalidQuantity { value: String },
    /// A decimal beyond the range of `i64` units of 1e-4.
    QuantityOutOfRange { value: String },
    /// A checked sum left the range of [`Quantity`].
    Overflow { measure: String, region: String, period: String },
    /// Two facts for the same cell.
    DuplicateFact { measure: String, region: String, period: String },
    /// A node, period or measure index beyond its axis.
    OutOfRange { axis: &'static str, index: usize, last: usize },
    /// A parent index that is not a node of the tree.
    UnknownParent { region: String, parent: usize },
    /// A node that is its own ancestor.
    Cycle { region: String },
    /// An administrative node whose parent is a park.
    AdministrativeUnderPark { region: String, parent: String },
    /// Time aggregation from a kind of period the cube does not hold.
    WrongSourcePeriod { period: String, kind: &'static str },
    /// A formula references a code that is not on the measure axis.
    UnknownMeasure { formula: String, code: String },
    /// A formula needs period, tree or registry functions (not evaluable over columns).
    FormulaNotColumnar { formula: String, function: String },
}

impl RollupError {
    /// The stable i18n key of this error, e.g. `rollup.overflow`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RollupError::EmptyQuantity => "rollup.empty_quantity",
            RollupError::InvalidQuantity { .. } => "rollup.invalid_quantity",
            RollupError::QuantityOutOfRange { .. } => "rollup.quantity_out_of_range",
            RollupError::Overflow { .. } => "rollup.overflow",
            RollupError::DuplicateFact { .. } => "rollup.duplicate_fact",
            RollupError::OutOfRange { .. } => "rollup.out_of_range",
            RollupError::UnknownParent { .. } => "rollup.unknown_parent",
            RollupError::Cycle { .. } => "rollup.cycle",
            RollupError::AdministrativeUnderPark { .. } => "rollup.administrative_under_park",
            RollupError::WrongSourcePeriod { .. } => "rollup.wrong_source_period",
            RollupError::UnknownMeasure { .. } => "rollup.unknown_measure",
            RollupError::FormulaNotColumnar { .. } => "rollup.formula_not_columnar",
        }
    }

    /// The named arguments of the message template, e.g.
    /// `[("measure", "rd_spending"), ("region", "430200"), ("period", "2021")]`.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            RollupError::EmptyQuantity => Vec::new(),
            RollupError::InvalidQuantity { value } | RollupError::QuantityOutOfRange { value } => {
                vec![("value", value.clone())]
            }
            RollupError::Overflow { measure, region, period }
            | RollupError::DuplicateFact { measure, region, period } => {
                vec![("measure", measure.clone()), ("region", region.clone()), ("period", period.clone())]
            }
            RollupError::OutOfRange { axis, index, last } => {
                vec![("axis", (*axis).to_owned()), ("index", index.to_string()), ("last", last.to_string())]
            }
            RollupError::UnknownParent { region, parent } => {
                vec![("region", region.clone()), ("parent", parent.to_string())]
            }
            RollupError::Cycle { region } => vec![("region", region.clone())],
            RollupError::AdministrativeUnderPark { region, parent } => {
                vec![("region", region.clone()), ("parent", parent.clone())]
            }
            RollupError::WrongSourcePeriod { period, kind } => {
                vec![("period", period.clone()), ("kind", (*kind).to_owned())]
            }
            RollupError::UnknownMeasure { formula, code } => vec![("formula", formula.clone()), ("code", code.clone())],
            RollupError::FormulaNotColumnar { formula, function } => {
                vec![("formula", formula.clone()), ("function", function.clone())]
            }
        }
    }
}

const RANGE: &str = "accepted values lie between -922337203685477.5807 and 922337203685477.5807";

impl fmt::Display for RollupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RollupError::EmptyQuantity => {
                write!(f, "The value is empty; accepted forms: 1234, -0.5, 1234.5678 (at most 4 decimals).")
            }
            RollupError::InvalidQuantity { value } => write!(
                f,
                "Value \"{value}\" is not a number in a recognised form; accepted forms: 1234, -0.5, 1234.5678 \
                 (digits on both sides of the decimal point, the minus sign only at the start, at most 4 decimals)."
            ),
            RollupError::QuantityOutOfRange { value } => write!(f, "Value \"{value}\" is out of range; {RANGE}."),
            RollupError::Overflow { measure, region, period } => {
                write!(f, "The sum of {measure} for {region} in {period} is out of range; {RANGE}.")
            }
            RollupError::DuplicateFact { measure, region, period } => write!(
                f,
                "{measure} for {region} in {period} is given twice; accepted: one value per measure, region and period."
            ),
            RollupError::OutOfRange { axis, index, last } => {
                write!(f, "The {axis} index {index} is out of range; accepted: 0 to {last}.")
            }
            RollupError::UnknownParent { region, parent } => write!(
                f,
                "Region {region} names parent number {parent}, which is not in the tree; accepted: the number of a \
                 listed region."
            ),
            RollupError::Cycle { region } => {
                write!(f, "Region {region} lies on a cycle of parents; accepted: a region is never its own ancestor.")
            }
            RollupError::AdministrativeUnderPark { region, parent } => write!(
                f,
                "Administrative region {region} hangs under park {parent}; accepted: only parks hang under parks."
            ),
            RollupError::WrongSourcePeriod { period, kind } => write!(
                f,
                "Period {period} of the cube is not a {kind} period; accepted: a cube of {kind} periods to aggregate \
                 from."
            ),
            RollupError::UnknownMeasure { formula, code } => write!(
                f,
                "Formula {formula} uses {code}, which is not a measure of the cube; accepted: the codes of the loaded \
                 measures."
            ),
            RollupError::FormulaNotColumnar { formula, function } => write!(
                f,
                "Formula {formula} uses {function}, which needs other periods, regions or registries; accepted over \
                 whole columns: arithmetic, comparisons, if, round, min, max, abs (evaluate the others cell by cell)."
            ),
        }
    }
}

impl std::error::Error for RollupError {}
