//! Errors and "no value" reasons. Every type has a stable i18n key ([`ParseError::code`], …),
//! named arguments (`args()`, language-neutral: spans, codes, source fragments, numbers) and an
//! English `Display` that is exactly the English template below filled in (a unit test checks
//! this table against the code; the same messages are in `locales/en.toml` and
//! `locales/zh-CN.toml`). `{span}` is a byte range `start..end` of the source text.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `expr.unexpected_character` | unexpected character `{found}` at {span} | 第 {span} 处的字符“{found}”无法识别 |
//! | `expr.uppercase_code` | codes are written in lower case: `{found}` at {span}; did you mean `{suggestion}`? | 代码须用小写字母：第 {span} 处为“{found}”，是否应为“{suggestion}”？ |
//! | `expr.unterminated_string` | the string opened at {start} has no closing `"` | 第 {start} 处开始的字符串缺少结尾的 `"` |
//! | `expr.invalid_number` | `{found}` at {span} is not a number; write numbers like `12`, `0.5` or `1.5e6` | 第 {span} 处的“{found}”不是有效数字；数字应写作 `12`、`0.5` 或 `1.5e6` |
//! | `expr.empty` | the expression is empty | 表达式为空 |
//! | `expr.expected_expression` | expected an expression after `{after}` at {span}, found `{found}` | 第 {span} 处“{after}”之后应为表达式，实际为“{found}” |
//! | `expr.expected_expression_at_end` | expected an expression after `{after}` at {span} | 第 {span} 处“{after}”之后缺少表达式 |
//! | `expr.unexpected_start` | an expression cannot start with `{found}` at {span} | 表达式不能以第 {span} 处的“{found}”开头 |
//! | `expr.unexpected_token` | unexpected `{found}` at {span}; expected an operator or the end of the expression | 第 {span} 处出现多余的“{found}”；此处应为运算符或表达式结尾 |
//! | `expr.unclosed_paren` | unclosed parenthesis opened at {open} | 第 {open} 处的左括号未闭合 |
//! | `expr.expected_close_paren` | expected `)` at {span} to close the parenthesis opened at {open}, found `{found}` | 第 {span} 处应为“)”以闭合第 {open} 处的左括号，实际为“{found}” |
//! | `expr.expected_comma_or_paren` | expected `,` or `)` in the arguments of `{function}` at {span}, found `{found}` | 函数“{function}”的参数中第 {span} 处应为“,”或“)”，实际为“{found}” |
//! | `expr.unknown_function` | unknown function `{name}` at {span}; did you mean `{suggestion}`? | 第 {span} 处的函数“{name}”不存在；是否应为“{suggestion}”？ |
//! | `expr.unknown_function_no_suggestion` | unknown function `{name}` at {span}; the functions are {known} | 第 {span} 处的函数“{name}”不存在；可用函数为 {known} |
//! | `expr.wrong_arity` | `{function}` takes {expected} argument(s), found {found} at {span} | 函数“{function}”需要 {expected} 个参数，第 {span} 处给出 {found} 个 |
//! | `expr.too_few_arguments` | `{function}` takes at least {min} arguments, found {found} at {span} | 函数“{function}”至少需要 {min} 个参数，第 {span} 处给出 {found} 个 |
//! | `expr.expected_whole_number` | the second argument of `{function}` must be a whole number from {min} to {max}, found `{found}` at {span} | 函数“{function}”的第二个参数须为 {min} 至 {max} 的整数，第 {span} 处为“{found}” |
//! | `expr.chained_comparison` | comparisons do not chain: `{op}` at {span} follows another comparison; join them with `and` | 比较不能连写：第 {span} 处的“{op}”紧跟另一个比较；请用 `and` 连接 |
//! | `expr.dotted_reference` | `{name}` at {span}: dotted names are only for registry fields inside `count(...)` or `sum(...)` | 第 {span} 处的“{name}”：带点的名称只能用于 `count(...)` 或 `sum(...)` 中的登记字段 |
//! | `expr.string_outside_filter` | the string at {span} is only allowed as a value in a registry filter such as `count(org where tier = "hte")` | 第 {span} 处的字符串只能用作登记筛选条件的值，如 `count(org where tier = "hte")` |
//! | `expr.expected_entity` | expected a registry name such as `org` after `{function}(` at {span}, found `{found}` | 第 {span} 处“{function}(”之后应为登记名称（如 `org`），实际为“{found}” |
//! | `expr.expected_sum_field` | `sum` needs a registry field such as `contract.amount` at {span}, found `{found}` | `sum` 需要登记字段（如 `contract.amount`），第 {span} 处为“{found}” |
//! | `expr.expected_filter_field` | expected a field name after `{after}` at {span}, found `{found}` | 第 {span} 处“{after}”之后应为字段名，实际为“{found}” |
//! | `expr.expected_filter_operator` | expected a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`) after `{field}` at {span}, found `{found}` | 第 {span} 处“{field}”之后应为比较符（`=`、`!=`、`<`、`<=`、`>`、`>=`），实际为“{found}” |
//! | `expr.expected_filter_value` | expected a string or a number after `{op}` at {span}, found `{found}` | 第 {span} 处“{op}”之后应为字符串或数字，实际为“{found}” |
//! | `expr.expected_period_point` | expected `period_start` or `period_end` after `valid_at` at {span}, found `{found}` | 第 {span} 处 `valid_at` 之后应为 `period_start` 或 `period_end`，实际为“{found}” |
//! | `expr.expected_registry_clause` | expected `where`, `and`, `valid_at` or `)` in `{function}(...)` at {span}, found `{found}` | `{function}(...)` 中第 {span} 处应为 `where`、`and`、`valid_at` 或“)”，实际为“{found}” |
//! | `expr.expected_number` | expected a number at {span}, found a condition (true or false) | 第 {span} 处应为数值，实际为条件（真或假） |
//! | `expr.expected_condition` | expected a condition (true or false) at {span}, found a number | 第 {span} 处应为条件（真或假），实际为数值 |
//! | `expr.branch_mismatch` | the branches of `if` at {span} must both be numbers or both be conditions | 第 {span} 处 `if` 的两个分支须同为数值或同为条件 |
//! | `expr.missing_value` | no value for `{code}` at {unit}, period offset {shift} | {unit} 在期间偏移 {shift} 处没有“{code}”的数值 |
//! | `expr.beyond_data` | `{code}` at {unit} has no data as far back as period offset {shift} | {unit} 的“{code}”没有早到期间偏移 {shift} 的数据 |
//! | `expr.division_by_zero` | division by zero at {span} | 第 {span} 处除数为零 |
//! | `expr.non_finite` | the result at {span} is not a finite number | 第 {span} 处的结果不是有限数值 |
//! | `expr.no_parent` | {unit} has no parent unit for `share_of_parent` at {span} | {unit} 没有上级单位，第 {span} 处的 `share_of_parent` 无法计算 |
//! | `expr.no_children` | {unit} has no child units for `sum_children` at {span} | {unit} 没有下级单位，第 {span} 处的 `sum_children` 无法计算 |
//! | `expr.not_type_checked` | the expression at {span} gives the wrong kind of value (it was not type-checked) | 第 {span} 处表达式的值类型不符（未经类型检查） |
//! | `expr.cycle` | the definitions form a cycle: {cycle} | 定义之间存在循环引用：{cycle} |
//! | `expr.batch_unsupported` | `{function}` at {span} cannot be evaluated by columns; evaluate row by row | 第 {span} 处的“{function}”不能按列计算；请逐行计算 |
//! | `expr.batch_unknown_column` | no column for `{code}` at {span} | 第 {span} 处的“{code}”没有对应的数据列 |
//! | `expr.batch_column_length` | column `{code}` has {found} rows, expected {expected} | 数据列“{code}”有 {found} 行，应为 {expected} 行 |

