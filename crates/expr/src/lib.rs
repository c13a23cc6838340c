//! gaodi-expr: the one expression language of gaodi (indicator formulas, validation rules,
//! screening rules). No I/O and no other gaodi crate, so it also builds for wasm32 (the
//! browser can check a form exactly as the server does).
//!
//! ```text
//! 100 * rd_expenditure / gdp
//! yoy(count(org where tier = "hte" valid_at period_end))
//! round(share_of_parent(tech_contract_turnover), 1)
//! if(gdp > 0, 100 * lag(x, 1) / gdp, 0)
//! ```
//!
//! - Syntax: numbers, `+ - * / ^` (right-associative power, unary minus), comparisons
//!   `= != < <= > >=` (`==` also reads as `=`), `and or not`, parentheses; codes of measures and
//!   indicators (`[a-z_][a-z0-9_]*`); functions `if(c, a, b)`, `lag(x, n)`, `yoy(x)`,
//!   `cagr(x, n)`, `sum_children(x)`, `share_of_parent(x)`, `round(x, n)`, `min(…)`, `max(…)`,
//!   `abs(x)`; registry aggregates `count(entity [where field op literal (and …)*] [valid_at
//!   period_start|period_end])` and `sum(entity.field …)` with string literals in double quotes.
//!   Precedence: `parser.rs`.
//! - Pipeline: [`parse`] (lexer → Pratt parser → type check [`check`]) gives an [`Expr`] with
//!   byte spans; `Display` prints canonical source that parses back to an equal tree.
//!   [`Expr::references`] and [`dependency_order`] order indicator definitions and name a cycle.
//! - Evaluation: [`eval`] against an [`Env`] (scalar; period, tree and registry functions);
//!   [`eval_batch`] over columns (arithmetic, comparisons, logic, `if`, `round`, `min`, `max`,
//!   `abs`), agreeing row by row. No value is a [`NoValue`] with its reason, never 0.
//! - Errors: every type has `code()` (i18n key), `args()` and an English `Display`; the table
//!   is in `error.rs`. [`render_caret`] underlines a span for the terminal.
//!
//! ```
//! use gaodi_expr::{eval, parse, Env, NoValue, RegistryQuery, Value};
//!
//! /// Yearly figures of one region: (code, period shift) → value.
//! struct Figures(Vec<(&'static str, i32, f64)>);
//!
//! impl Env for Figures {
//!     type Unit = ();
//!     fn value(&self, code: &str, _: (), shift: i32) -> Result<f64, NoValue> {
//!         let found = self.0.iter().find(|(c, s, _)| *c == code && *s == shift);
//!         found.map(|f| f.2).ok_or_else(|| NoValue::Missing { code: code.into(), unit: "430200".into(), shift })
//!     }
//!     fn registry(&self, q: &RegistryQuery, _: (), shift: i32) -> Result<f64, NoValue> {
//!         Err(NoValue::Missing { code: q.to_string(), unit: "430200".into(), shift })
//!     }
//!     fn children(&self, _: (), _: i32) -> Vec<()> { Vec::new() }
//!     fn parent(&self, _: (), _: i32) -> Option<()> { None }
//!     fn periods_per_year(&self) -> i32 { 1 }
//!     fn label(&self, _: ()) -> String { "430200".into() }
//! }
//!
//! let env = Figures(vec![("rd", 0, 140.0), ("gdp", 0, 4000.0), ("rd", -1, 125.0)]);
//! let intensity = parse("round(100 * rd / gdp, 2)").unwrap();
//! assert_eq!(eval(&intensity, &env, ()), Ok(Value::Number(3.5)));
//! assert_eq!(eval(&parse("round(yoy(rd), 1)").unwrap(), &env, ()), Ok(Value::Number(12.0)));
//! let missing = eval(&parse("rd / lag(gdp, 1)").unwrap(), &env, ()).unwrap_err();
//! assert_eq!(missing.to_string(), "no value for `gdp` at 430200, period offset -1");
//!
//! let error = parse("100 * rd / gdpx(1)").unwrap_err();
//! assert_eq!(error.to_string(), "unknown function `gdpx` at 11..15; the functions are if, lag, yoy, cagr, sum_children, share_of_parent, round, min, max, abs, count, sum");
//! assert_eq!(error.code(), "expr.unknown_function_no_suggestion");
//! ```

mod ast;
mod batch;
mod deps;
mod error;
mod eval;
mod lexer;
mod parser;
mod print;
mod types;

#[cfg(test)]
mod message_table;
#[cfg(test)]
mod tests;

pub use ast::{
    Aggregate, Arity, BinaryOp, Expr, ExprKind, Filter, Func, Literal, PeriodPoint, References, RegistryQuery, Span,
    UnaryOp,
};
pub use batch::{eval_batch, Batch, Column, RowStatus};
pub use deps::dependency_order;
pub use error::{render_caret, Args, BatchError, CycleError, NoValue, ParseError, ParseErrorKind};
pub use eval::{eval, round_half_up, Env, Value};
pub use print::format_number;
pub use types::{check, Type};

/// Parses and type-checks an expression of either type.
///
/// # Errors
/// The first syntax error, or the first operand of the wrong type, with its span.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let expr = parser::parse_untyped(src)?;
    check(&expr)?;
    Ok(expr)
}

/// Parses an expression that must be of type `want` (a formula: [`Type::Number`]; a rule:
/// [`Type::Condition`]).
///
/// # Errors
/// As [`parse`], and `expr.expected_number` / `expr.expected_condition` over the whole text.
pub fn parse_as(src: &str, want: Type) -> Result<Expr, ParseError> {
    let expr = parse(src)?;
    match (check(&expr)?, want) {
        (Type::Number, Type::Condition) => Err(ParseError::new(expr.span, ParseErrorKind::ExpectedCondition)),
        (Type::Condition, Type::Number) => Err(ParseError::new(expr.span, ParseErrorKind::ExpectedNumber)),
        _ => Ok(expr),
    }
}
