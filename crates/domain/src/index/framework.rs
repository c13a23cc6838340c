//! The indicator framework: indicators and the aggregation tree above them (§1 "Indicator
//! metadata", "Aggregation tree").
//!
//! A [`Framework`] is built only through [`Framework::new`], which refuses duplicate codes,
//! unknown parents, cycles, a missing or second root, weights that are not positive, empty
//! aggregates and goalposts with `lower >= upper`. A built framework thus always has one root,
//! every node reaches it, and [`Framework::bottom_up`] lists the aggregates children first.

use std::collections::HashMap;
use std::fmt;

/// +1 if higher is better, −1 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Positive,
    Negative,
}

impl Direction {
    /// `1.0` or `-1.0`.
    #[must_use]
    pub fn sign(self) -> f64 {
        match self {
            Direction::Positive => 1.0,
            Direction::Negative => -1.0,
        }
    }
}

/// A per-indicator transform applied after outlier treatment, before normalisation (§3.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transform {
    /// `sqrt(x)`; needs x ≥ 0 (EIS/RIS).
    Sqrt,
    /// `ln(x)`; needs x > 0.
    Log,
    /// `log10(x)`; needs x > 0 (goalpost indices such as the TAI).
    Log10,
    /// CT log `ln(x − min + 0.01·(max − min))`; needs max ≠ min.
    CtLog,
    /// CT log, original version `ln(x − min + 1)`.
    CtLogOriginal,
    /// GII log `ln((max − 1)(x − min)/(max − min) + 1)`; needs max > 0 and max ≠ min.
    GiiLog,
    /// Box-Cox with λ after the shift `x − min + 1`.
    BoxCox(f64),
}

impl Transform {
    /// Parses the `transform` column of the indicator table: empty (none), `sqrt`, `log`,
    /// `log10`, `ct_log`, `ct_log_original`, `gii_log` or `boxcox:LAMBDA`.
    pub fn parse(text: &str) -> Result<Option<Transform>, String> {
        let t = match text {
            "" => return Ok(None),
            "sqrt" => Transform::Sqrt,
            "log" => Transform::Log,
            "log10" => Transform::Log10,
            "ct_log" => Transform::CtLog,
            "ct_log_original" => Transform::CtLogOriginal,
            "gii_log" => Transform::GiiLog,
            other => match other.strip_prefix("boxcox:").map(str::parse::<f64>) {
                Some(Ok(lambda)) if lambda.is_finite() => Transform::BoxCox(lambda),
                _ => {
                    return Err(format!(
                        "transform \"{other}\" is not recognised; accepted: empty, sqrt, log, log10, ct_log, \
                         ct_log_original, gii_log, boxcox:LAMBDA (e.g. boxcox:0.5)"
                    ))
                }
            },
        };
        Ok(Some(t))
    }

    /// The name as written in the indicator table.
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Transform::Sqrt => "sqrt".into(),
            Transform::Log => "log".into(),
            Transform::Log10 => "log10".into(),
            Transform::CtLog => "ct_log".into(),
            Transform::CtLogOriginal => "ct_log_original".into(),
            Transform::GiiLog => "gii_log".into(),
            Transform::BoxCox(lambda) => format!("boxcox:{lambda}"),
        }
    }
}

/// Fixed normalisation bounds (goalposts), `lower < upper` numerically. For a negative
/// indicator the engine takes `upper` as the worst value and `lower` as the best (§3.6).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub lower: f64,
    pub upper: f64,
}

/// One indicator (a leaf of the tree).
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    /// The code of an aggregate.
    pub parent: String,
    /// Relative weight within the parent, > 0.
    pub weight: f64,
    pub direction: Direction,
    /// A numeric data column to divide by.
    pub denominator: Option<String>,
    pub bounds: Option<Bounds>,
    pub transform: Option<Transform>,
}

/// An aggregate node (sub-pillar, pillar, the index).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    pub code: String,
    pub name: String,
    /// `None` for the root.
    pub parent: Option<String>,
    /// Relative weight within the parent, > 0 (not used for the root).
    pub weight: f64,
}

/// A child of an aggregate: an index into the indicators or into the aggregates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Indicator(usize),
    Aggregate(usize),
}

