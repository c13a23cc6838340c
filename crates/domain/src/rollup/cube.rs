//! `FactCube` (node × period × measure → quantity) and its level-by-level roll-up.
//!
//! Storage is dense per period: one block of `nodes × measures` `i64` units per period that
//! has at least one fact, node-major (a node's measures side by side); a period without
//! facts allocates nothing. A cell holds its units with the sign bit flipped ([`encode`]),
//! so that a missing cell (`i64::MIN` units, never a quantity) is stored as 0: a new block
//! is zeroed memory from the allocator, whose pages the loading threads touch first, rather
//! than a fill pass. The store loads the periods a
//! page or report needs, so a block is what one period of one tree costs: 3,372 regions × 60
//! measures is 1.6 MB, the Zhuzhou tree × 200 measures 24 kB. Node-major rows make the
//! roll-up a run of contiguous row additions (child row into parent row), which the compiler
//! vectorises, and periods are independent, so they are shared out between threads.

use std::thread;

use super::quantity::Quantity;
use super::tree::Tree;
use super::RollupError;
use crate::period::Period;

/// A missing cell as stored in a block.
pub(super) const MISSING: i64 = 0;

/// Stored form of `units` (`i64::MIN` units, i.e. missing, becomes [`MISSING`]).
pub(super) const fn encode(units: i64) -> i64 {
    units ^ i64::MIN
}

/// Units of a stored cell, `i64::MIN` when missing.
pub(super) const fn decode(stored: i64) -> i64 {
    stored ^ i64::MIN
}

/// Facts of one tree: node × period × measure → [`Quantity`] or missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactCube {
    tree: Tree,
    periods: Vec<Period>,
    measures: Vec<String>,
    blocks: Vec<Option<Box<[i64]>>>,
}

impl FactCube {
    /// An empty cube over `tree` (the tree of the year the periods lie in), the `periods`
    /// and the `measures` (codes, used in error messages), each axis in the caller's order.
    #[must_use]
    pub fn new(tree: Tree, periods: Vec<Period>, measures: Vec<String>) -> FactCube {
        let blocks = vec![None; periods.len()];
        FactCube { tree, periods, measures, blocks }
    }

    /// The tree of the cube.
    #[must_use]
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The period axis.
    #[must_use]
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The measure axis (codes).
    #[must_use]
    pub fn measures(&self) -> &[String] {
        &self.measures
    }

    /// Index of `period` on the period axis.
    #[must_use]
    pub fn period_index(&self, period: Period) -> Option<usize> {
        self.periods.iter().position(|p| *p == period)
    }

    /// Index of the measure `code` on the measure axis.
    #[must_use]
    pub fn measure_index(&self, code: &str) -> Option<usize> {
        self.measures.iter().position(|m| m == code)
    }

