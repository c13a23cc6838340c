//! Scalar evaluation against an environment ([`Env`]) that knows the data: one unit (a region
//! or organisation) and one period at a time. Numbers are `f64`, so sums of whole fen below
//! 2^53 stay exact. Missing data and division by zero give a [`NoValue`] with its reason,
//! never 0; `and`, `or` and `if` evaluate only what decides the result.

use crate::ast::{BinaryOp, Expr, ExprKind, Func, RegistryQuery, Span, UnaryOp};
use crate::error::NoValue;

/// The value of an expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Bool(bool),
}

/// Where the data comes from. The evaluated period is the environment's own; `period_shift`
/// counts periods from it (`-1`: the period before, `-periods_per_year()`: a year earlier).
/// Usable generically or as `dyn Env<Unit = U>`.
pub trait Env {
    /// A unit of the tree (region or organisation), cheap to copy (an id or an index).
    type Unit: Copy;

    /// The value of a measure or indicator. No data is `Err` (usually
    /// [`NoValue::Missing`], or [`NoValue::BeyondData`] before the first period held).
    ///
    /// # Errors
    /// When there is no value; never a made-up 0.
    fn value(&self, code: &str, unit: Self::Unit, period_shift: i32) -> Result<f64, NoValue>;

    /// The answer to a registry aggregate for the unit and period (a count of 0 is a value).
    ///
    /// # Errors
    /// When the registry cannot answer for that unit and period.
    fn registry(&self, query: &RegistryQuery, unit: Self::Unit, period_shift: i32) -> Result<f64, NoValue>;

    /// The unit's children in the tree as it stood in the period.
    fn children(&self, unit: Self::Unit, period_shift: i32) -> Vec<Self::Unit>;

    /// The unit's parent in the tree as it stood in the period.
    fn parent(&self, unit: Self::Unit, period_shift: i32) -> Option<Self::Unit>;

    /// 1 for yearly data, 4 quarterly, 12 monthly.
    fn periods_per_year(&self) -> i32;

    /// How a unit is named in a [`NoValue`] (e.g. `430200`).
    fn label(&self, unit: Self::Unit) -> String;
}

/// Evaluates a type-checked expression ([`crate::parse`] checks) for `unit` in the
/// environment's period.
///
/// # Errors
/// The first reason (in evaluation order) why there is no value.
pub fn eval<E: Env + ?Sized>(expr: &Expr, env: &E, unit: E::Unit) -> Result<Value, NoValue> {
    Evaluator { env }.value(expr, unit, 0)
}

struct Evaluator<'e, E: ?Sized> {
    env: &'e E,
}

fn finite(v: f64, span: Span) -> Result<f64, NoValue> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(NoValue::NonFinite { span })
    }
}

