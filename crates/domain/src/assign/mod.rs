//! Reviewer assignment (issue 7): give every proposal exactly `k` distinct reviewers, every
//! reviewer at most its capacity, never a conflicted pair, maximising the total affinity.
//!
//! # Model
//!
//! An [`Instance`] has `P` proposals and `R` reviewers (indices `0..P`, `0..R`; their display
//! ids are only used in error messages), integer affinities in units of 1e-4 ([`Affinities`],
//! dense or sparse; a pair without a score may not be assigned), forbidden pairs (conflicts of
//! interest), `k` reviewers per proposal and a capacity per reviewer. [`solve`] returns the
//! assignment with the largest sum of affinities: it is **exact** (integer arithmetic, and an
//! optimality certificate is checked over every pair) and **deterministic**.
//!
//! # Algorithm
//!
//! The problem is a min-cost flow: proposal `i` supplies `k` units, arc `i → j` (capacity 1,
//! cost `−a(i,j)`) for every allowed pair, arc `j → t` (capacity `L_j`, cost 0) into one sink.
//! [`flow`] solves it by successive shortest paths: proposals are taken in index order, each
//! unit is routed along a shortest residual path from the proposal to the sink found by
//! Dijkstra on reduced costs, stopped as soon as the sink is settled; node potentials are then
//! updated for the settled nodes only (the Jonker–Volgenant rule), which keeps every reduced
//! cost non-negative.
//!
//! Most pairs can never be in an optimal assignment, so the flow is first solved on a sparse
//! **candidate set**: each proposal's `candidates_per_proposal` best allowed reviewers and each
//! reviewer's `candidates_per_reviewer` best allowed proposals. The potentials give LP duals: a
//! threshold `θ_i` per proposal and a price `p_j ≥ 0` per reviewer (`p_j > 0` only for a full
//! reviewer). The assignment is optimal over **all** pairs iff every assigned pair has
//! `a(i,j) − p_j ≥ θ_i` and every unassigned allowed pair has `a(i,j) − p_j ≤ θ_i`
//! (complementary slackness). [`solve`] checks this over every pair of the instance; pairs that
//! break it are added to the candidate set and the flow is solved again from the previous flow
//! and potentials (see [`flow`]), until none does. The
//! returned [`Certificate`] lets anyone re-check the optimality ([`Certificate::check`]).
//!
//! # Coverage
//!
//! [`Instance::coverage`] may ask that every proposal get at least `at_least` reviewers from a
//! group ([`Coverage`], e.g. "at least one industry expert"). Several groups are supported if
//! they are disjoint (a reviewer in two groups is refused: overlapping minimums are no longer a
//! flow problem) and their minimums sum to at most `k`. With any minimum above zero, [`solve`]
//! uses [`general`] instead: proposal `i` is split into a node per group `i_g`, which supplies
//! `at_least` units and is the only way from `i` to the group's members, and `i` itself, which
//! supplies the other `k − Σ at_least` units, reaches every other allowed reviewer directly and
//! may pass any number of units on to its `i_g` (that is the lower bound `at_least` on the arc
//! `i → i_g`). Each reviewer is reached from `i` by exactly one arc, so it is never assigned
//! twice. The flow runs on **all** allowed pairs (no candidate set; product instances are small)
//! and is just as exact: the [`Certificate`] then also holds a bonus `β_ig ≥ 0` per proposal and
//! group, the dual of the minimum, and [`Certificate::check`] checks the coverage too.
//!
//! # Ties
//!
//! Among equally good assignments the result is the one this procedure reaches: proposals in
//! index order, candidate lists in reviewer index order, Dijkstra settling equal distances by
//! the smaller node (proposals before reviewers, then by index). The output depends only on the
//! instance and the [`SolveOptions`], never on timing, threads or hashing; pairs are returned
//! sorted by (proposal, reviewer). With coverage, proposals are taken in index order, each
//! routing its group units (groups in order) before its free ones; the nodes are numbered
//! proposals, then groups (`P + i·G + g`), reviewers, sink, and Dijkstra settles equal distances
//! by the smaller node.
//!
//! # Error codes
//!
//! An [`AssignError`] means there is no assignment (or the instance is malformed). Each has a
//! stable i18n key ([`AssignError::code`]) and named arguments ([`AssignError::args`]); the
//! English template filled in is exactly what `Display` prints.
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `assign.shape_mismatch` | The {what} has {found} entries; the instance needs {expected}. | {what}有 {found} 项；本实例需要 {expected} 项。 |
//! | `assign.id_out_of_range` | {what} index {value} is out of range; there are {count}. | {what}序号 {value} 超出范围；共 {count} 个。 |
//! | `assign.duplicate_pair` | The pair {proposal}, {reviewer} has two affinities. | 配对 {proposal}、{reviewer} 有两个匹配度。 |
//! | `assign.total_capacity` | {proposals} proposals need {needed} reviews but the reviewers can take at most {available} in all. | {proposals} 个项目共需 {needed} 次评审，但全部专家最多只能承担 {available} 次。 |
//! | `assign.too_few_reviewers` | {proposal} has only {available} non-conflicted reviewers with capacity; it needs {needed} ({others} other proposals have the same problem). | {proposal} 只有 {available} 位无回避且有余量的专家，需要 {needed} 位（另有 {others} 个项目同样不足）。 |
//! | `assign.bottleneck` | Proposals {sample} ({count} in all) need {needed} reviews, but conflicts and reviewer capacities leave them at most {available}. | 项目 {sample}（共 {count} 个）需要 {needed} 次评审，但受回避和专家承担上限所限，最多只能安排 {available} 次。 |
//! | `assign.coverage_overlap` | Reviewer {reviewer} is in two coverage groups, {first} and {second}; groups may not share reviewers. | 专家 {reviewer} 同时属于“{first}”和“{second}”两个覆盖组；各覆盖组不能有相同的专家。 |
//! | `assign.coverage_too_many` | The coverage groups ask for {needed} reviewers per proposal in all, but each proposal gets only {per_proposal}. | 各覆盖组合计要求每个项目至少 {needed} 位专家，但每个项目只安排 {per_proposal} 位。 |
//! | `assign.coverage_too_small` | {proposal} has only {available} non-conflicted reviewers with capacity in the group {group}; it needs at least {needed} ({others} other proposals have the same problem). | {proposal} 在“{group}”组中只有 {available} 位无回避且有余量的专家，至少需要 {needed} 位（另有 {others} 个项目同样不足）。 |
//! | `assign.coverage_capacity` | {proposals} proposals need {needed} reviews from the group {group}, but its reviewers can take at most {available} in all. | {proposals} 个项目共需“{group}”组专家评审 {needed} 次，但该组专家最多只能承担 {available} 次。 |
//! | `assign.coverage_bottleneck` | Proposals {sample} ({count} in all) need {needed} reviews, counting the minimums of the groups {groups}, but conflicts and reviewer capacities leave them at most {available}. | 项目 {sample}（共 {count} 个）需要 {needed} 次评审（计入“{groups}”组的最低人数要求），但受回避和专家承担上限所限，最多只能安排 {available} 次。 |

