//! Unit and property tests of the whole language. The reference evaluator at the end is a
//! separate, deliberately naive implementation (no code shared with `eval.rs`).

use std::collections::HashMap;

use proptest::prelude::*;

use crate::*;

// ---------------------------------------------------------------------------------------
// A test environment: units 0..4 (0 the root; 1 and 2 its children; 3 a child of 1),
// values per (code, unit, period shift), data held from shift `first` on.
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct TestEnv {
    values: HashMap<(String, usize, i32), f64>,
    registry: HashMap<(String, usize, i32), f64>,
    parents: Vec<Option<usize>>,
    first: i32,
    per_year: i32,
}

impl TestEnv {
    fn new() -> Self {
        TestEnv {
            values: HashMap::new(),
            registry: HashMap::new(),
            parents: vec![None, Some(0), Some(0), Some(1)],
            first: -6,
            per_year: 1,
        }
    }

    fn with(mut self, code: &str, unit: usize, shift: i32, v: f64) -> Self {
        self.values.insert((code.to_owned(), unit, shift), v);
        self
    }
}

impl Env for TestEnv {
    type Unit = usize;

    fn value(&self, code: &str, unit: usize, shift: i32) -> Result<f64, NoValue> {
        if shift < self.first {
            return Err(NoValue::BeyondData { code: code.to_owned(), unit: self.label(unit), shift });
        }
        self.values.get(&(code.to_owned(), unit, shift)).copied().ok_or_else(|| NoValue::Missing {
            code: code.to_owned(),
            unit: self.label(unit),
            shift,
        })
    }

    fn registry(&self, q: &RegistryQuery, unit: usize, shift: i32) -> Result<f64, NoValue> {
        let code = q.to_string();
        self.registry.get(&(code.clone(), unit, shift)).copied().ok_or(NoValue::Missing {
            code,
            unit: self.label(unit),
            shift,
        })
    }

    fn children(&self, unit: usize, _shift: i32) -> Vec<usize> {
        (0..self.parents.len()).filter(|&u| self.parents[u] == Some(unit)).collect()
    }

    fn parent(&self, unit: usize, _shift: i32) -> Option<usize> {
        self.parents[unit]
    }

    fn periods_per_year(&self) -> i32 {
        self.per_year
    }

    fn label(&self, unit: usize) -> String {
        format!("unit {unit}")
    }
}

fn num(src: &str, env: &TestEnv, unit: usize) -> Result<f64, NoValue> {
    let expr = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    match eval(&expr, env, unit)? {
        Value::Number(v) => Ok(v),
        Value::Bool(b) => panic!("{src} gave {b}"),
    }
}

