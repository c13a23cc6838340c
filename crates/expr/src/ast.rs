//! The syntax tree. Every node carries the byte span of its source text; equality of trees
//! ignores spans (two parses of differently spaced text are equal).

use std::collections::BTreeSet;
use std::fmt;

/// A byte range `start..end` of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    #[must_use]
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// An expression with the span of its source text.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// Trees are equal when their shapes and values are; spans are ignored.
impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A non-negative literal (a minus sign is [`UnaryOp::Neg`]).
    Number(f64),
    /// A measure or indicator by code (`gdp`, `rd_expenditure`).
    Ref(String),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A built-in function; arity and whole-number arguments are checked by the parser.
    Call(Func, Vec<Expr>),
    /// `count(...)` or `sum(...)` over a registry, answered by the environment.
    Registry(RegistryQuery),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinaryOp {
    /// The canonical source symbol (`==` is read as `=`).
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Pow => "^",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    #[must_use]
    pub fn is_comparison(self) -> bool {
        matches!(self, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge)
    }

    #[must_use]
    pub fn is_arithmetic(self) -> bool {
        matches!(self, BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Pow)
    }
}

/// The built-in functions (registry aggregates are [`ExprKind::Registry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    /// `if(condition, then, else)`; only the taken branch is evaluated.
    If,
    /// `lag(x, n)`: `x` in the period `n` steps earlier (`n` a whole-number literal).
    Lag,
    /// `yoy(x)`: growth on the same period a year earlier, in percent.
    Yoy,
    /// `cagr(x, n)`: compound annual growth over `n` years, in percent per year.
    Cagr,
    /// `sum_children(x)`: the sum of `x` over the unit's children.
    SumChildren,
    /// `share_of_parent(x)`: `x` as a percentage of `x` of the parent unit.
    ShareOfParent,
    /// `round(x, n)`: half away from zero, to `n` decimals, on the decimal value.
    Round,
    Min,
    Max,
    Abs,
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

impl Func {
    pub const ALL: [Func; 10] = [
        Func::If,
        Func::Lag,
        Func::Yoy,
        Func::Cagr,
        Func::SumChildren,
        Func::ShareOfParent,
        Func::Round,
        Func::Min,
        Func::Max,
        Func::Abs,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Func::If => "if",
            Func::Lag => "lag",
            Func::Yoy => "yoy",
            Func::Cagr => "cagr",
            Func::SumChildren => "sum_children",
            Func::ShareOfParent => "share_of_parent",
            Func::Round => "round",
            Func::Min => "min",
            Func::Max => "max",
            Func::Abs => "abs",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }

    #[must_use]
    pub fn arity(self) -> Arity {
        match self {
            Func::If => Arity::Exactly(3),
            Func::Lag | Func::Cagr | Func::Round => Arity::Exactly(2),
            Func::Yoy | Func::SumChildren | Func::ShareOfParent | Func::Abs => Arity::Exactly(1),
            Func::Min | Func::Max => Arity::AtLeast(2),
        }
    }

    /// The inclusive range of the whole-number literal the second argument must be, if any.
    #[must_use]
    pub fn whole_number_argument(self) -> Option<(i64, i64)> {
        match self {
            Func::Lag => Some((0, 1200)),
            Func::Cagr => Some((1, 100)),
            Func::Round => Some((0, 12)),
            _ => None,
        }
    }

    /// Whether the function looks at other periods or other units (not columnar).
    #[must_use]
    pub fn is_period_or_tree(self) -> bool {
        matches!(self, Func::Lag | Func::Yoy | Func::Cagr | Func::SumChildren | Func::ShareOfParent)
    }
}

/// A registry aggregate: `count(org where tier = "hte" valid_at period_end)`,
/// `sum(contract.amount where kind = "transfer")`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryQuery {
    /// The registry (`org`, `platform`, `person`, `contract`, …).
    pub entity: String,
    pub aggregate: Aggregate,
    /// All must hold (joined by `and`).
    pub filters: Vec<Filter>,
    /// The records valid at this point of the evaluated period; `None`: any record of it.
    pub valid_at: Option<PeriodPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    /// The sum of this field (dotted path below the entity, e.g. `amount`).
    Sum(String),
}

/// `field op literal`, e.g. `tier = "hte"`, `amount >= 1000000`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    /// A comparison ([`BinaryOp::is_comparison`]).
    pub op: BinaryOp,
    pub literal: Literal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodPoint {
    PeriodStart,
    PeriodEnd,
}

impl PeriodPoint {
    #[must_use]
    pub fn keyword(self) -> &'static str {
        match self {
            PeriodPoint::PeriodStart => "period_start",
            PeriodPoint::PeriodEnd => "period_end",
        }
    }
}

/// What an expression refers to: codes of measures and indicators (also those under `lag`,
/// `sum_children`, …) and registry queries, each once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct References {
    pub codes: BTreeSet<String>,
    pub registry: Vec<RegistryQuery>,
}

impl Expr {
    #[must_use]
    pub fn new(kind: ExprKind, span: Span) -> Self {
        Expr { kind, span }
    }

    /// The codes and registry queries this expression uses.
    #[must_use]
    pub fn references(&self) -> References {
        let mut refs = References::default();
        self.collect(&mut refs);
        refs
    }

    fn collect(&self, refs: &mut References) {
        match &self.kind {
            ExprKind::Number(_) => {}
            ExprKind::Ref(code) => {
                refs.codes.insert(code.clone());
            }
            ExprKind::Unary(_, e) => e.collect(refs),
            ExprKind::Binary(_, a, b) => {
                a.collect(refs);
                b.collect(refs);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.collect(refs)),
            ExprKind::Registry(q) => {
                if !refs.registry.contains(q) {
                    refs.registry.push(q.clone());
                }
            }
        }
    }

    /// The value of a whole-number literal argument (`2` in `lag(x, 2)`).
    #[must_use]
    pub fn whole_number(&self) -> Option<i64> {
        match self.kind {
            #[allow(clippy::cast_possible_truncation)]
            ExprKind::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => Some(v as i64),
            _ => None,
        }
    }
}