pub mod flow;
pub mod general;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;

/// Marks a pair without a score in [`Affinities::Dense`]; such a pair is never assigned.
pub const NO_PAIR: u16 = u16::MAX;

/// Affinities in units of 1e-4 (`0.4312` is 4312).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Affinities {
    /// Row-major `P × R` matrix: entry `i * R + j` is the affinity of proposal `i` and reviewer
    /// `j`, [`NO_PAIR`] for a pair without a score.
    Dense(Vec<u16>),
    /// For each proposal, its scored reviewers and their affinities (any order, each reviewer
    /// at most once, never [`NO_PAIR`]).
    Sparse(Vec<Vec<(u32, u16)>>),
}

/// One assignment problem. Indices are positions in `proposal_ids` and `reviewer_ids`.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Display ids of the proposals (used in error messages), one per proposal.
    pub proposal_ids: Vec<String>,
    /// Display ids of the reviewers, one per reviewer.
    pub reviewer_ids: Vec<String>,
    /// Reviewers each proposal gets (`k`).
    pub per_proposal: u32,
    /// The most proposals each reviewer may get (`L_j`), one per reviewer.
    pub capacity: Vec<u32>,
    pub affinities: Affinities,
    /// Forbidden (proposal, reviewer) pairs, any order, duplicates allowed.
    pub conflicts: Vec<(u32, u32)>,
    /// Minimum numbers of reviewers from disjoint groups for every proposal; empty for none.
    pub coverage: Vec<Coverage>,
}

/// Every proposal gets at least `at_least` reviewers from `members`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// What the group is ("industry expert", "产业专家"), used in error messages.
    pub name: String,
    /// Reviewer indices, any order, duplicates allowed; no reviewer may be in two groups.
    pub members: Vec<u32>,
    /// The minimum per proposal; the minimums of all groups sum to at most `per_proposal`.
    pub at_least: u32,
}

/// Tuning of the candidate set; any values give the same objective (the optimum). Not used
/// with coverage minimums (that solver works on all allowed pairs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolveOptions {
    /// Best reviewers of each proposal put in the first candidate set.
    pub candidates_per_proposal: usize,
    /// Best proposals of each reviewer put in the first candidate set.
    pub candidates_per_reviewer: usize,
}

impl SolveOptions {
    /// The default: `8k` best reviewers per proposal, `2·max L` best proposals per reviewer
    /// (on the benchmark instances S, M and L this set already holds an optimal assignment).
    #[must_use]
    pub fn for_instance(instance: &Instance) -> SolveOptions {
        let k = instance.per_proposal as usize;
        let max_capacity = instance.capacity.iter().copied().max().unwrap_or(0) as usize;
        SolveOptions { candidates_per_proposal: 8 * k, candidates_per_reviewer: 2 * max_capacity }
    }
}