    /// Offset of a cell in its period block; fails with `rollup.out_of_range` for an index
    /// beyond its axis.
    fn offset(&self, node: usize, period: usize, measure: usize) -> Result<usize, RollupError> {
        let check = |axis: &'static str, index: usize, len: usize| {
            if index < len {
                Ok(())
            } else {
                Err(RollupError::OutOfRange { axis, index, last: len.saturating_sub(1) })
            }
        };
        check("node", node, self.tree.len())?;
        check("period", period, self.periods.len())?;
        check("measure", measure, self.measures.len())?;
        Ok(node * self.measures.len() + measure)
    }

    fn name(&self, node: usize, period: usize, measure: usize) -> (String, String, String) {
        (self.measures[measure].clone(), self.tree.label(node).to_owned(), self.periods[period].to_string())
    }

    /// Records the fact of `node` for `measure` in `period` (indices on the axes).
    ///
    /// Fails with `rollup.out_of_range` for an index beyond its axis and with
    /// `rollup.duplicate_fact` when the cell already has a value; the cube is then unchanged.
    pub fn insert(&mut self, node: usize, period: usize, measure: usize, value: Quantity) -> Result<(), RollupError> {
        let offset = self.offset(node, period, measure)?;
        let cells = self.tree.len() * self.measures.len();
        let block = self.blocks[period].get_or_insert_with(|| vec![MISSING; cells].into_boxed_slice());
        if block[offset] != MISSING {
            let (measure, region, period) = self.name(node, period, measure);
            return Err(RollupError::DuplicateFact { measure, region, period });
        }
        block[offset] = encode(value.units());
        Ok(())
    }

    /// Splits the cube into writers over consecutive node ranges, so that facts can be
    /// loaded from several threads: writer `i` takes the nodes from `bounds[i - 1]` (0 for
    /// the first) up to `bounds[i]` (the tree's length for the last). Allocates the block
    /// of every period. `bounds` must ascend and lie within the tree.
    pub fn writers(&mut self, bounds: &[usize]) -> Vec<CubeWriter<'_>> {
        assert!(bounds.windows(2).all(|w| w[0] <= w[1]), "ascending bounds");
        assert!(bounds.iter().all(|&b| b <= self.tree.len()), "bounds within the tree");
        let width = self.measures.len();
        let cells = self.tree.len() * width;
        let mut slices: Vec<Vec<&mut [i64]>> = (0..=bounds.len()).map(|_| Vec::new()).collect();
        for block in &mut self.blocks {
            let mut rest: &mut [i64] = block.get_or_insert_with(|| vec![MISSING; cells].into_boxed_slice());
            let mut previous = 0;
            for (writer, &bound) in bounds.iter().enumerate() {
                let (head, tail) = std::mem::take(&mut rest).split_at_mut((bound - previous) * width);
                slices[writer].push(head);
                rest = tail;
                previous = bound;
            }
            slices[bounds.len()].push(rest);
        }
        let starts = std::iter::once(0).chain(bounds.iter().copied());
        let ends = bounds.iter().copied().chain(std::iter::once(self.tree.len()));
        slices
            .into_iter()
            .zip(starts.zip(ends))
            .map(|(blocks, (start, end))| CubeWriter {
                start,
                end,
                tree: &self.tree,
                periods: &self.periods,
                measures: &self.measures,
                blocks,
            })
            .collect()
    }

    /// The value of a cell, `None` when missing or when an index is out of range.
    #[must_use]
    pub fn get(&self, node: usize, period: usize, measure: usize) -> Option<Quantity> {
        let offset = self.offset(node, period, measure).ok()?;
        self.blocks[period].as_ref().and_then(|block| Quantity::from_units(decode(block[offset])))
    }

    /// Sums children into parents for every period and measure, bottom-up through the tree
    /// (see the rules in the module docs: parks, coverage, a parent's own figure), on up to
    /// `threads` threads (periods are shared out; 0 counts as 1).
    ///
    /// Fails with `rollup.overflow`, naming the measure, region and period, when a sum leaves
    /// the range of [`Quantity`] (the earliest period is reported).
    pub fn rollup(mut self, threads: usize) -> Result<Rollup, RollupError> {
        let measures = self.measures.len();
        let threads = threads.clamp(1, self.periods.len().max(1));
        let chunk = self.periods.len().div_ceil(threads).max(1);
        let tree = &self.tree;
        let outcome: Vec<Result<Vec<Rolled>, BlockError>> = thread::scope(|scope| {
            let handles: Vec<_> = self
                .blocks
                .chunks_mut(chunk)
                .enumerate()
                .map(|(index, blocks)| {
                    scope.spawn(move || {
                        blocks
                            .iter_mut()
                            .enumerate()
                            .map(|(offset, block)| match block {
                                Some(block) => rollup_block(tree, measures, block)
                                    .map_err(|(node, measure)| (index * chunk + offset, node, measure)),
                                None => Ok(Rolled::default()),
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles.into_iter().map(|handle| handle.join().expect("roll-up worker panicked")).collect()
        });
        let mut coverage = Vec::with_capacity(self.periods.len());
        let mut reported = Vec::with_capacity(self.periods.len());
        for part in outcome {
            match part {
                Ok(rolled) => {
                    for block in rolled {
                        coverage.push(block.coverage);
                        reported.push(block.reported);
                    }
                }
                Err((period, node, measure)) => {
                    let (measure, region, period) = self.name(node, period, measure);
                    return Err(RollupError::Overflow { measure, region, period });
                }
            }
        }
        Ok(Rollup { cube: self, coverage, reported })
    }
}

/// Writes the facts of a range of nodes into a [`FactCube`] ([`FactCube::writers`]).
#[derive(Debug)]
pub struct CubeWriter<'a> {
    start: usize,
    end: usize,
    tree: &'a Tree,
    periods: &'a [Period],
    measures: &'a [String],
    blocks: Vec<&'a mut [i64]>,
}

impl CubeWriter<'_> {
    /// As [`FactCube::insert`], for a node of this writer's range (`rollup.out_of_range`
    /// for any other node).
    pub fn insert(&mut self, node: usize, period: usize, measure: usize, value: Quantity) -> Result<(), RollupError> {
        let width = self.measures.len();
        let out = |axis: &'static str, index: usize, last: usize| RollupError::OutOfRange { axis, index, last };
        if node < self.start || node >= self.end {
            return Err(out("node", node, self.end.saturating_sub(1)));
        }
        if period >= self.periods.len() {
            return Err(out("period", period, self.periods.len().saturating_sub(1)));
        }
        if measure >= width {
            return Err(out("measure", measure, width.saturating_sub(1)));
        }
        let cell = &mut self.blocks[period][(node - self.start) * width + measure];
        if *cell != MISSING {
            return Err(RollupError::DuplicateFact {
                measure: self.measures[measure].clone(),
                region: self.tree.label(node).to_owned(),
                period: self.periods[period].to_string(),
            });
        }
        *cell = encode(value.units());
        Ok(())
    }
}

/// (period, node, measure) of an overflow.
type BlockError = (usize, usize, usize);

/// The roll-up of one period block: coverage per internal node and measure, and the cells
/// where a parent's own figure replaced the sum of its children.
#[derive(Debug, Default)]
struct Rolled {
    coverage: Option<Box<[u32]>>,
    reported: Vec<Reported>,
}

/// A parent cell with its own figure: the sum of its children (units, `i64::MIN` for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Reported {
    node: u32,
    measure: u32,
    children_sum: i64,
}

/// The row of `child` (read) and the row of `parent` (written), `child != parent`.
fn two_rows(block: &mut [i64], child: usize, parent: usize, width: usize) -> (&[i64], &mut [i64]) {
    if child > parent {
        let (head, tail) = block.split_at_mut(child * width);
        (&tail[..width], &mut head[parent * width..(parent + 1) * width])
    } else {
        let (head, tail) = block.split_at_mut(parent * width);
        (&head[child * width..(child + 1) * width], &mut tail[..width])
    }
}

/// Rolls up one period block in place. Returns (node, measure) of an overflow.
fn rollup_block(tree: &Tree, width: usize, block: &mut [i64]) -> Result<Rolled, (usize, usize)> {
    let mut coverage = vec![0_u32; tree.internal_count() * width].into_boxed_slice();
    // A parent's own figures move aside, so its row can hold the sum of its children (plain
    // units while children are added; encoded when the parent itself comes up).
    let mut own: Vec<(u32, u32, i64)> = Vec::new();
    for node in 0..tree.len() {
        if tree.internal_slot(node).is_some() {
            for (measure, cell) in block[node * width..(node + 1) * width].iter_mut().enumerate() {
                if *cell != MISSING {
                    #[allow(clippy::cast_possible_truncation)]
                    own.push((node as u32, measure as u32, decode(*cell)));
                }
                *cell = 0;
            }
        }
    }
    let mut reported = Vec::with_capacity(own.len());
    // Children before parents: when a node comes up, every child has been added into it.
    for &node in tree.order().iter().rev() {
        let node = node as usize;
        if let Some(slot) = tree.internal_slot(node) {
            let counts = &coverage[slot * width..(slot + 1) * width];
            let row = &mut block[node * width..(node + 1) * width];
            for (measure, (cell, &count)) in row.iter_mut().zip(counts).enumerate() {
                if count == 0 {
                    *cell = MISSING;
                } else if *cell == i64::MIN {
                    // The sum is exactly i64::MIN units: outside the range of a quantity.
                    return Err((node, measure));
                } else {
                    *cell = encode(*cell);
                }
            }
            #[allow(clippy::cast_possible_truncation)]
            let first = own.partition_point(|&(n, _, _)| (n as usize) < node);
            for &(n, measure, value) in own[first..].iter().take_while(|&&(n, _, _)| n as usize == node) {
                let cell = &mut row[measure as usize];
                reported.push(Reported { node: n, measure, children_sum: decode(*cell) });
                *cell = encode(value);
            }
        }
        if let Some(parent) = tree.rollup_parent(node) {
            let slot = tree.internal_slot(parent).expect("a roll-up parent has a slot");
            let counts = &mut coverage[slot * width..(slot + 1) * width];
            let (child_row, parent_row) = two_rows(block, node, parent, width);
            let mut overflow = false;
            for ((sum, &value), count) in parent_row.iter_mut().zip(child_row).zip(counts.iter_mut()) {
                let present = value != MISSING;
                let (next, wrapped) = sum.overflowing_add(if present { decode(value) } else { 0 });
                *sum = next;
                overflow |= wrapped;
                *count += u32::from(present);
            }
            if overflow {
                let measure = parent_row
                    .iter()
                    .zip(child_row)
                    .position(|(&sum, &value)| {
                        let units = decode(value);
                        value != MISSING && sum.wrapping_sub(units).checked_add(units).is_none()
                    })
                    .expect("an overflowing cell");
                return Err((parent, measure));
            }
        }
    }
    reported.sort_unstable_by_key(|r| (r.node, r.measure));
    Ok(Rolled { coverage: Some(coverage), reported })
}

/// How many children contributed to an aggregated cell, how many exist, and their sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// Children with a value.
    pub contributed: usize,
    /// Children that roll up into the cell (for a park total: parks within the region).
    pub of: usize,
    /// Sum of the children's values; `None` when none contributed.
    pub sum: Option<Quantity>,
}

/// One rolled-up cell and where its value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// The value: the node's own figure when it has one, else the sum of its children.
    pub value: Option<Quantity>,
    /// Whether the value is the node's own reported figure.
    pub reported: bool,
    /// For a node with children (of its own kind): their coverage and sum.
    pub children: Option<Coverage>,
}

