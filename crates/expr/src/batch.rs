//! Columnar evaluation: one expression over many rows at once (national-scale indicator
//! computation). Each node of the tree is evaluated over whole columns in tight loops the
//! compiler vectorises, instead of walking the tree once per row. Each row carries a status
//! (ok, missing, division by zero, non-finite) from which the scalar [`NoValue`] is rebuilt;
//! the rows agree with [`crate::eval`] row by row (property-tested), including which reason
//! wins and short-circuiting (`and`, `or`, `if` ignore the reasons of what they do not use).
//!
//! Period, tree and registry functions need other periods or units: [`eval_batch`] refuses
//! them ([`BatchError::Unsupported`]) and the caller evaluates row by row.

use crate::ast::{BinaryOp, Expr, ExprKind, Func, Span, UnaryOp};
use crate::error::{BatchError, NoValue};
use crate::eval::{compare, pick_max, pick_min, round_half_up, Value};
use crate::types::{check, Type};

/// The input values of one code: one value per row and, optionally, which rows are missing
/// (`true`: no value; its entry in `values` is ignored).
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub values: &'a [f64],
    pub missing: Option<&'a [bool]>,
}

/// The status of one row of a [`Batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus<'a> {
    Ok,
    /// No value for this code in this row.
    Missing(&'a str),
    DivisionByZero(Span),
    NonFinite(Span),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Reason {
    Missing(String),
    DivisionByZero(Span),
    NonFinite(Span),
}

/// The result of [`eval_batch`]: a value per row, meaningful where the row's status is ok
/// (conditions are 1.0 for true and 0.0 for false).
#[derive(Debug, Clone)]
pub struct Batch {
    pub values: Vec<f64>,
    /// The expression's type: [`Type::Condition`] values are 0.0 or 1.0.
    pub ty: Type,
    /// Per row, 0 for ok or 1 + an index into `reasons`; empty when every row is ok.
    status: Vec<u32>,
    reasons: Vec<Reason>,
}

impl Batch {
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether every row has a value.
    #[must_use]
    pub fn all_ok(&self) -> bool {
        self.status.iter().all(|&s| s == 0)
    }

    /// # Panics
    /// If `row` is out of range.
    #[must_use]
    pub fn status(&self, row: usize) -> RowStatus<'_> {
        assert!(row < self.values.len(), "row {row} out of range");
        match self.status.get(row).copied().unwrap_or(0) {
            0 => RowStatus::Ok,
            id => match &self.reasons[id as usize - 1] {
                Reason::Missing(code) => RowStatus::Missing(code),
                Reason::DivisionByZero(span) => RowStatus::DivisionByZero(*span),
                Reason::NonFinite(span) => RowStatus::NonFinite(*span),
            },
        }
    }

    /// The row's value as [`crate::eval`] gives it, or why there is none; `unit` names the
    /// row in a [`NoValue::Missing`].
    ///
    /// # Errors
    /// The row's reason for having no value.
    pub fn get(&self, row: usize, unit: &str) -> Result<Value, NoValue> {
        match self.status(row) {
            RowStatus::Ok => Ok(match self.ty {
                Type::Number => Value::Number(self.values[row]),
                Type::Condition => Value::Bool(self.values[row] != 0.0),
            }),
            RowStatus::Missing(code) => {
                Err(NoValue::Missing { code: code.to_owned(), unit: unit.to_owned(), shift: 0 })
            }
            RowStatus::DivisionByZero(span) => Err(NoValue::DivisionByZero { span }),
            RowStatus::NonFinite(span) => Err(NoValue::NonFinite { span }),
        }
    }
}

/// Evaluates `expr` over `len` rows; `columns` gives the column of each code it uses.
///
/// # Errors
/// [`BatchError::Unsupported`] for period, tree and registry functions (fall back to
/// [`crate::eval`]); an unknown code or a column of another length; a tree failing the type
/// check. A row without a value is not an error: see [`Batch::status`].
pub fn eval_batch<'a>(
    expr: &Expr,
    columns: &dyn Fn(&str) -> Option<Column<'a>>,
    len: usize,
) -> Result<Batch, BatchError> {
    let ty = check(expr).map_err(BatchError::Type)?;
    unsupported(expr)?;
    let mut ctx = Ctx { columns, len, reasons: Vec::new() };
    let node = ctx.node(expr)?;
    let values = match node.vals {
        Vals::Const(c) => vec![c; len],
        Vals::Borrowed(v) => v.to_vec(),
        Vals::Owned(v) => v,
    };
    Ok(Batch { values, ty, status: node.status.unwrap_or_default(), reasons: ctx.reasons })
}