/// The optimal assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Assigned (proposal, reviewer) pairs, sorted.
    pub pairs: Vec<(u32, u32)>,
    /// Sum of the affinities of the assigned pairs (units of 1e-4).
    pub objective: i64,
    /// The LP dual solution that proves the optimality.
    pub certificate: Certificate,
    pub stats: SolveStats,
}

/// LP duals: `a(i,j) − price[j] + β(i,j) ≥ threshold[i]` for every assigned pair, `≤` for
/// every other allowed pair, `price[j] ≥ 0` and `price[j] > 0` only for full reviewers, where
/// `β(i,j)` is `bonus[i·G + g]` for a reviewer `j` of coverage group `g` (of `G`) and 0 for a
/// reviewer in no group; `bonus[i·G + g] ≥ 0`, and `> 0` only when proposal `i` has exactly
/// `at_least` reviewers of group `g`. By complementary slackness these prove the assignment
/// optimal over every assignment meeting the constraints, coverage included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub threshold: Vec<i64>,
    pub price: Vec<i64>,
    /// `P × G`, row-major; empty (all zero) without coverage minimums.
    pub bonus: Vec<i64>,
}

/// What the solver did (for the benchmark's report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SolveStats {
    /// Arcs of the last candidate graph.
    pub candidate_arcs: usize,
    /// Flow solves (1 when the first candidate set was enough).
    pub rounds: usize,
    /// Pairs added because their reduced cost was negative.
    pub added_pairs: usize,
    /// Proposals given all their allowed pairs because a search found no path.
    pub expanded_proposals: usize,
    /// Whether the solver fell back to a cold solve on the full graph (infeasible instances),
    /// or solved on it from the start (coverage minimums).
    pub full_graph: bool,
}

/// Why there is no assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssignError {
    ShapeMismatch { what: &'static str, expected: usize, found: usize },
    IdOutOfRange { what: &'static str, value: u64, count: usize },
    DuplicatePair { proposal: String, reviewer: String },
    TotalCapacity { proposals: usize, needed: u64, available: u64 },
    TooFewReviewers { proposal: String, available: u64, needed: u64, others: usize },
    Bottleneck { sample: String, count: usize, needed: u64, available: u64 },
    CoverageOverlap { reviewer: String, first: String, second: String },
    CoverageTooMany { needed: u64, per_proposal: u32 },
    CoverageTooSmall { group: String, proposal: String, available: u64, needed: u64, others: usize },
    CoverageCapacity { group: String, proposals: usize, needed: u64, available: u64 },
    CoverageBottleneck { sample: String, count: usize, needed: u64, available: u64, groups: String },
}

impl AssignError {
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AssignError::ShapeMismatch { .. } => "assign.shape_mismatch",
            AssignError::IdOutOfRange { .. } => "assign.id_out_of_range",
            AssignError::DuplicatePair { .. } => "assign.duplicate_pair",
            AssignError::TotalCapacity { .. } => "assign.total_capacity",
            AssignError::TooFewReviewers { .. } => "assign.too_few_reviewers",
            AssignError::Bottleneck { .. } => "assign.bottleneck",
            AssignError::CoverageOverlap { .. } => "assign.coverage_overlap",
            AssignError::CoverageTooMany { .. } => "assign.coverage_too_many",
            AssignError::CoverageTooSmall { .. } => "assign.coverage_too_small",
            AssignError::CoverageCapacity { .. } => "assign.coverage_capacity",
            AssignError::CoverageBottleneck { .. } => "assign.coverage_bottleneck",
        }
    }

    /// Named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            AssignError::ShapeMismatch { what, expected, found } => {
                vec![("what", (*what).to_owned()), ("expected", expected.to_string()), ("found", found.to_string())]
            }
            AssignError::IdOutOfRange { what, value, count } => {
                vec![("what", (*what).to_owned()), ("value", value.to_string()), ("count", count.to_string())]
            }
            AssignError::DuplicatePair { proposal, reviewer } => {
                vec![("proposal", proposal.clone()), ("reviewer", reviewer.clone())]
            }
            AssignError::TotalCapacity { proposals, needed, available } => vec![
                ("proposals", proposals.to_string()),
                ("needed", needed.to_string()),
                ("available", available.to_string()),
            ],
            AssignError::TooFewReviewers { proposal, available, needed, others } => vec![
                ("proposal", proposal.clone()),
                ("available", available.to_string()),
                ("needed", needed.to_string()),
                ("others", others.to_string()),
            ],
            AssignError::Bottleneck { sample, count, needed, available } => vec![
                ("sample", sample.clone()),
                ("count", count.to_string()),
                ("needed", needed.to_string()),
                ("available", available.to_string()),
            ],
            AssignError::CoverageOverlap { reviewer, first, second } => {
                vec![("reviewer", reviewer.clone()), ("first", first.clone()), ("second", second.clone())]
            }
            AssignError::CoverageTooMany { needed, per_proposal } => {
                vec![("needed", needed.to_string()), ("per_proposal", per_proposal.to_string())]
            }
            AssignError::CoverageTooSmall { group, proposal, available, needed, others } => vec![
                ("group", group.clone()),
                ("proposal", proposal.clone()),
                ("available", available.to_string()),
                ("needed", needed.to_string()),
                ("others", others.to_string()),
            ],
            AssignError::CoverageCapacity { group, proposals, needed, available } => vec![
                ("group", group.clone()),
                ("proposals", proposals.to_string()),
                ("needed", needed.to_string()),
                ("available", available.to_string()),
            ],
            AssignError::CoverageBottleneck { sample, count, needed, available, groups } => vec![
                ("sample", sample.clone()),
                ("count", count.to_string()),
                ("needed", needed.to_string()),
                ("available", available.to_string()),
                ("groups", groups.clone()),
            ],
        }
    }
}

