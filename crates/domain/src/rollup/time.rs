//! Time aggregation: a year (or half, quarter) from months or quarters, per measure.

use super::cube::FactCube;
use super::quantity::Quantity;
use super::RollupError;
use crate::period::{Period, PeriodKind};

/// How a measure's values over the periods of a longer period become one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeAggregation {
    /// Flows (spending, turnover): the exact sum of the periods that reported.
    Sum,
    /// Stocks at the end of a period (firms, platforms): the value of the latest period
    /// that reported (so a year-to-date figure is the latest month's).
    Last,
    /// Averages (mean staff): the mean of the periods that reported, rounded half away
    /// from zero to 4 decimals.
    Average,
}

impl TimeAggregation {
    /// `sum`, `last` or `average`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TimeAggregation::Sum => "sum",
            TimeAggregation::Last => "last",
            TimeAggregation::Average => "average",
        }
    }
}

/// Folds the values of one cell over its source periods (in time order).
fn fold(values: impl Iterator<Item = Quantity>, how: TimeAggregation) -> Result<Option<Quantity>, ()> {
    let mut count: i128 = 0;
    let mut sum: i128 = 0;
    let mut last = None;
    for value in values {
        count += 1;
        sum += i128::from(value.units());
        last = Some(value);
    }
    if count == 0 {
        return Ok(None);
    }
    let units = match how {
        TimeAggregation::Last => return Ok(last),
        TimeAggregation::Sum => sum,
        TimeAggregation::Average => {
            // Half away from zero: (2·sum ± count) / (2·count), truncated toward zero.
            let doubled = 2 * sum + if sum < 0 { -count } else { count };
            doubled / (2 * count)
        }
    };
    i64::try_from(units).ok().and_then(Quantity::from_units).map(Some).ok_or(())
}

impl FactCube {
    /// A cube over `targets` (e.g. years) built from this cube's `from` periods (months or
    /// quarters) that lie in each target, per measure by `how[measure]` (a shorter `how` is
    /// read as `Sum` for the rest). Returns the new cube (same tree and measures) and, per
    /// target period, the number of `from` periods it spans, so that the caller can say
    /// "11 of 12 months" with [`FactCube::reported_periods`].
    ///
    /// Fails with `rollup.wrong_source_period` when the cube holds a period of another kind
    /// than `from`, and with `rollup.overflow` when a sum leaves the range.
    pub fn aggregate_time(
        &self,
        targets: &[Period],
        from: PeriodKind,
        how: &[TimeAggregation],
    ) -> Result<(FactCube, Vec<usize>), RollupError> {
        if let Some(period) = self.periods().iter().find(|p| p.kind() != from) {
            return Err(RollupError::WrongSourcePeriod { period: period.to_string(), kind: from.as_str() });
        }
        let mut out = FactCube::new(self.tree().clone(), targets.to_vec(), self.measures().to_vec());
        let mut expected = Vec::with_capacity(targets.len());
        for (target_index, target) in targets.iter().enumerate() {
            expected.push(usize::from(target.kind().month_count() / from.month_count()));
            let mut sources: Vec<(Period, usize)> =
                self.periods().iter().enumerate().filter(|(_, p)| target.contains(p)).map(|(i, p)| (*p, i)).collect();
            sources.sort_unstable_by_key(|(p, _)| *p);
            for node in 0..self.tree().len() {
                for (measure, code) in self.measures().iter().enumerate() {
                    let rule = how.get(measure).copied().unwrap_or(TimeAggregation::Sum);
                    let values = sources.iter().filter_map(|&(_, i)| self.get(node, i, measure));
                    let value = fold(values, rule).map_err(|()| RollupError::Overflow {
                        measure: code.clone(),
                        region: self.tree().label(node).to_owned(),
                        period: target.to_string(),
                    })?;
                    if let Some(value) = value {
                        out.insert(node, target_index, measure, value)?;
                    }
                }
            }
        }
        Ok((out, expected))
    }

    /// How many of this cube's periods inside `target` have a value for the cell.
    #[must_use]
    pub fn reported_periods(&self, node: usize, target: Period, measure: usize) -> usize {
        (0..self.periods().len())
            .filter(|&i| target.contains(&self.periods()[i]) && self.get(node, i, measure).is_some())
            .count()
    }
}
