use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

fn criterion(code: &str, weight: u32, min: i64, max: i64) -> Criterion {
    Criterion {
        code: code.to_owned(),
        name_zh: format!("指标{code}"),
        name_en: format!("Criterion {code}"),
        weight,
        min,
        max,
        threshold: None,
    }
}

/// A template with one criterion `merit` on `0..=max`, so a review's total is its score
/// rescaled to 0..100.
fn single(max: i64, aggregation: Aggregation) -> ReviewTemplate {
    ReviewTemplate {
        criteria: vec![criterion("merit", 100, 0, max)],
        aggregation,
        zscore: false,
        overall_threshold: None,
        tie_break: vec![],
    }
}

fn review(application: i64, reviewer: i64, scores: &[i64]) -> Review {
    Review { application, reviewer, scores: scores.to_vec() }
}

fn order(standings: &[Standing]) -> Vec<i64> {
    standings.iter().map(|s| s.application).collect()
}

fn name(code: &str, name_zh: &str, name_en: &str) -> CriterionName {
    CriterionName { code: code.to_owned(), name_zh: name_zh.to_owned(), name_en: name_en.to_owned() }
}

// --- the template ------------------------------------------------------------------------

#[test]
fn standard_template_is_valid() {
    let template = ReviewTemplate::standard();
    assert_eq!(template.validate(), Ok(()));
    assert_eq!(template.criteria.iter().map(|c| c.weight).sum::<u32>(), 100);
    assert_eq!(template.overall_threshold, Some(600_000));
    assert_eq!(template.aggregation, Aggregation::TrimmedMean);
}

#[test]
fn aggregation_names_round_trip() {
    for rule in [Aggregation::Mean, Aggregation::TrimmedMean, Aggregation::Median] {
        assert_eq!(Aggregation::parse(rule.as_str()), Some(rule));
        assert_eq!(serde_json::to_string(&rule).unwrap(), format!("\"{}\"", rule.as_str()));
    }
    assert_eq!(Aggregation::parse("average"), None);
    assert_eq!(Aggregation::parse("TrimmedMean"), None);
}

#[test]
fn template_round_trips_through_json() {
    let mut template = ReviewTemplate::standard();
    template.criteria[1].threshold = Some(6);
    template.zscore = true;
    let json = serde_json::to_string(&template).unwrap();
    assert!(json.contains("\"aggregation\":\"trimmed_mean\""), "{json}");
    assert_eq!(serde_json::from_str::<ReviewTemplate>(&json).unwrap(), template);
}

#[test]
fn template_needs_a_criterion() {
    let template = ReviewTemplate { criteria: vec![], ..ReviewTemplate::standard() };
    assert_eq!(template.validate(), Err(ReviewError::NoCriteria));
}

#[test]
fn codes_are_lower_case_ascii_and_not_overall() {
    for code in ["Innovation", "", "创新", "a-b", "a b", "overall"] {
        let mut template = ReviewTemplate::standard();
        template.criteria[2].code = code.to_owned();
        assert_eq!(template.validate(), Err(ReviewError::BadCode { code: code.to_owned() }), "{code}");
    }
    let mut template = ReviewTemplate::standard();
    template.criteria[2].code = "team_2".to_owned();
    assert_eq!(template.validate(), Ok(()));
}

#[test]
fn codes_are_unique() {
    let mut template = ReviewTemplate::standard();
    template.criteria[3].code = "team".to_owned();
    assert_eq!(template.validate(), Err(ReviewError::DuplicateCode { code: "team".to_owned() }));
}

#[test]
fn weights_sum_to_100() {
    let mut template = ReviewTemplate::standard();
    template.criteria[0].weight = 31;
    assert_eq!(template.validate(), Err(ReviewError::WeightsSum { sum: 101 }));
    // No overflow on absurd weights.
    template.criteria[0].weight = u32::MAX;
    assert_eq!(template.validate(), Err(ReviewError::WeightsSum { sum: u64::from(u32::MAX) + 70 }));
}