/// A checked tree. Children of a node are listed indicators first (in indicator order), then
/// aggregates (in aggregate order): this is the summation order of aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Framework {
    indicators: Vec<Indicator>,
    aggregates: Vec<Aggregate>,
    children: Vec<Vec<Child>>,
    bottom_up: Vec<usize>,
    root: usize,
}

/// Why a set of indicators and aggregates is not a tree. `node` names the offending code.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameworkError {
    NoIndicators,
    EmptyCode,
    DuplicateCode {
        node: String,
    },
    MissingParent {
        node: String,
    },
    UnknownParent {
        node: String,
        parent: String,
    },
    ParentIsIndicator {
        node: String,
        parent: String,
    },
    NoRoot,
    SeveralRoots {
        roots: Vec<String>,
    },
    /// The codes of the cycle, in parent order, starting from `node`.
    Cycle {
        node: String,
        cycle: Vec<String>,
    },
    BadWeight {
        node: String,
        weight: f64,
    },
    EmptyAggregate {
        node: String,
    },
    BadBounds {
        node: String,
        lower: f64,
        upper: f64,
    },
}

impl FrameworkError {
    /// The stable i18n key, e.g. `index.framework.cycle`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FrameworkError::NoIndicators => "index.framework.no_indicators",
            FrameworkError::EmptyCode => "index.framework.empty_code",
            FrameworkError::DuplicateCode { .. } => "index.framework.duplicate_code",
            FrameworkError::MissingParent { .. } => "index.framework.missing_parent",
            FrameworkError::UnknownParent { .. } => "index.framework.unknown_parent",
            FrameworkError::ParentIsIndicator { .. } => "index.framework.parent_is_indicator",
            FrameworkError::NoRoot => "index.framework.no_root",
            FrameworkError::SeveralRoots { .. } => "index.framework.several_roots",
            FrameworkError::Cycle { .. } => "index.framework.cycle",
            FrameworkError::BadWeight { .. } => "index.framework.bad_weight",
            FrameworkError::EmptyAggregate { .. } => "index.framework.empty_aggregate",
            FrameworkError::BadBounds { .. } => "index.framework.bad_bounds",
        }
    }

    /// The named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            FrameworkError::NoIndicators | FrameworkError::EmptyCode | FrameworkError::NoRoot => Vec::new(),
            FrameworkError::DuplicateCode { node }
            | FrameworkError::MissingParent { node }
            | FrameworkError::EmptyAggregate { node } => vec![("node", node.clone())],
            FrameworkError::UnknownParent { node, parent } | FrameworkError::ParentIsIndicator { node, parent } => {
                vec![("node", node.clone()), ("parent", parent.clone())]
            }
            FrameworkError::SeveralRoots { roots } => vec![("roots", roots.join(", "))],
            FrameworkError::Cycle { node, cycle } => vec![("node", node.clone()), ("cycle", cycle.join(" → "))],
            FrameworkError::BadWeight { node, weight } => vec![("node", node.clone()), ("weight", weight.to_string())],
            FrameworkError::BadBounds { node, lower, upper } => {
                vec![("node", node.clone()), ("lower", lower.to_string()), ("upper", upper.to_string())]
            }
        }
    }

    /// The code of the indicator or aggregate the error is about, to find its line in a file.
    #[must_use]
    pub fn node(&self) -> Option<&str> {
        match self {
            FrameworkError::DuplicateCode { node }
            | FrameworkError::MissingParent { node }
            | FrameworkError::UnknownParent { node, .. }
            | FrameworkError::ParentIsIndicator { node, .. }
            | FrameworkError::Cycle { node, .. }
            | FrameworkError::BadWeight { node, .. }
            | FrameworkError::EmptyAggregate { node }
            | FrameworkError::BadBounds { node, .. } => Some(node),
            FrameworkError::SeveralRoots { roots } => roots.get(1).map(String::as_str),
            FrameworkError::NoIndicators | FrameworkError::EmptyCode | FrameworkError::NoRoot => None,
        }
    }

    /// The field of the node's row that is wrong (`parent`, `weight`, `lower`, `code`), if any.
    #[must_use]
    pub fn field(&self) -> Option<&'static str> {
        match self {
            FrameworkError::DuplicateCode { .. } | FrameworkError::EmptyCode => Some("code"),
            FrameworkError::MissingParent { .. }
            | FrameworkError::UnknownParent { .. }
            | FrameworkError::ParentIsIndicator { .. }
            | FrameworkError::SeveralRoots { .. }
            | FrameworkError::Cycle { .. } => Some("parent"),
            FrameworkError::BadWeight { .. } => Some("weight"),
            FrameworkError::BadBounds { .. } => Some("lower"),
            FrameworkError::NoIndicators | FrameworkError::NoRoot | FrameworkError::EmptyAggregate { .. } => None,
        }
    }
}

