//! Canonical source text: `Display` of an [`Expr`] re-parses to an equal tree. Operators are
//! spaced, `==` prints as `=`, and parentheses appear only where precedence needs them.

use std::fmt;

use crate::ast::{Aggregate, BinaryOp, Expr, ExprKind, Literal, RegistryQuery, UnaryOp};

/// Printing precedence, loosest first (see the table in `parser.rs`).
fn precedence(expr: &Expr) -> u8 {
    match &expr.kind {
        ExprKind::Binary(op, _, _) => match op {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            op if op.is_comparison() => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
            _ => 8,
        },
        ExprKind::Unary(UnaryOp::Not, _) => 3,
        ExprKind::Unary(UnaryOp::Neg, _) => 7,
        ExprKind::Number(_) | ExprKind::Ref(_) | ExprKind::Call(..) | ExprKind::Registry(_) => 9,
    }
}

/// A number as the lexer reads it back exactly: the shortest decimal that round-trips,
/// in exponent form when very large or small.
#[must_use]
pub fn format_number(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Writes `expr`, in parentheses if it binds looser than `min`.
fn child(f: &mut fmt::Formatter<'_>, expr: &Expr, min: u8) -> fmt::Result {
    if precedence(expr) < min {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Number(v) => f.write_str(&format_number(*v)),
            ExprKind::Ref(code) => f.write_str(code),
            ExprKind::Unary(UnaryOp::Neg, e) => {
                f.write_str("-")?;
                child(f, e, 7)
            }
            ExprKind::Unary(UnaryOp::Not, e) => {
                f.write_str("not ")?;
                child(f, e, 4)
            }
            ExprKind::Binary(op, a, b) => {
                let p = precedence(self);
                let (left, right) = match op {
                    BinaryOp::Pow => (9, 8),
                    op if op.is_comparison() => (5, 5),
                    _ => (p, p + 1),
                };
                child(f, a, left)?;
                write!(f, " {} ", op.symbol())?;
                child(f, b, right)
            }
            ExprKind::Call(func, args) => {
                write!(f, "{}(", func.name())?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
            ExprKind::Registry(q) => write!(f, "{q}"),
        }
    }
}

impl fmt::Display for RegistryQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.aggregate {
            Aggregate::Count => write!(f, "count({}", self.entity)?,
            Aggregate::Sum(field) => write!(f, "sum({}.{field}", self.entity)?,
        }
        for (i, filter) in self.filters.iter().enumerate() {
            let joiner = if i == 0 { "where" } else { "and" };
            write!(f, " {joiner} {} {} {}", filter.field, filter.op.symbol(), filter.literal)?;
        }
        if let Some(point) = self.valid_at {
            write!(f, " valid_at {}", point.keyword())?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => write!(f, "\"{s}\""),
            Literal::Number(v) => f.write_str(&format_number(*v)),
        }
    }
}
