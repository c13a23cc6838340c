//! The one helper that turns a caller's [`Scope`] into a SQL filter. Every read of scoped data
//! goes through [`restrict`]; every scoped write checks [`allows`].

use std::collections::{BTreeSet, HashMap};

use gaodi_domain::access::Scope;

use crate::db::{query, Query};
use crate::{Store, StoreError};

/// All regions below `roots` at any time in either hierarchy, with the roots themselves. A
/// district user keeps seeing the history of regions that were ever under theirs (株洲县's data
/// for the user of 渌口区's parent, say).
pub fn descendants(roots: &[String], edges: &[(String, String)]) -> BTreeSet<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for (child, parent) in edges {
        children.entry(parent.as_str()).or_default().push(child.as_str());
    }
    let mut out: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<&str> = roots.iter().map(String::as_str).collect();
    while let Some(code) = stack.pop() {
        if out.insert(code.to_owned()) {
            stack.extend(children.get(code).into_iter().flatten().copied());
        }
    }
    out
}

impl Store {
    /// The region codes a scope covers: `None` means every region.
    pub async fn scope_regions(&self, scope: &Scope) -> Result<Option<BTreeSet<String>>, StoreError> {
        match scope {
            Scope::All => Ok(None),
            Scope::Regions { regions } => {
                let rows = self.db().fetch_all(query("select child_code, parent_code from region_membership")).await?;
                let edges = rows
                    .iter()
                    .map(|r| Ok((r.get::<String>("child_code")?, r.get::<String>("parent_code")?)))
                    .collect::<Result<Vec<_>, StoreError>>()?;
                let roots: Vec<String> = regions.iter().map(|c| c.as_str().to_owned()).collect();
                Ok(Some(descendants(&roots, &edges)))
            }
            Scope::Organisation { .. } | Scope::Assigned => Ok(Some(BTreeSet::new())),
        }
    }
}

/// Appends ` and …` to `q` so that it returns only rows inside `scope`. `region_col` is the
/// column holding a row's region code, `org_col` the one holding its organisation id (either may
/// be `None` where the table has no such column; a scope that needs it then sees nothing).
pub async fn restrict(
    store: &Store,
    q: &mut Query,
    scope: &Scope,
    region_col: Option<&str>,
    org_col: Option<&str>,
) -> Result<(), StoreError> {
    match scope {
        Scope::All => {}
        Scope::Regions { .. } => {
            let codes = store.scope_regions(scope).await?.unwrap_or_default();
            match region_col {
                Some(col) => {
                    let marks = q.bind_list(codes);
                    q.push_sql(&format!(" and {col} in ({marks})"));
                }
                None => q.push_sql(" and 1 = 0"),
            }
        }
        Scope::Organisation { organisation_id } => match org_col {
            Some(col) => {
                let marks = q.bind_list([*organisation_id]);
                q.push_sql(&format!(" and {col} = {marks}"));
            }
            None => q.push_sql(" and 1 = 0"),
        },
        Scope::Assigned => q.push_sql(" and 1 = 0"),
    }
    Ok(())
}

/// Whether a record of `region_code` / `organisation_id` lies inside `scope`.
pub async fn allows(
    store: &Store,
    scope: &Scope,
    region_code: Option<&str>,
    organisation_id: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(match scope {
        Scope::All => true,
        Scope::Regions { .. } => {
            let codes = store.scope_regions(scope).await?.unwrap_or_default();
            region_code.is_some_and(|c| codes.contains(c))
        }
        Scope::Organisation { organisation_id: own } => organisation_id == Some(*own),
        Scope::Assigned => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn e(c: &str, p: &str) -> (String, String) {
        (c.to_owned(), p.to_owned())
    }

    #[test]
    fn subtree_includes_root_and_everything_below() {
        let edges = vec![e("430200", "430000"), e("430202", "430200"), e("430203", "430200"), e("P43001", "430211")];
        let d = descendants(&["430200".to_owned()], &edges);
        assert!(d.contains("430200") && d.contains("430202") && d.contains("430203"));
        assert!(!d.contains("430000"));
        assert!(!d.contains("P43001"));
    }

    proptest! {
        /// A district's subtree never contains a sibling district (no leak sideways).
        #[test]
        fn sibling_subtrees_are_disjoint(n in 2usize..12, depth in 1usize..4) {
            let mut edges = Vec::new();
            for i in 0..n {
                let d = format!("d{i}");
                edges.push((d.clone(), "city".to_owned()));
                let mut parent = d;
                for j in 0..depth {
                    let child = format!("{parent}.{j}");
                    edges.push((child.clone(), parent.clone()));
                    parent = child;
                }
            }
            let a = descendants(&["d0".to_owned()], &edges);
            let b = descendants(&["d1".to_owned()], &edges);
            prop_assert!(a.is_disjoint(&b));
            prop_assert_eq!(a.len(), depth + 1);
        }
    }
}
