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
//! # Ties
//!
//! Among equally good assignments the result is the one this procedure reaches: proposals in
//! index order, candidate lists in reviewer index order, Dijkstra settling equal distances by
//! the smaller node (proposals before reviewers, then by index). The output depends only on the
//! instance and the [`SolveOptions`], never on timing, threads or hashing; pairs are returned
//! sorted by (proposal, reviewer).
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

pub mod flow;
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
}

/// Tuning of the candidate set; any values give the same objective (the optimum).
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

/// LP duals: `a(i,j) − price[j] ≥ threshold[i]` for every assigned pair, `≤` for every other
/// allowed pair, `price[j] ≥ 0` and `price[j] > 0` only for full reviewers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub threshold: Vec<i64>,
    pub price: Vec<i64>,
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
    /// Whether the solver fell back to a cold solve on the full graph (infeasible instances).
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
}

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
    Ok(Checked { instance, proposals, reviewers, conflict_start, conflict_reviewer, sorted_rows })
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

/// The optimal assignment of `instance` (see the module documentation).
///
/// # Errors
/// A malformed instance, or the reason no assignment exists ([`AssignError`]).
pub fn solve(instance: &Instance, options: SolveOptions) -> Result<Assignment, AssignError> {
    let checked = check(instance)?;
    check_counts(&checked)?;
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
    /// Checks that `pairs` is a valid assignment of `instance` and that this certificate proves
    /// it optimal (complementary slackness over every pair). Returns the first problem found.
    ///
    /// # Errors
    /// A description of the first broken condition (for tests and audits, not for users).
    pub fn check(&self, instance: &Instance, pairs: &[(u32, u32)]) -> Result<(), String> {
        let checked = check(instance).map_err(|e| e.to_string())?;
        let mut assigned = vec![Vec::new(); checked.proposals];
        let mut load = vec![0u32; checked.reviewers];
        for &(i, j) in pairs {
            assigned[i as usize].push(j);
            load[j as usize] += 1;
        }
        for (i, mine) in assigned.iter_mut().enumerate() {
            mine.sort_unstable();
            if mine.len() != instance.per_proposal as usize || mine.windows(2).any(|w| w[0] == w[1]) {
                return Err(format!("proposal {i} has not exactly k distinct reviewers"));
            }
            for &j in mine.iter() {
                if checked.conflicts_of(i).binary_search(&j).is_ok() {
                    return Err(format!("conflict ({i}, {j}) assigned"));
                }
                let a = affinity(&checked, i, j);
                if a == NO_PAIR {
                    return Err(format!("pair ({i}, {j}) has no affinity"));
                }
                if i64::from(a) - self.price[j as usize] < self.threshold[i] {
                    return Err(format!("assigned pair ({i}, {j}) below the threshold"));
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
        match violations(&checked, &assigned, self).first() {
            Some((i, j)) => Err(format!("unassigned pair ({i}, {j}) above the threshold")),
            None => Ok(()),
        }
    }
}
