//! Writing and reading the audit log. Every write of gaodi goes through [`Store::write`], which
//! appends the audit event in the same transaction as the change.

use gaodi_domain::access::Scope;
use gaodi_domain::audit::{event_hash, AuditRecord, ChainVerifier};
use serde::Serialize;

use crate::db::{query, Row, Tx};
use crate::{now, scope, Store, StoreError};

/// Who is acting, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub request_id: String,
}

impl Actor {
    /// The system itself (migrations, seeding, the command line run by an operator).
    pub fn system(what: &str) -> Actor {
        Actor {
            user_id: None,
            username: format!("system:{what}"),
            request_id: format!("cli-{}", now().unix_timestamp()),
        }
    }
}

/// What changed, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl AuditEntry {
    pub fn new(action: &str, entity_kind: &str, entity_id: impl std::fmt::Display) -> AuditEntry {
        AuditEntry {
            action: action.to_owned(),
            entity_kind: entity_kind.to_owned(),
            entity_id: entity_id.to_string(),
            ..AuditEntry::default()
        }
    }

    #[must_use]
    pub fn region(mut self, code: Option<String>) -> Self {
        self.region_code = code;
        self
    }

    #[must_use]
    pub fn before(mut self, v: &impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    #[must_use]
    pub fn after(mut self, v: &impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

impl Tx {
    /// Appends one audit event, chained to the head, inside this transaction.
    pub async fn audit(&mut self, actor: &Actor, e: AuditEntry) -> Result<i64, StoreError> {
        self.audit_batch(actor, vec![e]).await
    }

    /// Appends several audit events (an import's), chained in order, with the head read and
    /// written once. Returns the last sequence number.
    pub async fn audit_batch(&mut self, actor: &Actor, entries: Vec<AuditEntry>) -> Result<i64, StoreError> {
        let head = self.lock_audit_head().await?;
        let mut seq = head.get::<i64>("seq")?;
        let mut prev = head.get::<String>("hash")?;
        if entries.is_empty() {
            return Ok(seq);
        }
        let at_micros = i64::try_from(now().unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX);
        let mut records = Vec::with_capacity(entries.len());
        for e in entries {
            seq += 1;
            let mut r = AuditRecord {
                seq,
                at_micros,
                actor_id: actor.user_id,
                actor_name: actor.username.clone(),
                request_id: actor.request_id.clone(),
                action: e.action,
                entity_kind: e.entity_kind,
                entity_id: e.entity_id,
                region_code: e.region_code,
                organisation_id: e.organisation_id,
                before: e.before.map(|v| v.to_string()),
                after: e.after.map(|v| v.to_string()),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            r.hash = event_hash(&r);
            prev.clone_from(&r.hash);
            records.push(r);
        }
        // 14 values a row; 60 rows stay far below either backend's parameter limit.
        for chunk in records.chunks(60) {
            let mut q = query(
                "insert into audit_event (seq, at_micros, actor_id, actor_name, request_id, action, \
                 entity_kind, entity_id, region_code, organisation_id, before_json, after_json, prev_hash, hash) values ",
            );
            let mut values = Vec::with_capacity(chunk.len());
            for r in chunk {
                let a = q.bind_list([r.seq, r.at_micros]);
                let b = q.bind_list([r.actor_id]);
                let c = q.bind_list([
                    r.actor_name.clone(),
                    r.request_id.clone(),
                    r.action.clone(),
                    r.entity_kind.clone(),
                    r.entity_id.clone(),
                ]);
                let d = q.bind_list([r.region_code.clone()]);
                let e = q.bind_list([r.organisation_id]);
                let f = q.bind_list([r.before.clone(), r.after.clone()]);
                let g = q.bind_list([r.prev_hash.clone(), r.hash.clone()]);
                values.push(format!("({a}, {b}, {c}, {d}, {e}, {f}, {g})"));
            }
            q.push_sql(&values.join(", "));
            self.execute(q).await?;
        }
        self.execute(query("update audit_head set seq = $1, hash = $2 where audit_head_id = 1").bind(seq).bind(&prev))
            .await?;
        Ok(seq)
    }
}

fn record(row: &Row) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        seq: row.get("seq")?,
        at_micros: row.get("at_micros")?,
        actor_id: row.get("actor_id")?,
        actor_name: row.get("actor_name")?,
        request_id: row.get("request_id")?,
        action: row.get("action")?,
        entity_kind: row.get("entity_kind")?,
        entity_id: row.get("entity_id")?,
        region_code: row.get("region_code")?,
        organisation_id: row.get("organisation_id")?,
        before: row.get("before_json")?,
        after: row.get("after_json")?,
        prev_hash: row.get("prev_hash")?,
        hash: row.get("hash")?,
    })
}

/// Filters for the audit viewer.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Events about this organisation or any of its records.
    pub organisation_id: Option<i64>,
    /// Show events before this sequence number (paging backwards from the newest).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Audit events visible in `scope`, newest first.
    pub async fn list_audit(&self, scope: &Scope, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let mut q = query("select * from audit_event where 1 = 1");
        scope::restrict(self, &mut q, scope, Some("region_code"), Some("organisation_id")).await?;
        if let Some(k) = &filter.entity_kind {
            q = q.bind(k);
            let n = q.arg_count();
            q.push_sql(&format!(" and entity_kind = ${n}"));
        }
        if let Some(id) = &filter.entity_id {
            q = q.bind(id);
            let n = q.arg_count();
            q.push_sql(&format!(" and entity_id = ${n}"));
        }
        if let Some(a) = &filter.actor {
            q = q.bind(a);
            let n = q.arg_count();
            q.push_sql(&format!(" and actor_name = ${n}"));
        }
        if let Some(o) = filter.organisation_id {
            q = q.bind(o);
            let n = q.arg_count();
            q.push_sql(&format!(" and organisation_id = ${n}"));
        }
        if let Some(s) = filter.before_seq {
            q = q.bind(s);
            let n = q.arg_count();
            q.push_sql(&format!(" and seq < ${n}"));
        }
        q = q.bind(filter.limit.clamp(1, 500));
        let n = q.arg_count();
        q.push_sql(&format!(" order by seq desc limit ${n}"));
        self.db.fetch_all(q).await?.iter().map(record).collect()
    }

    /// Walks the whole log in order and checks the hash chain against the head. Returns the
    /// number of events checked, or where the chain is broken.
    pub async fn verify_audit(&self) -> Result<u64, StoreError> {
        let head = self.db.fetch_one(query("select seq, hash from audit_head where audit_head_id = 1")).await?;
        let mut v = ChainVerifier::default();
        let mut after = 0i64;
        // In pages, so a large log is never held in memory at once.
        loop {
            let rows = self
                .db
                .fetch_all(query("select * from audit_event where seq > $1 order by seq limit 5000").bind(after))
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let r = record(row)?;
                v.push(&r).map_err(StoreError::AuditChain)?;
                after = r.seq;
            }
        }
        v.finish(head.get("seq")?, &head.get::<String>("hash")?).map_err(StoreError::AuditChain)
    }
}
