//! Min-cost flow on the full allowed graph for instances with coverage minimums, by successive
//! shortest paths (Dijkstra on reduced costs with node potentials, stopped at the sink; the
//! same potential rule as [`super::flow`]).
//!
//! Nodes, numbered in this order (Dijkstra settles equal distances by the smaller number):
//! proposals `i` (`0..P`), group nodes `i_g` (`P + i·G + g`), reviewers `j`, the sink `t`.
//! Arcs: `i → i_g` (capacity `k`, cost 0), `i → j` for an allowed pair with a reviewer in no
//! group and `i_g → j` for one with a reviewer of group `g` (capacity 1, cost `SHIFT − a(i,j)`),
//! `j → t` (capacity `L_j`, cost 0). Supplies: `at_least_g` at `i_g`, `k − Σ at_least` at `i`;
//! the sink takes `k·P`. Since `i → i_g` carries at most `i`'s supply (below `k`), it always
//! has residual capacity, which the certificate and the infeasibility cut below rely on.
//!
//! Every cost starts non-negative, so zero potentials are valid. A unit's path from a supply
//! node to the sink crosses one more pair arc forwards than backwards, so `SHIFT` adds the same
//! constant to every path and to every flow of value `k·P`: it changes no choice.
//!
//! The final potentials `π` give the [`Certificate`]: `threshold[i] = SHIFT + π(i) − π(t)`,
//! `price[j] = max(0, π(t) − π(j))`, `bonus[i·G + g] = π(i) − π(i_g)` (non-negative because
//! `i → i_g` is residual, positive only if it carries no flow, i.e. `i` has exactly the minimum
//! of group `g`). Non-negative reduced costs on the residual arcs are exactly the conditions
//! [`Certificate::check`] verifies.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{sample_ids, AssignError, Assignment, Certificate, Checked, SolveStats, NO_GROUP};

const INF: i64 = i64::MAX / 4;

/// Added to the cost `−a` of every pair arc so that all costs are non-negative (`a < 2^16`).
const SHIFT: i64 = 1 << 16;

const NONE: u32 = u32::MAX;

/// Node numbers (see the module documentation).
struct Layout {
    proposals: usize,
    groups: usize,
}

impl Layout {
    fn group(&self, proposal: usize, group: usize) -> usize {
        self.proposals + proposal * self.groups + group
    }

    fn reviewer(&self, reviewer: usize) -> usize {
        self.proposals * (1 + self.groups) + reviewer
    }

    /// Proposal and group nodes are `0..supply_nodes()`.
    fn supply_nodes(&self) -> usize {
        self.proposals * (1 + self.groups)
    }

    /// The proposal a proposal or group node belongs to.
    fn proposal_of(&self, node: usize) -> usize {
        if node < self.proposals {
            node
        } else {
            (node - self.proposals) / self.groups
        }
    }
}

/// The residual network in CSR form: the arcs leaving node `v` are `start[v]..start[v + 1]`,
/// each original arc followed somewhere by its reverse (`pair`), in the order they were added.
struct Network {
    start: Vec<u32>,
    to: Vec<u32>,
    pair: Vec<u32>,
    residual: Vec<u32>,
    /// Capacity of the original arc (0 for a reverse arc).
    capacity: Vec<u32>,
    cost: Vec<i64>,
    potential: Vec<i64>,
}

struct Edge {
    from: u32,
    to: u32,
    capacity: u32,
    cost: i64,
}

