//! Min-cost flow on a candidate graph by successive shortest paths (Dijkstra on reduced costs
//! with node potentials, stopped at the sink; Jonker–Volgenant potential update).
//!
//! Nodes: proposals `0..P`, reviewers `P..P+R`, the sink `P+R`. Residual arcs: `i → j` for an
//! unassigned candidate pair (cost `−a`), `j → i` for an assigned one (cost `+a`), `j → t` for a
//! reviewer below capacity (cost 0). Reduced cost `c(u,v) + π(u) − π(v)` stays `≥ 0` on every
//! residual arc (including `t → j` for loaded reviewers, which Dijkstra never needs to scan).

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
    /// Arcs assigned to each reviewer.
    slots: Vec<Vec<u32>>,
    potential: Vec<i64>,
}

/// The flow solved: each proposal's reviewers, and the certificate.
pub(crate) struct Solved {
    pub assigned: Vec<Vec<u32>>,
    pub certificate: Certificate,
}

/// A unit that found no path to the sink: the nodes reachable from its proposal.
pub(crate) struct Stuck {
    proposals: Vec<u32>,
    needed: u64,
    available: u64,
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
    /// `lists[i]`: the candidate reviewers of proposal `i` (allowed pairs, sorted).
    pub(crate) fn new(checked: &Checked<'_>, lists: &[Vec<u32>], affinity: impl Fn(usize, u32) -> u16) -> Graph {
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
        Graph {
            proposals: checked.proposals,
            reviewers: checked.reviewers,
            k: checked.instance.per_proposal,
            start,
            head,
            gain,
            used: vec![false; arcs],
            capacity,
            slots,
            potential,
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
            for _ in 0..self.k {
                if !self.augment(i, &mut search, &tail) {
                    return Err(self.stuck(checked, &search, &tail));
                }
            }
        }
        let sink = self.potential[self.proposals + self.reviewers];
        let threshold = (0..self.proposals).map(|i| self.potential[i] - sink).collect();
        let price = (0..self.reviewers).map(|j| (sink - self.potential[self.proposals + j]).max(0)).collect();
        let assigned = (0..self.proposals)
            .map(|i| {
                let range = self.start[i] as usize..self.start[i + 1] as usize;
                range.filter(|&a| self.used[a]).map(|a| self.head[a]).collect()
            })
            .collect();
        Ok(Solved { assigned, certificate: Certificate { threshold, price } })
    }

    /// One unit from proposal `source` to the sink along a shortest path; false if none.
    fn augment(&mut self, source: usize, s: &mut Search, tail: &[u32]) -> bool {
        let p = self.proposals;
        let sink = p + self.reviewers;
        s.begin();
        s.relax(source, 0, u32::MAX);
        let mut total = INF;
        while let Some(Reverse((d, v))) = s.heap.pop() {
            let v = v as usize;
            if s.done[v] || d > s.dist[v] {
                continue;
            }
            s.done[v] = true;
            s.settled.push(v as u32);
            if v == sink {
                total = d;
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
            } else {
                let j = v - p;
                if (self.slots[j].len() as u32) < self.capacity[j] {
                    let nd = d + pv - self.potential[sink];
                    s.relax(sink, nd, j as u32);
                }
                for &a in &self.slots[j] {
                    let w = tail[a as usize] as usize;
                    let nd = d + self.gain[a as usize] + pv - self.potential[w];
                    s.relax(w, nd, a);
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
        // Walk back from the sink, flipping arcs.
        let mut j = s.pred[sink] as usize;
        let mut replaced: Option<u32> = None;
        loop {
            let a = s.pred[p + j];
            self.used[a as usize] = true;
            match replaced {
                None => self.slots[j].push(a),
                Some(old) => {
                    let slot = self.slots[j].iter().position(|&x| x == old).expect("reversed arc is assigned");
                    self.slots[j][slot] = a;
                }
            }
            let i = tail[a as usize] as usize;
            if i == source {
                return true;
            }
            let b = s.pred[i];
            self.used[b as usize] = false;
            replaced = Some(b);
            j = self.head[b as usize] as usize;
        }
    }

    /// The cut behind a failed search: proposals reached (`S`), the units they need, and the
    /// most any flow could give them: the capacity of the reviewers reached (all full, serving
    /// only `S`) plus one per allowed pair of `S` with a reviewer not reached (all already used).
    fn stuck(&self, checked: &Checked<'_>, s: &Search, _tail: &[u32]) -> Stuck {
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
        Stuck { proposals, needed, available }
    }
}