use std::fmt;

use crate::ast::Span;

/// Named message arguments.
pub type Args = Vec<(&'static str, String)>;

/// Why source text is not a valid expression: where, and what was found and expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    UnexpectedCharacter {
        found: char,
    },
    UppercaseCode {
        found: String,
        suggestion: String,
    },
    UnterminatedString {
        start: usize,
    },
    InvalidNumber {
        found: String,
    },
    Empty,
    ExpectedExpression {
        after: String,
        found: String,
    },
    ExpectedExpressionAtEnd {
        after: String,
    },
    UnexpectedStart {
        found: String,
    },
    UnexpectedToken {
        found: String,
    },
    UnclosedParen {
        open: usize,
    },
    ExpectedCloseParen {
        open: usize,
        found: String,
    },
    ExpectedCommaOrParen {
        function: String,
        found: String,
    },
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    WrongArity {
        function: String,
        expected: usize,
        found: usize,
    },
    TooFewArguments {
        function: String,
        min: usize,
        found: usize,
    },
    ExpectedWholeNumber {
        function: String,
        min: i64,
        max: i64,
        found: String,
    },
    ChainedComparison {
        op: String,
    },
    DottedReference {
        name: String,
    },
    StringOutsideFilter,
    ExpectedEntity {
        function: String,
        found: String,
    },
    ExpectedSumField {
        found: String,
    },
    ExpectedFilterField {
        after: String,
        found: String,
    },
    ExpectedFilterOperator {
        field: String,
        found: String,
    },
    ExpectedFilterValue {
        op: String,
        found: String,
    },
    ExpectedPeriodPoint {
        found: String,
    },
    ExpectedRegistryClause {
        function: String,
        found: String,
    },
    /// Type check: a condition where a number is needed.
    ExpectedNumber,
    /// Type check: a number where a condition is needed.
    ExpectedCondition,
    /// Type check: `if` with a number branch and a condition branch.
    BranchMismatch,
}