/// The first function (in source order) that needs other periods, units or registries.
fn unsupported(expr: &Expr) -> Result<(), BatchError> {
    let refuse = |function: &str| Err(BatchError::Unsupported { function: function.to_owned(), span: expr.span });
    match &expr.kind {
        ExprKind::Number(_) | ExprKind::Ref(_) => Ok(()),
        ExprKind::Registry(q) => refuse(match q.aggregate {
            crate::ast::Aggregate::Count => "count",
            crate::ast::Aggregate::Sum(_) => "sum",
        }),
        ExprKind::Call(func, _) if func.is_period_or_tree() => refuse(func.name()),
        ExprKind::Call(_, args) => args.iter().try_for_each(unsupported),
        ExprKind::Unary(_, e) => unsupported(e),
        ExprKind::Binary(_, a, b) => {
            unsupported(a)?;
            unsupported(b)
        }
    }
}

/// Column values: a constant, a borrowed input column, or a computed buffer.
enum Vals<'a> {
    Const(f64),
    Borrowed(&'a [f64]),
    Owned(Vec<f64>),
}

impl Vals<'_> {
    fn at(&self, i: usize) -> f64 {
        match self {
            Vals::Const(c) => *c,
            Vals::Borrowed(v) => v[i],
            Vals::Owned(v) => v[i],
        }
    }

    /// Calls `f(row, value)` for every row: one match, then a plain loop.
    fn for_each_row(&self, len: usize, mut f: impl FnMut(usize, f64)) {
        match self {
            Vals::Const(c) => (0..len).for_each(|i| f(i, *c)),
            Vals::Borrowed(v) => v.iter().enumerate().for_each(|(i, &x)| f(i, x)),
            Vals::Owned(v) => v.iter().enumerate().for_each(|(i, &x)| f(i, x)),
        }
    }

    /// Whether some row satisfies `f` (a branch-free fold, so it vectorises).
    fn any(&self, f: impl Fn(f64) -> bool) -> bool {
        match self {
            Vals::Const(c) => f(*c),
            Vals::Borrowed(v) => v.iter().fold(false, |acc, &x| acc | f(x)),
            Vals::Owned(v) => v.iter().fold(false, |acc, &x| acc | f(x)),
        }
    }
}

struct Node<'a> {
    vals: Vals<'a>,
    /// Per row 0 (ok) or a reason id; `None` when every row is ok.
    status: Option<Vec<u32>>,
}

struct Ctx<'c, 'a> {
    columns: &'c dyn Fn(&str) -> Option<Column<'a>>,
    len: usize,
    reasons: Vec<Reason>,
}

/// Applies `f` row-wise, reusing an owned buffer of either side where there is one.
fn zip_map<'a>(l: Vals<'a>, r: Vals<'a>, len: usize, f: impl Fn(f64, f64) -> f64) -> Vals<'a> {
    match (l, r) {
        (Vals::Const(a), Vals::Const(b)) => Vals::Const(f(a, b)),
        (Vals::Owned(mut a), Vals::Const(b)) => {
            a.iter_mut().for_each(|x| *x = f(*x, b));
            Vals::Owned(a)
        }
        (Vals::Owned(mut a), Vals::Borrowed(b)) => {
            a.iter_mut().zip(b).for_each(|(x, &y)| *x = f(*x, y));
            Vals::Owned(a)
        }
        (Vals::Owned(mut a), Vals::Owned(b)) => {
            a.iter_mut().zip(&b).for_each(|(x, &y)| *x = f(*x, y));
            Vals::Owned(a)
        }
        (Vals::Const(a), Vals::Owned(mut b)) => {
            b.iter_mut().for_each(|y| *y = f(a, *y));
            Vals::Owned(b)
        }
        (Vals::Borrowed(a), Vals::Owned(mut b)) => {
            b.iter_mut().zip(a).for_each(|(y, &x)| *y = f(x, *y));
            Vals::Owned(b)
        }
        (Vals::Const(a), Vals::Borrowed(b)) => Vals::Owned(b.iter().map(|&y| f(a, y)).collect()),
        (Vals::Borrowed(a), Vals::Const(b)) => Vals::Owned(a.iter().map(|&x| f(x, b)).collect()),
        (Vals::Borrowed(a), Vals::Borrowed(b)) => {
            debug_assert_eq!(a.len(), len);
            Vals::Owned(a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect())
        }
    }
}

