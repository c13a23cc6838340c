//! The order in which definitions (indicators) must be computed, and the cycle that makes an
//! order impossible.

use std::collections::HashMap;

use crate::ast::Expr;
use crate::error::CycleError;

/// Indices of `defs` such that each definition comes after every definition it refers to.
/// References to codes not defined in `defs` are leaves (measures). Among definitions that do
/// not depend on each other the order of `defs` is kept as far as possible (depth first, in
/// order). Should a code be defined twice, a reference depends on both definitions.
///
/// # Errors
/// A [`CycleError`] naming one cycle in order, e.g. `a -> b -> c -> a` (a self-reference is
/// `a -> a`).
pub fn dependency_order(defs: &[(String, Expr)]) -> Result<Vec<usize>, CycleError> {
    let mut by_code: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (code, _)) in defs.iter().enumerate() {
        by_code.entry(code.as_str()).or_default().push(i);
    }
    let edges: Vec<Vec<usize>> = defs
        .iter()
        .map(|(_, expr)| {
            expr.references().codes.iter().filter_map(|code| by_code.get(code.as_str())).flatten().copied().collect()
        })
        .collect();

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; defs.len()];
    let mut order = Vec::with_capacity(defs.len());
    // The current depth-first path: (definition, index of its next edge).
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..defs.len() {
        if mark[root] != Mark::New {
            continue;
        }
        mark[root] = Mark::OnPath;
        path.push((root, 0));
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(&target) = edges[node].get(*next) {
                *next += 1;
                match mark[target] {
                    Mark::New => {
                        mark[target] = Mark::OnPath;
                        path.push((target, 0));
                    }
                    Mark::OnPath => {
                        let start = path.iter().position(|&(n, _)| n == target).unwrap_or(0);
                        let mut cycle: Vec<String> = path[start..].iter().map(|&(n, _)| defs[n].0.clone()).collect();
                        cycle.push(defs[target].0.clone());
                        return Err(CycleError { cycle });
                    }
                    Mark::Done => {}
                }
            } else {
                mark[node] = Mark::Done;
                order.push(node);
                path.pop();
            }
        }
    }
    Ok(order)
}