impl fmt::Display for AssignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignError::ShapeMismatch { what, expected, found } => {
                write!(f, "The {what} has {found} entries; the instance needs {expected}.")
            }
            AssignError::IdOutOfRange { what, value, count } => {
                write!(f, "{what} index {value} is out of range; there are {count}.")
            }
            AssignError::DuplicatePair { proposal, reviewer } => {
                write!(f, "The pair {proposal}, {reviewer} has two affinities.")
            }
            AssignError::TotalCapacity { proposals, needed, available } => write!(
                f,
                "{proposals} proposals need {needed} reviews but the reviewers can take at most {available} in all."
            ),
            AssignError::TooFewReviewers { proposal, available, needed, others } => write!(
                f,
                "{proposal} has only {available} non-conflicted reviewers with capacity; it needs {needed} \
                 ({others} other proposals have the same problem)."
            ),
            AssignError::Bottleneck { sample, count, needed, available } => write!(
                f,
                "Proposals {sample} ({count} in all) need {needed} reviews, but conflicts and reviewer capacities \
                 leave them at most {available}."
            ),
            AssignError::CoverageOverlap { reviewer, first, second } => write!(
                f,
                "Reviewer {reviewer} is in two coverage groups, {first} and {second}; groups may not share reviewers."
            ),
            AssignError::CoverageTooMany { needed, per_proposal } => write!(
                f,
                "The coverage groups ask for {needed} reviewers per proposal in all, but each proposal gets only \
                 {per_proposal}."
            ),
            AssignError::CoverageTooSmall { group, proposal, available, needed, others } => write!(
                f,
                "{proposal} has only {available} non-conflicted reviewers with capacity in the group {group}; it \
                 needs at least {needed} ({others} other proposals have the same problem)."
            ),
            AssignError::CoverageCapacity { group, proposals, needed, available } => write!(
                f,
                "{proposals} proposals need {needed} reviews from the group {group}, but its reviewers can take at \
                 most {available} in all."
            ),
            AssignError::CoverageBottleneck { sample, count, needed, available, groups } => write!(
                f,
                "Proposals {sample} ({count} in all) need {needed} reviews, counting the minimums of the groups \
                 {groups}, but conflicts and reviewer capacities leave them at most {available}."
            ),
        }
    }
}

impl std::error::Error for AssignError {}

/// The instance, checked, with each proposal's conflicts as a sorted list.
pub(crate) struct Checked<'a> {
    pub instance: &'a Instance,
    pub proposals: usize,
    pub reviewers: usize,
    /// `conflict_start[i]..conflict_start[i + 1]` indexes `conflict_reviewer`, sorted.
    conflict_start: Vec<usize>,
    conflict_reviewer: Vec<u32>,
    /// Sparse affinities sorted by reviewer (empty for dense ones), for lookups.
    sorted_rows: Vec<Vec<(u32, u16)>>,
    /// The coverage group of each reviewer ([`NO_GROUP`] for none); empty without coverage.
    pub group_of: Vec<u32>,
}

/// `Checked::group_of` of a reviewer in no coverage group.
pub(crate) const NO_GROUP: u32 = u32::MAX;