impl Cell {
    /// Own figure minus the sum of the children, when both exist (and the difference is in
    /// range); `None` otherwise. Zero means the reports agree.
    #[must_use]
    pub fn discrepancy(&self) -> Option<Quantity> {
        if !self.reported {
            return None;
        }
        self.value?.checked_sub(self.children?.sum?)
    }
}

/// The rolled-up cube: every node holds its own figure or the sum of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    cube: FactCube,
    coverage: Vec<Option<Box<[u32]>>>,
    reported: Vec<Vec<Reported>>,
}

impl Rollup {
    /// The tree.
    #[must_use]
    pub fn tree(&self) -> &Tree {
        &self.cube.tree
    }

    /// The period axis.
    #[must_use]
    pub fn periods(&self) -> &[Period] {
        &self.cube.periods
    }

    /// The measure axis.
    #[must_use]
    pub fn measures(&self) -> &[String] {
        &self.cube.measures
    }

    /// The rolled-up value of a cell (`None` when missing or out of range).
    #[must_use]
    pub fn value(&self, node: usize, period: usize, measure: usize) -> Option<Quantity> {
        self.cube.get(node, period, measure)
    }

    /// The stored cells of the `node`'s row in `period` (one per measure, see [`decode`]);
    /// `None` when the period has no data. For fast column readers.
    pub(super) fn row(&self, node: usize, period: usize) -> Option<&[i64]> {
        let width = self.cube.measures.len();
        self.cube.blocks[period].as_deref().map(|block| &block[node * width..(node + 1) * width])
    }

