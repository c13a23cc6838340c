//! Ranks: min-rank within groups (siblings, or regions under the same ancestor).

use super::tree::Tree;
use crate::index::Direction;

/// Min-rank ("1, 2, 2, 4") of `values` within the groups given by `groups` (same length):
/// higher first for [`Direction::Positive`], lower first for [`Direction::Negative`]. Equal
/// values share the smaller rank. Entries without a group, without a value, or with a value
/// that is not finite get no rank (they come last in a league table).
#[must_use]
pub fn rank_by_group(values: &[Option<f64>], groups: &[Option<usize>], direction: Direction) -> Vec<Option<u32>> {
    assert_eq!(values.len(), groups.len(), "one group per value");
    let mut ranked: Vec<(usize, f64, usize)> = values
        .iter()
        .zip(groups)
        .enumerate()
        .filter_map(|(index, (value, group))| Some((group.as_ref().copied()?, (*value)?, index)))
        .filter(|(_, value, _)| value.is_finite())
        .collect();
    let order = |a: f64, b: f64| match direction {
        Direction::Positive => b.total_cmp(&a),
        Direction::Negative => a.total_cmp(&b),
    };
    ranked.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| order(a.1, b.1)).then_with(|| a.2.cmp(&b.2)));
    let mut ranks = vec![None; values.len()];
    let mut group_start = 0;
    let mut tie_rank = 1_u32;
    for position in 0..ranked.len() {
        let (group, value, index) = ranked[position];
        if position == 0 || ranked[position - 1].0 != group {
            group_start = position;
            tie_rank = 1;
        } else if ranked[position - 1].1 != value {
            // Finite values: `!=` treats 0.0 and -0.0 as a tie, as it should.
            tie_rank = u32::try_from(position - group_start + 1).unwrap_or(u32::MAX);
        }
        ranks[index] = Some(tie_rank);
    }
    ranks
}

/// Min-rank of all `values` as one group (see [`rank_by_group`]).
#[must_use]
pub fn rank(values: &[Option<f64>], direction: Direction) -> Vec<Option<u32>> {
    rank_by_group(values, &vec![Some(0); values.len()], direction)
}

/// Min-rank of each node among its siblings: the nodes with the same parent and the same
/// kind (districts among districts, parks among parks; roots among roots). `values` has
/// one entry per node.
#[must_use]
pub fn rank_among_siblings(tree: &Tree, values: &[Option<f64>], direction: Direction) -> Vec<Option<u32>> {
    assert_eq!(values.len(), tree.len(), "one value per node");
    let groups: Vec<Option<usize>> = (0..tree.len())
        .map(|node| {
            let kind = usize::from(tree.kind(node) == super::NodeKind::Park);
            Some(tree.parent(node).map_or(0, |p| p + 1) * 2 + kind)
        })
        .collect();
    rank_by_group(values, &groups, direction)
}