impl ParseError {
    #[must_use]
    pub fn new(span: Span, kind: ParseErrorKind) -> Self {
        ParseError { span, kind }
    }

    /// The i18n key of the message.
    #[must_use]
    pub fn code(&self) -> &'static str {
        use ParseErrorKind as K;
        match &self.kind {
            K::UnexpectedCharacter { .. } => "expr.unexpected_character",
            K::UppercaseCode { .. } => "expr.uppercase_code",
            K::UnterminatedString { .. } => "expr.unterminated_string",
            K::InvalidNumber { .. } => "expr.invalid_number",
            K::Empty => "expr.empty",
            K::ExpectedExpression { .. } => "expr.expected_expression",
            K::ExpectedExpressionAtEnd { .. } => "expr.expected_expression_at_end",
            K::UnexpectedStart { .. } => "expr.unexpected_start",
            K::UnexpectedToken { .. } => "expr.unexpected_token",
            K::UnclosedParen { .. } => "expr.unclosed_paren",
            K::ExpectedCloseParen { .. } => "expr.expected_close_paren",
            K::ExpectedCommaOrParen { .. } => "expr.expected_comma_or_paren",
            K::UnknownFunction { suggestion: Some(_), .. } => "expr.unknown_function",
            K::UnknownFunction { suggestion: None, .. } => "expr.unknown_function_no_suggestion",
            K::WrongArity { .. } => "expr.wrong_arity",
            K::TooFewArguments { .. } => "expr.too_few_arguments",
            K::ExpectedWholeNumber { .. } => "expr.expected_whole_number",
            K::ChainedComparison { .. } => "expr.chained_comparison",
            K::DottedReference { .. } => "expr.dotted_reference",
            K::StringOutsideFilter => "expr.string_outside_filter",
            K::ExpectedEntity { .. } => "expr.expected_entity",
            K::ExpectedSumField { .. } => "expr.expected_sum_field",
            K::ExpectedFilterField { .. } => "expr.expected_filter_field",
            K::ExpectedFilterOperator { .. } => "expr.expected_filter_operator",
            K::ExpectedFilterValue { .. } => "expr.expected_filter_value",
            K::ExpectedPeriodPoint { .. } => "expr.expected_period_point",
            K::ExpectedRegistryClause { .. } => "expr.expected_registry_clause",
            K::ExpectedNumber => "expr.expected_number",
            K::ExpectedCondition => "expr.expected_condition",
            K::BranchMismatch => "expr.branch_mismatch",
        }
    }

    /// The named arguments of the message.
    #[must_use]
    pub fn args(&self) -> Args {
        use ParseErrorKind as K;
        let span = ("span", self.span.to_string());
        let s = |name: &'static str, value: &dyn fmt::Display| (name, value.to_string());
        match &self.kind {
            K::UnexpectedCharacter { found } => vec![s("found", found), span],
            K::UppercaseCode { found, suggestion } => vec![s("found", found), span, s("suggestion", suggestion)],
            K::UnterminatedString { start } => vec![s("start", start)],
            K::InvalidNumber { found } | K::UnexpectedStart { found } | K::UnexpectedToken { found } => {
                vec![s("found", found), span]
            }
            K::Empty => vec![],
            K::ExpectedExpression { after, found } | K::ExpectedFilterField { after, found } => {
                vec![s("after", after), span, s("found", found)]
            }
            K::ExpectedExpressionAtEnd { after } => vec![s("after", after), span],
            K::UnclosedParen { open } => vec![s("open", open)],
            K::ExpectedCloseParen { open, found } => vec![span, s("open", open), s("found", found)],
            K::ExpectedCommaOrParen { function, found }
            | K::ExpectedEntity { function, found }
            | K::ExpectedRegistryClause { function, found } => vec![s("function", function), span, s("found", found)],
            K::UnknownFunction { name, suggestion } => match suggestion {
                Some(suggestion) => vec![s("name", name), span, s("suggestion", suggestion)],
                None => vec![s("name", name), span, ("known", known_functions())],
            },
            K::WrongArity { function, expected, found } => {
                vec![s("function", function), s("expected", expected), s("found", found), span]
            }
            K::TooFewArguments { function, min, found } => {
                vec![s("function", function), s("min", min), s("found", found), span]
            }
            K::ExpectedWholeNumber { function, min, max, found } => {
                vec![s("function", function), s("min", min), s("max", max), s("found", found), span]
            }
            K::ChainedComparison { op } => vec![s("op", op), span],
            K::DottedReference { name } => vec![s("name", name), span],
            K::ExpectedSumField { found } | K::ExpectedPeriodPoint { found } => vec![span, s("found", found)],
            K::ExpectedFilterOperator { field, found } => vec![s("field", field), span, s("found", found)],
            K::ExpectedFilterValue { op, found } => vec![s("op", op), span, s("found", found)],
            K::StringOutsideFilter | K::ExpectedNumber | K::ExpectedCondition | K::BranchMismatch => vec![span],
        }
    }
}

