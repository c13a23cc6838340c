use proptest::prelude::*;

use super::formula::{evaluate, BatchFormula, ExprFormula, Ratio};
use super::*;
use crate::index::Direction;
use crate::money::Money;
use crate::period::{Period, PeriodKind};
use crate::region::zhuzhou_seed;

fn q(text: &str) -> Quantity {
    Quantity::parse(text).unwrap()
}

fn period(text: &str) -> Period {
    Period::parse(text).unwrap()
}

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("R{i}")).collect()
}

/// 0 → {1, 2}; 1 → {3, 4}; 2 → {5}.
fn small_tree() -> Tree {
    let parents = [None, Some(0), Some(0), Some(1), Some(1), Some(2)];
    Tree::from_parents(labels(6), &parents, &[]).unwrap()
}

fn cube(tree: Tree, periods: &[&str], measures: &[&str]) -> FactCube {
    FactCube::new(tree, periods.iter().map(|p| period(p)).collect(), measures.iter().map(|m| (*m).to_owned()).collect())
}

// --- Quantity ----------------------------------------------------------------------------

#[test]
fn quantity_parses_and_displays_exactly() {
    for (text, units, shown) in [
        ("1234.56", 12_345_600, "1234.56"),
        ("-0.5", -5_000, "-0.5"),
        ("7", 70_000, "7"),
        ("0.0001", 1, "0.0001"),
        ("-0", 0, "0"),
        ("922337203685477.5807", i64::MAX, "922337203685477.5807"),
        ("-922337203685477.5807", i64::MIN + 1, "-922337203685477.5807"),
    ] {
        let value = q(text);
        assert_eq!(value.units(), units, "{text}");
        assert_eq!(value.to_string(), shown, "{text}");
    }
}

#[test]
fn quantity_rejects_each_bad_form() {
    assert_eq!(Quantity::parse("").unwrap_err().code(), "rollup.empty_quantity");
    for text in ["+1", ".5", "5.", "1e5", "1,234", "1.23456", " 1", "1 ", "--1", "1-", "a", "1.2.3", "-"] {
        assert_eq!(Quantity::parse(text).unwrap_err().code(), "rollup.invalid_quantity", "{text}");
    }
    for text in ["922337203685477.5808", "-922337203685477.5808", "99999999999999999999"] {
        assert_eq!(Quantity::parse(text).unwrap_err().code(), "rollup.quantity_out_of_range", "{text}");
    }
}

#[test]
fn quantity_adds_checked_never_wrapping() {
    assert_eq!(q("0.1").checked_add(q("0.2")), Some(q("0.3")));
    assert_eq!(Quantity::MAX.checked_add(q("0.0001")), None);
    assert_eq!(Quantity::MIN.checked_add(q("-0.0001")), None);
    assert_eq!(Quantity::from_units(i64::MIN), None);
}

#[test]
fn money_converts_exactly() {
    assert_eq!(Quantity::from_money(Money::parse("1,234.56").unwrap()).unwrap(), q("1234.56"));
    assert_eq!(Quantity::from_money(Money::from_fen(-1)).unwrap(), q("-0.01"));
    assert_eq!(Quantity::from_money(Money::MAX).unwrap_err().code(), "rollup.quantity_out_of_range");
}

#[test]
fn floats_convert_only_when_they_stand_for_four_decimals() {
    assert_eq!(Quantity::from_f64_exact(1234.56), Some(q("1234.56")));
    assert_eq!(Quantity::from_f64_exact(0.1 + 0.2), None, "0.30000000000000004 is not 0.3");
    assert_eq!(Quantity::from_f64_exact(0.12345), None);
    assert_eq!(Quantity::from_f64_exact(f64::NAN), None);
    assert_eq!(Quantity::from_f64_exact(1e300), None);
    assert_eq!(Quantity::from_f64_exact(-2.5), Some(q("-2.5")));
    assert_eq!(Quantity::from_f64_exact(300_000_000_000.01), Some(q("300000000000.01")), "the large-value path");
    assert_eq!(Quantity::from_f64_exact(0.000_05), None, "half a unit");
}

// --- Tree ------------------------------------------------------------------------------

