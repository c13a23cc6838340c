//! The audit log's hash chain.
//!
//! Every audit event carries the hash of the event before it, and its own hash over its fields
//! and that previous hash. Changing any stored field, deleting an event or reordering events
//! breaks the chain at a point [`verify_chain`] names. The chain head (the last sequence number
//! and hash) is kept by the store beside the events, so that cutting events off the end is
//! detected too.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash that stands before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event of the audit log, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// When, as microseconds since the Unix epoch (UTC).
    pub at_micros: i64,
    /// The acting user's id; `None` for the system (migrations, the command line without a user).
    pub actor_id: Option<i64>,
    /// The actor's username at the time, kept so the log reads well after a rename.
    pub actor_name: String,
    pub request_id: String,
    /// What was done, e.g. `user.create`, `region.update`, `session.login`.
    pub action: String,
    /// The kind of thing changed, e.g. `user`, `region`.
    pub entity_kind: String,
    pub entity_id: String,
    /// The region the entity belongs to, used to scope who may read the event.
    pub region_code: Option<String>,
    /// The organisation the entity belongs to, used to scope who may read the event.
    pub organisation_id: Option<i64>,
    /// JSON text of the entity before and after the change (`None` for create / delete).
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Computes the hash of an event from its fields and the previous hash. Fields are written with
/// a length prefix each, so no two different events serialise to the same bytes.
pub fn event_hash(r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    let mut field = |tag: &str, value: Option<&str>| {
        h.update(tag.as_bytes());
        match value {
            None => h.update(b"\x00"),
            Some(v) => {
                h.update(b"\x01");
                h.update((v.len() as u64).to_be_bytes());
                h.update(v.as_bytes());
            }
        }
    };
    field("seq", Some(&r.seq.to_string()));
    field("at", Some(&r.at_micros.to_string()));
    field("actor_id", r.actor_id.map(|a| a.to_string()).as_deref());
    field("actor_name", Some(&r.actor_name));
    field("request_id", Some(&r.request_id));
    field("action", Some(&r.action));
    field("entity_kind", Some(&r.entity_kind));
    field("entity_id", Some(&r.entity_id));
    field("region_code", r.region_code.as_deref());
    field("organisation_id", r.organisation_id.map(|a| a.to_string()).as_deref());
    field("before", r.before.as_deref());
    field("after", r.after.as_deref());
    field("prev_hash", Some(&r.prev_hash));
    hex::encode(h.finalize())
}

/// Where and why the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's stored hash does not match its fields: the row was changed.
    Altered { seq: i64 },
    /// The event does not follow the one before it: an event before it was deleted or changed.
    Unlinked { seq: i64 },
    /// Sequence numbers jump: events between were deleted.
    Gap { after: i64, next: i64 },
    /// The log ends before the recorded head: events at the end were deleted.
    Truncated { last: i64, head: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { seq } => {
                write!(f, "audit event {seq} was changed after it was written (hash mismatch)")
            }
            ChainBreak::Unlinked { seq } => {
                write!(f, "audit event {seq} does not link to the event before it (previous event changed or deleted)")
            }
            ChainBreak::Gap { after, next } => {
                write!(f, "audit events between {after} and {next} are missing (deleted)")
            }
            ChainBreak::Truncated { last, head } => {
                write!(f, "audit log ends at event {last} but the chain head records {head}: events were deleted")
            }
        }
    }
}

impl std::error::Error for ChainBreak {}

/// Incremental verifier: feed events in sequence order, then call [`ChainVerifier::finish`] with
/// the recorded head. Works on streams, so a large log need not fit in memory.
#[derive(Debug)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier { last_seq: 0, last_hash: GENESIS_HASH.to_owned(), checked: 0 }
    }
}

impl ChainVerifier {
    /// Checks the next event; fails at the first break.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainBreak> {
        if r.seq != self.last_seq + 1 {
            return Err(ChainBreak::Gap { after: self.last_seq, next: r.seq });
        }
        if event_hash(r) != r.hash {
            return Err(ChainBreak::Altered { seq: r.seq });
        }
        if r.prev_hash != self.last_hash {
            return Err(ChainBreak::Unlinked { seq: r.seq });
        }
        self.last_seq = r.seq;
        self.last_hash.clone_from(&r.hash);
        self.checked += 1;
        Ok(())
    }

    /// Ends the check against the recorded head (`head_seq`, `head_hash`); returns how many events
    /// were checked.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
        if self.last_seq != head_seq {
            return Err(ChainBreak::Truncated { last: self.last_seq, head: head_seq });
        }
        if self.last_hash != head_hash {
            return Err(ChainBreak::Unlinked { seq: self.last_seq });
        }
        Ok(self.checked)
    }
}

/// Verifies a whole chain held in memory against its head.
pub fn verify_chain(records: &[AuditRecord], head_seq: i64, head_hash: &str) -> Result<u64, ChainBreak> {
    let mut v = ChainVerifier::default();
    for r in records {
        v.push(r)?;
    }
    v.finish(head_seq, head_hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at_micros: 1_600_000_000_000_000 + seq,
                    actor_id: Some(1),
                    actor_name: "admin".into(),
                    request_id: format!("req-{seq}"),
                    action: "region.update".into(),
                    entity_kind: "region".into(),
                    entity_id: "430202".into(),
                    region_code: Some("430202".into()),
                    organisation_id: None,
                    before: Some(r#"{"name_en":"a"}"#.into()),
                    after: Some(format!(r#"{{"name_en":"{seq}"}}"#)),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = event_hash(&r);
                prev.clone_from(&r.hash);
                r
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        let head = c.last().unwrap();
        assert_eq!(verify_chain(&c, 5, &head.hash), Ok(5));
    }

    #[test]
    fn empty_chain_verifies_against_genesis() {
        assert_eq!(verify_chain(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn changed_field_is_detected() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c[2].after = Some(r#"{"name_en":"forged"}"#.into());
        assert_eq!(verify_chain(&c, 5, &head), Err(ChainBreak::Altered { seq: 3 }));
    }

    #[test]
    fn deleted_middle_event_is_detected() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.remove(1);
        assert_eq!(verify_chain(&c, 5, &head), Err(ChainBreak::Gap { after: 1, next: 3 }));
    }

    #[test]
    fn deleted_last_event_is_detected() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c.pop();
        assert_eq!(verify_chain(&c, 5, &head), Err(ChainBreak::Truncated { last: 4, head: 5 }));
    }

    #[test]
    fn rehashed_forgery_breaks_the_link() {
        let mut c = chain(5);
        let head = c[4].hash.clone();
        c[2].after = Some("{}".into());
        c[2].hash = event_hash(&c[2]);
        assert_eq!(verify_chain(&c, 5, &head), Err(ChainBreak::Unlinked { seq: 4 }));
    }

    proptest! {
        #[test]
        fn any_single_change_is_detected(n in 1i64..20, pick in 0usize..20, text in ".{0,10}") {
            let mut c = chain(n);
            let head = c.last().unwrap().hash.clone();
            let i = pick % c.len();
            let original = c[i].actor_name.clone();
            prop_assume!(original != text);
            c[i].actor_name = text;
            prop_assert!(verify_chain(&c, n, &head).is_err());
        }
    }
}