impl<E: Env + ?Sized> Evaluator<'_, E> {
    fn number(&self, expr: &Expr, unit: E::Unit, shift: i32) -> Result<f64, NoValue> {
        match self.value(expr, unit, shift)? {
            Value::Number(v) => Ok(v),
            Value::Bool(_) => Err(NoValue::NotTypeChecked { span: expr.span }),
        }
    }

    fn condition(&self, expr: &Expr, unit: E::Unit, shift: i32) -> Result<bool, NoValue> {
        match self.value(expr, unit, shift)? {
            Value::Bool(b) => Ok(b),
            Value::Number(_) => Err(NoValue::NotTypeChecked { span: expr.span }),
        }
    }

    fn value(&self, expr: &Expr, unit: E::Unit, shift: i32) -> Result<Value, NoValue> {
        let span = expr.span;
        let n = match &expr.kind {
            ExprKind::Number(v) => *v,
            ExprKind::Ref(code) => finite(self.env.value(code, unit, shift)?, span)?,
            ExprKind::Registry(q) => finite(self.env.registry(q, unit, shift)?, span)?,
            ExprKind::Unary(UnaryOp::Neg, e) => -self.number(e, unit, shift)?,
            ExprKind::Unary(UnaryOp::Not, e) => return Ok(Value::Bool(!self.condition(e, unit, shift)?)),
            ExprKind::Binary(BinaryOp::And, a, b) => {
                return Ok(Value::Bool(self.condition(a, unit, shift)? && self.condition(b, unit, shift)?))
            }
            ExprKind::Binary(BinaryOp::Or, a, b) => {
                return Ok(Value::Bool(self.condition(a, unit, shift)? || self.condition(b, unit, shift)?))
            }
            ExprKind::Binary(op, a, b) => {
                let x = self.number(a, unit, shift)?;
                let y = self.number(b, unit, shift)?;
                if let Some(holds) = compare(*op, x, y) {
                    return Ok(Value::Bool(holds));
                }
                finite(arithmetic(*op, x, y, span)?, span)?
            }
            ExprKind::Call(func, args) => return self.call(*func, args, span, unit, shift),
        };
        Ok(Value::Number(n))
    }

    fn call(&self, func: Func, args: &[Expr], span: Span, unit: E::Unit, shift: i32) -> Result<Value, NoValue> {
        let not_checked = NoValue::NotTypeChecked { span };
        // The whole-number second argument (`n` of `lag`, `cagr` and `round`).
        let whole = || args.get(1).and_then(Expr::whole_number).and_then(|n| i32::try_from(n).ok());
        let arg = |i: usize| args.get(i).ok_or_else(|| not_checked.clone());
        let n = match func {
            Func::If => {
                let taken = if self.condition(arg(0)?, unit, shift)? { arg(1)? } else { arg(2)? };
                return self.value(taken, unit, shift);
            }
            Func::Lag => {
                let back = whole().and_then(|n| shift.checked_sub(n)).ok_or_else(|| not_checked.clone())?;
                self.number(arg(0)?, unit, back)?
            }
            Func::Yoy => {
                let x = self.number(arg(0)?, unit, shift)?;
                let before = self.number(arg(0)?, unit, shift - self.env.periods_per_year())?;
                if before == 0.0 {
                    return Err(NoValue::DivisionByZero { span });
                }
                finite(100.0 * (x / before - 1.0), span)?
            }
            Func::Cagr => {
                let years = whole().ok_or_else(|| not_checked.clone())?;
                let back = years
                    .checked_mul(self.env.periods_per_year())
                    .and_then(|p| shift.checked_sub(p))
                    .ok_or_else(|| not_checked.clone())?;
                let x = self.number(arg(0)?, unit, shift)?;
                let start = self.number(arg(0)?, unit, back)?;
                if start == 0.0 {
                    return Err(NoValue::DivisionByZero { span });
                }
                finite(100.0 * ((x / start).powf(1.0 / f64::from(years)) - 1.0), span)?
            }
            Func::SumChildren => {
                let children = self.env.children(unit, shift);
                if children.is_empty() {
                    return Err(NoValue::NoChildren { unit: self.env.label(unit), span });
                }
                let mut total = 0.0;
                for child in children {
                    total += self.number(arg(0)?, child, shift)?;
                }
                finite(total, span)?
            }
            Func::ShareOfParent => {
                let x = self.number(arg(0)?, unit, shift)?;
                let Some(parent) = self.env.parent(unit, shift) else {
                    return Err(NoValue::NoParent { unit: self.env.label(unit), span });
                };
                let whole = self.number(arg(0)?, parent, shift)?;
                if whole == 0.0 {
                    return Err(NoValue::DivisionByZero { span });
                }
                finite(x / whole * 100.0, span)?
            }
            Func::Round => {
                let decimals = whole().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| not_checked.clone())?;
                round_half_up(self.number(arg(0)?, unit, shift)?, decimals)
            }
            Func::Min | Func::Max => {
                let mut acc = self.number(arg(0)?, unit, shift)?;
                for e in &args[1..] {
                    let v = self.number(e, unit, shift)?;
                    acc = if func == Func::Min { pick_min(acc, v) } else { pick_max(acc, v) };
                }
                acc
            }
            Func::Abs => self.number(arg(0)?, unit, shift)?.abs(),
        };
        Ok(Value::Number(n))
    }
}

/// The result of a comparison operator, `None` for any other operator.
pub(crate) fn compare(op: BinaryOp, x: f64, y: f64) -> Option<bool> {
    Some(match op {
        BinaryOp::Eq => x == y,
        BinaryOp::Ne => x != y,
        BinaryOp::Lt => x < y,
        BinaryOp::Le => x <= y,
        BinaryOp::Gt => x > y,
        BinaryOp::Ge => x >= y,
        _ => return None,
    })
}

/// `+ - * / ^` (not yet checked for finiteness).
fn arithmetic(op: BinaryOp, x: f64, y: f64, span: Span) -> Result<f64, NoValue> {
    Ok(match op {
        BinaryOp::Add => x + y,
        BinaryOp::Sub => x - y,
        BinaryOp::Mul => x * y,
        BinaryOp::Div if y == 0.0 => return Err(NoValue::DivisionByZero { span }),
        BinaryOp::Div => x / y,
        BinaryOp::Pow => x.powf(y),
        _ => return Err(NoValue::NotTypeChecked { span }),
    })
}

pub(crate) fn pick_min(acc: f64, v: f64) -> f64 {
    if v < acc {
        v
    } else {
        acc
    }
}

pub(crate) fn pick_max(acc: f64, v: f64) -> f64 {
    if v > acc {
        v
    } else {
        acc
    }
}

/// Rounds half away from zero to `decimals` places, on the decimal number the `f64` stands
/// for (its shortest round-trip representation), not on its binary value: 2.675 (stored as
/// 2.67499999…) rounds to 2.68, as a person reading "2.675" expects.
#[must_use]
pub fn round_half_up(x: f64, decimals: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // `Display` of f64 is the shortest text that reads back exactly, never in exponent form.
    let text = format!("{}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let keep = decimals as usize;
    if frac.len() <= keep {
        return x;
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(keep)).collect();
    if frac.as_bytes()[keep] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let (int_digits, frac_digits) = digits.split_at(digits.len() - keep);
    let mut rounded = String::from_utf8_lossy(int_digits).into_owned();
    if keep > 0 {
        rounded.push('.');
        rounded.push_str(&String::from_utf8_lossy(frac_digits));
    }
    let magnitude: f64 = rounded.parse().unwrap_or(f64::NAN);
    if x < 0.0 && magnitude != 0.0 {
        -magnitude
    } else {
        magnitude
    }
}