#[test]
fn tree_rejects_unknown_parents_cycles_and_administrative_regions_under_parks() {
    let error = Tree::from_parents(labels(2), &[None, Some(5)], &[]).unwrap_err();
    assert_eq!(error, RollupError::UnknownParent { region: "R1".into(), parent: 5 });
    let error = Tree::from_parents(labels(3), &[None, Some(2), Some(1)], &[]).unwrap_err();
    assert_eq!(error.code(), "rollup.cycle");
    let error = Tree::from_parents(
        labels(3),
        &[None, Some(0), Some(1)],
        &[NodeKind::Administrative, NodeKind::Park, NodeKind::Administrative],
    )
    .unwrap_err();
    assert_eq!(error.code(), "rollup.administrative_under_park");
}

#[test]
fn zhuzhou_tree_follows_the_year() {
    let (regions, memberships) = zhuzhou_seed();
    let tree_2017 = Tree::from_regions(&regions, &memberships, 2017).unwrap();
    let tree_2021 = Tree::from_regions(&regions, &memberships, 2021).unwrap();
    assert!(tree_2017.find("430221").is_some() && tree_2017.find("430212").is_none());
    assert!(tree_2021.find("430212").is_some() && tree_2021.find("430221").is_none());
    assert!(tree_2017.find("P43002").is_none(), "炎陵高新区 only from 2021");
    let city = tree_2021.find("430200").unwrap();
    assert_eq!(tree_2021.index_by_label()["430200"], city);
    assert_eq!(tree_2021.rollup_child_count(city), 9, "nine county-level divisions, parks not among them");
    let park = tree_2021.find("P43001").unwrap();
    assert_eq!(tree_2021.parent(park), tree_2021.find("430211"));
    assert_eq!(tree_2021.kind(park), NodeKind::Park);
    assert_eq!(tree_2021.rollup_parent(park), None);
    assert_eq!(tree_2021.level(park), 3);
}

// --- Roll-up -----------------------------------------------------------------------------

#[test]
fn rollup_sums_and_counts_children() {
    let mut facts = cube(small_tree(), &["2021"], &["m"]);
    facts.insert(3, 0, 0, q("1.5")).unwrap();
    facts.insert(4, 0, 0, q("2.25")).unwrap();
    let rolled = facts.rollup(2).unwrap();
    assert_eq!(rolled.value(1, 0, 0), Some(q("3.75")));
    assert_eq!(rolled.value(2, 0, 0), None, "no child reported: no value, not 0");
    assert_eq!(rolled.value(0, 0, 0), Some(q("3.75")));
    let root = rolled.cell(0, 0, 0);
    assert_eq!(root.children, Some(Coverage { contributed: 1, of: 2, sum: Some(q("3.75")) }));
    assert!(!root.reported);
    assert_eq!(rolled.cell(2, 0, 0).children, Some(Coverage { contributed: 0, of: 1, sum: None }));
    assert_eq!(rolled.cell(3, 0, 0), Cell { value: Some(q("1.5")), reported: true, children: None });
}

#[test]
fn a_parents_own_figure_wins_and_the_discrepancy_is_kept() {
    let mut facts = cube(small_tree(), &["2021"], &["m"]);
    facts.insert(3, 0, 0, q("1")).unwrap();
    facts.insert(4, 0, 0, q("2")).unwrap();
    facts.insert(1, 0, 0, q("3.5")).unwrap();
    facts.insert(5, 0, 0, q("10")).unwrap();
    let rolled = facts.rollup(1).unwrap();
    let cell = rolled.cell(1, 0, 0);
    assert_eq!(cell.value, Some(q("3.5")));
    assert!(cell.reported);
    assert_eq!(cell.children, Some(Coverage { contributed: 2, of: 2, sum: Some(q("3")) }));
    assert_eq!(cell.discrepancy(), Some(q("0.5")));
    assert_eq!(rolled.value(0, 0, 0), Some(q("13.5")), "the own figure rolls up further");
    assert_eq!(rolled.cell(0, 0, 0).discrepancy(), None);
}