#[test]
fn scales_run_upwards_within_bounds() {
    for (min, max) in [(5, 5), (10, 0), (0, 1_000_001), (-1_000_001, 0)] {
        let mut template = ReviewTemplate::standard();
        template.criteria[1].min = min;
        template.criteria[1].max = max;
        let expected =
            ReviewError::BadScale {
                criterion: name("feasibility", "技术可行性", "Technical feasibility"), min, max
            };
        assert_eq!(template.validate(), Err(expected), "{min}..{max}");
    }
    let mut template = ReviewTemplate::standard();
    template.criteria[1].min = -1_000_000;
    template.criteria[1].max = 1_000_000;
    assert_eq!(template.validate(), Ok(()));
}

#[test]
fn criterion_pass_marks_lie_on_their_scale() {
    let mut template = ReviewTemplate::standard();
    for threshold in [0, 10] {
        template.criteria[0].threshold = Some(threshold);
        assert_eq!(template.validate(), Ok(()));
    }
    template.criteria[0].threshold = Some(11);
    let error = template.validate().unwrap_err();
    assert_eq!(error.code(), "review.threshold_out_of_scale");
    assert_eq!(
        error.to_string(),
        "The pass mark 11 of criterion innovation (Innovation) is outside its scale 0 to 10."
    );
}

#[test]
fn overall_pass_mark_lies_on_0_to_100() {
    let mut template = ReviewTemplate::standard();
    for threshold in [0, 1_000_000] {
        template.overall_threshold = Some(threshold);
        assert_eq!(template.validate(), Ok(()));
    }
    template.overall_threshold = Some(1_000_001);
    let error = template.validate().unwrap_err();
    assert_eq!(error, ReviewError::OverallThresholdOutOfScale { threshold: 1_000_001 });
    assert_eq!(error.to_string(), "The overall pass mark 100.0001 is outside the overall scale 0 to 100.");
    template.overall_threshold = Some(-1);
    assert_eq!(template.validate(), Err(ReviewError::OverallThresholdOutOfScale { threshold: -1 }));
}

#[test]
fn tie_break_codes_are_criteria() {
    let mut template = ReviewTemplate::standard();
    template.tie_break.push("budget".to_owned());
    assert_eq!(
        template.validate(),
        Err(ReviewError::UnknownTieBreak {
            code: "budget".to_owned(),
            known: "innovation, feasibility, team, impact".to_owned()
        })
    );
}

#[test]
fn scales_must_total_exactly() {
    // Seven coprime spans: their least common multiple is about 6.4e20.
    let spans = [997, 991, 983, 977, 971, 967, 953];
    let weights = [10, 10, 10, 10, 20, 20, 20];
    let criteria =
        spans.iter().zip(weights).enumerate().map(|(i, (&span, w))| criterion(&format!("c{i}"), w, 0, span)).collect();
    let mut template = ReviewTemplate { criteria, ..single(10, Aggregation::Mean) };
    assert_eq!(
        template.validate(),
        Err(ReviewError::ScalesTooFine { spans: "997, 991, 983, 977, 971, 967, 953".to_owned() })
    );
    template.criteria.truncate(4);
    template.criteria[0].weight = 70;
    assert_eq!(template.validate(), Ok(()));
}

// --- scores and review totals ------------------------------------------------------------

#[test]
fn scores_are_one_per_criterion() {
    let template = ReviewTemplate::standard();
    assert_eq!(template.check_scores(&[8, 7, 6]), Err(ReviewError::ScoreCount { expected: 4, found: 3 }));
    assert_eq!(template.check_scores(&[8, 7, 6, 9]), Ok(()));
}

#[test]
fn scores_lie_on_their_scales() {
    let template = ReviewTemplate::standard();
    let error = template.check_scores(&[8, 11, 6, 9]).unwrap_err();
    assert_eq!(
        error,
        ReviewError::ScoreOutOfRange {
            criterion: name("feasibility", "技术可行性", "Technical feasibility"),
            value: 11,
            min: 0,
            max: 10
        }
    );
    assert_eq!(
        error.to_string(),
        "The score 11 for criterion feasibility (Technical feasibility) is outside its scale 0 to 10."
    );
    assert!(template.check_scores(&[8, 7, -1, 9]).is_err());
    assert_eq!(template.check_scores(&[0, 10, 0, 10]), Ok(()));
}

