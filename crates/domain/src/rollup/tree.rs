//! `Tree`: the region tree of one period as dense node indices, ready for the roll-up.

use std::collections::HashMap;

use super::RollupError;
use crate::region::{tree_as_of, Hierarchy, Membership, Region, TreeNode};

/// Whether a node is an administrative region or a park (see the parks rule in the module
/// docs: a park's values never reach an administrative total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Administrative,
    Park,
}

/// No internal slot: the node has no children in its own hierarchy.
const LEAF: u32 = u32::MAX;

/// A forest of regions for one period, nodes numbered `0..len()`.
///
/// Each node has a label (the region code), a parent or none, a [`NodeKind`], and a level
/// (0 for roots). A park's parent is its host (administrative) region or another park. The
/// roll-up adds a node into its parent only when both are of the same kind
/// ([`Tree::rollup_parent`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    labels: Vec<String>,
    parent: Vec<Option<u32>>,
    kind: Vec<NodeKind>,
    level: Vec<u32>,
    /// Every node, parents before children (breadth first).
    order: Vec<u32>,
    /// Children of each node (both kinds), in index order: `child_list[child_start[n]..child_start[n + 1]]`.
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    /// Number of children that roll up into each node (children of the same kind).
    rollup_children: Vec<u32>,
    /// Slot of each node with roll-up children in per-cell coverage arrays, or `LEAF`.
    internal: Vec<u32>,
    internal_count: usize,
    /// Parks whose parent is an administrative region.
    outer_parks: Vec<u32>,
}

impl Tree {
    /// Builds a tree from one parent per node (`None` for a root), with labels and kinds.
    ///
    /// Fails when a parent index is not a node (`rollup.unknown_parent`), when a node is its
    /// own ancestor (`rollup.cycle`), and when an administrative node has a park as parent
    /// (`rollup.administrative_under_park`). `labels`, `parents` and `kinds` must have the
    /// same length; a shorter `kinds` is read as administrative for the rest.
    pub fn from_parents(
        labels: Vec<String>,
        parents: &[Option<usize>],
        kinds: &[NodeKind],
    ) -> Result<Tree, RollupError> {
        let len = labels.len();
        assert_eq!(parents.len(), len, "one parent per label");
        let kind: Vec<NodeKind> = (0..len).map(|n| kinds.get(n).copied().unwrap_or(NodeKind::Administrative)).collect();
        let mut parent = Vec::with_capacity(len);
        for (node, link) in parents.iter().enumerate() {
            match *link {
                Some(p) if p >= len || u32::try_from(p).is_err() => {
                    return Err(RollupError::UnknownParent { region: labels[node].clone(), parent: p });
                }
                Some(p) if kind[node] == NodeKind::Administrative && kind[p] == NodeKind::Park => {
                    return Err(RollupError::AdministrativeUnderPark {
                        region: labels[node].clone(),
                        parent: labels[p].clone(),
                    });
                }
                #[allow(clippy::cast_possible_truncation)]
                Some(p) => parent.push(Some(p as u32)),
                None => parent.push(None),
            }
        }
        assert!(u32::try_from(len).is_ok(), "at most u32::MAX nodes");

        // Children lists (counting sort by parent, so each list is in index order).
        let mut child_start = vec![0_u32; len + 1];
        for p in parent.iter().flatten() {
            child_start[*p as usize + 1] += 1;
        }
        for n in 0..len {
            child_start[n + 1] += child_start[n];
        }
        let mut fill = child_start.clone();
        let mut child_list = vec![0_u32; child_start[len] as usize];
        for (node, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                #[allow(clippy::cast_possible_truncation)]
                {
                    child_list[fill[*p as usize] as usize] = node as u32;
                }
                fill[*p as usize] += 1;
            }
        }

        // Breadth first from the roots; a node never reached lies on a cycle.
        let mut level = vec![u32::MAX; len];
        #[allow(clippy::cast_possible_truncation)]
        let mut order: Vec<u32> = (0..len).filter(|&n| parent[n].is_none()).map(|n| n as u32).collect();
        for &root in &order {
            level[root as usize] = 0;
        }
        let mut head = 0;
        while head < order.len() {
            let node = order[head] as usize;
            head += 1;
            for &child in &child_list[child_start[node] as usize..child_start[node + 1] as usize] {
                level[child as usize] = level[node] + 1;
                order.push(child);
            }
        }
        if let Some(node) = level.iter().position(|&l| l == u32::MAX) {
            return Err(RollupError::Cycle { region: labels[node].clone() });
        }