#[test]
fn overflow_names_measure_region_and_period() {
    let mut facts = cube(small_tree(), &["2021", "2022"], &["a", "b"]);
    facts.insert(3, 1, 1, Quantity::MAX).unwrap();
    facts.insert(4, 1, 1, q("1")).unwrap();
    let error = facts.rollup(2).unwrap_err();
    assert_eq!(error, RollupError::Overflow { measure: "b".into(), region: "R1".into(), period: "2022".into() });
}

#[test]
fn a_sum_of_exactly_i64_min_units_is_an_overflow() {
    let mut facts = cube(small_tree(), &["2021"], &["a"]);
    facts.insert(3, 0, 0, Quantity::MIN).unwrap();
    facts.insert(4, 0, 0, q("-0.0001")).unwrap();
    assert_eq!(facts.rollup(1).unwrap_err().code(), "rollup.overflow");
}

#[test]
fn duplicate_and_out_of_range_facts_are_refused() {
    let mut facts = cube(small_tree(), &["2021"], &["m"]);
    facts.insert(3, 0, 0, q("1")).unwrap();
    let error = facts.insert(3, 0, 0, q("2")).unwrap_err();
    assert_eq!(error, RollupError::DuplicateFact { measure: "m".into(), region: "R3".into(), period: "2021".into() });
    assert_eq!(facts.get(3, 0, 0), Some(q("1")), "unchanged");
    let error = facts.insert(6, 0, 0, q("1")).unwrap_err();
    assert_eq!(error, RollupError::OutOfRange { axis: "node", index: 6, last: 5 });
    assert_eq!(facts.insert(0, 1, 0, q("1")).unwrap_err().code(), "rollup.out_of_range");
}

#[test]
fn writers_load_disjoint_node_ranges_from_threads() {
    let mut facts = cube(small_tree(), &["2021", "2022"], &["m"]);
    std::thread::scope(|scope| {
        let mut writers = facts.writers(&[3, 5]).into_iter();
        let (mut low, mut middle, mut high) =
            (writers.next().unwrap(), writers.next().unwrap(), writers.next().unwrap());
        assert_eq!(
            low.insert(3, 0, 0, q("1")).unwrap_err(),
            RollupError::OutOfRange { axis: "node", index: 3, last: 2 }
        );
        assert_eq!(middle.insert(3, 2, 0, q("1")).unwrap_err().code(), "rollup.out_of_range");
        scope.spawn(move || {
            middle.insert(3, 1, 0, q("1")).unwrap();
            middle.insert(4, 1, 0, q("2")).unwrap();
            assert_eq!(middle.insert(4, 1, 0, q("2")).unwrap_err().code(), "rollup.duplicate_fact");
        });
        scope.spawn(move || high.insert(5, 1, 0, q("4")).unwrap());
        low.insert(0, 0, 0, q("8")).unwrap();
    });
    assert_eq!(facts.get(4, 1, 0), Some(q("2")));
    let rolled = facts.rollup(2).unwrap();
    assert_eq!(rolled.value(0, 1, 0), Some(q("7")));
    assert_eq!(rolled.value(0, 0, 0), Some(q("8")), "own figure, no child reported in 2021");
    assert_eq!(rolled.cell(0, 0, 0).children, Some(Coverage { contributed: 0, of: 2, sum: None }));
}

#[test]
fn parks_are_counted_once_in_the_city() {
    let (regions, memberships) = zhuzhou_seed();
    let tree = Tree::from_regions(&regions, &memberships, 2021).unwrap();
    let node = |code: &str| tree.find(code).unwrap();
    let (city, tianyuan, park, yanling, yanling_park) =
        (node("430200"), node("430211"), node("P43001"), node("430225"), node("P43002"));
    let mut facts = cube(tree.clone(), &["2021"], &["rd"]);
    facts.insert(tianyuan, 0, 0, q("100")).unwrap(); // contains the park's 60
    facts.insert(park, 0, 0, q("60")).unwrap();
    facts.insert(yanling, 0, 0, q("20")).unwrap();
    facts.insert(yanling_park, 0, 0, q("5")).unwrap();
    let rolled = facts.rollup(1).unwrap();
    assert_eq!(rolled.value(city, 0, 0), Some(q("120")));
    assert_eq!(rolled.cell(city, 0, 0).children.unwrap().contributed, 2);
    assert_eq!(rolled.value(park, 0, 0), Some(q("60")));
    let parks = rolled.park_total(city, 0, 0).unwrap();
    assert_eq!(parks, Coverage { contributed: 2, of: 2, sum: Some(q("65")) });
    assert_eq!(rolled.park_total(tianyuan, 0, 0).unwrap().sum, Some(q("60")));
}