#[test]
fn review_total_weights_the_rescaled_scores() {
    let template = ReviewTemplate::standard();
    // 30 × 0.8 + 25 × 0.7 + 20 × 0.6 + 25 × 0.9 = 24 + 17.5 + 12 + 22.5 = 76.
    assert_eq!(template.review_total(&[8, 7, 6, 9]), 760_000);
    assert_eq!(template.review_total(&[10, 10, 10, 10]), 1_000_000);
    assert_eq!(template.review_total(&[0, 0, 0, 0]), 0);
}

#[test]
fn review_total_is_exact_across_mixed_scales() {
    let template = ReviewTemplate {
        criteria: vec![criterion("a", 50, 0, 3), criterion("b", 50, 0, 7)],
        ..single(10, Aggregation::Mean)
    };
    // 50/3 + 50/7 = 23.8095238…
    assert_eq!(template.review_total(&[1, 1]), 238_095);
    // 100/3 + 300/7 = 76.1904761…
    assert_eq!(template.review_total(&[2, 6]), 761_905);
}

#[test]
fn review_total_rounds_half_away_from_zero() {
    // 1 × 1/32 of a point is 312.5 units of 1e-4.
    let template = ReviewTemplate {
        criteria: vec![criterion("a", 1, 0, 32), criterion("b", 99, 0, 1)],
        ..single(10, Aggregation::Mean)
    };
    assert_eq!(template.review_total(&[1, 0]), 313);
    // The same on a scale that starts below zero.
    let shifted = ReviewTemplate {
        criteria: vec![criterion("a", 1, -16, 16), criterion("b", 99, 0, 1)],
        ..single(10, Aggregation::Mean)
    };
    assert_eq!(shifted.review_total(&[-15, 0]), 313);
}

// --- aggregation -------------------------------------------------------------------------

#[test]
fn trimmed_mean_drops_one_highest_and_one_lowest() {
    assert_eq!(aggregate(&[500_000, 600_000, 700_000, 1_000_000], 1, Aggregation::TrimmedMean), 650_000);
    assert_eq!(aggregate(&[90, 10, 20], 1, Aggregation::TrimmedMean), 20);
    // Fewer than three values: the plain mean.
    assert_eq!(aggregate(&[10, 21], 1, Aggregation::TrimmedMean), 16);
    assert_eq!(aggregate(&[7], 1, Aggregation::TrimmedMean), 7);
}

#[test]
fn median_of_an_even_count_is_the_mean_of_the_middle_two() {
    assert_eq!(aggregate(&[500_000, 600_000, 700_000, 1_000_000], 1, Aggregation::Median), 650_000);
    assert_eq!(aggregate(&[90, 10, 20], 1, Aggregation::Median), 20);
    assert_eq!(aggregate(&[1, 2], 1, Aggregation::Median), 2);
}

#[test]
fn mean_rounds_half_away_from_zero() {
    assert_eq!(aggregate(&[500_000, 600_000, 700_000, 1_000_000], 1, Aggregation::Mean), 700_000);
    assert_eq!(aggregate(&[1, 2], 1, Aggregation::Mean), 2);
    assert_eq!(aggregate(&[-1, -2], 1, Aggregation::Mean), -2);
    assert_eq!(aggregate(&[0, 0, 1], 1, Aggregation::Mean), 0);
    assert_eq!(aggregate(&[0, 1, 1], 1, Aggregation::Mean), 1);
}

#[test]
fn criterion_aggregates_are_in_1e4_of_the_scale() {
    assert_eq!(aggregate(&[7, 8], UNIT, Aggregation::Mean), 75_000);
    // 20/3 = 6.6667.
    assert_eq!(aggregate(&[6, 7, 7], UNIT, Aggregation::Mean), 66_667);
}