/// As [`zip_map`], but never writes into the right operand's buffer (a divisor is needed
/// afterwards to tell division by zero from overflow).
fn map_keeping_right<'a>(l: Vals<'a>, r: &Vals<'a>, len: usize, f: impl Fn(f64, f64) -> f64) -> Vals<'a> {
    match (l, r) {
        (Vals::Owned(mut a), r) => {
            match r {
                Vals::Const(b) => a.iter_mut().for_each(|x| *x = f(*x, *b)),
                Vals::Borrowed(b) => a.iter_mut().zip(b.iter()).for_each(|(x, &y)| *x = f(*x, y)),
                Vals::Owned(b) => a.iter_mut().zip(b).for_each(|(x, &y)| *x = f(*x, y)),
            }
            Vals::Owned(a)
        }
        (Vals::Const(a), Vals::Const(b)) => Vals::Const(f(a, *b)),
        (Vals::Const(a), Vals::Borrowed(b)) => Vals::Owned(b.iter().map(|&y| f(a, y)).collect()),
        (Vals::Const(a), Vals::Owned(b)) => Vals::Owned(b.iter().map(|&y| f(a, y)).collect()),
        (Vals::Borrowed(a), Vals::Const(b)) => Vals::Owned(a.iter().map(|&x| f(x, *b)).collect()),
        (Vals::Borrowed(a), Vals::Borrowed(b)) => Vals::Owned(a.iter().zip(b.iter()).map(|(&x, &y)| f(x, y)).collect()),
        (Vals::Borrowed(a), Vals::Owned(b)) => {
            debug_assert_eq!(b.len(), len);
            Vals::Owned(a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect())
        }
    }
}

fn map<'a>(v: Vals<'a>, f: impl Fn(f64) -> f64) -> Vals<'a> {
    match v {
        Vals::Const(c) => Vals::Const(f(c)),
        Vals::Borrowed(v) => Vals::Owned(v.iter().map(|&x| f(x)).collect()),
        Vals::Owned(mut v) => {
            v.iter_mut().for_each(|x| *x = f(*x));
            Vals::Owned(v)
        }
    }
}

/// Row statuses of two operands evaluated left then right: the left reason wins.
fn merge(a: Option<Vec<u32>>, b: Option<Vec<u32>>) -> Option<Vec<u32>> {
    match (a, b) {
        (None, s) | (s, None) => s,
        (Some(mut a), Some(b)) => {
            a.iter_mut().zip(&b).for_each(|(x, &y)| *x = if *x != 0 { *x } else { y });
            Some(a)
        }
    }
}

