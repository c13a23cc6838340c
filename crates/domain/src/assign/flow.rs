//! Min-cost flow on a candidate graph by successive shortest paths (Dijkstra on reduced costs
//! with node potentials, stopped at the sink; Jonker–Volgenant potential update).
//!
//! Nodes: proposals `0..P`, reviewers `P..P+R`, the sink `P+R`. Residual arcs: `i → j` for an
//! unassigned candidate pair (cost `−a`), `j → i` for an assigned one (cost `+a`), `j → t` for a
//! reviewer below capacity (cost 0). Reduced cost `c(u,v) + π(u) − π(v)` stays `≥ 0` on every
//! residual arc (including `t → j` for loaded reviewers, which the first phase never scans).
//!
//! A re-solve after pairs were added starts from the previous flow and potentials ([`Warm`]):
//! each new pair with a negative reduced cost is saturated (assigned), which leaves its reviewer
//! with one unit too many and its proposal with one reviewer too many; the second phase routes
//! each such unit from the reviewer to an over-served proposal along a shortest path (through
//! the sink when useful), with the same Dijkstra and potential rule. Both phases keep every
//! reduced cost non-negative, so the result is optimal on the enlarged candidate set.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::{sample_ids, AssignError, Certificate, Checked};

const INF: i64 = i64::MAX / 4;

/// The candidate graph and the current flow.
pub(crate) struct Graph {
    proposals: usize,
    reviewers: usize,
    k: u32,
    /// CSR: arcs of proposal `i` are `start[i]..start[i + 1]`.
    start: Vec<u32>,
    head: Vec<u32>,
    /// The affinity of the arc (its cost is the negation).
    gain: Vec<i64>,
    used: Vec<bool>,
    /// Capacity of each reviewer.
    capacity: Vec<u32>,
    /// Arcs assigned to each reviewer (its inflow).
    slots: Vec<Vec<u32>>,
    /// Flow on `j → t` (equal to the inflow except during the second phase).
    to_sink: Vec<u32>,
    /// Assigned arcs of each proposal.
    out: Vec<u32>,
    /// Sum of `to_sink`; the sink takes units while it is below `k·P`.
    sink_flow: u64,
    potential: Vec<i64>,
}

/// The flow solved: each proposal's reviewers, the certificate and the raw potentials.
pub(crate) struct Solved {
    pub assigned: Vec<Vec<u32>>,
    pub certificate: Certificate,
    pub potential: Vec<i64>,
    pub to_sink: Vec<u32>,
}

/// A previous solution to start from: each proposal's reviewers and the node potentials.
pub(crate) struct Warm {
    pub assigned: Vec<Vec<u32>>,
    /// Flow on each `j → t` (below the reviewer's load if it has excess).
    pub to_sink: Vec<u32>,
    pub potential: Vec<i64>,
}

/// `pred` of a reviewer reached from the sink (`t → j`, giving back one unit).
const FROM_SINK: u32 = u32::MAX - 1;

/// A unit that found no path to the sink: the nodes reachable from its proposal.
pub(crate) struct Stuck {
    /// Proposals reached, sorted.
    pub proposals: Vec<u32>,
    needed: u64,
    available: u64,
    /// The flow so far, to continue from.
    pub warm: Warm,
}

impl Stuck {
    pub(crate) fn into_error(self, instance: &super::Instance) -> AssignError {
        AssignError::Bottleneck {
            sample: sample_ids(instance, &self.proposals),
            count: self.proposals.len(),
            needed: self.needed,
            available: self.available,
        }
    }
}