    /// A cell with its provenance: own figure or sum, coverage of the children, discrepancy.
    /// An index out of range gives an empty cell.
    #[must_use]
    pub fn cell(&self, node: usize, period: usize, measure: usize) -> Cell {
        let value = self.value(node, period, measure);
        let empty = Cell { value: None, reported: false, children: None };
        if self.cube.offset(node, period, measure).is_err() {
            return empty;
        }
        let tree = &self.cube.tree;
        let Some(slot) = tree.internal_slot(node) else {
            return Cell { value, reported: value.is_some(), children: None };
        };
        let width = self.cube.measures.len();
        let contributed = self.coverage[period].as_ref().map_or(0, |counts| counts[slot * width + measure] as usize);
        let own = self.reported[period]
            .binary_search_by_key(&(node, measure), |r| (r.node as usize, r.measure as usize))
            .ok()
            .map(|at| self.reported[period][at]);
        let (reported, sum) = match own {
            Some(r) => (true, Quantity::from_units(r.children_sum)),
            None => (false, value),
        };
        Cell { value, reported, children: Some(Coverage { contributed, of: tree.rollup_child_count(node), sum }) }
    }

    /// "Of which in parks" for an administrative region: the sum of the outermost parks
    /// (those hosted by an administrative region) within its subtree, how many of them have
    /// a value, and how many there are. Parks are never part of the region's own value
    /// (module docs). For a park node: its parks count is 0.
    ///
    /// Fails with `rollup.overflow` when the sum leaves the range.
    pub fn park_total(&self, node: usize, period: usize, measure: usize) -> Result<Coverage, RollupError> {
        let tree = &self.cube.tree;
        let mut total = Coverage { contributed: 0, of: 0, sum: None };
        if node >= tree.len() || tree.kind(node) == super::NodeKind::Park {
            return Ok(total);
        }
        for &park in tree.outer_parks() {
            let park = park as usize;
            if !tree.is_within(park, node) {
                continue;
            }
            total.of += 1;
            if let Some(value) = self.value(park, period, measure) {
                total.contributed += 1;
                total.sum = Some(match total.sum {
                    None => value,
                    Some(sum) => sum.checked_add(value).ok_or_else(|| {
                        let (measure, region, period) = self.cube.name(node, period, measure);
                        RollupError::Overflow { measure, region, period }
                    })?,
                });
            }
        }
        Ok(total)
    }
}