impl Checked<'_> {
    fn conflicts_of(&self, proposal: usize) -> &[u32] {
        &self.conflict_reviewer[self.conflict_start[proposal]..self.conflict_start[proposal + 1]]
    }

    /// Calls `f(reviewer, affinity)` for every allowed pair of `proposal` (scored, not
    /// conflicted, reviewer capacity above zero), in reviewer order for dense affinities.
    pub fn for_each_allowed(&self, proposal: usize, mut f: impl FnMut(u32, u16)) {
        let conflicts = self.conflicts_of(proposal);
        let capacity = &self.instance.capacity;
        match &self.instance.affinities {
            Affinities::Dense(values) => {
                let row = &values[proposal * self.reviewers..(proposal + 1) * self.reviewers];
                let mut next_conflict = 0;
                for (j, &a) in row.iter().enumerate() {
                    let j = j as u32;
                    if next_conflict < conflicts.len() && conflicts[next_conflict] == j {
                        next_conflict += 1;
                        continue;
                    }
                    if a != NO_PAIR && capacity[j as usize] > 0 {
                        f(j, a);
                    }
                }
            }
            Affinities::Sparse(rows) => {
                for &(j, a) in &rows[proposal] {
                    if capacity[j as usize] > 0 && conflicts.binary_search(&j).is_err() {
                        f(j, a);
                    }
                }
            }
        }
    }
}

fn check(instance: &Instance) -> Result<Checked<'_>, AssignError> {
    let proposals = instance.proposal_ids.len();
    let reviewers = instance.reviewer_ids.len();
    if instance.capacity.len() != reviewers {
        return Err(AssignError::ShapeMismatch {
            what: "capacity list",
            expected: reviewers,
            found: instance.capacity.len(),
        });
    }
    match &instance.affinities {
        Affinities::Dense(values) => {
            if values.len() != proposals * reviewers {
                return Err(AssignError::ShapeMismatch {
                    what: "affinity matrix",
                    expected: proposals * reviewers,
                    found: values.len(),
                });
            }
        }
        Affinities::Sparse(rows) => {
            if rows.len() != proposals {
                return Err(AssignError::ShapeMismatch {
                    what: "affinity row list",
                    expected: proposals,
                    found: rows.len(),
                });
            }
            let mut seen = vec![u32::MAX; reviewers];
            for (i, row) in rows.iter().enumerate() {
                for &(j, a) in row {
                    if j as usize >= reviewers {
                        return Err(AssignError::IdOutOfRange { what: "reviewer", value: j.into(), count: reviewers });
                    }
                    if a == NO_PAIR {
                        return Err(AssignError::IdOutOfRange {
                            what: "affinity",
                            value: a.into(),
                            count: usize::from(NO_PAIR),
                        });
                    }
                    if seen[j as usize] == i as u32 {
                        return Err(AssignError::DuplicatePair {
                            proposal: instance.proposal_ids[i].clone(),
                            reviewer: instance.reviewer_ids[j as usize].clone(),
                        });
                    }
                    seen[j as usize] = i as u32;
                }
            }
        }
    }
    let mut counts = vec![0usize; proposals + 1];
    for &(i, j) in &instance.conflicts {
        if i as usize >= proposals {
            return Err(AssignError::IdOutOfRange { what: "proposal", value: i.into(), count: proposals });
        }
        if j as usize >= reviewers {
            return Err(AssignError::IdOutOfRange { what: "reviewer", value: j.into(), count: reviewers });
        }
        counts[i as usize + 1] += 1;
    }
    for i in 0..proposals {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut conflict_reviewer = vec![0u32; instance.conflicts.len()];
    for &(i, j) in &instance.conflicts {
        conflict_reviewer[fill[i as usize]] = j;
        fill[i as usize] += 1;
    }
    // Sort and deduplicate each proposal's list, compacting in place.
    let mut conflict_start = vec![0usize; proposals + 1];
    let mut write = 0;
    for i in 0..proposals {
        let (start, end) = (counts[i], counts[i + 1]);
        conflict_reviewer[start..end].sort_unstable();
        conflict_start[i] = write;
        let mut last = None;
        for read in start..end {
            let j = conflict_reviewer[read];
            if last != Some(j) {
                conflict_reviewer[write] = j;
                write += 1;
                last = Some(j);
            }
        }
    }
    conflict_start[proposals] = write;
    conflict_reviewer.truncate(write);
    let sorted_rows = match &instance.affinities {
        Affinities::Dense(_) => Vec::new(),
        Affinities::Sparse(rows) => rows
            .iter()
            .map(|row| {
                let mut row = row.clone();
                row.sort_unstable();
                row
            })
            .collect(),
    };
    let group_of = check_coverage(instance)?;
    Ok(Checked { instance, proposals, reviewers, conflict_start, conflict_reviewer, sorted_rows, group_of })
}