#[test]
fn the_2018_boundary_change_is_followed() {
    let (regions, memberships) = zhuzhou_seed();
    for (year, county) in [(2017, "430221"), (2018, "430212")] {
        let tree = Tree::from_regions(&regions, &memberships, year).unwrap();
        let city = tree.find("430200").unwrap();
        let county = tree.find(county).unwrap();
        let mut facts = cube(tree, &[&year.to_string()], &["gdp"]);
        facts.insert(county, 0, 0, q("42")).unwrap();
        assert_eq!(facts.rollup(1).unwrap().value(city, 0, 0), Some(q("42")));
    }
}

// --- Time --------------------------------------------------------------------------------

#[test]
fn years_from_months_by_sum_last_and_average() {
    let months: Vec<String> = (1..=12).map(|m| format!("2021-{m:02}")).collect();
    let months: Vec<&str> = months.iter().map(String::as_str).collect();
    let mut facts = cube(small_tree(), &months, &["flow", "stock", "mean"]);
    for m in 0..11 {
        // December missing.
        let value = Quantity::from_units(i64::try_from(m + 1).unwrap() * 10_000).unwrap();
        for measure in 0..3 {
            facts.insert(3, m, measure, value).unwrap();
        }
    }
    facts.insert(4, 0, 2, q("0.0001")).unwrap();
    facts.insert(4, 1, 2, q("0.0002")).unwrap();
    let how = [TimeAggregation::Sum, TimeAggregation::Last, TimeAggregation::Average];
    let (year, expected) = facts.aggregate_time(&[period("2021")], PeriodKind::Month, &how).unwrap();
    assert_eq!(expected, vec![12]);
    assert_eq!(year.get(3, 0, 0), Some(q("66")));
    assert_eq!(year.get(3, 0, 1), Some(q("11")));
    assert_eq!(year.get(3, 0, 2), Some(q("6")));
    assert_eq!(year.get(4, 0, 2), Some(q("0.0002")), "0.00015 rounds half away from zero");
    assert_eq!(year.get(4, 0, 0), None);
    assert_eq!(facts.reported_periods(3, period("2021"), 0), 11);
    let error = year.aggregate_time(&[period("2021")], PeriodKind::Quarter, &how).unwrap_err();
    assert_eq!(error.code(), "rollup.wrong_source_period");
}

#[test]
fn a_year_from_quarters() {
    let mut facts = cube(small_tree(), &["2021Q1", "2021Q2", "2021Q3", "2021Q4", "2022Q1"], &["flow"]);
    for p in 0..5 {
        facts.insert(3, p, 0, q("-1.25")).unwrap();
    }
    let (year, expected) = facts.aggregate_time(&[period("2021")], PeriodKind::Quarter, &[]).unwrap();
    assert_eq!(expected, vec![4]);
    assert_eq!(year.get(3, 0, 0), Some(q("-5")));
}

// --- Ranks -------------------------------------------------------------------------------

#[test]
fn min_rank_with_ties_and_missing_last() {
    let values = [Some(3.0), Some(5.0), None, Some(5.0), Some(f64::NAN), Some(1.0)];
    assert_eq!(rank(&values, Direction::Positive), vec![Some(3), Some(1), None, Some(1), None, Some(4)]);
    assert_eq!(rank(&values, Direction::Negative), vec![Some(2), Some(3), None, Some(3), None, Some(1)]);
}

#[test]
fn siblings_rank_among_themselves() {
    let tree = small_tree();
    let values = [Some(9.0), Some(1.0), Some(2.0), Some(7.0), Some(8.0), Some(0.5)];
    let ranks = rank_among_siblings(&tree, &values, Direction::Positive);
    assert_eq!(ranks, vec![Some(1), Some(2), Some(1), Some(2), Some(1), Some(1)]);
}