impl Network {
    /// The network of `edges` and the index of each edge's forward arc.
    fn new(nodes: usize, edges: &[Edge]) -> (Network, Vec<u32>) {
        let arcs = 2 * edges.len();
        let mut start = vec![0u32; nodes + 1];
        for edge in edges {
            start[edge.from as usize + 1] += 1;
            start[edge.to as usize + 1] += 1;
        }
        for v in 0..nodes {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut network = Network {
            to: vec![0; arcs],
            pair: vec![0; arcs],
            residual: vec![0; arcs],
            capacity: vec![0; arcs],
            cost: vec![0; arcs],
            potential: vec![0; nodes],
            start,
        };
        let mut forward = Vec::with_capacity(edges.len());
        for edge in edges {
            let a = fill[edge.from as usize];
            fill[edge.from as usize] += 1;
            let b = fill[edge.to as usize];
            fill[edge.to as usize] += 1;
            let (a_, b_) = (a as usize, b as usize);
            network.to[a_] = edge.to;
            network.to[b_] = edge.from;
            network.pair[a_] = b;
            network.pair[b_] = a;
            network.residual[a_] = edge.capacity;
            network.capacity[a_] = edge.capacity;
            network.cost[a_] = edge.cost;
            network.cost[b_] = -edge.cost;
            forward.push(a);
        }
        (network, forward)
    }
}

/// Dijkstra's scratch space, reused across searches (a stamp marks the nodes of this search).
struct Search {
    dist: Vec<i64>,
    stamp: Vec<u32>,
    now: u32,
    /// The arc each node was reached by.
    pred: Vec<u32>,
    done: Vec<bool>,
    settled: Vec<u32>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Search {
    fn new(nodes: usize) -> Search {
        Search {
            dist: vec![INF; nodes],
            stamp: vec![0; nodes],
            now: 0,
            pred: vec![NONE; nodes],
            done: vec![false; nodes],
            settled: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reached(&self, v: usize) -> bool {
        self.stamp[v] == self.now
    }

    fn relax(&mut self, v: usize, d: i64, pred: u32) {
        if self.stamp[v] != self.now {
            self.stamp[v] = self.now;
            self.done[v] = false;
        } else if self.done[v] || d >= self.dist[v] {
            return;
        }
        self.dist[v] = d;
        self.pred[v] = pred;
        self.heap.push(Reverse((d, v as u32)));
    }
}

/// One unit from `source` to `sink` along a shortest residual path; false if there is none
/// (then `search` holds every node reachable from `source`).
fn augment(net: &mut Network, search: &mut Search, source: usize, sink: usize) -> bool {
    search.now += 1;
    search.settled.clear();
    search.heap.clear();
    search.relax(source, 0, NONE);
    let mut total = INF;
    while let Some(Reverse((d, v))) = search.heap.pop() {
        let v = v as usize;
        if search.done[v] || d > search.dist[v] {
            continue;
        }
        search.done[v] = true;
        search.settled.push(v as u32);
        if v == sink {
            total = d;
            break;
        }
        let pv = net.potential[v];
        for a in net.start[v] as usize..net.start[v + 1] as usize {
            if net.residual[a] > 0 {
                let w = net.to[a] as usize;
                search.relax(w, d + net.cost[a] + pv - net.potential[w], a as u32);
            }
        }
    }
    if total == INF {
        return false;
    }
    // Settled nodes move by their distance (relative to the sink's); the others keep their
    // potential. Every residual reduced cost stays non-negative and the path's arcs become 0.
    for &v in &search.settled {
        let v = v as usize;
        net.potential[v] += search.dist[v] - total;
    }
    let mut v = sink;
    while v != source {
        let a = search.pred[v] as usize;
        net.residual[a] -= 1;
        net.residual[net.pair[a] as usize] += 1;
        v = net.to[net.pair[a] as usize] as usize;
    }
    true
}

/// The optimal assignment of a checked instance with coverage minimums (see the module
/// documentation).
///
/// # Errors
/// [`AssignError::Bottleneck`] or [`AssignError::CoverageBottleneck`] when some unit has no
/// path to the sink: the nodes it reaches need more than the arcs leaving them can carry.
pub(crate) fn solve(checked: &Checked<'_>) -> Result<Assignment, AssignError> {
    let instance = checked.instance;
    let (p, r, groups) = (checked.proposals, checked.reviewers, instance.coverage.len());
    let k = instance.per_proposal;
    let layout = Layout { proposals: p, groups };
    let sink = layout.reviewer(r);
    let minimum: u32 = instance.coverage.iter().map(|group| group.at_least).sum();
    // With a positive minimum, `i` supplies less than `k`: its arcs `i → i_g` stay residual.
    debug_assert!(groups == 0 || minimum > 0, "the general solver is for positive minimums");

    let mut edges = Vec::new();
    // (proposal, reviewer, affinity, edge) of every allowed pair, sorted.
    let mut pairs: Vec<(u32, u32, u16, usize)> = Vec::new();
    let mut row: Vec<(u32, u16)> = Vec::new();
    for i in 0..p {
        for g in 0..groups {
            edges.push(Edge { from: i as u32, to: layout.group(i, g) as u32, capacity: k, cost: 0 });
        }
        row.clear();
        checked.for_each_allowed(i, |j, a| row.push((j, a)));
        row.sort_unstable();
        for &(j, a) in &row {
            let g = checked.group_of.get(j as usize).copied().unwrap_or(NO_GROUP);
            let from = if g == NO_GROUP { i } else { layout.group(i, g as usize) };
            pairs.push((i as u32, j, a, edges.len()));
            edges.push(Edge {
                from: from as u32,
                to: layout.reviewer(j as usize) as u32,
                capacity: 1,
                cost: SHIFT - i64::from(a),
            });
        }
    }
    for (j, &capacity) in instance.capacity.iter().enumerate() {
        edges.push(Edge { from: layout.reviewer(j) as u32, to: sink as u32, capacity, cost: 0 });
    }
    let (mut net, forward) = Network::new(sink + 1, &edges);

    let mut supply = vec![0u32; layout.supply_nodes()];
    for i in 0..p {
        supply[i] = k - minimum;
        for (g, group) in instance.coverage.iter().enumerate() {
            supply[layout.group(i, g)] = group.at_least;
        }
    }
    let mut search = Search::new(sink + 1);
    for i in 0..p {
        // The group units first, then the free ones.
        let sources = (0..groups).map(|g| layout.group(i, g)).chain(std::iter::once(i));
        for source in sources {
            for _ in 0..supply[source] {
                if !augment(&mut net, &mut search, source, sink) {
                    return Err(stuck(checked, &layout, &net, &search, &supply));
                }
            }
        }
    }

    let mut assigned = Vec::with_capacity(p * k as usize);
    let mut objective = 0i64;
    for &(i, j, a, edge) in &pairs {
        if net.residual[forward[edge] as usize] == 0 {
            assigned.push((i, j));
            objective += i64::from(a);
        }
    }
    let pi = &net.potential;
    let certificate = Certificate {
        threshold: (0..p).map(|i| SHIFT + pi[i] - pi[sink]).collect(),
        price: (0..r).map(|j| (pi[sink] - pi[layout.reviewer(j)]).max(0)).collect(),
        bonus: (0..p)
            .flat_map(|i| (0..groups).map(move |g| (i, g)))
            .map(|(i, g)| pi[i] - pi[layout.group(i, g)])
            .collect(),
    };
    let stats =
        SolveStats { candidate_arcs: pairs.len(), rounds: 1, added_pairs: 0, expanded_proposals: 0, full_graph: true };
    Ok(Assignment { pairs: assigned, objective, certificate, stats })
}

/// Supply of the nodes in `set` and the capacity of the arcs leaving it. With no sink in
/// `set`, any flow must send at least that supply out through those arcs.
fn cut(net: &Network, layout: &Layout, supply: &[u32], set: impl Fn(usize) -> bool) -> (u64, u64) {
    let mut needed = 0u64;
    let mut available = 0u64;
    for v in (0..net.potential.len()).filter(|&v| set(v)) {
        if v < layout.supply_nodes() {
            needed += u64::from(supply[v]);
        }
        for a in net.start[v] as usize..net.start[v + 1] as usize {
            if net.capacity[a] > 0 && !set(net.to[a] as usize) {
                available += u64::from(net.capacity[a]);
            }
        }
    }
    (needed, available)
}

/// The cut behind a failed search: the reached set `S` holds no sink and every arc leaving it
/// is saturated, so its supply exceeds what those arcs can carry. `S` may hold group nodes
/// without their proposal (a minimum that cannot be met). If adding those proposals with all
/// their group nodes still leaves a cut short of supply, the instance has no assignment even
/// without coverage, and the plain [`AssignError::Bottleneck`] says so; otherwise the error
/// names the groups whose minimums `S` cannot meet.
fn stuck(checked: &Checked<'_>, layout: &Layout, net: &Network, search: &Search, supply: &[u32]) -> AssignError {
    let instance = checked.instance;
    let mut touched = vec![false; layout.proposals];
    let mut short_groups = vec![false; layout.groups];
    for v in (0..layout.supply_nodes()).filter(|&v| search.reached(v)) {
        let i = layout.proposal_of(v);
        touched[i] = true;
        if v >= layout.proposals && !search.reached(i) {
            short_groups[(v - layout.proposals) % layout.groups] = true;
        }
    }
    let proposals: Vec<u32> = (0..layout.proposals as u32).filter(|&i| touched[i as usize]).collect();
    let sample = sample_ids(instance, &proposals);
    let count = proposals.len();
    let whole = |v: usize| {
        if v < layout.supply_nodes() {
            touched[layout.proposal_of(v)]
        } else {
            search.reached(v)
        }
    };
    let (needed, available) = cut(net, layout, supply, whole);
    if needed > available {
        return AssignError::Bottleneck { sample, count, needed, available };
    }
    let (needed, available) = cut(net, layout, supply, |v| search.reached(v));
    let groups = instance
        .coverage
        .iter()
        .zip(&short_groups)
        .filter(|(_, &short)| short)
        .map(|(group, _)| group.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    AssignError::CoverageBottleneck { sample, count, needed, available, groups }
}