/// Every function name, as listed in `expr.unknown_function_no_suggestion`.
fn known_functions() -> String {
    let mut known: Vec<&str> = crate::ast::Func::ALL.iter().map(|f| f.name()).collect();
    known.extend(["count", "sum"]);
    known.join(", ")
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind as K;
        let span = self.span;
        match &self.kind {
            K::UnexpectedCharacter { found } => write!(f, "unexpected character `{found}` at {span}"),
            K::UppercaseCode { found, suggestion } => {
                write!(f, "codes are written in lower case: `{found}` at {span}; did you mean `{suggestion}`?")
            }
            K::UnterminatedString { start } => write!(f, "the string opened at {start} has no closing `\"`"),
            K::InvalidNumber { found } => {
                write!(f, "`{found}` at {span} is not a number; write numbers like `12`, `0.5` or `1.5e6`")
            }
            K::Empty => write!(f, "the expression is empty"),
            K::ExpectedExpression { after, found } => {
                write!(f, "expected an expression after `{after}` at {span}, found `{found}`")
            }
            K::ExpectedExpressionAtEnd { after } => write!(f, "expected an expression after `{after}` at {span}"),
            K::UnexpectedStart { found } => write!(f, "an expression cannot start with `{found}` at {span}"),
            K::UnexpectedToken { found } => {
                write!(f, "unexpected `{found}` at {span}; expected an operator or the end of the expression")
            }
            K::UnclosedParen { open } => write!(f, "unclosed parenthesis opened at {open}"),
            K::ExpectedCloseParen { open, found } => {
                write!(f, "expected `)` at {span} to close the parenthesis opened at {open}, found `{found}`")
            }
            K::ExpectedCommaOrParen { function, found } => {
                write!(f, "expected `,` or `)` in the arguments of `{function}` at {span}, found `{found}`")
            }
            K::UnknownFunction { name, suggestion: Some(suggestion) } => {
                write!(f, "unknown function `{name}` at {span}; did you mean `{suggestion}`?")
            }
            K::UnknownFunction { name, suggestion: None } => {
                write!(f, "unknown function `{name}` at {span}; the functions are {}", known_functions())
            }
            K::WrongArity { function, expected, found } => {
                write!(f, "`{function}` takes {expected} argument(s), found {found} at {span}")
            }
            K::TooFewArguments { function, min, found } => {
                write!(f, "`{function}` takes at least {min} arguments, found {found} at {span}")
            }
            K::ExpectedWholeNumber { function, min, max, found } => write!(
                f,
                "the second argument of `{function}` must be a whole number from {min} to {max}, found `{found}` at {span}"
            ),
            K::ChainedComparison { op } => write!(
                f,
                "comparisons do not chain: `{op}` at {span} follows another comparison; join them with `and`"
            ),
            K::DottedReference { name } => write!(
                f,
                "`{name}` at {span}: dotted names are only for registry fields inside `count(...)` or `sum(...)`"
            ),
            K::StringOutsideFilter => write!(
                f,
                "the string at {span} is only allowed as a value in a registry filter such as `count(org where tier = \"hte\")`"
            ),
            K::ExpectedEntity { function, found } => {
                write!(f, "expected a registry name such as `org` after `{function}(` at {span}, found `{found}`")
            }
            K::ExpectedSumField { found } => {
                write!(f, "`sum` needs a registry field such as `contract.amount` at {span}, found `{found}`")
            }
            K::ExpectedFilterField { after, found } => {
                write!(f, "expected a field name after `{after}` at {span}, found `{found}`")
            }
            K::ExpectedFilterOperator { field, found } => write!(
                f,
                "expected a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`) after `{field}` at {span}, found `{found}`"
            ),
            K::ExpectedFilterValue { op, found } => {
                write!(f, "expected a string or a number after `{op}` at {span}, found `{found}`")
            }
            K::ExpectedPeriodPoint { found } => {
                write!(f, "expected `period_start` or `period_end` after `valid_at` at {span}, found `{found}`")
            }
            K::ExpectedRegistryClause { function, found } => write!(
                f,
                "expected `where`, `and`, `valid_at` or `)` in `{function}(...)` at {span}, found `{found}`"
            ),
            K::ExpectedNumber => write!(f, "expected a number at {span}, found a condition (true or false)"),
            K::ExpectedCondition => write!(f, "expected a condition (true or false) at {span}, found a number"),
            K::BranchMismatch => {
                write!(f, "the branches of `if` at {span} must both be numbers or both be conditions")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Why an expression has no value: never a silent 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoValue {
    /// The environment has no value for `code` (or a registry query, printed) at `unit` in the
    /// period `shift` steps from the evaluated one (0: that period, -1: the one before).
    Missing {
        code: String,
        unit: String,
        shift: i32,
    },
    /// The period `shift` lies before the data the environment holds (`lag` too far back).
    BeyondData {
        code: String,
        unit: String,
        shift: i32,
    },
    DivisionByZero {
        span: Span,
    },
    /// Overflow, or a root of a negative number (`cagr` of a sign change).
    NonFinite {
        span: Span,
    },
    NoParent {
        unit: String,
        span: Span,
    },
    NoChildren {
        unit: String,
        span: Span,
    },
    /// A hand-built tree that [`crate::check`] would have refused.
    NotTypeChecked {
        span: Span,
    },
}

impl NoValue {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            NoValue::Missing { .. } => "expr.missing_value",
            NoValue::BeyondData { .. } => "expr.beyond_data",
            NoValue::DivisionByZero { .. } => "expr.division_by_zero",
            NoValue::NonFinite { .. } => "expr.non_finite",
            NoValue::NoParent { .. } => "expr.no_parent",
            NoValue::NoChildren { .. } => "expr.no_children",
            NoValue::NotTypeChecked { .. } => "expr.not_type_checked",
        }
    }

    #[must_use]
    pub fn args(&self) -> Args {
        match self {
            NoValue::Missing { code, unit, shift } | NoValue::BeyondData { code, unit, shift } => {
                vec![("code", code.clone()), ("unit", unit.clone()), ("shift", shift.to_string())]
            }
            NoValue::DivisionByZero { span } | NoValue::NonFinite { span } | NoValue::NotTypeChecked { span } => {
                vec![("span", span.to_string())]
            }
            NoValue::NoParent { unit, span } | NoValue::NoChildren { unit, span } => {
                vec![("unit", unit.clone()), ("span", span.to_string())]
            }
        }
    }
}

impl fmt::Display for NoValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoValue::Missing { code, unit, shift } => {
                write!(f, "no value for `{code}` at {unit}, period offset {shift}")
            }
            NoValue::BeyondData { code, unit, shift } => {
                write!(f, "`{code}` at {unit} has no data as far back as period offset {shift}")
            }
            NoValue::DivisionByZero { span } => write!(f, "division by zero at {span}"),
            NoValue::NonFinite { span } => write!(f, "the result at {span} is not a finite number"),
            NoValue::NoParent { unit, span } => write!(f, "{unit} has no parent unit for `share_of_parent` at {span}"),
            NoValue::NoChildren { unit, span } => write!(f, "{unit} has no child units for `sum_children` at {span}"),
            NoValue::NotTypeChecked { span } => {
                write!(f, "the expression at {span} gives the wrong kind of value (it was not type-checked)")
            }
        }
    }
}