// --- Formulas ----------------------------------------------------------------------------

#[test]
fn ratios_over_rolled_up_columns() {
    let mut facts = cube(small_tree(), &["2021", "2022"], &["den", "num"]);
    facts.insert(3, 0, 0, q("2")).unwrap();
    facts.insert(4, 0, 0, q("2")).unwrap();
    facts.insert(3, 0, 1, q("1")).unwrap();
    facts.insert(5, 0, 1, q("1")).unwrap();
    facts.insert(5, 1, 0, q("0")).unwrap();
    facts.insert(5, 1, 1, q("1")).unwrap();
    let rolled = facts.rollup(2).unwrap();
    let ratio = Ratio::new(100.0, 1, 0);
    let formulas: [&dyn BatchFormula; 1] = [&ratio];
    let values = evaluate(&rolled, &formulas, 2);
    assert_eq!(values.get(0, 0, 0), Some(50.0));
    assert_eq!(values.get(1, 0, 0), Some(25.0));
    assert_eq!(values.get(5, 0, 0), None, "missing denominator: no value");
    assert_eq!(values.get(5, 1, 0), None, "zero denominator: no value");
}

#[test]
fn expression_formulas_agree_with_the_hand_written_ratio() {
    let mut facts = cube(small_tree(), &["2021", "2022"], &["den", "num"]);
    for (node, period, measure, value) in
        [(3, 0, 0, "2"), (4, 0, 0, "2"), (3, 0, 1, "1"), (5, 0, 1, "1"), (5, 1, 0, "0"), (5, 1, 1, "1"), (4, 1, 1, "3")]
    {
        facts.insert(node, period, measure, q(value)).unwrap();
    }
    let rolled = facts.rollup(1).unwrap();
    let measures = rolled.measures().to_vec();
    let expr = ExprFormula::new(gaodi_expr::parse("100 * num / den").unwrap(), &measures).unwrap();
    assert_eq!(expr.inputs(), &[0, 1], "den, num: sorted codes");
    let ratio = Ratio::new(100.0, 1, 0);
    let formulas: [&dyn BatchFormula; 2] = [&expr, &ratio];
    let values = evaluate(&rolled, &formulas, 2);
    for period in 0..2 {
        for node in 0..6 {
            assert_eq!(values.get(node, period, 0), values.get(node, period, 1), "node {node}, period {period}");
        }
    }
    assert_eq!(values.get(0, 0, 0), Some(50.0));
    assert_eq!(values.get(5, 1, 0), None, "division by zero: no value");
    assert_eq!(values.get(4, 1, 0), None, "missing denominator: no value");
}

#[test]
fn expression_formulas_are_bound_to_the_cube() {
    let measures = vec!["rd".to_owned(), "gdp".to_owned()];
    let error = ExprFormula::new(gaodi_expr::parse("100 * rd / gdpx").unwrap(), &measures).unwrap_err();
    assert_eq!(error, RollupError::UnknownMeasure { formula: "100 * rd / gdpx".into(), code: "gdpx".into() });
    let error = ExprFormula::new(gaodi_expr::parse("yoy(rd)").unwrap(), &measures).unwrap_err();
    assert_eq!(error, RollupError::FormulaNotColumnar { formula: "yoy(rd)".into(), function: "yoy".into() });
}

#[test]
fn error_messages_match_the_doc_table() {
    let text = String::from;
    let samples = [
        RollupError::EmptyQuantity,
        RollupError::InvalidQuantity { value: text("1e5") },
        RollupError::QuantityOutOfRange { value: text("1e30") },
        RollupError::Overflow { measure: text("rd"), region: text("430200"), period: text("2021") },
        RollupError::DuplicateFact { measure: text("rd"), region: text("430200"), period: text("2021") },
        RollupError::OutOfRange { axis: "node", index: 7, last: 5 },
        RollupError::UnknownParent { region: text("R1"), parent: 9 },
        RollupError::Cycle { region: text("R1") },
        RollupError::AdministrativeUnderPark { region: text("430211"), parent: text("P43001") },
        RollupError::WrongSourcePeriod { period: text("2021"), kind: "month" },
        RollupError::UnknownMeasure { formula: text("100 * rd / gdp"), code: text("gdp") },
        RollupError::FormulaNotColumnar { formula: text("yoy(rd)"), function: text("yoy") },
    ];
    crate::message_table::assert_doc_table_matches(
        include_str!("mod.rs"),
        &samples,
        RollupError::code,
        RollupError::args,
    );
}