impl fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameworkError::NoIndicators => write!(f, "There are no indicators; an index needs at least one."),
            FrameworkError::EmptyCode => write!(f, "A code is empty; every indicator and aggregate needs a code."),
            FrameworkError::DuplicateCode { node } => {
                write!(f, "Code \"{node}\" is used twice; codes must be unique across indicators and aggregates.")
            }
            FrameworkError::MissingParent { node } => {
                write!(f, "Indicator \"{node}\" has no parent; an indicator's parent must be an aggregate code.")
            }
            FrameworkError::UnknownParent { node, parent } => {
                write!(f, "\"{node}\" has parent \"{parent}\", which is not an aggregate code.")
            }
            FrameworkError::ParentIsIndicator { node, parent } => {
                write!(f, "\"{node}\" has parent \"{parent}\", which is an indicator; parents must be aggregates.")
            }
            FrameworkError::NoRoot => {
                write!(f, "No aggregate has an empty parent; exactly one aggregate (the index) must be the root.")
            }
            FrameworkError::SeveralRoots { roots } => write!(
                f,
                "Aggregates {} all have an empty parent; exactly one aggregate (the index) must be the root.",
                roots.join(", ")
            ),
            FrameworkError::Cycle { node, cycle } => {
                write!(
                    f,
                    "Aggregate \"{node}\" is its own ancestor ({}); the aggregates must form a tree.",
                    cycle.join(" → ")
                )
            }
            FrameworkError::BadWeight { node, weight } => {
                write!(f, "\"{node}\" has weight {weight}; weights must be positive finite numbers.")
            }
            FrameworkError::EmptyAggregate { node } => {
                write!(
                    f,
                    "Aggregate \"{node}\" has no children; every aggregate needs an indicator or aggregate below it."
                )
            }
            FrameworkError::BadBounds { node, lower, upper } => write!(
                f,
                "Indicator \"{node}\" has lower bound {lower} and upper bound {upper}; lower must be below upper \
                 (a negative direction reverses them itself)."
            ),
        }
    }
}

impl std::error::Error for FrameworkError {}

