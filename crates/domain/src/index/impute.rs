//! Denomination (§3.1) and imputation of missing values (§3.2) on columns.

use std::collections::BTreeMap;

use super::CellFlags;

/// `x / d` row by row (§3.1). A missing numerator or denominator gives a missing value; a zero
/// denominator also gives a missing value, flagged, and its row is returned so that it can be
/// reported. No scaling constant is applied.
pub fn denominate(numerator: &mut [Option<f64>], denominator: &[Option<f64>], flags: &mut [CellFlags]) -> Vec<usize> {
    let mut zero = Vec::new();
    for (row, ((x, d), flag)) in numerator.iter_mut().zip(denominator).zip(flags.iter_mut()).enumerate() {
        *x = match (*x, *d) {
            (Some(x), Some(d)) => {
                if d == 0.0 {
                    flag.insert(CellFlags::ZERO_DENOMINATOR);
                    zero.push(row);
                    None
                } else {
                    Some(x / d)
                }
            }
            _ => None,
        };
    }
    zero
}

/// Group-mean imputation of one cross-section (§3.2, COINr `indgroup_mean`): a missing cell
/// takes the mean of the values present in its group, summed in row order. Cells whose group
/// has no donor, or that have no group, stay missing, are flagged [`CellFlags::NO_DONOR`] and
/// are returned.
pub fn group_mean(column: &mut [Option<f64>], groups: &[Option<&str>], flags: &mut [CellFlags]) -> Vec<usize> {
    let mut sums: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (x, group) in column.iter().zip(groups) {
        if let (Some(x), Some(group)) = (x, group) {
            let entry = sums.entry(group).or_insert((0.0, 0));
            entry.0 += x;
            entry.1 += 1;
        }
    }
    let mut without = Vec::new();
    for (row, ((x, group), flag)) in column.iter_mut().zip(groups).zip(flags.iter_mut()).enumerate() {
        if x.is_some() {
            continue;
        }
        match group.and_then(|g| sums.get(g)) {
            Some(&(sum, count)) => {
                #[allow(clippy::cast_precision_loss)]
                let mean = sum / count as f64;
                *x = Some(mean);
                flag.insert(CellFlags::IMPUTED);
            }
            None => {
                flag.insert(CellFlags::NO_DONOR);
                without.push(row);
            }
        }
    }
    without
}

/// Carry forward / carry back within each unit's series (§3.2, EIS/RIS): `series` lists, per
/// unit, its rows in period order. A gap after an available value takes the most recent
/// earlier value; a leading gap takes the first later value; a unit without any value stays
/// missing.
pub fn carry(column: &mut [Option<f64>], series: &[Vec<usize>], flags: &mut [CellFlags]) {
    for rows in series {
        let Some(first) = rows.iter().find_map(|&r| column[r]) else { continue };
        let mut last = first;
        for &row in rows {
            match column[row] {
                Some(x) => last = x,
                None => {
                    column[row] = Some(last);
                    flags[row].insert(CellFlags::IMPUTED);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_denominator_gives_missing_and_is_reported() {
        let mut x = vec![Some(10.0), Some(3.0), None, Some(4.0)];
        let mut flags = vec![CellFlags::default(); 4];
        let zero = denominate(&mut x, &[Some(4.0), Some(0.0), Some(2.0), None], &mut flags);
        assert_eq!(x, vec![Some(2.5), None, None, None]);
        assert_eq!(zero, vec![1]);
        assert!(flags[1].contains(CellFlags::ZERO_DENOMINATOR));
        assert_eq!(flags[3], CellFlags::default(), "a missing denominator is missing, not a data error");
    }

    #[test]
    fn group_without_donors_stays_missing() {
        let mut x = vec![Some(1.0), None, Some(3.0), None, None];
        let groups = [Some("a"), Some("a"), Some("a"), Some("b"), None];
        let mut flags = vec![CellFlags::default(); 5];
        let without = group_mean(&mut x, &groups, &mut flags);
        assert_eq!(x, vec![Some(1.0), Some(2.0), Some(3.0), None, None]);
        assert_eq!(without, vec![3, 4]);
        assert!(flags[1].contains(CellFlags::IMPUTED));
        assert!(flags[3].contains(CellFlags::NO_DONOR));
    }

    #[test]
    fn group_mean_after_denomination() {
        // Numerators 10, 40, missing; denominators 2, 4, 1. The mean of the ratios (5 + 10)/2 =
        // 7.5 differs from the ratio of the means (25 / 3).
        let mut x = vec![Some(10.0), Some(40.0), None];
        let mut flags = vec![CellFlags::default(); 3];
        denominate(&mut x, &[Some(2.0), Some(4.0), Some(1.0)], &mut flags);
        group_mean(&mut x, &[Some("g"); 3], &mut flags);
        assert_eq!(x[2], Some(7.5));
    }

    #[test]
    fn carry_forward_and_back_fills_gaps_unit_without_data_stays_missing() {
        // Unit A over 5 periods: gap at the start, in the middle and at the end; unit B empty.
        let mut x = vec![None, Some(2.0), None, Some(4.0), None, None, None];
        let series = vec![vec![0, 1, 2, 3, 4], vec![5, 6]];
        let mut flags = vec![CellFlags::default(); 7];
        carry(&mut x, &series, &mut flags);
        assert_eq!(x, vec![Some(2.0), Some(2.0), Some(2.0), Some(4.0), Some(4.0), None, None]);
        assert!(flags[0].contains(CellFlags::IMPUTED) && !flags[1].contains(CellFlags::IMPUTED));
    }
}