#[test]
fn messages_tsv_matches_the_doc_table() {
    let doc: Vec<(String, String, String)> = include_str!("mod.rs")
        .lines()
        .filter_map(|line| line.strip_prefix("//! | `"))
        .map(|row| {
            let cells: Vec<&str> = row.split(" | ").collect();
            (cells[0].trim_end_matches('`').to_owned(), cells[2].trim_end_matches(" |").to_owned(), cells[1].to_owned())
        })
        .collect();
    let tsv: Vec<(String, String, String)> = include_str!("messages.tsv")
        .lines()
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells[0].to_owned(), cells[1].to_owned(), cells[2].to_owned())
        })
        .collect();
    assert_eq!(doc, tsv);
}

// --- Properties --------------------------------------------------------------------------

/// A random forest: node i > 0 hangs under a node before it, or is a root; some nodes are
/// parks (hung under an earlier node, parks only under parks or administrative regions).
fn any_tree() -> impl Strategy<Value = Tree> {
    prop::collection::vec((any::<prop::sample::Index>(), 0_u8..10), 1..40).prop_map(|spec| {
        let mut parents = Vec::with_capacity(spec.len());
        let mut kinds = Vec::with_capacity(spec.len());
        for (node, (pick, roll)) in spec.iter().enumerate() {
            let park = node > 0 && *roll < 2;
            let candidates: Vec<usize> = (0..node).filter(|&p| park || kinds[p] == NodeKind::Administrative).collect();
            let parent =
                if *roll == 9 || candidates.is_empty() { None } else { Some(candidates[pick.index(candidates.len())]) };
            kinds.push(if park && parent.is_some() { NodeKind::Park } else { NodeKind::Administrative });
            parents.push(parent);
        }
        Tree::from_parents(labels(parents.len()), &parents, &kinds).unwrap()
    })
}

/// Leaf facts (node, period, measure, units) for the leaves of `tree`, some cells missing.
fn leaf_facts(tree: &Tree, cells: &[(prop::sample::Index, u8, u8, i32)]) -> Vec<(usize, usize, usize, i64)> {
    let leaves: Vec<usize> = (0..tree.len()).filter(|&n| tree.rollup_child_count(n) == 0).collect();
    let mut seen = std::collections::BTreeSet::new();
    cells
        .iter()
        .map(|(pick, p, m, units)| {
            (leaves[pick.index(leaves.len())], usize::from(*p % 3), usize::from(*m % 2), i64::from(*units))
        })
        .filter(|(n, p, m, _)| seen.insert((*n, *p, *m)))
        .collect()
}

fn build(tree: &Tree, facts: &[(usize, usize, usize, i64)]) -> FactCube {
    let mut cube = cube(tree.clone(), &["2021-01", "2021-02", "2021-03"], &["a", "b"]);
    for &(n, p, m, units) in facts {
        cube.insert(n, p, m, Quantity::from_units(units).unwrap()).unwrap();
    }
    cube
}