fn val(src: &str) -> f64 {
    num(src, &TestEnv::new(), 0).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn truth(src: &str, env: &TestEnv) -> Result<bool, NoValue> {
    match eval(&parse(src).unwrap_or_else(|e| panic!("{src}: {e}")), env, 0)? {
        Value::Bool(b) => Ok(b),
        Value::Number(v) => panic!("{src} gave {v}"),
    }
}

fn err(src: &str) -> ParseError {
    parse(src).expect_err(src)
}

// ---------------------------------------------------------------------------------------
// Operators, precedence, associativity, printing
// ---------------------------------------------------------------------------------------

#[test]
fn arithmetic_operators() {
    assert_eq!(val("1 + 2"), 3.0);
    assert_eq!(val("5 - 7"), -2.0);
    assert_eq!(val("6 * 7"), 42.0);
    assert_eq!(val("7 / 2"), 3.5);
    assert_eq!(val("2 ^ 10"), 1024.0);
    assert_eq!(val("-3"), -3.0);
    assert_eq!(val("--3"), 3.0);
    assert_eq!(val("1.5e3 + .5"), 1500.5);
}

#[test]
fn precedence_and_associativity() {
    assert_eq!(val("1 + 2 * 3"), 7.0);
    assert_eq!(val("(1 + 2) * 3"), 9.0);
    assert_eq!(val("10 - 4 - 3"), 3.0, "minus is left-associative");
    assert_eq!(val("8 / 4 / 2"), 1.0, "division is left-associative");
    assert_eq!(val("2 ^ 3 ^ 2"), 512.0, "power is right-associative");
    assert_eq!(val("-2 ^ 2"), -4.0, "power binds tighter than unary minus");
    assert_eq!(val("(-2) ^ 2"), 4.0);
    assert_eq!(val("2 ^ -1"), 0.5);
    assert_eq!(val("2 * -3"), -6.0);
    assert_eq!(val("-2 * 3 ^ 2"), -18.0);
    let env = TestEnv::new();
    assert_eq!(truth("1 < 2 or 1 > 2 and 0 > 1", &env), Ok(true), "and binds tighter than or");
    assert_eq!(truth("not 1 > 2 and 3 > 2", &env), Ok(true), "not takes a comparison, not the and");
    assert_eq!(truth("1 + 1 = 2", &env), Ok(true), "arithmetic binds tighter than comparison");
}

#[test]
fn comparisons() {
    let env = TestEnv::new();
    for (src, want) in [
        ("1 = 1", true),
        ("1 == 1", true),
        ("1 = 2", false),
        ("1 != 2", true),
        ("1 != 1", false),
        ("1 < 2", true),
        ("2 < 2", false),
        ("2 <= 2", true),
        ("3 <= 2", false),
        ("3 > 2", true),
        ("2 > 2", false),
        ("2 >= 2", true),
        ("1 >= 2", false),
    ] {
        assert_eq!(truth(src, &env), Ok(want), "{src}");
    }
}

#[test]
fn logic_and_short_circuit() {
    let env = TestEnv::new().with("a", 0, 0, 1.0);
    assert_eq!(truth("a > 0 and a < 2", &env), Ok(true));
    assert_eq!(truth("a > 0 or nothing > 0", &env), Ok(true), "or stops at true");
    assert_eq!(truth("a < 0 and nothing > 0", &env), Ok(false), "and stops at false");
    assert_eq!(truth("not a < 0", &env), Ok(true));
    let missing = NoValue::Missing { code: "nothing".into(), unit: "unit 0".into(), shift: 0 };
    assert_eq!(truth("a > 0 and nothing > 0", &env), Err(missing.clone()));
    assert_eq!(truth("a < 0 or nothing > 0", &env), Err(missing.clone()));
    assert_eq!(num("if(a > 0, 5, nothing)", &env, 0), Ok(5.0), "the untaken branch is not evaluated");
    assert_eq!(num("if(a < 0, 5, nothing)", &env, 0), Err(missing.clone()));
    assert_eq!(num("if(nothing > 0, 5, 6)", &env, 0), Err(missing));
    assert_eq!(truth("if(a > 0, a = 1, a = 2)", &env), Ok(true), "if of conditions");
}

#[test]
fn canonical_printing() {
    for (src, canonical) in [
        ("a+b*c", "a + b * c"),
        ("(a+b)*c", "(a + b) * c"),
        ("a-(b-c)", "a - (b - c)"),
        ("(a-b)-c", "a - b - c"),
        ("a == b", "a = b"),
        ("-(a^b)", "-a ^ b"),
        ("(-a)^b", "(-a) ^ b"),
        ("2^(3^2)", "2 ^ 3 ^ 2"),
        ("(2^3)^2", "(2 ^ 3) ^ 2"),
        ("not (a > b) and (c < d or a = 1)", "not a > b and (c < d or a = 1)"),
        ("IF_ok", "if_ok"),
        ("round( x ,2 )", "round(x, 2)"),
        ("1e20 + 0.0000001 + 100", "1e20 + 1e-7 + 100"),
        (
            "count( org  where tier=\"hte\" and employees >= -3 valid_at period_end )",
            "count(org where tier = \"hte\" and employees >= -3 valid_at period_end)",
        ),
        ("sum(contract.amount where kind == \"transfer\")", "sum(contract.amount where kind = \"transfer\")"),
    ] {
        if src == "IF_ok" {
            // Upper case is refused, with the lower-case suggestion.
            assert_eq!(
                err(src).kind,
                ParseErrorKind::UppercaseCode { found: "IF_ok".into(), suggestion: canonical.into() }
            );
            continue;
        }
        let expr = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(expr.to_string(), canonical, "{src}");
        assert_eq!(parse(canonical).unwrap(), expr);
    }
}

#[test]
fn spans_are_byte_ranges() {
    let expr = parse("  a + (b * c)").unwrap();
    assert_eq!(expr.span, Span::new(2, 13));
    let ExprKind::Binary(BinaryOp::Add, a, bc) = &expr.kind else { panic!("{expr:?}") };
    assert_eq!(a.span, Span::new(2, 3));
    assert_eq!(bc.span, Span::new(6, 13), "a parenthesised operand spans its parentheses");
}

// ---------------------------------------------------------------------------------------
// Registry aggregates and references
// ---------------------------------------------------------------------------------------

#[test]
fn registry_queries_parse_into_typed_queries() {
    let q = |src: &str| match parse(src).unwrap().kind {
        ExprKind::Registry(q) => q,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        q(r#"count(org where tier = "hte" valid_at period_end)"#),
        RegistryQuery {
            entity: "org".into(),
            aggregate: Aggregate::Count,
            filters: vec![Filter { field: "tier".into(), op: BinaryOp::Eq, literal: Literal::Str("hte".into()) }],
            valid_at: Some(PeriodPoint::PeriodEnd),
        }
    );
    assert_eq!(
        q(r#"sum(contract.amount where kind = "transfer")"#),
        RegistryQuery {
            entity: "contract".into(),
            aggregate: Aggregate::Sum("amount".into()),
            filters: vec![Filter { field: "kind".into(), op: BinaryOp::Eq, literal: Literal::Str("transfer".into()) }],
            valid_at: None,
        }
    );
    let talent = q(r#"count(person where role = "leading_talent" and age < 45 valid_at period_start)"#);
    assert_eq!(talent.filters.len(), 2);
    assert_eq!(talent.filters[1], Filter { field: "age".into(), op: BinaryOp::Lt, literal: Literal::Number(45.0) });
    assert_eq!(talent.valid_at, Some(PeriodPoint::PeriodStart));
    assert_eq!(q("count(platform)").filters, vec![]);
    assert_eq!(q("sum(contract.amount)").aggregate, Aggregate::Sum("amount".into()));
}

#[test]
fn registry_queries_go_to_the_environment() {
    let src = r#"100 * count(org where tier = "hte" valid_at period_end) / count(org)"#;
    let mut env = TestEnv::new();
    env.registry.insert((r#"count(org where tier = "hte" valid_at period_end)"#.into(), 0, 0), 30.0);
    env.registry.insert(("count(org)".into(), 0, 0), 120.0);
    assert_eq!(num(src, &env, 0), Ok(25.0));
    assert_eq!(
        num("yoy(count(org))", &env, 0),
        Err(NoValue::Missing { code: "count(org)".into(), unit: "unit 0".into(), shift: -1 })
    );
}

#[test]
fn references_list_codes_and_queries_once() {
    let expr = parse(r#"a + lag(b, 1) + sum_children(a) + count(org) + count(org) + count(org where x = 1)"#).unwrap();
    let refs = expr.references();
    assert_eq!(refs.codes.iter().map(String::as_str).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(refs.registry.len(), 2);
    assert_eq!(refs.registry[0].to_string(), "count(org)");
}

// ---------------------------------------------------------------------------------------
// Functions, including their "no value" cases
// ---------------------------------------------------------------------------------------

fn series() -> TestEnv {
    // x over five yearly periods at unit 0: 100, 110, 121, 0 (shift -4 .. 0 below).
    TestEnv::new()
        .with("x", 0, 0, 121.0)
        .with("x", 0, -1, 110.0)
        .with("x", 0, -2, 100.0)
        .with("x", 0, -3, 0.0)
        .with("x", 0, -4, -50.0)
}

#[test]
fn lag_yoy_cagr() {
    let env = series();
    assert_eq!(num("lag(x, 0)", &env, 0), Ok(121.0));
    assert_eq!(num("lag(x, 2)", &env, 0), Ok(100.0));
    assert_eq!(num("lag(lag(x, 1), 1)", &env, 0), Ok(100.0));
    assert!((num("yoy(x)", &env, 0).unwrap() - 10.0).abs() < 1e-12);
    assert!((num("cagr(x, 2)", &env, 0).unwrap() - 10.0).abs() < 1e-12);
    assert!((num("lag(yoy(x), 1)", &env, 0).unwrap() - 10.0).abs() < 1e-12);
    // Quarterly data: a year is four periods back.
    let mut quarterly = TestEnv::new().with("q", 0, 0, 150.0).with("q", 0, -4, 100.0);
    quarterly.per_year = 4;
    assert_eq!(num("yoy(q)", &quarterly, 0), Ok(50.0));
    // No value: a zero base, a missing period, data that do not reach back, a sign change.
    assert_eq!(num("lag(yoy(x), 2)", &env, 0), Err(NoValue::DivisionByZero { span: Span::new(4, 10) }));
    assert_eq!(num("cagr(x, 3)", &env, 0), Err(NoValue::DivisionByZero { span: Span::new(0, 10) }));
    assert_eq!(num("cagr(x, 4)", &env, 0), Err(NoValue::NonFinite { span: Span::new(0, 10) }));
    assert_eq!(num("lag(x, 5)", &env, 0), Err(NoValue::Missing { code: "x".into(), unit: "unit 0".into(), shift: -5 }));
    assert_eq!(
        num("lag(x, 7)", &env, 0),
        Err(NoValue::BeyondData { code: "x".into(), unit: "unit 0".into(), shift: -7 })
    );
    assert_eq!(num("lag(yoy(x), 3)", &env, 0), Ok(-100.0), "a fall to 0 is -100 %");
    assert_eq!(
        num("lag(yoy(x), 4)", &env, 0),
        Err(NoValue::Missing { code: "x".into(), unit: "unit 0".into(), shift: -5 })
    );
}

#[test]
fn tree_functions() {
    let env = TestEnv::new()
        .with("gdp", 0, 0, 1000.0)
        .with("gdp", 1, 0, 600.0)
        .with("gdp", 2, 0, 400.0)
        .with("gdp", 3, 0, 0.0)
        .with("gdp", 1, -1, 500.0)
        .with("gdp", 2, -1, 250.0);
    assert_eq!(num("sum_children(gdp)", &env, 0), Ok(1000.0));
    assert_eq!(num("share_of_parent(gdp)", &env, 1), Ok(60.0));
    assert_eq!(num("share_of_parent(gdp)", &env, 2), Ok(40.0));
    assert_eq!(num("lag(sum_children(gdp), 1)", &env, 0), Ok(750.0));
    assert_eq!(num("sum_children(gdp)", &env, 1), Ok(0.0), "a child's real 0 is a value");
    assert_eq!(
        num("sum_children(gdp)", &env, 2),
        Err(NoValue::NoChildren { unit: "unit 2".into(), span: Span::new(0, 17) })
    );
    assert_eq!(
        num("share_of_parent(gdp)", &env, 0),
        Err(NoValue::NoParent { unit: "unit 0".into(), span: Span::new(0, 20) })
    );
    let zero_parent = env.clone().with("gdp", 1, 0, 0.0).with("gdp", 3, 0, 5.0);
    assert_eq!(num("share_of_parent(gdp)", &zero_parent, 3), Err(NoValue::DivisionByZero { span: Span::new(0, 20) }));
    let incomplete = TestEnv::new().with("gdp", 1, 0, 600.0);
    assert_eq!(
        num("sum_children(gdp)", &incomplete, 0),
        Err(NoValue::Missing { code: "gdp".into(), unit: "unit 2".into(), shift: 0 }),
        "a missing child is never counted as 0"
    );
}

#[test]
fn round_is_half_up_on_the_decimal_value() {
    assert_eq!(val("round(2.675, 2)"), 2.68);
    assert_eq!(val("round(1.005, 2)"), 1.01);
    assert_eq!(val("round(0.125, 2)"), 0.13);
    assert_eq!(val("round(2.5, 0)"), 3.0);
    assert_eq!(val("round(-2.5, 0)"), -3.0, "half away from zero");
    assert_eq!(val("round(-2.675, 2)"), -2.68);
    assert_eq!(val("round(999.995, 2)"), 1000.0);
    assert_eq!(val("round(0.1 + 0.2, 2)"), 0.3);
    assert_eq!(val("round(2.4, 0)"), 2.0);
    assert_eq!(val("round(1e20, 2)"), 1e20);
    assert_eq!(val("round(1.5e-7, 3)"), 0.0);
    assert!(val("round(-0.001, 2)").is_sign_positive());
    assert_eq!(val("round(123.456, 12)"), 123.456);
}

#[test]
fn min_max_abs() {
    assert_eq!(val("min(3, 1, 2)"), 1.0);
    assert_eq!(val("max(3, 1, 2)"), 3.0);
    assert_eq!(val("max(-1, -2)"), -1.0);
    assert_eq!(val("abs(-4.5)"), 4.5);
    assert_eq!(val("abs(4.5)"), 4.5);
    let env = TestEnv::new();
    assert_eq!(
        num("max(1, nothing)", &env, 0),
        Err(NoValue::Missing { code: "nothing".into(), unit: "unit 0".into(), shift: 0 })
    );
}

#[test]
fn missing_data_and_division_by_zero_are_never_zero() {
    let env = TestEnv::new().with("a", 0, 0, 5.0).with("b", 0, 0, 5.0);
    assert_eq!(num("a + c", &env, 0), Err(NoValue::Missing { code: "c".into(), unit: "unit 0".into(), shift: 0 }));
    assert_eq!(num("a / (b - a)", &env, 0), Err(NoValue::DivisionByZero { span: Span::new(0, 11) }));
    assert_eq!(num("0 * (a / 0)", &env, 0), Err(NoValue::DivisionByZero { span: Span::new(4, 11) }));
    assert_eq!(num("10 ^ 400", &env, 0), Err(NoValue::NonFinite { span: Span::new(0, 8) }));
    assert_eq!(num("(0 - 8) ^ 0.5", &env, 0), Err(NoValue::NonFinite { span: Span::new(0, 13) }));
    let infinite = TestEnv::new().with("a", 0, 0, f64::INFINITY);
    assert_eq!(num("a * 0", &infinite, 0), Err(NoValue::NonFinite { span: Span::new(0, 1) }));
}

#[test]
fn fen_sums_stay_exact() {
    // 123,456,789,012.34 yuan and 987,654,321,098.76 yuan in fen; the sum is exact in f64.
    let env = TestEnv::new().with("a", 0, 0, 12_345_678_901_234.0).with("b", 0, 0, 98_765_432_109_876.0);
    assert_eq!(num("a + b", &env, 0), Ok(111_111_111_011_110.0));
}

// ---------------------------------------------------------------------------------------
// Type check
// ---------------------------------------------------------------------------------------

#[test]
fn type_errors_point_at_the_operand() {
    let e = err("1 + (a > b)");
    assert_eq!((e.kind.clone(), e.span), (ParseErrorKind::ExpectedNumber, Span::new(4, 11)));
    assert_eq!(e.to_string(), "expected a number at 4..11, found a condition (true or false)");
    let e = err("if(1, 2, 3)");
    assert_eq!((e.kind.clone(), e.span), (ParseErrorKind::ExpectedCondition, Span::new(3, 4)));
    assert_eq!(e.to_string(), "expected a condition (true or false) at 3..4, found a number");
    assert_eq!(err("not 1").span, Span::new(4, 5));
    assert_eq!(err("a > b and 1").span, Span::new(10, 11));
    assert_eq!(err("-(a > b)").kind, ParseErrorKind::ExpectedNumber);
    assert_eq!(err("lag(a > b, 1)").kind, ParseErrorKind::ExpectedNumber);
    let e = err("if(a > b, 1, a > b)");
    assert_eq!((e.kind, e.span), (ParseErrorKind::BranchMismatch, Span::new(0, 19)));
    assert_eq!(check(&parse("a > b").unwrap()), Ok(Type::Condition));
    assert_eq!(parse_as("a + 1", Type::Condition).unwrap_err().kind, ParseErrorKind::ExpectedCondition);
    assert_eq!(parse_as("a > 1", Type::Number).unwrap_err().kind, ParseErrorKind::ExpectedNumber);
    assert!(parse_as("a > 1", Type::Condition).is_ok());
}

#[test]
fn a_hand_built_ill_typed_tree_has_no_value() {
    let cond = parse("1 > 2").unwrap();
    let bad = Expr::new(ExprKind::Binary(BinaryOp::Add, Box::new(cond.clone()), Box::new(cond)), Span::new(0, 9));
    assert_eq!(eval(&bad, &TestEnv::new(), 0), Err(NoValue::NotTypeChecked { span: Span::new(0, 5) }));
    let columns = |_: &str| -> Option<Column<'static>> { None };
    assert!(matches!(eval_batch(&bad, &columns, 2), Err(BatchError::Type(_))));
    // Calls of the wrong shape: the type check reports them as the parser would.
    let a = parse("a").unwrap();
    let call = |func, args| Expr::new(ExprKind::Call(func, args), Span::new(0, 9));
    let no_args = call(Func::Min, vec![]);
    assert_eq!(check(&no_args).unwrap_err().code(), "expr.too_few_arguments");
    assert_eq!(eval(&no_args, &TestEnv::new(), 0), Err(NoValue::NotTypeChecked { span: Span::new(0, 9) }));
    assert!(matches!(eval_batch(&no_args, &columns, 2), Err(BatchError::Type(_))));
    let lag = call(Func::Lag, vec![a.clone(), a.clone()]);
    assert_eq!(
        check(&lag).unwrap_err().to_string(),
        "the second argument of `lag` must be a whole number from 0 to 1200, found `a` at 0..1"
    );
    assert_eq!(check(&call(Func::Abs, vec![a.clone(), a])).unwrap_err().code(), "expr.wrong_arity");
}

// ---------------------------------------------------------------------------------------
// Parse errors: every kind, its span and its message
// ---------------------------------------------------------------------------------------

#[test]
fn every_parse_error_names_what_and_where() {
    let cases: &[(&str, &str, (usize, usize), &str)] = &[
        ("a # b", "expr.unexpected_character", (2, 3), "unexpected character `#` at 2..3"),
        ("a + 株", "expr.unexpected_character", (4, 7), "unexpected character `株` at 4..7"),
        ("GDP / 2", "expr.uppercase_code", (0, 3), "codes are written in lower case: `GDP` at 0..3; did you mean `gdp`?"),
        ("count(org where tier = \"hte)", "expr.unterminated_string", (23, 28), "the string opened at 23 has no closing `\"`"),
        ("1.2.3", "expr.invalid_number", (0, 5), "`1.2.3` at 0..5 is not a number; write numbers like `12`, `0.5` or `1.5e6`"),
        ("2x", "expr.invalid_number", (0, 2), "`2x` at 0..2 is not a number; write numbers like `12`, `0.5` or `1.5e6`"),
        ("1e", "expr.invalid_number", (0, 2), "`1e` at 0..2 is not a number; write numbers like `12`, `0.5` or `1.5e6`"),
        ("  ", "expr.empty", (2, 2), "the expression is empty"),
        ("1 + * 2", "expr.expected_expression", (4, 5), "expected an expression after `+` at 4..5, found `*`"),
        ("1 + ", "expr.expected_expression_at_end", (4, 4), "expected an expression after `+` at 4..4"),
        ("(1 +", "expr.expected_expression_at_end", (4, 4), "expected an expression after `+` at 4..4"),
        (") + 1", "expr.unexpected_start", (0, 1), "an expression cannot start with `)` at 0..1"),
        ("a b", "expr.unexpected_token", (2, 3), "unexpected `b` at 2..3; expected an operator or the end of the expression"),
        ("1 + 2)", "expr.unexpected_token", (5, 6), "unexpected `)` at 5..6; expected an operator or the end of the expression"),
        ("2 * (3 + 4", "expr.unclosed_paren", (4, 5), "unclosed parenthesis opened at 4"),
        ("max(1, 2", "expr.unclosed_paren", (3, 4), "unclosed parenthesis opened at 3"),
        ("(1 + 2 3)", "expr.expected_close_paren", (7, 8), "expected `)` at 7..8 to close the parenthesis opened at 0, found `3`"),
        ("max(1 2)", "expr.expected_comma_or_paren", (6, 7), "expected `,` or `)` in the arguments of `max` at 6..7, found `2`"),
        ("sumx(a)", "expr.unknown_function", (0, 4), "unknown function `sumx` at 0..4; did you mean `sum`?"),
        ("rnd(a, 1)", "expr.unknown_function", (0, 3), "unknown function `rnd` at 0..3; did you mean `round`?"),
        (
            "average(a)",
            "expr.unknown_function_no_suggestion",
            (0, 7),
            "unknown function `average` at 0..7; the functions are if, lag, yoy, cagr, sum_children, share_of_parent, round, min, max, abs, count, sum",
        ),
        ("lag(a)", "expr.wrong_arity", (0, 6), "`lag` takes 2 argument(s), found 1 at 0..6"),
        ("abs()", "expr.wrong_arity", (0, 5), "`abs` takes 1 argument(s), found 0 at 0..5"),
        ("min(a)", "expr.too_few_arguments", (0, 6), "`min` takes at least 2 arguments, found 1 at 0..6"),
        ("lag(a, b)", "expr.expected_whole_number", (7, 8), "the second argument of `lag` must be a whole number from 0 to 1200, found `b` at 7..8"),
        ("round(a, 1.5)", "expr.expected_whole_number", (9, 12), "the second argument of `round` must be a whole number from 0 to 12, found `1.5` at 9..12"),
        ("cagr(a, 0)", "expr.expected_whole_number", (8, 9), "the second argument of `cagr` must be a whole number from 1 to 100, found `0` at 8..9"),
        ("lag(a, -1)", "expr.expected_whole_number", (7, 9), "the second argument of `lag` must be a whole number from 0 to 1200, found `-1` at 7..9"),
        ("a < b < c", "expr.chained_comparison", (6, 7), "comparisons do not chain: `<` at 6..7 follows another comparison; join them with `and`"),
        ("contract.amount * 2", "expr.dotted_reference", (0, 15), "`contract.amount` at 0..15: dotted names are only for registry fields inside `count(...)` or `sum(...)`"),
        ("\"hte\" = a", "expr.string_outside_filter", (0, 5), "the string at 0..5 is only allowed as a value in a registry filter such as `count(org where tier = \"hte\")`"),
        ("count(3)", "expr.expected_entity", (6, 7), "expected a registry name such as `org` after `count(` at 6..7, found `3`"),
        ("count(org.x)", "expr.expected_entity", (6, 11), "expected a registry name such as `org` after `count(` at 6..11, found `org.x`"),
        ("sum(contract)", "expr.expected_sum_field", (4, 12), "`sum` needs a registry field such as `contract.amount` at 4..12, found `contract`"),
        ("count(org where 3 = 1)", "expr.expected_filter_field", (16, 17), "expected a field name after `where` at 16..17, found `3`"),
        ("count(org where tier \"hte\")", "expr.expected_filter_operator", (21, 26), "expected a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`) after `tier` at 21..26, found `\"hte\"`"),
        ("count(org where tier = hte)", "expr.expected_filter_value", (23, 26), "expected a string or a number after `=` at 23..26, found `hte`"),
        ("count(org valid_at today)", "expr.expected_period_point", (19, 24), "expected `period_start` or `period_end` after `valid_at` at 19..24, found `today`"),
        ("count(org tier = 1)", "expr.expected_registry_clause", (10, 14), "expected `where`, `and`, `valid_at` or `)` in `count(...)` at 10..14, found `tier`"),
        ("count(org where", "expr.unclosed_paren", (5, 6), "unclosed parenthesis opened at 5"),
        ("1 + (a > b)", "expr.expected_number", (4, 11), "expected a number at 4..11, found a condition (true or false)"),
        ("if(1, 2, 3)", "expr.expected_condition", (3, 4), "expected a condition (true or false) at 3..4, found a number"),
        ("if(a > b, 1, a > b)", "expr.branch_mismatch", (0, 19), "the branches of `if` at 0..19 must both be numbers or both be conditions"),
    ];
    for &(src, code, (start, end), message) in cases {
        let e = err(src);
        assert_eq!(e.code(), code, "{src}: {e}");
        assert_eq!(e.span, Span::new(start, end), "{src}: {e}");
        assert_eq!(e.to_string(), message, "{src}");
    }
}

#[test]
fn render_caret_underlines_the_span() {
    assert_eq!(render_caret("100 * rd / gdpx", Span::new(11, 15)), "100 * rd / gdpx\n           ^^^^");
    assert_eq!(render_caret("1 +", Span::new(3, 3)), "1 +\n   ^");
    assert_eq!(render_caret("a\n+ 株 b", Span::new(4, 7)), "+ 株 b\n  ^");
}

// ---------------------------------------------------------------------------------------
// Dependency order
// ---------------------------------------------------------------------------------------

fn defs(list: &[(&str, &str)]) -> Vec<(String, Expr)> {
    list.iter().map(|(code, src)| ((*code).to_owned(), parse(src).unwrap())).collect()
}

#[test]
fn dependency_order_puts_dependencies_first() {
    let d = defs(&[("intensity", "100 * rd / gdp"), ("rd", "rd_firms + rd_public"), ("growth", "yoy(intensity)")]);
    assert_eq!(dependency_order(&d), Ok(vec![1, 0, 2]));
}

#[test]
fn dependency_order_names_the_cycle() {
    let d = defs(&[("a", "b + 1"), ("b", "lag(c, 1)"), ("c", "a * 2"), ("d", "a")]);
    let e = dependency_order(&d).unwrap_err();
    assert_eq!(e.to_string(), "the definitions form a cycle: a -> b -> c -> a");
    assert_eq!(e.code(), "expr.cycle");
    let d = defs(&[("x", "1"), ("a", "a + x")]);
    assert_eq!(dependency_order(&d).unwrap_err().cycle, ["a", "a"]);
}

// ---------------------------------------------------------------------------------------
// Batch evaluation
// ---------------------------------------------------------------------------------------

#[test]
fn batch_evaluates_columns_with_reasons() {
    let e10 = [50.0, 30.0, 7.0, 1.0];
    let e0 = [200.0, 0.0, 70.0, 4.0];
    let missing = [false, false, false, true];
    let columns = |code: &str| match code {
        "e10" => Some(Column { values: &e10, missing: None }),
        "e0" => Some(Column { values: &e0, missing: Some(&missing) }),
        _ => None,
    };
    let batch = eval_batch(&parse("100 * e10 / e0").unwrap(), &columns, 4).unwrap();
    assert_eq!(batch.len(), 4);
    assert_eq!(batch.get(0, "row 0"), Ok(Value::Number(25.0)));
    assert_eq!(batch.status(1), RowStatus::DivisionByZero(Span::new(0, 14)));
    assert_eq!(batch.get(2, "row 2"), Ok(Value::Number(10.0)));
    assert_eq!(batch.status(3), RowStatus::Missing("e0"));
    assert_eq!(batch.get(3, "row 3"), Err(NoValue::Missing { code: "e0".into(), unit: "row 3".into(), shift: 0 }));
    assert!(!batch.all_ok());
    let cond = eval_batch(&parse("e10 > 5 and e0 > 100").unwrap(), &columns, 4).unwrap();
    assert_eq!(cond.get(0, "row 0"), Ok(Value::Bool(true)));
    assert_eq!(cond.get(2, "row 2"), Ok(Value::Bool(false)));
    assert_eq!(cond.get(3, "row 3"), Ok(Value::Bool(false)), "e10 > 5 is false: e0 is not needed");
}

#[test]
fn batch_refuses_what_needs_other_periods_or_units() {
    let columns = |_: &str| -> Option<Column<'static>> { None };
    for (src, function) in
        [("1 + lag(a, 1)", "lag"), ("share_of_parent(a)", "share_of_parent"), ("count(org) + yoy(a)", "count")]
    {
        let e = eval_batch(&parse(src).unwrap(), &columns, 3).unwrap_err();
        assert!(matches!(&e, BatchError::Unsupported { function: f, .. } if f == function), "{src}: {e}");
    }
    let e = eval_batch(&parse("a + 1").unwrap(), &columns, 3).unwrap_err();
    assert_eq!(e.to_string(), "no column for `a` at 0..1");
    let short = [1.0];
    let columns = |_: &str| Some(Column { values: &short, missing: None });
    let e = eval_batch(&parse("a + 1").unwrap(), &columns, 3).unwrap_err();
    assert_eq!(e.to_string(), "column `a` has 1 rows, expected 3");
}

// ---------------------------------------------------------------------------------------
// Messages: the doc table, the code and both locale files agree
// ---------------------------------------------------------------------------------------

fn sample_messages() -> Vec<crate::message_table::Sample> {
    let span = Span::new(3, 7);
    let p = |kind: ParseErrorKind| ParseError::new(span, kind);
    let s = |t: &str| t.to_owned();
    let parse_errors = [
        p(ParseErrorKind::UnexpectedCharacter { found: '#' }),
        p(ParseErrorKind::UppercaseCode { found: s("GDP"), suggestion: s("gdp") }),
        p(ParseErrorKind::UnterminatedString { start: 3 }),
        p(ParseErrorKind::InvalidNumber { found: s("1.2.3") }),
        p(ParseErrorKind::Empty),
        p(ParseErrorKind::ExpectedExpression { after: s("+"), found: s("*") }),
        p(ParseErrorKind::ExpectedExpressionAtEnd { after: s("+") }),
        p(ParseErrorKind::UnexpectedStart { found: s(")") }),
        p(ParseErrorKind::UnexpectedToken { found: s("b") }),
        p(ParseErrorKind::UnclosedParen { open: 3 }),
        p(ParseErrorKind::ExpectedCloseParen { open: 0, found: s("3") }),
        p(ParseErrorKind::ExpectedCommaOrParen { function: s("max"), found: s("2") }),
        p(ParseErrorKind::UnknownFunction { name: s("sumx"), suggestion: Some(s("sum")) }),
        p(ParseErrorKind::UnknownFunction { name: s("average"), suggestion: None }),
        p(ParseErrorKind::WrongArity { function: s("lag"), expected: 2, found: 1 }),
        p(ParseErrorKind::TooFewArguments { function: s("min"), min: 2, found: 1 }),
        p(ParseErrorKind::ExpectedWholeNumber { function: s("lag"), min: 0, max: 1200, found: s("b") }),
        p(ParseErrorKind::ChainedComparison { op: s("<") }),
        p(ParseErrorKind::DottedReference { name: s("contract.amount") }),
        p(ParseErrorKind::StringOutsideFilter),
        p(ParseErrorKind::ExpectedEntity { function: s("count"), found: s("3") }),
        p(ParseErrorKind::ExpectedSumField { found: s("contract") }),
        p(ParseErrorKind::ExpectedFilterField { after: s("where"), found: s("3") }),
        p(ParseErrorKind::ExpectedFilterOperator { field: s("tier"), found: s("\"hte\"") }),
        p(ParseErrorKind::ExpectedFilterValue { op: s("="), found: s("hte") }),
        p(ParseErrorKind::ExpectedPeriodPoint { found: s("today") }),
        p(ParseErrorKind::ExpectedRegistryClause { function: s("count"), found: s("tier") }),
        p(ParseErrorKind::ExpectedNumber),
        p(ParseErrorKind::ExpectedCondition),
        p(ParseErrorKind::BranchMismatch),
    ];
    let no_values = [
        NoValue::Missing { code: s("gdp"), unit: s("430200"), shift: -1 },
        NoValue::BeyondData { code: s("gdp"), unit: s("430200"), shift: -9 },
        NoValue::DivisionByZero { span },
        NoValue::NonFinite { span },
        NoValue::NoParent { unit: s("430000"), span },
        NoValue::NoChildren { unit: s("430211"), span },
        NoValue::NotTypeChecked { span },
    ];
    let batch_errors = [
        BatchError::Unsupported { function: s("lag"), span },
        BatchError::UnknownColumn { code: s("gdp"), span },
        BatchError::ColumnLength { code: s("gdp"), expected: 3, found: 1 },
    ];
    let cycle = CycleError { cycle: vec![s("a"), s("b"), s("a")] };
    let mut samples: Vec<crate::message_table::Sample> =
        parse_errors.iter().map(|e| (e.code(), e.args(), e.to_string())).collect();
    samples.extend(no_values.iter().map(|e| (e.code(), e.args(), e.to_string())));
    samples.extend(batch_errors.iter().map(|e| (e.code(), e.args(), e.to_string())));
    samples.push((cycle.code(), cycle.args(), cycle.to_string()));
    samples
}

#[test]
fn messages_match_the_doc_table() {
    crate::message_table::assert_doc_table_matches(include_str!("error.rs"), &sample_messages());
    // A type error inside a batch reads as the type error itself.
    let inner = ParseError::new(Span::new(0, 1), ParseErrorKind::ExpectedNumber);
    let batch = BatchError::Type(inner.clone());
    assert_eq!((batch.code(), batch.args(), batch.to_string()), (inner.code(), inner.args(), inner.to_string()));
}

/// The `[expr]` section of a locale file, unescaped.
fn locale_section(toml: &str) -> HashMap<String, String> {
    let mut in_expr = false;
    let mut out = HashMap::new();
    for line in toml.lines() {
        if line.starts_with('[') {
            in_expr = line == "[expr]";
        } else if let (true, Some((key, value))) = (in_expr, line.split_once(" = ")) {
            let value = value.trim_matches('"').replace("\\\"", "\"").replace("\\\\", "\\");
            out.insert(format!("expr.{key}"), value);
        }
    }
    out
}

#[test]
fn locale_files_hold_the_doc_table() {
    let en = locale_section(include_str!("../../../locales/en.toml"));
    let zh = locale_section(include_str!("../../../locales/zh-CN.toml"));
    let rows = crate::message_table::doc_templates(include_str!("error.rs"));
    assert_eq!(en.len(), rows.len(), "en.toml [expr] has exactly the table's keys");
    assert_eq!(zh.len(), rows.len(), "zh-CN.toml [expr] has exactly the table's keys");
    for (code, en_text, zh_text) in rows {
        assert_eq!(en.get(&code), Some(&en_text), "{code} in en.toml");
        assert_eq!(zh.get(&code), Some(&zh_text), "{code} in zh-CN.toml");
        assert_eq!(
            crate::message_table::placeholders(&en_text),
            crate::message_table::placeholders(&zh_text),
            "{code}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Property tests: random expressions
// ---------------------------------------------------------------------------------------

const CODES: [&str; 4] = ["a", "b", "c", "d_x"];
const LITERALS: [f64; 9] = [0.0, 1.0, 2.0, 3.0, 0.5, 2.675, 10.0, 1e20, 1.5e-7];
const QUERIES: [&str; 3] =
    ["count(org)", r#"count(org where tier = "hte" valid_at period_end)"#, "sum(contract.amount where x >= -2)"];

fn dummy(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

fn bin(op: BinaryOp, a: Expr, b: Expr) -> Expr {
    dummy(ExprKind::Binary(op, Box::new(a), Box::new(b)))
}

fn call(func: Func, args: Vec<Expr>) -> Expr {
    dummy(ExprKind::Call(func, args))
}

fn lit(v: f64) -> Expr {
    dummy(ExprKind::Number(v))
}

fn leaf(periodic: bool) -> BoxedStrategy<Expr> {
    let number = proptest::sample::select(&LITERALS[..]).prop_map(lit);
    let reference = proptest::sample::select(&CODES[..]).prop_map(|c| dummy(ExprKind::Ref(c.to_owned())));
    if periodic {
        let query = proptest::sample::select(&QUERIES[..]).prop_map(|q| parse(q).unwrap());
        prop_oneof![2 => number, 3 => reference, 1 => query].boxed()
    } else {
        prop_oneof![2 => number, 3 => reference].boxed()
    }
}

/// A well-typed number expression; `periodic` admits period, tree and registry functions.
fn number_expr(depth: u32, periodic: bool) -> BoxedStrategy<Expr> {
    if depth == 0 {
        return leaf(periodic);
    }
    let n = number_expr(depth - 1, periodic);
    let c = condition_expr(depth - 1, periodic);
    let arith =
        proptest::sample::select(vec![BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Pow]);
    let plain = prop_oneof![
        3 => leaf(periodic),
        1 => n.clone().prop_map(|e| dummy(ExprKind::Unary(UnaryOp::Neg, Box::new(e)))),
        4 => (arith, n.clone(), n.clone()).prop_map(|(op, a, b)| bin(op, a, b)),
        1 => (c, n.clone(), n.clone()).prop_map(|(c, a, b)| call(Func::If, vec![c, a, b])),
        1 => (n.clone(), 0..4u8).prop_map(|(e, d)| call(Func::Round, vec![e, lit(f64::from(d))])),
        1 => proptest::collection::vec(n.clone(), 2..4).prop_map(|args| call(Func::Min, args)),
        1 => proptest::collection::vec(n.clone(), 2..4).prop_map(|args| call(Func::Max, args)),
        1 => n.clone().prop_map(|e| call(Func::Abs, vec![e])),
    ];
    if !periodic {
        return plain.boxed();
    }
    prop_oneof![
        8 => plain,
        1 => (n.clone(), 0..3u8).prop_map(|(e, k)| call(Func::Lag, vec![e, lit(f64::from(k))])),
        1 => n.clone().prop_map(|e| call(Func::Yoy, vec![e])),
        1 => (n.clone(), 1..3u8).prop_map(|(e, k)| call(Func::Cagr, vec![e, lit(f64::from(k))])),
        1 => n.clone().prop_map(|e| call(Func::SumChildren, vec![e])),
        1 => n.prop_map(|e| call(Func::ShareOfParent, vec![e])),
    ]
    .boxed()
}

/// A well-typed condition.
fn condition_expr(depth: u32, periodic: bool) -> BoxedStrategy<Expr> {
    let n = number_expr(depth.saturating_sub(1), periodic);
    let cmp = proptest::sample::select(vec![
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
    ]);
    let comparison = (cmp, n.clone(), n).prop_map(|(op, a, b)| bin(op, a, b)).boxed();
    if depth == 0 {
        return comparison;
    }
    let c = condition_expr(depth - 1, periodic);
    let logic = proptest::sample::select(vec![BinaryOp::And, BinaryOp::Or]);
    prop_oneof![
        3 => comparison,
        3 => (logic, c.clone(), c.clone()).prop_map(|(op, a, b)| bin(op, a, b)),
        1 => c.clone().prop_map(|e| dummy(ExprKind::Unary(UnaryOp::Not, Box::new(e)))),
        1 => (c.clone(), c.clone(), c).prop_map(|(x, a, b)| call(Func::If, vec![x, a, b])),
    ]
    .boxed()
}

fn any_typed(periodic: bool) -> BoxedStrategy<Expr> {
    prop_oneof![3 => number_expr(4, periodic), 1 => condition_expr(3, periodic)].boxed()
}

/// Any tree, well typed or not: the printer must be right about every operator pairing.
fn any_untyped() -> impl Strategy<Value = Expr> {
    let ops = vec![
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Pow,
        BinaryOp::Eq,
        BinaryOp::Lt,
        BinaryOp::And,
        BinaryOp::Or,
    ];
    leaf(true).prop_recursive(5, 64, 3, move |inner| {
        prop_oneof![
            (proptest::sample::select(ops.clone()), inner.clone(), inner.clone()).prop_map(|(op, a, b)| bin(op, a, b)),
            (proptest::sample::select(vec![UnaryOp::Neg, UnaryOp::Not]), inner.clone())
                .prop_map(|(op, e)| dummy(ExprKind::Unary(op, Box::new(e)))),
            proptest::collection::vec(inner, 2..4).prop_map(|args| call(Func::Max, args)),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_is_the_same_tree(expr in any_typed(true)) {
        let text = expr.to_string();
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &expr, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }

    #[test]
    fn print_then_parse_holds_for_ill_typed_trees(expr in any_untyped()) {
        let text = expr.to_string();
        let back = crate::parser::parse_untyped(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&back, &expr, "{}", text);
    }

    #[test]
    fn eval_agrees_with_the_reference_evaluator(
        expr in any_typed(true),
        cells in proptest::collection::vec(proptest::option::weighted(0.85, proptest::sample::select(&VALUES[..])), 4 * 4 * 7),
        counts in proptest::collection::vec(proptest::option::weighted(0.9, 0..40u8), 3 * 4 * 7),
        unit in 0..4usize,
        per_year in 1..3i32,
    ) {
        // Re-parse, so the nodes carry real (distinct) spans.
        let expr = parse(&expr.to_string()).unwrap();
        let mut env = TestEnv::new();
        env.first = -5;
        env.per_year = per_year;
        let mut cells = cells.into_iter();
        let mut counts = counts.into_iter();
        for u in 0..4 {
            for shift in -6..=0 {
                for code in CODES {
                    if let Some(v) = cells.next().flatten() {
                        env.values.insert((code.to_owned(), u, shift), v);
                    }
                }
                for q in QUERIES {
                    if let Some(v) = counts.next().flatten() {
                        env.registry.insert((parse(q).unwrap().to_string(), u, shift), f64::from(v));
                    }
                }
            }
        }
        let got = eval(&expr, &env, unit);
        let want = reference::eval(&expr, &env, unit, 0);
        prop_assert_eq!(got, want, "{}", expr);
    }

    #[test]
    fn batch_agrees_with_eval_row_by_row(
        expr in any_typed(false),
        rows in proptest::collection::vec(
            proptest::collection::vec(proptest::option::weighted(0.85, proptest::sample::select(&BATCH_VALUES[..])), 4),
            0..24,
        ),
    ) {
        let expr = parse(&expr.to_string()).unwrap();
        let len = rows.len();
        let values: Vec<Vec<f64>> = (0..4).map(|c| rows.iter().map(|r| r[c].unwrap_or(f64::NAN)).collect()).collect();
        let missing: Vec<Vec<bool>> = (0..4).map(|c| rows.iter().map(|r| r[c].is_none()).collect()).collect();
        let columns = |code: &str| {
            CODES.iter().position(|&c| c == code).map(|i| Column { values: &values[i], missing: Some(&missing[i]) })
        };
        let batch = eval_batch(&expr, &columns, len).map_err(|e| TestCaseError::fail(format!("{expr}: {e}")))?;
        prop_assert_eq!(batch.len(), len);
        let env = RowEnv { rows: &rows };
        for row in 0..len {
            let label = format!("row {row}");
            prop_assert_eq!(batch.get(row, &label), eval(&expr, &env, row), "{} row {}", expr, row);
        }
    }

    #[test]
    fn dependency_order_finds_exactly_the_cycles(
        n in 1..9usize,
        edges in proptest::collection::vec((0..9usize, 0..9usize), 0..14),
        measures in proptest::collection::vec(0..9usize, 0..4),
    ) {
        let edges: Vec<(usize, usize)> = edges.into_iter().filter(|&(a, b)| a < n && b < n).collect();
        let defs: Vec<(String, Expr)> = (0..n)
            .map(|i| {
                let mut terms: Vec<String> = edges.iter().filter(|e| e.0 == i).map(|e| format!("v{}", e.1)).collect();
                terms.extend(measures.iter().filter(|&&m| m == i).map(|m| format!("m{m}")));
                if terms.is_empty() { terms.push("1".into()); }
                (format!("v{i}"), parse(&terms.join(" + ")).unwrap())
            })
            .collect();
        // Naive: a node on a cycle reaches itself (transitive closure).
        let mut reach = vec![vec![false; n]; n];
        for &(a, b) in &edges { reach[a][b] = true; }
        for k in 0..n { for i in 0..n { for j in 0..n { if reach[i][k] && reach[k][j] { reach[i][j] = true; } } } }
        let cyclic = (0..n).any(|i| reach[i][i]);
        match dependency_order(&defs) {
            Ok(order) => {
                prop_assert!(!cyclic);
                let mut sorted = order.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..n).collect::<Vec<_>>());
                let pos: Vec<usize> = (0..n).map(|i| order.iter().position(|&o| o == i).unwrap()).collect();
                for &(a, b) in &edges { prop_assert!(pos[b] < pos[a], "v{} uses v{}", a, b); }
            }
            Err(e) => {
                prop_assert!(cyclic);
                let idx: Vec<usize> = e.cycle.iter().map(|c| c[1..].parse().unwrap()).collect();
                prop_assert!(idx.len() >= 2);
                prop_assert_eq!(idx.first(), idx.last());
                for pair in idx.windows(2) { prop_assert!(edges.contains(&(pair[0], pair[1])), "{}", e); }
                let inner = &idx[..idx.len() - 1];
                let mut distinct = inner.to_vec();
                distinct.sort_unstable();
                distinct.dedup();
                prop_assert_eq!(distinct.len(), inner.len(), "{}", e);
            }
        }
    }
}

const VALUES: [f64; 11] = [0.0, 1.0, -1.0, 2.0, 3.0, 0.5, -1.5, 2.675, 100.0, 1e200, 7.0];
const BATCH_VALUES: [f64; 10] = [0.0, 1.0, -1.0, 2.0, 0.5, 2.675, 100.0, 1e200, f64::INFINITY, -3.0];

/// One row per unit, period 0 only: what the batch's rows mean to the scalar evaluator.
struct RowEnv<'r> {
    rows: &'r [Vec<Option<f64>>],
}

impl Env for RowEnv<'_> {
    type Unit = usize;

    fn value(&self, code: &str, row: usize, shift: i32) -> Result<f64, NoValue> {
        let i = CODES.iter().position(|&c| c == code).expect("a test code");
        self.rows[row][i].ok_or_else(|| NoValue::Missing { code: code.to_owned(), unit: self.label(row), shift })
    }

    fn registry(&self, q: &RegistryQuery, row: usize, shift: i32) -> Result<f64, NoValue> {
        Err(NoValue::Missing { code: q.to_string(), unit: self.label(row), shift })
    }

    fn children(&self, _: usize, _: i32) -> Vec<usize> {
        Vec::new()
    }

    fn parent(&self, _: usize, _: i32) -> Option<usize> {
        None
    }

    fn periods_per_year(&self) -> i32 {
        1
    }

    fn label(&self, row: usize) -> String {
        format!("row {row}")
    }
}

/// The reference evaluator: straightforward recursion over the tree, written apart from
/// `eval.rs` (its own arithmetic checks and its own decimal rounding on integers).
mod reference {
    use super::TestEnv;
    use crate::{BinaryOp, Env, Expr, ExprKind, Func, NoValue, UnaryOp, Value};

    type R = Result<Value, NoValue>;

    fn n(e: &Expr, env: &TestEnv, u: usize, s: i32) -> Result<f64, NoValue> {
        match eval(e, env, u, s)? {
            Value::Number(x) => Ok(x),
            Value::Bool(_) => panic!("generator makes typed trees"),
        }
    }

    fn b(e: &Expr, env: &TestEnv, u: usize, s: i32) -> Result<bool, NoValue> {
        match eval(e, env, u, s)? {
            Value::Bool(x) => Ok(x),
            Value::Number(_) => panic!("generator makes typed trees"),
        }
    }

    fn checked(x: f64, e: &Expr) -> R {
        if x.is_nan() || x.is_infinite() {
            Err(NoValue::NonFinite { span: e.span })
        } else {
            Ok(Value::Number(x))
        }
    }

    fn int(e: &Expr) -> i32 {
        match e.kind {
            ExprKind::Number(v) => format!("{v}").parse().unwrap(),
            _ => panic!("whole-number literal"),
        }
    }

    pub(super) fn eval(e: &Expr, env: &TestEnv, u: usize, s: i32) -> R {
        match &e.kind {
            ExprKind::Number(v) => Ok(Value::Number(*v)),
            ExprKind::Ref(code) => checked(env.value(code, u, s)?, e),
            ExprKind::Registry(q) => checked(env.registry(q, u, s)?, e),
            ExprKind::Unary(UnaryOp::Neg, x) => Ok(Value::Number(-n(x, env, u, s)?)),
            ExprKind::Unary(UnaryOp::Not, x) => Ok(Value::Bool(!b(x, env, u, s)?)),
            ExprKind::Binary(BinaryOp::And, x, y) => {
                if b(x, env, u, s)? {
                    Ok(Value::Bool(b(y, env, u, s)?))
                } else {
                    Ok(Value::Bool(false))
                }
            }
            ExprKind::Binary(BinaryOp::Or, x, y) => {
                if b(x, env, u, s)? {
                    Ok(Value::Bool(true))
                } else {
                    Ok(Value::Bool(b(y, env, u, s)?))
                }
            }
            ExprKind::Binary(op, x, y) => {
                let (l, r) = (n(x, env, u, s)?, n(y, env, u, s)?);
                match op {
                    BinaryOp::Eq => Ok(Value::Bool(l == r)),
                    BinaryOp::Ne => Ok(Value::Bool(l != r)),
                    BinaryOp::Lt => Ok(Value::Bool(l < r)),
                    BinaryOp::Le => Ok(Value::Bool(l <= r)),
                    BinaryOp::Gt => Ok(Value::Bool(l > r)),
                    BinaryOp::Ge => Ok(Value::Bool(l >= r)),
                    BinaryOp::Add => checked(l + r, e),
                    BinaryOp::Sub => checked(l - r, e),
                    BinaryOp::Mul => checked(l * r, e),
                    BinaryOp::Div if r == 0.0 => Err(NoValue::DivisionByZero { span: e.span }),
                    BinaryOp::Div => checked(l / r, e),
                    _ => checked(l.powf(r), e),
                }
            }
            ExprKind::Call(f, a) => match f {
                Func::If => {
                    if b(&a[0], env, u, s)? {
                        eval(&a[1], env, u, s)
                    } else {
                        eval(&a[2], env, u, s)
                    }
                }
                Func::Lag => eval(&a[0], env, u, s - int(&a[1])),
                Func::Yoy => {
                    let now = n(&a[0], env, u, s)?;
                    let then = n(&a[0], env, u, s - env.per_year)?;
                    if then == 0.0 {
                        return Err(NoValue::DivisionByZero { span: e.span });
                    }
                    checked(100.0 * (now / then - 1.0), e)
                }
                Func::Cagr => {
                    let years = int(&a[1]);
                    let now = n(&a[0], env, u, s)?;
                    let then = n(&a[0], env, u, s - years * env.per_year)?;
                    if then == 0.0 {
                        return Err(NoValue::DivisionByZero { span: e.span });
                    }
                    checked(100.0 * ((now / then).powf(1.0 / f64::from(years)) - 1.0), e)
                }
                Func::SumChildren => {
                    let kids: Vec<usize> = (0..env.parents.len()).filter(|&k| env.parents[k] == Some(u)).collect();
                    if kids.is_empty() {
                        return Err(NoValue::NoChildren { unit: format!("unit {u}"), span: e.span });
                    }
                    let mut total = 0.0;
                    for k in kids {
                        total += n(&a[0], env, k, s)?;
                    }
                    checked(total, e)
                }
                Func::ShareOfParent => {
                    let part = n(&a[0], env, u, s)?;
                    let Some(p) = env.parents[u] else {
                        return Err(NoValue::NoParent { unit: format!("unit {u}"), span: e.span });
                    };
                    let whole = n(&a[0], env, p, s)?;
                    if whole == 0.0 {
                        return Err(NoValue::DivisionByZero { span: e.span });
                    }
                    checked(part / whole * 100.0, e)
                }
                Func::Round => Ok(Value::Number(round(n(&a[0], env, u, s)?, int(&a[1])))),
                Func::Min | Func::Max => {
                    let mut best = n(&a[0], env, u, s)?;
                    for x in &a[1..] {
                        let v = n(x, env, u, s)?;
                        if (*f == Func::Min && v < best) || (*f == Func::Max && v > best) {
                            best = v;
                        }
                    }
                    Ok(Value::Number(best))
                }
                Func::Abs => Ok(Value::Number(n(&a[0], env, u, s)?.abs())),
            },
        }
    }

    /// Half away from zero on the shortest decimal digits, by integer arithmetic on the
    /// mantissa of the `{:e}` form.
    fn round(x: f64, places: i32) -> f64 {
        let text = format!("{:e}", x.abs());
        let (mantissa, exp) = text.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let decimals = i32::try_from(digits.len()).unwrap() - 1 - exp;
        if decimals <= places {
            return x;
        }
        let drop = u32::try_from(decimals - places).unwrap();
        let value: u128 = digits.parse().unwrap();
        let kept = if drop > 38 {
            0
        } else {
            let unit = 10u128.pow(drop);
            value / unit + u128::from(value % unit >= unit / 2)
        };
        let magnitude: f64 = format!("{kept}e-{places}").parse().unwrap();
        if x < 0.0 && magnitude != 0.0 {
            -magnitude
        } else {
            magnitude
        }
    }
}