#[test]
fn spread_is_the_population_standard_deviation() {
    let sd = |values: &[i64]| Moments::of(values).sd_rounded();
    assert_eq!(sd(&[0, 200_000]), 100_000);
    assert_eq!(sd(&[5]), 0);
    // 0.5 exactly rounds up; 1.5 rounds to 2; √(2/3) = 0.816 and √2 = 1.414 round to 1.
    assert_eq!(sd(&[1, 2]), 1);
    assert_eq!(sd(&[0, 3]), 2);
    assert_eq!(sd(&[1, 2, 3]), 1);
    assert_eq!(sd(&[0, 0, 3]), 1);
    // √350 = 18.70829 points.
    assert_eq!(sd(&[500_000, 600_000, 700_000, 1_000_000]), 187_083);
}

// --- ranking -----------------------------------------------------------------------------

#[test]
fn rank_reports_each_reviewed_application_best_first() {
    let template = ReviewTemplate { overall_threshold: Some(600_000), ..single(100, Aggregation::TrimmedMean) };
    let reviews = [
        review(10, 1, &[50]),
        review(10, 2, &[60]),
        review(10, 3, &[70]),
        review(10, 4, &[100]),
        review(20, 1, &[55]),
        review(20, 2, &[58]),
        review(30, 3, &[80]),
    ];
    let standings = rank(&template, &reviews).unwrap();
    assert_eq!(order(&standings), [30, 10, 20]);
    assert_eq!(
        standings[1],
        Standing {
            application: 10,
            reviews: 4,
            score: 650_000,
            raw_mean: 700_000,
            min: 500_000,
            max: 1_000_000,
            spread: 187_083,
            criteria: vec![650_000],
            passes: true,
            failed: vec![],
            rank: 2,
            contested: true,
        }
    );
    let second = &standings[2];
    assert_eq!((second.score, second.spread, second.rank), (565_000, 15_000, 3));
    assert_eq!((second.passes, second.failed.clone(), second.contested), (false, vec![OVERALL.to_owned()], false));
    assert_eq!((standings[0].score, standings[0].reviews, standings[0].rank), (800_000, 1, 1));
}

#[test]
fn criterion_pass_marks_fail_by_code() {
    let mut template = ReviewTemplate::standard();
    template.criteria[1].threshold = Some(6);
    template.criteria[2].threshold = Some(5);
    // Totals 70, 74 and 74.5 points: trimmed mean 74.
    let reviews = [review(1, 1, &[9, 5, 4, 9]), review(1, 2, &[9, 5, 6, 9]), review(1, 3, &[9, 6, 5, 9])];
    let standing = &rank(&template, &reviews).unwrap()[0];
    assert_eq!(standing.score, 740_000);
    // Feasibility 5, 5, 6 → 5 < 6 fails; team 4, 5, 6 → 5 passes (the mark itself passes).
    assert_eq!(standing.criteria, [90_000, 50_000, 50_000, 90_000]);
    assert_eq!(standing.failed, ["feasibility"]);
    assert!(!standing.passes);
}