/// Dijkstra's scratch space, reused across searches (a stamp marks the current search).
struct Search {
    dist: Vec<i64>,
    stamp: Vec<u32>,
    now: u32,
    /// For a reviewer: the arc it was reached by (forward). For a proposal: the assigned arc
    /// reversed to reach it. For the sink: the reviewer.
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
            pred: vec![u32::MAX; nodes],
            done: vec![false; nodes],
            settled: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn begin(&mut self) {
        self.now += 1;
        self.settled.clear();
        self.heap.clear();
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

impl Graph {
    /// `lists[i]`: the candidate reviewers of proposal `i` (allowed pairs, sorted). With
    /// `warm`, its assignment (which must use only pairs of `lists`) and potentials are kept
    /// and every unassigned arc with a negative reduced cost is saturated.
    pub(crate) fn new(
        checked: &Checked<'_>,
        lists: &[Vec<u32>],
        affinity: impl Fn(usize, u32) -> u16,
        warm: Option<Warm>,
    ) -> Graph {
        let arcs: usize = lists.iter().map(Vec::len).sum();
        let mut start = Vec::with_capacity(lists.len() + 1);
        let mut head = Vec::with_capacity(arcs);
        let mut gain = Vec::with_capacity(arcs);
        let mut potential = vec![0i64; checked.proposals + checked.reviewers + 1];
        start.push(0u32);
        for (i, list) in lists.iter().enumerate() {
            let mut best = 0i64;
            for &j in list {
                let a = i64::from(affinity(i, j));
                best = best.max(a);
                head.push(j);
                gain.push(a);
            }
            // π(i) = max a(i,j) makes every reduced cost −a + π(i) − 0 non-negative.
            potential[i] = best;
            start.push(u32::try_from(head.len()).expect("fewer than 2^32 candidate pairs"));
        }
        let capacity = checked.instance.capacity.clone();
        let slots = capacity.iter().map(|&c| Vec::with_capacity(c.min(64) as usize)).collect();
        let mut graph = Graph {
            proposals: checked.proposals,
            reviewers: checked.reviewers,
            k: checked.instance.per_proposal,
            start,
            head,
            gain,
            used: vec![false; arcs],
            capacity,
            slots,
            to_sink: vec![0; checked.reviewers],
            out: vec![0; checked.proposals],
            sink_flow: 0,
            potential,
        };
        if let Some(warm) = warm {
            graph.start_from(lists, warm);
        }
        graph
    }

    fn start_from(&mut self, lists: &[Vec<u32>], warm: Warm) {
        let p = self.proposals;
        let sink = p + self.reviewers;
        self.potential = warm.potential;
        for (i, mine) in warm.assigned.iter().enumerate() {
            for &j in mine {
                let at = lists[i].binary_search(&j).expect("the warm assignment uses candidate pairs");
                let a = self.start[i] as usize + at;
                self.used[a] = true;
                self.slots[j as usize].push(a as u32);
                self.out[i] += 1;
            }
        }
        self.sink_flow = warm.to_sink.iter().map(|&f| u64::from(f)).sum();
        self.to_sink = warm.to_sink;
        // A reviewer without load may have any potential above the sink's; lowering it to the
        // sink's keeps every reduced cost non-negative and saturates fewer arcs below.
        for j in 0..self.reviewers {
            if self.to_sink[j] == 0 {
                self.potential[p + j] = self.potential[p + j].min(self.potential[sink]);
            }
        }
        for i in 0..p {
            for a in self.start[i] as usize..self.start[i + 1] as usize {
                let j = self.head[a] as usize;
                if !self.used[a] && -self.gain[a] + self.potential[i] - self.potential[p + j] < 0 {
                    self.used[a] = true;
                    self.slots[j].push(a as u32);
                    self.out[i] += 1;
                }
            }
        }
    }

    /// Routes all `k·P` units; proposals in index order.
    pub(crate) fn solve(mut self, checked: &Checked<'_>) -> Result<Solved, Stuck> {
        let nodes = self.proposals + self.reviewers + 1;
        let mut search = Search::new(nodes);
        let mut tail = vec![0u32; self.head.len()];
        for i in 0..self.proposals {
            for a in self.start[i]..self.start[i + 1] {
                tail[a as usize] = i as u32;
            }
        }
        for i in 0..self.proposals {
            while self.out[i] < self.k {
                if !self.augment(i, &mut search, &tail) {
                    return Err(self.stuck(checked, &search));
                }
            }
        }
        for j in 0..self.reviewers {
            while self.slots[j].len() as u32 > self.to_sink[j] {
                if !self.augment(self.proposals + j, &mut search, &tail) {
                    return Err(self.stuck(checked, &search));
                }
            }
        }
        let sink = self.potential[self.proposals + self.reviewers];
        let threshold = (0..self.proposals).map(|i| self.potential[i] - sink).collect();
        let price = (0..self.reviewers).map(|j| (sink - self.potential[self.proposals + j]).max(0)).collect();
        let assigned = self.assigned();
        Ok(Solved {
            assigned,
            certificate: Certificate { threshold, price, bonus: Vec::new() },
            potential: self.potential,
            to_sink: self.to_sink,
        })
    }

    fn assigned(&self) -> Vec<Vec<u32>> {
        (0..self.proposals)
            .map(|i| {
                let range = self.start[i] as usize..self.start[i + 1] as usize;
                range.filter(|&a| self.used[a]).map(|a| self.head[a]).collect()
            })
            .collect()
    }

    /// One unit from `source` (a proposal below `k`, or a reviewer with excess) to the nearest
    /// node that takes it (a proposal above `k`, or the sink while below `k·P`) along a
    /// shortest residual path; false if there is none.
    fn augment(&mut self, source: usize, s: &mut Search, tail: &[u32]) -> bool {
        let p = self.proposals;
        let sink = p + self.reviewers;
        let sink_takes = self.sink_flow < u64::from(self.k) * p as u64;
        s.begin();
        s.relax(source, 0, u32::MAX);
        let mut total = INF;
        let mut end = usize::MAX;
        while let Some(Reverse((d, v))) = s.heap.pop() {
            let v = v as usize;
            if s.done[v] || d > s.dist[v] {
                continue;
            }
            s.done[v] = true;
            s.settled.push(v as u32);
            let reached = if v == sink { sink_takes } else { v < p && self.out[v] > self.k };
            if reached {
                total = d;
                end = v;
                break;
            }
            let pv = self.potential[v];
            if v < p {
                for a in self.start[v] as usize..self.start[v + 1] as usize {
                    if !self.used[a] {
                        let w = p + self.head[a] as usize;
                        let nd = d - self.gain[a] + pv - self.potential[w];
                        s.relax(w, nd, a as u32);
                    }
                }
            } else if v < sink {
                let j = v - p;
                if self.to_sink[j] < self.capacity[j] {
                    let nd = d + pv - self.potential[sink];
                    s.relax(sink, nd, j as u32);
                }
                for &a in &self.slots[j] {
                    let w = tail[a as usize] as usize;
                    let nd = d + self.gain[a as usize] + pv - self.potential[w];
                    s.relax(w, nd, a);
                }
            } else {
                // The sink gives a unit back to a reviewer that sends one (when it is full).
                for j in 0..self.reviewers {
                    if self.to_sink[j] > 0 {
                        let nd = d + pv - self.potential[p + j];
                        s.relax(p + j, nd, FROM_SINK);
                    }
                }
            }
        }
        if total == INF {
            return false;
        }
        for &v in &s.settled {
            let v = v as usize;
            self.potential[v] += s.dist[v] - total;
        }
        // Walk back from the end, flipping arcs.
        let mut v = end;
        while v != source {
            if v == sink {
                let j = s.pred[sink] as usize;
                self.to_sink[j] += 1;
                self.sink_flow += 1;
                v = p + j;
            } else if v < p {
                // Reached through an assigned arc, now unassigned.
                let b = s.pred[v] as usize;
                let j = self.head[b] as usize;
                self.used[b] = false;
                self.out[v] -= 1;
                let slot = self.slots[j].iter().position(|&x| x as usize == b).expect("reversed arc is assigned");
                self.slots[j].swap_remove(slot);
                v = p + j;
            } else {
                let j = v - p;
                let a = s.pred[v];
                if a == FROM_SINK {
                    self.to_sink[j] -= 1;
                    self.sink_flow -= 1;
                    v = sink;
                } else {
                    self.used[a as usize] = true;
                    self.slots[j].push(a);
                    let i = tail[a as usize] as usize;
                    self.out[i] += 1;
                    v = i;
                }
            }
        }
        true
    }

    /// The cut behind a failed search: proposals reached (`S`), the units they need, and the
    /// most any flow could give them: the capacity of the reviewers reached (all full, serving
    /// only `S`) plus one per allowed pair of `S` with a reviewer not reached (all already used).
    fn stuck(&self, checked: &Checked<'_>, s: &Search) -> Stuck {
        let p = self.proposals;
        let reached = |v: usize| s.stamp[v] == s.now;
        let mut proposals = Vec::new();
        let mut available = 0u64;
        for v in 0..p + self.reviewers {
            if !reached(v) {
                continue;
            }
            if v < p {
                proposals.push(v as u32);
                checked.for_each_allowed(v, |j, _| {
                    if !reached(p + j as usize) {
                        available += 1;
                    }
                });
            } else {
                available += u64::from(self.capacity[v - p]);
            }
        }
        let needed = u64::from(self.k) * proposals.len() as u64;
        let warm = Warm { assigned: self.assigned(), to_sink: self.to_sink.clone(), potential: self.potential.clone() };
        Stuck { proposals, needed, available, warm }
    }
}