/// Each reviewer's coverage group (empty without coverage); fails on a member out of range, a
/// reviewer in two groups, or minimums that sum to more than `k`.
fn check_coverage(instance: &Instance) -> Result<Vec<u32>, AssignError> {
    if instance.coverage.is_empty() {
        return Ok(Vec::new());
    }
    let reviewers = instance.reviewer_ids.len();
    let mut group_of = vec![NO_GROUP; reviewers];
    let mut needed = 0u64;
    for (g, group) in instance.coverage.iter().enumerate() {
        needed += u64::from(group.at_least);
        for &j in &group.members {
            let Some(slot) = group_of.get_mut(j as usize) else {
                return Err(AssignError::IdOutOfRange { what: "reviewer", value: j.into(), count: reviewers });
            };
            if *slot == NO_GROUP {
                *slot = g as u32;
            } else if *slot != g as u32 {
                return Err(AssignError::CoverageOverlap {
                    reviewer: instance.reviewer_ids[j as usize].clone(),
                    first: instance.coverage[*slot as usize].name.clone(),
                    second: group.name.clone(),
                });
            }
        }
    }
    if needed > u64::from(instance.per_proposal) {
        return Err(AssignError::CoverageTooMany { needed, per_proposal: instance.per_proposal });
    }
    Ok(group_of)
}