impl Framework {
    /// Checks and builds the tree. Fails with the first [`FrameworkError`] found, in this order:
    /// codes, weights and bounds (in file order), parents, root, cycles, empty aggregates.
    pub fn new(indicators: Vec<Indicator>, aggregates: Vec<Aggregate>) -> Result<Framework, FrameworkError> {
        if indicators.is_empty() {
            return Err(FrameworkError::NoIndicators);
        }
        let mut codes: HashMap<&str, Child> = HashMap::new();
        let nodes = indicators
            .iter()
            .enumerate()
            .map(|(i, x)| (x.code.as_str(), x.weight, Child::Indicator(i)))
            .chain(aggregates.iter().enumerate().map(|(i, a)| (a.code.as_str(), a.weight, Child::Aggregate(i))));
        for (code, weight, child) in nodes {
            if code.is_empty() {
                return Err(FrameworkError::EmptyCode);
            }
            if codes.insert(code, child).is_some() {
                return Err(FrameworkError::DuplicateCode { node: code.to_owned() });
            }
            let is_root = matches!(child, Child::Aggregate(i) if aggregates[i].parent.is_none());
            let positive = weight.is_finite() && weight > 0.0;
            if !(is_root || positive) {
                return Err(FrameworkError::BadWeight { node: code.to_owned(), weight });
            }
        }
        for x in &indicators {
            if let Some(b) = x.bounds {
                if !(b.lower.is_finite() && b.upper.is_finite() && b.lower < b.upper) {
                    return Err(FrameworkError::BadBounds { node: x.code.clone(), lower: b.lower, upper: b.upper });
                }
            }
        }
        let parent_of = |node: &str, parent: &str| -> Result<usize, FrameworkError> {
            match codes.get(parent) {
                Some(Child::Aggregate(p)) => Ok(*p),
                Some(Child::Indicator(_)) => {
                    Err(FrameworkError::ParentIsIndicator { node: node.to_owned(), parent: parent.to_owned() })
                }
                None => Err(FrameworkError::UnknownParent { node: node.to_owned(), parent: parent.to_owned() }),
            }
        };
        let mut children = vec![Vec::new(); aggregates.len()];
        for (i, x) in indicators.iter().enumerate() {
            if x.parent.is_empty() {
                return Err(FrameworkError::MissingParent { node: x.code.clone() });
            }
            children[parent_of(&x.code, &x.parent)?].push(Child::Indicator(i));
        }
        let mut parents = vec![None; aggregates.len()];
        let mut roots = Vec::new();
        for (i, a) in aggregates.iter().enumerate() {
            match &a.parent {
                None => roots.push(i),
                Some(parent) => {
                    let p = parent_of(&a.code, parent)?;
                    parents[i] = Some(p);
                    children[p].push(Child::Aggregate(i));
                }
            }
        }
        let root = match roots.as_slice() {
            [] => return Err(FrameworkError::NoRoot),
            [root] => *root,
            _ => {
                return Err(FrameworkError::SeveralRoots {
                    roots: roots.iter().map(|&i| aggregates[i].code.clone()).collect(),
                })
            }
        };
        // With one root, a node that does not reach it within n steps sits on (or above) a cycle.
        for start in 0..aggregates.len() {
            let mut path = vec![start];
            let mut node = start;
            while let Some(p) = parents[node] {
                if let Some(at) = path.iter().position(|&q| q == p) {
                    let mut cycle: Vec<String> = path[at..].iter().map(|&q| aggregates[q].code.clone()).collect();
                    cycle.push(aggregates[p].code.clone());
                    return Err(FrameworkError::Cycle { node: aggregates[p].code.clone(), cycle });
                }
                path.push(p);
                node = p;
            }
        }
        if let Some(empty) = children.iter().position(Vec::is_empty) {
            return Err(FrameworkError::EmptyAggregate { node: aggregates[empty].code.clone() });
        }
        let mut bottom_up = Vec::with_capacity(aggregates.len());
        post_order(root, &children, &mut bottom_up);
        Ok(Framework { indicators, aggregates, children, bottom_up, root })
    }

    #[must_use]
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    #[must_use]
    pub fn aggregates(&self) -> &[Aggregate] {
        &self.aggregates
    }

    /// The index of the root in [`Framework::aggregates`].
    #[must_use]
    pub fn root(&self) -> usize {
        self.root
    }

    /// The children of aggregate `a`: indicators in indicator order, then aggregates.
    #[must_use]
    pub fn children(&self, a: usize) -> &[Child] {
        &self.children[a]
    }

    /// Every aggregate, each after all of its descendants (the root last).
    #[must_use]
    pub fn bottom_up(&self) -> &[usize] {
        &self.bottom_up
    }

    /// The weight of a child within its parent.
    #[must_use]
    pub fn weight(&self, child: Child) -> f64 {
        match child {
            Child::Indicator(i) => self.indicators[i].weight,
            Child::Aggregate(a) => self.aggregates[a].weight,
        }
    }
}