#[test]
fn ties_break_by_criteria_then_application_id() {
    let template = ReviewTemplate { aggregation: Aggregation::Mean, ..ReviewTemplate::standard() };
    // Every total is 65 points.
    let reviews = [
        review(1, 7, &[10, 5, 5, 5]),
        review(2, 7, &[5, 10, 5, 6]),
        review(3, 7, &[10, 5, 5, 5]),
        review(4, 7, &[10, 6, 5, 4]),
    ];
    let standings = rank(&template, &reviews).unwrap();
    assert!(standings.iter().all(|s| s.score == 650_000));
    // Innovation first (2 last), then feasibility (4 first), then the id.
    assert_eq!(order(&standings), [4, 1, 3, 2]);
    assert_eq!(standings.iter().map(|s| s.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[test]
fn zscore_removes_a_reviewers_leniency() {
    let mut template = single(100, Aggregation::Mean);
    // A lenient reviewer scores applications 1 and 2, a severe one 3 and 4.
    let reviews = [review(1, 1, &[90]), review(2, 1, &[80]), review(3, 2, &[50]), review(4, 2, &[40])];
    assert_eq!(order(&rank(&template, &reviews).unwrap()), [1, 2, 3, 4]);

    template.zscore = true;
    let standings = rank(&template, &reviews).unwrap();
    // M = 65, S = √425; each reviewer's better application is one sd above the mean.
    let high = ((65.0 + 425_f64.sqrt()) * 1e4).round() as i64;
    let low = ((65.0 - 425_f64.sqrt()) * 1e4).round() as i64;
    assert_eq!((high, low), (856_155, 443_845));
    assert_eq!(order(&standings), [1, 3, 2, 4]);
    assert_eq!(standings.iter().map(|s| s.score).collect::<Vec<_>>(), [high, high, low, low]);
    // The raw figures are not normalised.
    assert_eq!(standings[1].raw_mean, 500_000);
    assert_eq!(standings[1].criteria, [500_000]);
}

#[test]
fn zscore_maps_a_lone_or_constant_reviewer_to_the_global_mean() {
    let template = ReviewTemplate { zscore: true, ..single(100, Aggregation::Mean) };
    // Reviewer 2 has one review, reviewer 3 gives the same total twice.
    let reviews =
        [review(1, 1, &[90]), review(2, 1, &[70]), review(3, 2, &[40]), review(4, 3, &[55]), review(5, 3, &[55])];
    let standings = rank(&template, &reviews).unwrap();
    let score = |application| standings.iter().find(|s| s.application == application).unwrap().score;
    // M = 310 / 5 = 62.
    assert_eq!((score(3), score(4), score(5)), (620_000, 620_000, 620_000));
}

#[test]
fn rank_names_the_review_whose_scores_do_not_fit() {
    let template = ReviewTemplate::standard();
    let error = rank(&template, &[review(1, 1, &[5, 5, 5, 5]), review(5, 9, &[8, 7])]).unwrap_err();
    assert_eq!(error, ReviewError::ReviewScoreCount { application: 5, reviewer: 9, expected: 4, found: 2 });
    let error = rank(&template, &[review(5, 9, &[8, 7, 6, 12])]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Reviewer 9 gave application 5 the score 12 for criterion impact (Expected impact), outside its scale 0 to 10."
    );
}

#[test]
fn rank_rejects_a_second_review_by_the_same_reviewer() {
    let template = ReviewTemplate::standard();
    let reviews = [review(5, 9, &[8, 7, 6, 9]), review(6, 9, &[8, 7, 6, 9]), review(5, 9, &[1, 1, 1, 1])];
    assert_eq!(rank(&template, &reviews), Err(ReviewError::DuplicateReview { application: 5, reviewer: 9 }));
}

#[test]
fn rank_checks_the_template_first() {
    let template = ReviewTemplate { criteria: vec![], ..ReviewTemplate::standard() };
    assert_eq!(rank(&template, &[]), Err(ReviewError::NoCriteria));
    assert_eq!(rank(&ReviewTemplate::standard(), &[]), Ok(vec![]));
}

/// The module doc table: one row per variant, English rows equal to `Display`, Chinese rows
/// filled by `args()`.
#[test]
fn module_doc_templates_match_display_and_args() {
    let innovation = name("innovation", "创新性", "Innovation");
    let samples = [
        ReviewError::NoCriteria,
        ReviewError::BadCode { code: "Innovation".to_owned() },
        ReviewError::DuplicateCode { code: "team".to_owned() },
        ReviewError::WeightsSum { sum: 101 },
        ReviewError::BadScale { criterion: innovation.clone(), min: 10, max: 0 },
        ReviewError::ThresholdOutOfScale { criterion: innovation.clone(), threshold: 11, min: 0, max: 10 },
        ReviewError::OverallThresholdOutOfScale { threshold: 1_200_000 },
        ReviewError::UnknownTieBreak { code: "budget".to_owned(), known: "innovation, team".to_owned() },
        ReviewError::ScalesTooFine { spans: "997, 991".to_owned() },
        ReviewError::ScoreCount { expected: 4, found: 3 },
        ReviewError::ScoreOutOfRange { criterion: innovation.clone(), value: 11, min: 0, max: 10 },
        ReviewError::ReviewScoreCount { application: 5, reviewer: 9, expected: 4, found: 3 },
        ReviewError::ReviewScoreOutOfRange {
            application: 5,
            reviewer: 9,
            criterion: innovation,
            value: 11,
            min: 0,
            max: 10,
        },
        ReviewError::DuplicateReview { application: 5, reviewer: 9 },
    ];
    crate::message_table::assert_doc_table_matches(
        include_str!("review.rs"),
        &samples,
        ReviewError::code,
        ReviewError::args,
    );
}

// --- properties --------------------------------------------------------------------------

fn any_aggregation() -> impl Strategy<Value = Aggregation> {
    prop_oneof![Just(Aggregation::Mean), Just(Aggregation::TrimmedMean), Just(Aggregation::Median)]
}

/// Valid templates of one to five criteria `c0`.. with small scales.
fn any_template() -> impl Strategy<Value = ReviewTemplate> {
    (1_usize..=5)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec((-10_i64..=10, 1_i64..=12, proptest::option::of(0_i64..=12)), n),
                proptest::collection::vec(0_u32..=100, n - 1),
                any_aggregation(),
                any::<bool>(),
                proptest::option::of(0..=FULL_SCALE),
                proptest::collection::vec(0..n, 0..=2),
            )
        })
        .prop_map(|(scales, mut cuts, aggregation, zscore, overall_threshold, ties)| {
            cuts.extend([0, 100]);
            cuts.sort_unstable();
            let criteria = scales
                .iter()
                .zip(cuts.windows(2))
                .enumerate()
                .map(|(i, (&(min, span, threshold), cut))| Criterion {
                    threshold: threshold.map(|t| min + t.min(span)),
                    ..criterion(&format!("c{i}"), cut[1] - cut[0], min, min + span)
                })
                .collect();
            let tie_break = ties.iter().map(|i| format!("c{i}")).collect();
            ReviewTemplate { criteria, aggregation, zscore, overall_threshold, tie_break }
        })
}