/// Names a few proposals: `P1, P2, P3, …`.
fn sample_ids(instance: &Instance, proposals: &[u32]) -> String {
    const SHOWN: usize = 5;
    let mut text = proposals
        .iter()
        .take(SHOWN)
        .map(|&i| instance.proposal_ids[i as usize].as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if proposals.len() > SHOWN {
        text.push_str(", …");
    }
    text
}

/// Fails when some proposal has fewer than `k` allowed reviewers or the capacities cannot
/// cover `P·k`; these are the usual reasons, told before any flow is computed.
fn check_counts(checked: &Checked<'_>) -> Result<(), AssignError> {
    let instance = checked.instance;
    let k = u64::from(instance.per_proposal);
    let mut reachable = vec![0u64; checked.reviewers];
    let mut short: Vec<(u32, u64)> = Vec::new();
    for i in 0..checked.proposals {
        let mut allowed = 0u64;
        checked.for_each_allowed(i, |j, _| {
            allowed += 1;
            reachable[j as usize] += 1;
        });
        if allowed < k {
            short.push((i as u32, allowed));
        }
    }
    if let Some(&(first, available)) = short.first() {
        return Err(AssignError::TooFewReviewers {
            proposal: instance.proposal_ids[first as usize].clone(),
            available,
            needed: k,
            others: short.len() - 1,
        });
    }
    let needed = k * checked.proposals as u64;
    let available: u64 =
        instance.capacity.iter().zip(&reachable).map(|(&capacity, &reach)| u64::from(capacity).min(reach)).sum();
    if available < needed {
        return Err(AssignError::TotalCapacity { proposals: checked.proposals, needed, available });
    }
    Ok(())
}

/// Fails when some proposal has fewer allowed members of a group than its minimum, or the
/// group's capacities cannot cover `at_least · P` (groups in order, proposals in index order).
fn check_coverage_counts(checked: &Checked<'_>) -> Result<(), AssignError> {
    let instance = checked.instance;
    let groups = instance.coverage.len();
    let mut reachable = vec![0u64; checked.reviewers];
    let mut short: Vec<Vec<(u32, u64)>> = vec![Vec::new(); groups];
    let mut members = vec![0u64; groups];
    for i in 0..checked.proposals {
        members.fill(0);
        checked.for_each_allowed(i, |j, _| {
            let g = checked.group_of[j as usize];
            if g != NO_GROUP {
                members[g as usize] += 1;
                reachable[j as usize] += 1;
            }
        });
        for (g, group) in instance.coverage.iter().enumerate() {
            if members[g] < u64::from(group.at_least) {
                short[g].push((i as u32, members[g]));
            }
        }
    }
    for (group, short) in instance.coverage.iter().zip(&short) {
        if let Some(&(first, available)) = short.first() {
            return Err(AssignError::CoverageTooSmall {
                group: group.name.clone(),
                proposal: instance.proposal_ids[first as usize].clone(),
                available,
                needed: group.at_least.into(),
                others: short.len() - 1,
            });
        }
    }
    let mut available = vec![0u64; groups];
    for (j, &g) in checked.group_of.iter().enumerate() {
        if g != NO_GROUP {
            available[g as usize] += u64::from(instance.capacity[j]).min(reachable[j]);
        }
    }
    for (group, &available) in instance.coverage.iter().zip(&available) {
        let needed = u64::from(group.at_least) * checked.proposals as u64;
        if available < needed {
            return Err(AssignError::CoverageCapacity {
                group: group.name.clone(),
                proposals: checked.proposals,
                needed,
                available,
            });
        }
    }
    Ok(())
}

/// Candidate pairs: each proposal's `per_proposal` best allowed reviewers and each reviewer's
/// `per_reviewer` best allowed proposals (ties to the smaller index), as sorted reviewer lists
/// per proposal.
fn candidates(checked: &Checked<'_>, per_proposal: usize, per_reviewer: usize) -> Vec<Vec<u32>> {
    // Keys order by affinity, then by the smaller index: (a << 32) | !index.
    let key = |a: u16, index: u32| (u64::from(a) << 32) | u64::from(!index);
    let mut lists: Vec<Vec<u32>> = Vec::with_capacity(checked.proposals);
    let mut row: Vec<u64> = Vec::new();
    let mut best: Vec<BinaryHeap<Reverse<u64>>> = vec![BinaryHeap::new(); checked.reviewers];
    let mut floor = vec![0u64; checked.reviewers];
    for i in 0..checked.proposals {
        row.clear();
        checked.for_each_allowed(i, |j, a| {
            row.push(key(a, j));
            if per_reviewer > 0 {
                let k = key(a, i as u32);
                let j = j as usize;
                if k > floor[j] || best[j].len() < per_reviewer {
                    best[j].push(Reverse(k));
                    if best[j].len() > per_reviewer {
                        best[j].pop();
                    }
                    if best[j].len() == per_reviewer {
                        floor[j] = best[j].peek().map_or(0, |r| r.0);
                    }
                }
            }
        });
        if row.len() > per_proposal {
            if per_proposal == 0 {
                row.clear();
            } else {
                row.select_nth_unstable_by(per_proposal - 1, |x, y| y.cmp(x));
                row.truncate(per_proposal);
            }
        }
        lists.push(row.iter().map(|&k| !(k as u32)).collect());
    }
    for (j, heap) in best.into_iter().enumerate() {
        for Reverse(k) in heap {
            lists[!(k as u32) as usize].push(j as u32);
        }
    }
    for list in &mut lists {
        list.sort_unstable();
        list.dedup();
    }
    lists
}

/// Affinity of an allowed pair (the caller knows it is scored).
fn affinity(checked: &Checked<'_>, proposal: usize, reviewer: u32) -> u16 {
    match &checked.instance.affinities {
        Affinities::Dense(values) => values[proposal * checked.reviewers + reviewer as usize],
        Affinities::Sparse(_) => {
            let row = &checked.sorted_rows[proposal];
            row.binary_search_by_key(&reviewer, |&(j, _)| j).map_or(NO_PAIR, |at| row[at].1)
        }
    }
}

/// All allowed pairs of each proposal.
fn all_pairs(checked: &Checked<'_>) -> Vec<Vec<u32>> {
    (0..checked.proposals)
        .map(|i| {
            let mut list = Vec::new();
            checked.for_each_allowed(i, |j, _| list.push(j));
            list.sort_unstable();
            list
        })
        .collect()
}

/// Pairs of the instance that break the certificate and are not assigned, by proposal.
fn violations(checked: &Checked<'_>, assigned: &[Vec<u32>], certificate: &Certificate) -> Vec<(u32, u32)> {
    let mut found = Vec::new();
    for (i, mine) in assigned.iter().enumerate() {
        let threshold = certificate.threshold[i];
        checked.for_each_allowed(i, |j, a| {
            if i64::from(a) - certificate.price[j as usize] > threshold && !mine.contains(&j) {
                found.push((i as u32, j));
            }
        });
    }
    found
}

/// The optimal assignment of `instance` (see the module documentation). `options` tune the
/// candidate set of the solver without coverage minimums and do not change the objective.
///
/// # Errors
/// A malformed instance (including coverage groups that overlap or ask for more than `k`), or
/// the reason no assignment exists ([`AssignError`]).
pub fn solve(instance: &Instance, options: SolveOptions) -> Result<Assignment, AssignError> {
    let checked = check(instance)?;
    check_counts(&checked)?;
    if instance.coverage.iter().any(|group| group.at_least > 0) {
        check_coverage_counts(&checked)?;
        return general::solve(&checked);
    }
    let mut lists = candidates(&checked, options.candidates_per_proposal, options.candidates_per_reviewer);
    let mut stats = SolveStats::default();
    let mut warm: Option<flow::Warm> = None;
    loop {
        stats.rounds += 1;
        stats.candidate_arcs = lists.iter().map(Vec::len).sum();
        let graph = flow::Graph::new(&checked, &lists, |i, j| affinity(&checked, i, j), warm.take());
        let solved = match graph.solve(&checked) {
            Ok(solved) => solved,
            Err(stuck) => {
                // No path in the candidate graph: give the proposals the search reached all
                // their allowed pairs and continue from the flow so far. When there is nothing
                // left to add, one cold solve on the full graph decides and explains.
                let mut expanded = 0;
                for &i in &stuck.proposals {
                    let i = i as usize;
                    let mut all = Vec::new();
                    checked.for_each_allowed(i, |j, _| all.push(j));
                    if all.len() > lists[i].len() {
                        all.sort_unstable();
                        lists[i] = all;
                        expanded += 1;
                    }
                }
                if expanded > 0 && !stats.full_graph {
                    stats.expanded_proposals += expanded;
                    warm = Some(stuck.warm);
                } else if !stats.full_graph {
                    stats.full_graph = true;
                    lists = all_pairs(&checked);
                } else {
                    return Err(stuck.into_error(instance));
                }
                continue;
            }
        };
        let found = violations(&checked, &solved.assigned, &solved.certificate);
        if found.is_empty() {
            let mut pairs: Vec<(u32, u32)> = Vec::with_capacity(solved.assigned.iter().map(Vec::len).sum());
            let mut objective = 0i64;
            for (i, mine) in solved.assigned.iter().enumerate() {
                for &j in mine {
                    pairs.push((i as u32, j));
                    objective += i64::from(affinity(&checked, i, j));
                }
            }
            pairs.sort_unstable();
            return Ok(Assignment { pairs, objective, certificate: solved.certificate, stats });
        }
        warm = Some(flow::Warm { assigned: solved.assigned, to_sink: solved.to_sink, potential: solved.potential });
        let before: usize = lists.iter().map(Vec::len).sum();
        for &(i, j) in &found {
            let list = &mut lists[i as usize];
            if let Err(at) = list.binary_search(&j) {
                list.insert(at, j);
            }
        }
        let added = lists.iter().map(Vec::len).sum::<usize>() - before;
        assert!(added > 0, "assignment solver: a candidate pair breaks the optimality certificate");
        stats.added_pairs += added;
    }
}

impl Certificate {
    /// Checks that `pairs` is a valid assignment of `instance` (coverage minimums included) and
    /// that this certificate proves it optimal (complementary slackness over every pair).
    /// Returns the first problem found.
    ///
    /// # Errors
    /// A description of the first broken condition (for tests and audits, not for users).
    pub fn check(&self, instance: &Instance, pairs: &[(u32, u32)]) -> Result<(), String> {
        let checked = check(instance).map_err(|e| e.to_string())?;
        let groups = instance.coverage.len();
        if !self.bonus.is_empty() && self.bonus.len() != checked.proposals * groups {
            return Err(format!("bonus has {} entries, not {} × {groups}", self.bonus.len(), checked.proposals));
        }
        let bonus = |i: usize, j: u32| match checked.group_of.get(j as usize) {
            Some(&g) if g != NO_GROUP && !self.bonus.is_empty() => self.bonus[i * groups + g as usize],
            _ => 0,
        };
        let mut assigned = vec![Vec::new(); checked.proposals];
        let mut load = vec![0u32; checked.reviewers];
        for &(i, j) in pairs {
            assigned[i as usize].push(j);
            load[j as usize] += 1;
        }
        let mut members = vec![0u32; groups];
        for (i, mine) in assigned.iter_mut().enumerate() {
            mine.sort_unstable();
            if mine.len() != instance.per_proposal as usize || mine.windows(2).any(|w| w[0] == w[1]) {
                return Err(format!("proposal {i} has not exactly k distinct reviewers"));
            }
            members.fill(0);
            for &j in mine.iter() {
                if checked.conflicts_of(i).binary_search(&j).is_ok() {
                    return Err(format!("conflict ({i}, {j}) assigned"));
                }
                let a = affinity(&checked, i, j);
                if a == NO_PAIR {
                    return Err(format!("pair ({i}, {j}) has no affinity"));
                }
                if i64::from(a) - self.price[j as usize] + bonus(i, j) < self.threshold[i] {
                    return Err(format!("assigned pair ({i}, {j}) below the threshold"));
                }
                if let Some(&g) = checked.group_of.get(j as usize).filter(|&&g| g != NO_GROUP) {
                    members[g as usize] += 1;
                }
            }
            for (g, (group, &count)) in instance.coverage.iter().zip(&members).enumerate() {
                if count < group.at_least {
                    return Err(format!("proposal {i} has {count} of group {g}, fewer than {}", group.at_least));
                }
                let b = self.bonus.get(i * groups + g).copied().unwrap_or(0);
                if b < 0 || (b > 0 && count != group.at_least) {
                    return Err(format!("proposal {i} has bonus {b} for group {g} with {count} members"));
                }
            }
        }
        for (j, (&l, &capacity)) in load.iter().zip(&instance.capacity).enumerate() {
            if l > capacity {
                return Err(format!("reviewer {j} over capacity"));
            }
            if self.price[j] < 0 || (self.price[j] > 0 && l < capacity) {
                return Err(format!("reviewer {j} has price {} with load {l} of {capacity}", self.price[j]));
            }
        }
        for (i, mine) in assigned.iter().enumerate() {
            let mut found = None;
            checked.for_each_allowed(i, |j, a| {
                if found.is_none()
                    && i64::from(a) - self.price[j as usize] + bonus(i, j) > self.threshold[i]
                    && mine.binary_search(&j).is_err()
                {
                    found = Some(j);
                }
            });
            if let Some(j) = found {
                return Err(format!("unassigned pair ({i}, {j}) above the threshold"));
            }
        }
        Ok(())
    }
}
