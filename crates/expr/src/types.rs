//! The static type check: every operand is a number or a condition where its operator needs
//! one, and the two branches of `if` agree. [`crate::parse`] runs it, so evaluation never
//! meets a condition where it needs a number.

use crate::ast::{Arity, BinaryOp, Expr, ExprKind, Func, UnaryOp};
use crate::error::{ParseError, ParseErrorKind};

/// What an expression evaluates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Type {
    Number,
    /// True or false (comparisons, `and`, `or`, `not`).
    Condition,
}

/// The type of `expr`, or the first operand (in source order) of the wrong type.
///
/// # Errors
/// `expr.expected_number`, `expr.expected_condition` or `expr.branch_mismatch`, at the span of
/// the offending operand (of the `if` for a branch mismatch); for a tree built by hand, also
/// the arity and whole-number errors the parser reports.
pub fn check(expr: &Expr) -> Result<Type, ParseError> {
    match &expr.kind {
        ExprKind::Number(_) | ExprKind::Ref(_) | ExprKind::Registry(_) => Ok(Type::Number),
        ExprKind::Unary(UnaryOp::Neg, e) => expect(e, Type::Number).map(|()| Type::Number),
        ExprKind::Unary(UnaryOp::Not, e) => expect(e, Type::Condition).map(|()| Type::Condition),
        ExprKind::Binary(op, a, b) => {
            let (operands, result) = match op {
                BinaryOp::And | BinaryOp::Or => (Type::Condition, Type::Condition),
                op if op.is_comparison() => (Type::Number, Type::Condition),
                _ => (Type::Number, Type::Number),
            };
            expect(a, operands)?;
            expect(b, operands)?;
            Ok(result)
        }
        ExprKind::Call(func, args) if !well_formed(*func, args) => Err(shape_error(expr, *func, args)),
        ExprKind::Call(Func::If, args) => {
            let mut types = Vec::with_capacity(args.len());
            for (i, arg) in args.iter().enumerate() {
                if i == 0 {
                    expect(arg, Type::Condition)?;
                } else {
                    types.push(check(arg)?);
                }
            }
            match types.as_slice() {
                [then, otherwise] if then != otherwise => {
                    Err(ParseError::new(expr.span, ParseErrorKind::BranchMismatch))
                }
                [then, _] => Ok(*then),
                _ => Ok(Type::Number),
            }
        }
        ExprKind::Call(_, args) => {
            for arg in args {
                expect(arg, Type::Number)?;
            }
            Ok(Type::Number)
        }
    }
}

/// Whether a call has the arity and whole-number argument the parser would have required
/// (a tree built by hand might not).
fn well_formed(func: Func, args: &[Expr]) -> bool {
    let arity = match func.arity() {
        Arity::Exactly(n) => args.len() == n,
        Arity::AtLeast(n) => args.len() >= n,
    };
    arity
        && func
            .whole_number_argument()
            .is_none_or(|(min, max)| args[1].whole_number().is_some_and(|n| (min..=max).contains(&n)))
}

fn shape_error(expr: &Expr, func: Func, args: &[Expr]) -> ParseError {
    let function = func.name().to_owned();
    let found = args.len();
    let kind = match func.arity() {
        Arity::Exactly(expected) if found != expected => ParseErrorKind::WrongArity { function, expected, found },
        Arity::AtLeast(min) if found < min => ParseErrorKind::TooFewArguments { function, min, found },
        _ => {
            let (min, max) = func.whole_number_argument().unwrap_or((0, 0));
            let arg = &args[1];
            let kind = ParseErrorKind::ExpectedWholeNumber { function, min, max, found: arg.to_string() };
            return ParseError::new(arg.span, kind);
        }
    };
    ParseError::new(expr.span, kind)
}

fn expect(expr: &Expr, want: Type) -> Result<(), ParseError> {
    let found = check(expr)?;
    if found == want {
        Ok(())
    } else {
        let kind = match want {
            Type::Number => ParseErrorKind::ExpectedNumber,
            Type::Condition => ParseErrorKind::ExpectedCondition,
        };
        Err(ParseError::new(expr.span, kind))
    }
}