/// A valid template and up to 24 reviews of applications 1..=6 by reviewers 1..=5, at most
/// one per pair.
fn any_case() -> impl Strategy<Value = (ReviewTemplate, Vec<Review>)> {
    any_template()
        .prop_flat_map(|template| {
            let scales: Vec<_> = template.criteria.iter().map(|c| c.min..=c.max).collect();
            let one = (1_i64..=6, 1_i64..=5, scales);
            (Just(template), proptest::collection::vec(one, 0..=24))
        })
        .prop_map(|(template, raw)| {
            let mut seen = std::collections::BTreeSet::new();
            let reviews = raw
                .into_iter()
                .filter(|(application, reviewer, _)| seen.insert((*application, *reviewer)))
                .map(|(application, reviewer, scores)| Review { application, reviewer, scores })
                .collect();
            (template, reviews)
        })
}

fn population_sd(values: &[i64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    (values.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
}

proptest! {
    #[test]
    fn ranks_are_a_permutation_in_order((template, reviews) in any_case()) {
        let standings = rank(&template, &reviews).unwrap();
        let ranks: Vec<usize> = standings.iter().map(|s| s.rank).collect();
        prop_assert_eq!(ranks, (1..=standings.len()).collect::<Vec<_>>());
        let mut applications = order(&standings);
        applications.sort_unstable();
        let mut reviewed: Vec<i64> = reviews.iter().map(|r| r.application).collect();
        reviewed.sort_unstable();
        reviewed.dedup();
        prop_assert_eq!(applications, reviewed);
        prop_assert_eq!(standings.iter().map(|s| s.reviews).sum::<usize>(), reviews.len());
        prop_assert!(standings.windows(2).all(|w| w[0].score >= w[1].score));
        for s in &standings {
            prop_assert_eq!(s.passes, s.failed.is_empty());
            prop_assert_eq!(s.contested, s.max - s.min >= 200_000);
        }
    }

    #[test]
    fn aggregates_lie_between_the_lowest_and_highest((template, reviews) in any_case()) {
        for aggregation in [Aggregation::Mean, Aggregation::TrimmedMean, Aggregation::Median] {
            let template = ReviewTemplate { aggregation, zscore: false, ..template.clone() };
            for s in rank(&template, &reviews).unwrap() {
                prop_assert!(s.min <= s.score && s.score <= s.max, "{:?}", s);
                prop_assert!(s.min <= s.raw_mean && s.raw_mean <= s.max, "{:?}", s);
                prop_assert!(0 <= s.min && s.max <= 1_000_000);
                prop_assert!(2 * s.spread <= s.max - s.min + 1, "{:?}", s);
                for (c, value) in template.criteria.iter().zip(&s.criteria) {
                    prop_assert!(c.min * UNIT <= *value && *value <= c.max * UNIT);
                }
            }
        }
    }

    #[test]
    fn order_of_the_reviews_does_not_matter(
        (template, reviews, shuffled) in any_case()
            .prop_flat_map(|(t, r)| (Just(t), Just(r.clone()), Just(r).prop_shuffle()))
    ) {
        prop_assert_eq!(rank(&template, &reviews), rank(&template, &shuffled));
    }

    #[test]
    fn review_total_spans_0_to_100(
        (template, pick) in any_template().prop_flat_map(|t| {
            let scales: Vec<_> = t.criteria.iter().map(|c| c.min..=c.max).collect();
            (Just(t), scales)
        })
    ) {
        let all = |f: fn(&Criterion) -> i64| template.criteria.iter().map(f).collect::<Vec<_>>();
        prop_assert_eq!(template.review_total(&all(|c| c.max)), 1_000_000);
        prop_assert_eq!(template.review_total(&all(|c| c.min)), 0);
        let total = template.review_total(&pick);
        prop_assert!((0..=1_000_000).contains(&total));
    }

    /// Every reviewer scores every application; reviewer 1 then adds the same bias to every
    /// score. With z-scores every normalised total becomes `M' + z × S'` for the same `z`, so
    /// any two applications whose scores differ by more than the rounding can account for keep
    /// their order.
    #[test]
    fn zscore_absorbs_a_reviewers_constant_bias(
        (aggregation, bias, scores) in (any_aggregation(), 1_i64..=6, 2_usize..=6, 2_usize..=4)
            .prop_flat_map(|(aggregation, bias, applications, reviewers)| {
                let scores = proptest::collection::vec(proptest::collection::vec(0_i64..=14, applications), reviewers);
                (Just(aggregation), Just(bias), scores)
            })
    ) {
        let template = ReviewTemplate { zscore: true, ..single(20, aggregation) };
        let reviews = |bias: i64| {
            let mut reviews = Vec::new();
            for (reviewer, row) in (1_i64..).zip(&scores) {
                for (application, &score) in (1_i64..).zip(row) {
                    let score = if reviewer == 1 { score + bias } else { score };
                    reviews.push(review(application, reviewer, &[score]));
                }
            }
            reviews
        };
        let (plain, biased) = (reviews(0), reviews(bias));
        let totals = |reviews: &[Review]| reviews.iter().map(|r| template.review_total(&r.scores)).collect::<Vec<_>>();
        let (sd, sd_biased) = (population_sd(&totals(&plain)), population_sd(&totals(&biased)));
        prop_assume!(sd > 0.0 && sd_biased > 0.0);
        let scores = |reviews: &[Review]| -> BTreeMap<i64, i64> {
            rank(&template, reviews).unwrap().iter().map(|s| (s.application, s.score)).collect()
        };
        let (before, after) = (scores(&plain), scores(&biased));
        let margin = 3.0 + 2.0 * sd / sd_biased;
        for (a, score_a) in &before {
            for (b, score_b) in &before {
                if (score_a - score_b) as f64 > margin {
                    prop_assert!(after[a] > after[b], "{} before {} lost: {:?} → {:?}", a, b, before, after);
                }
            }
        }
    }
}