impl std::error::Error for NoValue {}

/// Definitions that depend on each other in a circle, named in order, first repeated last
/// (`a -> b -> c -> a`: `a` uses `b`, `b` uses `c`, `c` uses `a`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleError {
    pub cycle: Vec<String>,
}

impl CycleError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        "expr.cycle"
    }

    #[must_use]
    pub fn args(&self) -> Args {
        vec![("cycle", self.cycle.join(" -> "))]
    }
}

impl fmt::Display for CycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the definitions form a cycle: {}", self.cycle.join(" -> "))
    }
}

impl std::error::Error for CycleError {}

/// Why [`crate::eval_batch`] cannot evaluate an expression by columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// A period, tree or registry function: evaluate row by row with [`crate::eval`].
    Unsupported {
        function: String,
        span: Span,
    },
    UnknownColumn {
        code: String,
        span: Span,
    },
    ColumnLength {
        code: String,
        expected: usize,
        found: usize,
    },
    /// The expression fails the type check ([`crate::check`]).
    Type(ParseError),
}

impl BatchError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            BatchError::Unsupported { .. } => "expr.batch_unsupported",
            BatchError::UnknownColumn { .. } => "expr.batch_unknown_column",
            BatchError::ColumnLength { .. } => "expr.batch_column_length",
            BatchError::Type(e) => e.code(),
        }
    }

    #[must_use]
    pub fn args(&self) -> Args {
        match self {
            BatchError::Unsupported { function, span } => {
                vec![("function", function.clone()), ("span", span.to_string())]
            }
            BatchError::UnknownColumn { code, span } => vec![("code", code.clone()), ("span", span.to_string())],
            BatchError::ColumnLength { code, expected, found } => {
                vec![("code", code.clone()), ("found", found.to_string()), ("expected", expected.to_string())]
            }
            BatchError::Type(e) => e.args(),
        }
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Unsupported { function, span } => {
                write!(f, "`{function}` at {span} cannot be evaluated by columns; evaluate row by row")
            }
            BatchError::UnknownColumn { code, span } => write!(f, "no column for `{code}` at {span}"),
            BatchError::ColumnLength { code, expected, found } => {
                write!(f, "column `{code}` has {found} rows, expected {expected}")
            }
            BatchError::Type(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BatchError {}

/// The source line holding `span`, and `^` under the spanned part (at least one), for
/// terminal output:
///
/// ```text
/// 100 * rd / gdpx
///            ^^^^
/// ```
#[must_use]
pub fn render_caret(src: &str, span: Span) -> String {
    let start = floor_char_boundary(src, span.start.min(src.len()));
    let end = floor_char_boundary(src, span.end.clamp(start, src.len()));
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
    let line = &src[line_start..line_end];
    let pad = src[line_start..start].chars().count();
    let width = src[start..end.min(line_end)].chars().count().max(1);
    format!("{line}\n{}{}", " ".repeat(pad), "^".repeat(width))
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