fn post_order(node: usize, children: &[Vec<Child>], out: &mut Vec<usize>) {
    for child in &children[node] {
        if let Child::Aggregate(a) = child {
            post_order(*a, children, out);
        }
    }
    out.push(node);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn ind(code: &str, parent: &str, weight: f64) -> Indicator {
        Indicator {
            code: code.into(),
            name: code.into(),
            parent: parent.into(),
            weight,
            direction: Direction::Positive,
            denominator: None,
            bounds: None,
            transform: None,
        }
    }

    pub(crate) fn agg(code: &str, parent: Option<&str>, weight: f64) -> Aggregate {
        Aggregate { code: code.into(), name: code.into(), parent: parent.map(Into::into), weight }
    }

    #[test]
    fn builds_bottom_up_order_and_children() {
        let f = Framework::new(
            vec![ind("a", "p1", 1.0), ind("b", "p2", 1.0), ind("c", "p2", 2.0)],
            vec![agg("root", None, 1.0), agg("p1", Some("root"), 1.0), agg("p2", Some("root"), 1.0)],
        )
        .unwrap();
        assert_eq!(f.root(), 0);
        assert_eq!(f.bottom_up(), &[1, 2, 0]);
        assert_eq!(f.children(2), &[Child::Indicator(1), Child::Indicator(2)]);
        assert_eq!(f.children(0), &[Child::Aggregate(1), Child::Aggregate(2)]);
    }

    #[test]
    fn unknown_parent_is_named() {
        let err = Framework::new(vec![ind("a", "nope", 1.0)], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err, FrameworkError::UnknownParent { node: "a".into(), parent: "nope".into() });
        assert_eq!(err.field(), Some("parent"));
        let err =
            Framework::new(vec![ind("a", "root", 1.0), ind("b", "a", 1.0)], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err.code(), "index.framework.parent_is_indicator");
    }

    #[test]
    fn cycle_is_named() {
        let err = Framework::new(
            vec![ind("a", "p1", 1.0)],
            vec![agg("root", None, 1.0), agg("p1", Some("p2"), 1.0), agg("p2", Some("p1"), 1.0)],
        )
        .unwrap_err();
        assert_eq!(
            err,
            FrameworkError::Cycle { node: "p1".into(), cycle: vec!["p1".into(), "p2".into(), "p1".into()] }
        );
        assert!(err.to_string().contains("p1 → p2 → p1"));
    }

    #[test]
    fn exactly_one_root() {
        let err = Framework::new(vec![ind("a", "r1", 1.0)], vec![agg("r1", None, 1.0), agg("r2", None, 1.0)]);
        assert_eq!(err.unwrap_err().code(), "index.framework.several_roots");
        let err = Framework::new(vec![ind("a", "r1", 1.0)], vec![agg("r1", Some("r1"), 1.0)]);
        assert_eq!(err.unwrap_err(), FrameworkError::NoRoot);
    }

    #[test]
    fn weights_must_be_positive_and_codes_unique() {
        let err = Framework::new(vec![ind("a", "root", 0.0)], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err, FrameworkError::BadWeight { node: "a".into(), weight: 0.0 });
        let err = Framework::new(vec![ind("a", "root", f64::NAN)], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err.code(), "index.framework.bad_weight");
        let err = Framework::new(vec![ind("root", "root", 1.0)], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err.code(), "index.framework.duplicate_code");
        // The root's weight is never used, so it may be anything.
        assert!(Framework::new(vec![ind("a", "root", 1.0)], vec![agg("root", None, f64::NAN)]).is_ok());
    }

    #[test]
    fn empty_aggregate_is_refused() {
        let err =
            Framework::new(vec![ind("a", "root", 1.0)], vec![agg("root", None, 1.0), agg("p", Some("root"), 1.0)]);
        assert_eq!(err.unwrap_err(), FrameworkError::EmptyAggregate { node: "p".into() });
    }

    #[test]
    fn goalposts_equal_is_configuration_error() {
        let mut x = ind("a", "root", 1.0);
        x.bounds = Some(Bounds { lower: 5.0, upper: 5.0 });
        let err = Framework::new(vec![x], vec![agg("root", None, 1.0)]).unwrap_err();
        assert_eq!(err.code(), "index.framework.bad_bounds");
    }

    #[test]
    fn transform_names_round_trip() {
        for name in ["sqrt", "log", "log10", "ct_log", "ct_log_original", "gii_log", "boxcox:0.5"] {
            assert_eq!(Transform::parse(name).unwrap().unwrap().name(), name);
        }
        assert_eq!(Transform::parse("").unwrap(), None);
        assert!(Transform::parse("boxcox:x").is_err());
        assert!(Transform::parse("ln").is_err());
    }
}