proptest! {
    #[test]
    fn quantity_display_then_parse_round_trips(units in (i64::MIN + 1)..=i64::MAX) {
        let value = Quantity::from_units(units).unwrap();
        prop_assert_eq!(Quantity::parse(&value.to_string()), Ok(value));
    }

    #[test]
    fn floats_of_four_decimal_values_convert_back_exactly(units in -(1_i64 << 51)..(1_i64 << 51)) {
        let value = Quantity::from_units(units).unwrap();
        let text = value.to_string();
        let float: f64 = text.parse().unwrap();
        prop_assert_eq!(Quantity::from_f64_exact(float), Some(value), "{}", text);
    }

    #[test]
    fn totals_equal_the_sum_of_the_leaves_below(
        tree in any_tree(),
        cells in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>(), any::<i32>()), 0..120),
    ) {
        let facts = leaf_facts(&tree, &cells);
        let rolled = build(&tree, &facts).rollup(2).unwrap();
        for node in 0..tree.len() {
            for p in 0..3 {
                for m in 0..2 {
                    // Leaves below `node` in its own hierarchy: the chain of roll-up parents.
                    let below: Vec<i64> = facts.iter().filter(|(n, fp, fm, _)| {
                        *fp == p && *fm == m && {
                            let mut current = Some(*n);
                            while let Some(c) = current { if c == node { break; } current = tree.rollup_parent(c); }
                            current == Some(node)
                        }
                    }).map(|f| f.3).collect();
                    let expected = (!below.is_empty()).then(|| Quantity::from_units(below.iter().sum()).unwrap());
                    prop_assert_eq!(rolled.value(node, p, m), expected);
                }
            }
        }
    }

    #[test]
    fn order_of_facts_does_not_matter(
        tree in any_tree(),
        cells in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>(), any::<i32>()), 0..80),
        threads in 1_usize..4,
    ) {
        let facts = leaf_facts(&tree, &cells);
        let forward = build(&tree, &facts).rollup(1).unwrap();
        let mut reversed_facts = facts.clone();
        reversed_facts.reverse();
        let reversed = build(&tree, &reversed_facts).rollup(threads).unwrap();
        prop_assert_eq!(forward, reversed);
    }

    #[test]
    fn park_facts_never_change_administrative_totals(
        tree in any_tree(),
        cells in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<u8>(), any::<i32>()), 0..80),
        park_values in prop::collection::vec(any::<i32>(), 40),
    ) {
        let facts = leaf_facts(&tree, &cells);
        let admin_only: Vec<_> = facts.iter().copied().filter(|f| tree.kind(f.0) == NodeKind::Administrative).collect();
        let without = build(&tree, &admin_only).rollup(1).unwrap();
        // Give every park (leaf or not) its own figure in every cell.
        let mut with = build(&tree, &admin_only);
        for node in (0..tree.len()).filter(|&n| tree.kind(n) == NodeKind::Park) {
            for p in 0..3 { for m in 0..2 {
                with.insert(node, p, m, Quantity::from_units(i64::from(park_values[node])).unwrap()).unwrap();
            } }
        }
        let with = with.rollup(2).unwrap();
        for node in (0..tree.len()).filter(|&n| tree.kind(n) == NodeKind::Administrative) {
            for p in 0..3 { for m in 0..2 {
                prop_assert_eq!(with.cell(node, p, m), without.cell(node, p, m));
            } }
        }
    }

    #[test]
    fn ranks_are_consistent_min_ranks(
        values in prop::collection::vec(prop::option::of(-5_i8..5), 0..30),
        groups in prop::collection::vec(prop::option::of(0_usize..3), 30),
        positive in any::<bool>(),
    ) {
        let values: Vec<Option<f64>> = values.iter().map(|v| v.map(f64::from)).collect();
        let groups = &groups[..values.len()];
        let direction = if positive { Direction::Positive } else { Direction::Negative };
        let ranks = rank_by_group(&values, groups, direction);
        for (i, rank_i) in ranks.iter().enumerate() {
            match (values[i], groups[i]) {
                (Some(v), Some(g)) => {
                    // Min-rank: 1 + number of group members strictly better.
                    let better = (0..values.len()).filter(|&j| groups[j] == Some(g) && values[j].is_some_and(|w| {
                        if positive { w > v } else { w < v }
                    })).count();
                    prop_assert_eq!(*rank_i, Some(u32::try_from(better + 1).unwrap()));
                }
                _ => prop_assert_eq!(*rank_i, None),
            }
        }
        // Permuting the entries permutes the ranks.
        let n = values.len();
        let permuted: Vec<usize> = (0..n).rev().collect();
        let p_values: Vec<_> = permuted.iter().map(|&i| values[i]).collect();
        let p_groups: Vec<_> = permuted.iter().map(|&i| groups[i]).collect();
        let p_ranks = rank_by_group(&p_values, &p_groups, direction);
        for (k, &i) in permuted.iter().enumerate() {
            prop_assert_eq!(p_ranks[k], ranks[i]);
        }
    }
}