        let mut rollup_children = vec![0_u32; len];
        let mut outer_parks = Vec::new();
        for (node, p) in parent.iter().enumerate() {
            if let Some(p) = *p {
                if kind[p as usize] == kind[node] {
                    rollup_children[p as usize] += 1;
                } else {
                    #[allow(clippy::cast_possible_truncation)]
                    outer_parks.push(node as u32);
                }
            }
        }
        let mut internal = vec![LEAF; len];
        let mut internal_count = 0_u32;
        for (slot, count) in internal.iter_mut().zip(&rollup_children) {
            if *count > 0 {
                *slot = internal_count;
                internal_count += 1;
            }
        }
        Ok(Tree {
            labels,
            parent,
            kind,
            level,
            order,
            child_start,
            child_list,
            rollup_children,
            internal,
            internal_count: internal_count as usize,
            outer_parks,
        })
    }

    /// The tree of `year`: the administrative tree of [`tree_as_of`] and the parks of the
    /// park tree of that year under their hosts. Labels are the region codes; administrative
    /// regions come first (pre-order, children by code), then the parks.
    ///
    /// Fails only on data that [`crate::region::validate_memberships`] rejects (a park
    /// hosted by a region absent from the administrative tree of the year is left out).
    pub fn from_regions(regions: &[Region], memberships: &[Membership], year: i32) -> Result<Tree, RollupError> {
        fn walk(nodes: &[TreeNode], parent: Option<usize>, out: &mut Vec<(String, Option<usize>, NodeKind)>) {
            for node in nodes {
                let index = out.len();
                let kind = if node.region.kind.is_park() { NodeKind::Park } else { NodeKind::Administrative };
                out.push((node.region.code.as_str().to_owned(), parent, kind));
                walk(&node.children, Some(index), out);
            }
        }
        let mut nodes = Vec::new();
        walk(&tree_as_of(regions, memberships, year, Hierarchy::Administrative), None, &mut nodes);
        let admin: HashMap<String, usize> =
            nodes.iter().enumerate().map(|(i, (code, _, _))| (code.clone(), i)).collect();
        // Park forest: its roots are hosts (administrative); only their park descendants are new nodes.
        for host in tree_as_of(regions, memberships, year, Hierarchy::Park) {
            if let Some(&host_index) = admin.get(host.region.code.as_str()) {
                walk(&host.children, Some(host_index), &mut nodes);
            }
        }
        let parents: Vec<Option<usize>> = nodes.iter().map(|(_, parent, _)| *parent).collect();
        let kinds: Vec<NodeKind> = nodes.iter().map(|(_, _, kind)| *kind).collect();
        Tree::from_parents(nodes.into_iter().map(|(code, _, _)| code).collect(), &parents, &kinds)
    }

    /// Number of nodes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the tree has no node.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The label (region code) of `node`.
    #[must_use]
    pub fn label(&self, node: usize) -> &str {
        &self.labels[node]
    }

    /// Node index by label, for loaders that look up many facts' regions.
    #[must_use]
    pub fn index_by_label(&self) -> HashMap<&str, usize> {
        self.labels.iter().enumerate().map(|(index, label)| (label.as_str(), index)).collect()
    }

    /// The node labelled `label`, if any (a linear scan; see [`Tree::index_by_label`]).
    #[must_use]
    pub fn find(&self, label: &str) -> Option<usize> {
        self.labels.iter().position(|l| l == label)
    }

    /// The parent of `node` (for a park: its host or parent park).
    #[must_use]
    pub fn parent(&self, node: usize) -> Option<usize> {
        self.parent[node].map(|p| p as usize)
    }

    /// Where the values of `node` roll up to: its parent when both are of the same kind.
    #[must_use]
    pub fn rollup_parent(&self, node: usize) -> Option<usize> {
        self.parent(node).filter(|&p| self.kind[p] == self.kind[node])
    }

    /// Administrative region or park.
    #[must_use]
    pub fn kind(&self, node: usize) -> NodeKind {
        self.kind[node]
    }

    /// Depth below the root (roots are level 0; a park is one below its host).
    #[must_use]
    pub fn level(&self, node: usize) -> usize {
        self.level[node] as usize
    }

    /// All children of `node` (both kinds), in index order.
    #[must_use]
    pub fn children(&self, node: usize) -> &[u32] {
        &self.child_list[self.child_start[node] as usize..self.child_start[node + 1] as usize]
    }

    /// How many children roll up into `node` (children of its own kind): the "of" of coverage.
    #[must_use]
    pub fn rollup_child_count(&self, node: usize) -> usize {
        self.rollup_children[node] as usize
    }

    /// The ancestor of `node` at `level` (`node` itself at its own level), or `None` when
    /// `level` is below the node.
    #[must_use]
    pub fn ancestor_at_level(&self, node: usize, level: usize) -> Option<usize> {
        let mut current = node;
        while self.level(current) > level {
            current = self.parent(current)?;
        }
        (self.level(current) == level).then_some(current)
    }

    /// Whether `ancestor` is `node` or lies above it.
    #[must_use]
    pub fn is_within(&self, node: usize, ancestor: usize) -> bool {
        let mut current = Some(node);
        while let Some(c) = current {
            if c == ancestor {
                return true;
            }
            current = self.parent(c);
        }
        false
    }

    /// Every node, parents before children.
    pub(super) fn order(&self) -> &[u32] {
        &self.order
    }

    /// Slot of `node` in coverage arrays, when it has roll-up children.
    pub(super) fn internal_slot(&self, node: usize) -> Option<usize> {
        let slot = self.internal[node];
        (slot != LEAF).then_some(slot as usize)
    }

    /// Number of nodes with roll-up children.
    pub(super) fn internal_count(&self) -> usize {
        self.internal_count
    }

    /// Parks hosted directly by an administrative region.
    pub(super) fn outer_parks(&self) -> &[u32] {
        &self.outer_parks
    }
}