impl<'a> Ctx<'_, 'a> {
    fn reason(&mut self, reason: Reason) -> u32 {
        self.reasons.push(reason);
        u32::try_from(self.reasons.len()).expect("fewer than 2^32 reasons")
    }

    fn node(&mut self, expr: &Expr) -> Result<Node<'a>, BatchError> {
        let span = expr.span;
        Ok(match &expr.kind {
            ExprKind::Number(v) => Node { vals: Vals::Const(*v), status: None },
            ExprKind::Ref(code) => self.column(code, span)?,
            ExprKind::Unary(op, e) => {
                let n = self.node(e)?;
                let vals = match op {
                    UnaryOp::Neg => map(n.vals, |x| -x),
                    UnaryOp::Not => map(n.vals, |x| if x == 0.0 { 1.0 } else { 0.0 }),
                };
                Node { vals, status: n.status }
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or), a, b) => {
                let (a, b) = (self.node(a)?, self.node(b)?);
                let decides = if *op == BinaryOp::And { 0.0 } else { 1.0 };
                self.select(a, b, decides, *op)
            }
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.node(a)?, self.node(b)?);
                self.binary(*op, a, b, span)
            }
            ExprKind::Call(Func::If, args) => {
                let c = self.node(&args[0])?;
                let (t, e) = (self.node(&args[1])?, self.node(&args[2])?);
                self.choose(c, t, e)
            }
            ExprKind::Call(func, args) => {
                let mut nodes = args.iter().map(|a| self.node(a)).collect::<Result<Vec<_>, _>>()?.into_iter();
                let first = nodes.next().expect("the parser checks arity");
                match func {
                    Func::Abs => Node { vals: map(first.vals, f64::abs), status: first.status },
                    Func::Round => {
                        let decimals = args[1].whole_number().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                        Node { vals: map(first.vals, |x| round_half_up(x, decimals)), status: first.status }
                    }
                    _ => {
                        let pick = if *func == Func::Min { pick_min } else { pick_max };
                        nodes.fold(first, |acc, n| Node {
                            vals: zip_map(acc.vals, n.vals, self.len, pick),
                            status: merge(acc.status, n.status),
                        })
                    }
                }
            }
            ExprKind::Registry(_) => unreachable!("refused by `unsupported`"),
        })
    }

    fn column(&mut self, code: &str, span: Span) -> Result<Node<'a>, BatchError> {
        let column = (self.columns)(code).ok_or_else(|| BatchError::UnknownColumn { code: code.to_owned(), span })?;
        for found in [Some(column.values.len()), column.missing.map(<[bool]>::len)].into_iter().flatten() {
            if found != self.len {
                return Err(BatchError::ColumnLength { code: code.to_owned(), expected: self.len, found });
            }
        }
        let mut status = None;
        if let Some(mask) = column.missing.filter(|m| m.iter().any(|&x| x)) {
            let id = self.reason(Reason::Missing(code.to_owned()));
            status = Some(mask.iter().map(|&m| if m { id } else { 0 }).collect::<Vec<u32>>());
        }
        let vals = Vals::Borrowed(column.values);
        if vals.any(|x| !x.is_finite()) {
            let id = self.reason(Reason::NonFinite(span));
            let st = status.get_or_insert_with(|| vec![0; self.len]);
            for (s, x) in st.iter_mut().zip(column.values) {
                if *s == 0 && !x.is_finite() {
                    *s = id;
                }
            }
        }
        Ok(Node { vals, status })
    }

    fn binary(&mut self, op: BinaryOp, a: Node<'a>, b: Node<'a>, span: Span) -> Node<'a> {
        let status = merge(a.status, b.status);
        if op.is_comparison() {
            let f = move |x, y| if compare(op, x, y).unwrap_or(false) { 1.0 } else { 0.0 };
            return Node { vals: zip_map(a.vals, b.vals, self.len, f), status };
        }
        let (vals, divisor) = match op {
            BinaryOp::Add => (zip_map(a.vals, b.vals, self.len, |x, y| x + y), None),
            BinaryOp::Sub => (zip_map(a.vals, b.vals, self.len, |x, y| x - y), None),
            BinaryOp::Mul => (zip_map(a.vals, b.vals, self.len, |x, y| x * y), None),
            BinaryOp::Div => (map_keeping_right(a.vals, &b.vals, self.len, |x, y| x / y), Some(b.vals)),
            _ => (zip_map(a.vals, b.vals, self.len, f64::powf), None),
        };
        let mut node = Node { vals, status };
        // A finite number divided by zero is infinite or NaN, so one check finds both cases;
        // only then are the rows told apart (the divisor was kept for this).
        if node.vals.any(|x| !x.is_finite()) {
            let non_finite = self.reason(Reason::NonFinite(span));
            let div =
                divisor.as_ref().filter(|d| d.any(|y| y == 0.0)).map(|_| self.reason(Reason::DivisionByZero(span)));
            let st = node.status.get_or_insert_with(|| vec![0; self.len]);
            node.vals.for_each_row(self.len, |i, x| {
                if st[i] == 0 && !x.is_finite() {
                    st[i] = non_finite;
                }
            });
            if let (Some(divisor), Some(div)) = (divisor, div) {
                divisor.for_each_row(self.len, |i, y| {
                    if y == 0.0 && st[i] == non_finite {
                        st[i] = div;
                    }
                });
            }
        }
        node
    }

    /// `a and b` (`decides` 0: a false `a` decides) or `a or b` (`decides` 1).
    fn select(&mut self, a: Node<'a>, b: Node<'a>, decides: f64, op: BinaryOp) -> Node<'a> {
        let status = match (a.status, b.status) {
            (sa, None) => sa,
            (sa, Some(mut sb)) => {
                a.vals.for_each_row(self.len, |i, x| {
                    let left = sa.as_ref().map_or(0, |sa| sa[i]);
                    if left != 0 {
                        sb[i] = left;
                    } else if x == decides {
                        sb[i] = 0;
                    }
                });
                Some(sb)
            }
        };
        let f = if op == BinaryOp::And {
            |x: f64, y: f64| if x != 0.0 && y != 0.0 { 1.0 } else { 0.0 }
        } else {
            |x: f64, y: f64| if x != 0.0 || y != 0.0 { 1.0 } else { 0.0 }
        };
        Node { vals: zip_map(a.vals, b.vals, self.len, f), status }
    }

    /// `if(c, t, e)`: the taken branch's value and status per row.
    fn choose(&mut self, c: Node<'a>, t: Node<'a>, e: Node<'a>) -> Node<'a> {
        let status = if t.status.is_none() && e.status.is_none() {
            c.status
        } else {
            let mut st = c.status.unwrap_or_else(|| vec![0; self.len]);
            c.vals.for_each_row(self.len, |i, x| {
                if st[i] == 0 {
                    let branch = if x != 0.0 { &t.status } else { &e.status };
                    st[i] = branch.as_ref().map_or(0, |b| b[i]);
                }
            });
            Some(st)
        };
        let vals = match c.vals {
            Vals::Const(k) => {
                if k != 0.0 {
                    t.vals
                } else {
                    e.vals
                }
            }
            cv => {
                Vals::Owned((0..self.len).map(|i| if cv.at(i) != 0.0 { t.vals.at(i) } else { e.vals.at(i) }).collect())
            }
        };
        Node { vals, status }
    }
}
