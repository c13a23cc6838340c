//! Rescaling composites, ranks and performance groups (§3.8).

/// Ranks of one period's scores, descending, ties sharing the minimum rank (9, 8, 8, 7 → 1, 2,
/// 2, 4). Full-precision scores are compared exactly. A missing score, or a unit marked
/// `excluded` (aggregate units such as the EU), gets no rank and takes no position.
#[must_use]
pub fn min_rank(scores: &[Option<f64>], excluded: &[bool]) -> Vec<Option<u32>> {
    let mut ranked: Vec<(f64, usize)> = scores
        .iter()
        .zip(excluded)
        .enumerate()
        .filter_map(|(row, (score, &out))| score.filter(|_| !out).map(|s| (s, row)))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut ranks = vec![None; scores.len()];
    let mut previous: Option<(f64, u32)> = None;
    for (position, &(score, row)) in ranked.iter().enumerate() {
        let rank = match previous {
            #[allow(clippy::float_cmp)]
            Some((p, r)) if p == score => r,
            _ => u32::try_from(position + 1).unwrap_or(u32::MAX),
        };
        ranks[row] = Some(rank);
        previous = Some((score, rank));
    }
    ranks
}

/// Scores relative to a reference (EIS/RIS, §3.8): `100 · (v / reference)`. Dividing first
/// makes the reference itself exactly 100. A reference that is 0 or missing makes every
/// relative score missing.
#[must_use]
pub fn relative_to_reference(values: &[Option<f64>], reference: Option<f64>) -> Vec<Option<f64>> {
    match reference {
        Some(r) if r != 0.0 => values.iter().map(|v| v.map(|v| 100.0 * (v / r))).collect(),
        _ => vec![None; values.len()],
    }
}

/// EIS/RIS performance groups, by the score relative to the reference in the same year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PerformanceGroup {
    EmergingInnovator,
    ModerateInnovator,
    StrongInnovator,
    InnovationLeader,
}

/// The group boundaries (70, 100, 125 by default) and which side a score exactly on a
/// boundary falls (a setting until confirmed, §3.8).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupBoundaries {
    pub moderate: f64,
    pub strong: f64,
    pub leader: f64,
    /// `true`: a score exactly on a boundary joins the higher group.
    pub boundary_goes_up: bool,
}

impl Default for GroupBoundaries {
    fn default() -> Self {
        GroupBoundaries { moderate: 70.0, strong: 100.0, leader: 125.0, boundary_goes_up: false }
    }
}

/// The group of a relative score.
#[must_use]
pub fn performance_group(relative: f64, b: &GroupBoundaries) -> PerformanceGroup {
    let above = |limit: f64| if b.boundary_goes_up { relative >= limit } else { relative > limit };
    if above(b.leader) {
        PerformanceGroup::InnovationLeader
    } else if above(b.strong) {
        PerformanceGroup::StrongInnovator
    } else if above(b.moderate) {
        PerformanceGroup::ModerateInnovator
    } else {
        PerformanceGroup::EmergingInnovator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_minimum_rank() {
        let ranks = min_rank(&[Some(8.0), Some(9.0), Some(7.0), Some(8.0)], &[false; 4]);
        assert_eq!(ranks, vec![Some(2), Some(1), Some(4), Some(2)]);
    }

    #[test]
    fn excluded_units_and_missing_scores_not_ranked() {
        let ranks = min_rank(&[Some(10.0), None, Some(9.0), Some(8.0)], &[true, false, false, false]);
        assert_eq!(ranks, vec![None, None, Some(1), Some(2)]);
    }

    #[test]
    fn reference_is_exactly_100() {
        for r in [0.1, 0.3, 1.0 / 3.0, 57.123_456_789, 1e-7] {
            assert_eq!(relative_to_reference(&[Some(r)], Some(r)), vec![Some(100.0)], "{r}");
        }
    }

    #[test]
    fn reference_zero_or_missing_gives_missing() {
        assert_eq!(relative_to_reference(&[Some(3.0), None], Some(0.0)), vec![None, None]);
        assert_eq!(relative_to_reference(&[Some(3.0)], None), vec![None]);
        assert_eq!(relative_to_reference(&[Some(3.0), None], Some(2.0)), vec![Some(150.0), None]);
    }

    #[test]
    fn performance_group_boundaries_at_70_100_125() {
        use PerformanceGroup::*;
        let down = GroupBoundaries::default();
        let up = GroupBoundaries { boundary_goes_up: true, ..down };
        let cases = [
            (69.999, EmergingInnovator, EmergingInnovator),
            (70.0, EmergingInnovator, ModerateInnovator),
            (70.001, ModerateInnovator, ModerateInnovator),
            (100.0, ModerateInnovator, StrongInnovator),
            (125.0, StrongInnovator, InnovationLeader),
            (125.001, InnovationLeader, InnovationLeader),
        ];
        for (score, expected_down, expected_up) in cases {
            assert_eq!(performance_group(score, &down), expected_down, "{score}");
            assert_eq!(performance_group(score, &up), expected_up, "{score}");
        }
    }
}
