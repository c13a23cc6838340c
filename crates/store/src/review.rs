//! Expert review of a call: the pool, conflicts of interest (detected from the registries,
//! declared by experts, dismissed by staff with a reason), the seeded panel draw, the optimal
//! assignment, reviews, ranking and the panel's decision.

use std::collections::{BTreeMap, BTreeSet};

use gaodi_domain::access::Scope;
use gaodi_domain::assign::{self, Affinities, Coverage, Instance, SolveOptions};
use gaodi_domain::project::conflict::{self, ApplicationFacts, ConflictKind, ExpertFacts, Link, Span};
use gaodi_domain::project::draw::{self, Draw};
use gaodi_domain::project::lifecycle::{ApplicationAction, ApplicationStatus, CallStatus, ProjectError};
use gaodi_domain::project::review::{self as scoring, Review, Standing};
use serde::Serialize;
use time::{Date, OffsetDateTime};

use crate::db::{query, Row};
use crate::project::{invalid, iso_date, refused, set_call_status, ApplicationFilter};
use crate::{now, Actor, AuditEntry, Store, StoreError};

/// Days an expert has for a review.
pub const REVIEW_DAYS: i64 = 14;

/// An expert of the pool, with what the draw filters on.
#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    pub person_id: i64,
    pub name: String,
    pub title: Option<String>,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub fields: Vec<String>,
    /// An industry expert (产业专家): holds the industry-leading-expert role or works for an enterprise.
    pub industry: bool,
    pub absent: bool,
}

/// A conflict as stored, with its state.
#[derive(Debug, Clone, Serialize)]
pub struct StoredConflict {
    pub conflict_id: i64,
    pub application_id: i64,
    pub application_title: String,
    pub person_id: i64,
    pub expert_name: String,
    pub kind: ConflictKind,
    pub source: String,
    pub code: String,
    pub args: Vec<(String, String)>,
    pub dismissed_reason: Option<String>,
    pub dismissed_by: Option<String>,
}

/// A panel member of a call.
#[derive(Debug, Clone, Serialize)]
pub struct PanelMember {
    pub person_id: i64,
    pub name: String,
    pub position: i64,
    pub status: String,
    pub replaced_reason: Option<String>,
    pub industry: bool,
    pub fields: Vec<String>,
}

/// The recorded draw of a call.
#[derive(Debug, Clone, Serialize)]
pub struct PanelDraw {
    pub panel_draw_id: i64,
    pub seed: String,
    pub seed_source: String,
    pub pool_digest: String,
    pub pool_size: i64,
    pub size: i64,
    pub order: Vec<i64>,
    pub created_by: String,
}

/// A review assignment with its application, for the expert's list and the staff's progress.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub review_assignment_id: i64,
    pub call_id: i64,
    pub application_id: i64,
    pub application_title: String,
    pub person_id: i64,
    pub expert_name: String,
    pub status: String,
    pub affinity_e4: i64,
    #[serde(with = "iso_date")]
    pub due_on: Date,
    pub reminded: bool,
    pub reason: Option<String>,
    pub overall_e4: Option<i64>,
}

/// A submitted review.
#[derive(Debug, Clone, Serialize)]
pub struct SubmittedReview {
    pub review_assignment_id: i64,
    pub person_id: i64,
    pub expert_name: String,
    pub scores: Vec<i64>,
    pub overall_e4: i64,
    pub comment: String,
}

/// The outcome of an assignment run.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRun {
    pub applications: usize,
    pub experts: usize,
    pub pairs: usize,
    pub objective_e4: i64,
    pub forbidden: usize,
}

const ASSIGNMENT_SELECT: &str = "select ra.review_assignment_id, ra.call_id, ra.application_id, a.title as application_title, \
     ra.person_id, p.name as expert_name, ra.status, ra.affinity_e4, ra.due_on, ra.reminded_at, ra.reason, r.overall_e4 \
     from review_assignment ra join application a on a.application_id = ra.application_id \
     join person p on p.person_id = ra.person_id \
     left join review r on r.review_assignment_id = ra.review_assignment_id";

fn assignment_from(r: &Row) -> Result<Assignment, StoreError> {
    Ok(Assignment {
        review_assignment_id: r.get("review_assignment_id")?,
        call_id: r.get("call_id")?,
        application_id: r.get("application_id")?,
        application_title: r.get("application_title")?,
        person_id: r.get("person_id")?,
        expert_name: r.get("expert_name")?,
        status: r.get("status")?,
        affinity_e4: r.get("affinity_e4")?,
        due_on: r.get("due_on")?,
        reminded: r.get::<Option<OffsetDateTime>>("reminded_at")?.is_some(),
        reason: r.get("reason")?,
        overall_e4: r.get("overall_e4")?,
    })
}

fn split_fields(s: Option<String>) -> Vec<String> {
    s.unwrap_or_default()
        .split([',', '，', '、', ';'])
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

impl Store {
    /// The person record behind a login (experts), if linked.
    pub async fn user_person(&self, user_id: i64) -> Result<Option<i64>, StoreError> {
        let row =
            self.db().fetch_optional(query("select person_id from app_user where user_id = $1").bind(user_id)).await?;
        Ok(row.map(|r| r.get::<Option<i64>>("person_id")).transpose()?.flatten())
    }

    /// Links a login to a person record.
    pub async fn link_user_person(&self, actor: &Actor, user_id: i64, person_id: i64) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(query("update app_user set person_id = $1 where user_id = $2").bind(person_id).bind(user_id))
            .await?;
        tx.audit(
            actor,
            AuditEntry::new("user.link_person", "user", user_id).after(&serde_json::json!({ "person_id": person_id })),
        )
        .await?;
        tx.commit().await
    }

    /// Experts of the pool on `on`: people holding the 评审专家 role that day, with their fields,
    /// whether they are industry experts and whether they are away.
    pub async fn expert_pool(&self, on: Date) -> Result<Vec<Expert>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select p.person_id, p.name, p.title, p.organisation_id, o.name as organisation_name, o.kind as organisation_kind, \
                     (select min(r.fields) from person_role r where r.person_id = p.person_id and r.kind = 'expert' \
                       and r.retired_at is null and r.valid_from <= $1 and (r.valid_to is null or r.valid_to >= $1)) as fields, \
                     exists (select 1 from person_role r where r.person_id = p.person_id and r.kind = 'industry_leading_expert' \
                       and r.retired_at is null and r.valid_from <= $1 and (r.valid_to is null or r.valid_to >= $1)) as industry_role, \
                     exists (select 1 from expert_absence x where x.person_id = p.person_id and x.from_on <= $1 and x.to_on >= $1) as absent \
                     from person p left join organisation o on o.organisation_id = p.organisation_id \
                     where p.retired_at is null and exists (select 1 from person_role r where r.person_id = p.person_id \
                       and r.kind = 'expert' and r.retired_at is null and r.valid_from <= $1 and (r.valid_to is null or r.valid_to >= $1)) \
                     order by p.person_id",
                )
                .bind(on),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let kind: Option<String> = r.get("organisation_kind")?;
                Ok(Expert {
                    person_id: r.get("person_id")?,
                    name: r.get("name")?,
                    title: r.get("title")?,
                    organisation_id: r.get("organisation_id")?,
                    organisation_name: r.get("organisation_name")?,
                    fields: split_fields(r.get("fields")?),
                    industry: r.get::<bool>("industry_role")? || kind.as_deref() == Some("enterprise"),
                    absent: r.get::<bool>("absent")?,
                })
            })
            .collect()
    }

    /// The registry facts conflicts are detected from, for the given experts.
    async fn expert_facts(&self, experts: &[(i64, String)], on: Date) -> Result<Vec<ExpertFacts>, StoreError> {
        let mut out = Vec::with_capacity(experts.len());
        for (id, name) in experts {
            let mut spans = self
                .db()
                .fetch_all(
                    query(
                        "select a.organisation_id, o.name, a.valid_from, a.valid_to from affiliation a \
                         join organisation o on o.organisation_id = a.organisation_id where a.person_id = $1 \
                         order by a.valid_from",
                    )
                    .bind(*id),
                )
                .await?
                .iter()
                .map(|r| {
                    Ok(Span {
                        organisation_id: r.get("organisation_id")?,
                        organisation_name: r.get("name")?,
                        valid_from: r.get("valid_from")?,
                        valid_to: r.get("valid_to")?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            // The current employer on the person record counts from when it was recorded (or the
            // checking date, whichever is earlier), unless an affiliation already covers it.
            let current = self
                .db()
                .fetch_optional(
                    query(
                        "select p.organisation_id, o.name, p.updated_at from person p \
                         join organisation o on o.organisation_id = p.organisation_id where p.person_id = $1",
                    )
                    .bind(*id),
                )
                .await?;
            if let Some(r) = current {
                let org: i64 = r.get("organisation_id")?;
                if !spans.iter().any(|s| s.organisation_id == org && s.valid_to.is_none()) {
                    spans.push(Span {
                        organisation_id: org,
                        organisation_name: r.get("name")?,
                        valid_from: r.get::<OffsetDateTime>("updated_at")?.date().min(on),
                        valid_to: None,
                    });
                }
            }
            let links = self
                .db()
                .fetch_all(
                    query("select kind, organisation_id, other_person_id, note from expert_link where person_id = $1 order by expert_link_id")
                        .bind(*id),
                )
                .await?
                .iter()
                .filter_map(|r| {
                    let kind = ConflictKind::parse(&r.get::<String>("kind").ok()?)?;
                    Some(Ok(Link {
                        kind,
                        organisation_id: r.get("organisation_id").ok()?,
                        person_id: r.get("other_person_id").ok()?,
                        note: r.get("note").ok()?,
                    }))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            out.push(ExpertFacts { person_id: *id, name: name.clone(), affiliations: spans, links });
        }
        Ok(out)
    }

    async fn application_facts(
        &self,
        apps: &[(i64, i64, String, Option<i64>, String)],
    ) -> Result<Vec<ApplicationFacts>, StoreError> {
        let mut out = Vec::with_capacity(apps.len());
        for (id, org, org_name, lead, lead_name) in apps {
            let (members, partners) = self.application_team(*id).await?;
            let mut people: Vec<(i64, String)> = lead.map(|l| (l, lead_name.clone())).into_iter().collect();
            people.extend(members);
            out.push(ApplicationFacts {
                application_id: *id,
                organisation_id: *org,
                organisation_name: org_name.clone(),
                partner_organisations: partners,
                people,
            });
        }
        Ok(out)
    }

    /// An expert's recorded absences: (from, to, reason), newest first.
    pub async fn expert_absences(&self, person_id: i64) -> Result<Vec<(Date, Date, String)>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query("select from_on, to_on, reason from expert_absence where person_id = $1 order by from_on desc")
                    .bind(person_id),
            )
            .await?;
        rows.iter().map(|r| Ok((r.get("from_on")?, r.get("to_on")?, r.get("reason")?))).collect()
    }

    /// An expert's recorded links: (kind, organisation name, person name, note).
    pub async fn expert_links(
        &self,
        person_id: i64,
    ) -> Result<Vec<(ConflictKind, Option<String>, Option<String>, String)>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select l.kind, o.name as organisation_name, p.name as person_name, l.note from expert_link l \
                     left join organisation o on o.organisation_id = l.organisation_id \
                     left join person p on p.person_id = l.other_person_id \
                     where l.person_id = $1 order by l.expert_link_id",
                )
                .bind(person_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let kind = ConflictKind::parse(&r.get::<String>("kind")?)
                    .ok_or_else(|| StoreError::Decode("link kind".into()))?;
                Ok((kind, r.get("organisation_name")?, r.get("person_name")?, r.get("note")?))
            })
            .collect()
    }

    /// Records a period an expert is away: the draw leaves them out on any day inside it.
    pub async fn add_expert_absence(
        &self,
        actor: &Actor,
        person_id: i64,
        from_on: Date,
        to_on: Date,
        reason: &str,
    ) -> Result<(), StoreError> {
        if to_on < from_on {
            return Err(StoreError::invalid(
                "person.span_reversed",
                vec![("valid_from", from_on.to_string()), ("valid_to", to_on.to_string())],
                Some("to_on"),
            ));
        }
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("expert.absence_reason", Vec::new(), Some("reason")));
        }
        self.person(&Scope::All, person_id, crate::person::IdView::Masked).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("insert into expert_absence (person_id, from_on, to_on, reason) values ($1, $2, $3, $4)")
                .bind(person_id)
                .bind(from_on)
                .bind(to_on)
                .bind(reason.trim()),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("expert.absence", "person", person_id).after(&serde_json::json!({
                "from_on": from_on.to_string(), "to_on": to_on.to_string(), "reason": reason.trim()
            })),
        )
        .await?;
        tx.commit().await
    }

    /// Records an expert's declared relation (shareholding, advisor, personal, employment, other).
    pub async fn add_expert_link(
        &self,
        actor: &Actor,
        person_id: i64,
        kind: ConflictKind,
        organisation_id: Option<i64>,
        other_person_id: Option<i64>,
        note: &str,
    ) -> Result<(), StoreError> {
        if note.trim().is_empty() {
            return Err(StoreError::invalid("conflict.declare_note", Vec::new(), Some("note")));
        }
        if organisation_id.is_none() && other_person_id.is_none() {
            return Err(StoreError::invalid("expert.link_target", Vec::new(), Some("organisation_id")));
        }
        self.person(&Scope::All, person_id, crate::person::IdView::Masked).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query(
                "insert into expert_link (person_id, kind, organisation_id, other_person_id, note, created_at) \
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(person_id)
            .bind(kind.as_str())
            .bind(organisation_id)
            .bind(other_person_id)
            .bind(note)
            .bind(now()),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("expert.link", "person", person_id).after(&serde_json::json!({
                "kind": kind, "organisation_id": organisation_id, "person_id": other_person_id, "note": note
            })),
        )
        .await?;
        tx.commit().await
    }

    /// Detects conflicts between the call's pool and its eligible applications from the
    /// registries and stores the new ones (dismissed ones stay dismissed). Returns how many are new.
    pub async fn detect_conflicts(&self, actor: &Actor, call_id: i64, on: Date) -> Result<usize, StoreError> {
        let call = self.call(call_id).await?;
        let pool = self.expert_pool(on).await?;
        let experts: Vec<(i64, String)> = pool.iter().map(|e| (e.person_id, e.name.clone())).collect();
        let apps = self.reviewable(call_id).await?;
        let new = self.new_conflicts(&call, &experts, &apps, on).await?;
        let mut tx = self.begin().await?;
        insert_conflicts(&mut tx, call_id, &new).await?;
        tx.audit(
            actor,
            AuditEntry::new("call.detect_conflicts", "call", call_id)
                .region(Some(call.region_code.clone()))
                .after(&serde_json::json!({ "new": new.len(), "experts": pool.len(), "applications": apps.len() })),
        )
        .await?;
        tx.commit().await?;
        Ok(new.len())
    }

    /// Checks one expert against one application again (before the expert sees it): only
    /// this pair is detected, and only what is new is written.
    async fn detect_pair_conflicts(&self, actor: &Actor, a: &Assignment, on: Date) -> Result<(), StoreError> {
        let call = self.call(a.call_id).await?;
        let app = self.application(&Scope::All, a.application_id).await?;
        let new = self.new_conflicts(&call, &[(a.person_id, a.expert_name.clone())], &[app], on).await?;
        if new.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        insert_conflicts(&mut tx, a.call_id, &new).await?;
        tx.audit(
            actor,
            AuditEntry::new("review.detect_conflicts", "review_assignment", a.review_assignment_id)
                .region(Some(call.region_code.clone()))
                .after(&serde_json::json!({ "new": new.len() })),
        )
        .await?;
        tx.commit().await
    }

    /// The conflicts between `experts` and `apps` of a call found in the registries and not
    /// yet recorded.
    async fn new_conflicts(
        &self,
        call: &crate::project::Call,
        experts: &[(i64, String)],
        apps: &[crate::project::Application],
        on: Date,
    ) -> Result<Vec<conflict::Conflict>, StoreError> {
        let experts = self.expert_facts(experts, on).await?;
        let facts = self
            .application_facts(
                &apps
                    .iter()
                    .map(|a| {
                        (
                            a.application_id,
                            a.organisation_id,
                            a.organisation_name.clone(),
                            a.lead_person_id,
                            a.lead_name.clone(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
            .await?;
        let found = conflict::detect_all(&experts, &facts, on, u32::try_from(call.conflict_years).unwrap_or(0));
        let existing: BTreeSet<(i64, i64, String, String)> = self
            .db()
            .fetch_all(
                query("select application_id, person_id, kind, code from conflict where call_id = $1")
                    .bind(call.call_id),
            )
            .await?
            .iter()
            .map(|r| Ok((r.get("application_id")?, r.get("person_id")?, r.get("kind")?, r.get("code")?)))
            .collect::<Result<_, StoreError>>()?;
        Ok(found
            .into_iter()
            .filter(|c| !existing.contains(&(c.application, c.expert, c.kind.as_str().to_owned(), c.code.clone())))
            .collect())
    }

    /// The conflicts of a call (optionally of one expert).
    pub async fn conflicts(&self, call_id: i64, person_id: Option<i64>) -> Result<Vec<StoredConflict>, StoreError> {
        let mut q = query(
            "select c.*, a.title as application_title, p.name as expert_name from conflict c \
             join application a on a.application_id = c.application_id join person p on p.person_id = c.person_id \
             where c.call_id = $1",
        )
        .bind(call_id);
        if let Some(p) = person_id {
            let m = q.bind_list([p]);
            q.push_sql(&format!(" and c.person_id = {m}"));
        }
        q.push_sql(" order by c.application_id, c.person_id, c.kind");
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredConflict {
                    conflict_id: r.get("conflict_id")?,
                    application_id: r.get("application_id")?,
                    application_title: r.get("application_title")?,
                    person_id: r.get("person_id")?,
                    expert_name: r.get("expert_name")?,
                    kind: ConflictKind::parse(&r.get::<String>("kind")?)
                        .ok_or_else(|| StoreError::Decode("conflict kind".into()))?,
                    source: r.get("source")?,
                    code: r.get("code")?,
                    args: serde_json::from_str(&r.get::<String>("args_json")?).unwrap_or_default(),
                    dismissed_reason: r.get("dismissed_reason")?,
                    dismissed_by: r.get("dismissed_by")?,
                })
            })
            .collect()
    }

    /// Staff dismiss a detected conflict as a false positive, with the reason.
    pub async fn dismiss_conflict(&self, actor: &Actor, conflict_id: i64, reason: &str) -> Result<(), StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid("conflict.dismiss_reason", Vec::new()));
        }
        let row = self
            .db()
            .fetch_optional(query("select source, dismissed_at from conflict where conflict_id = $1").bind(conflict_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        if row.get::<String>("source")? == "declared" {
            return Err(invalid("conflict.declared_stays", Vec::new()));
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update conflict set dismissed_reason = $1, dismissed_by = $2, dismissed_at = $3 where conflict_id = $4")
                .bind(reason)
                .bind(actor.username.as_str())
                .bind(now())
                .bind(conflict_id),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("conflict.dismiss", "conflict", conflict_id)
                .after(&serde_json::json!({ "reason": reason })),
        )
        .await?;
        tx.commit().await
    }

    /// Applications of a call that go to review (eligible or already in review).
    async fn reviewable(&self, call_id: i64) -> Result<Vec<crate::project::Application>, StoreError> {
        let mut apps = self
            .applications(
                &Scope::All,
                &ApplicationFilter { call_id: Some(call_id), status: Some(ApplicationStatus::Eligible), limit: None },
            )
            .await?;
        apps.extend(
            self.applications(
                &Scope::All,
                &ApplicationFilter { call_id: Some(call_id), status: Some(ApplicationStatus::InReview), limit: None },
            )
            .await?,
        );
        apps.sort_by_key(|a| a.application_id);
        Ok(apps)
    }

    /// Draws the call's panel from the available experts of its fields, with a seed from
    /// `seed_source` (e.g. the date and a public lottery number) that anyone can replay.
    pub async fn draw_panel(
        &self,
        actor: &Actor,
        call_id: i64,
        seed_source: &str,
        on: Date,
    ) -> Result<PanelDraw, StoreError> {
        let call = self.call(call_id).await?;
        if self.panel_draw(call_id).await?.is_some() {
            return Err(invalid("draw.already_drawn", vec![("call", call.code.clone())]));
        }
        let seed_source = seed_source.trim();
        if seed_source.is_empty() {
            return Err(invalid("draw.seed_required", Vec::new()));
        }
        let wanted = split_fields(Some(call.expert_fields.clone()));
        let pool: Vec<i64> = self
            .expert_pool(on)
            .await?
            .into_iter()
            .filter(|e| !e.absent && (wanted.is_empty() || e.fields.iter().any(|f| wanted.contains(f))))
            .map(|e| e.person_id)
            .collect();
        let seed = draw::seed_from_text(seed_source);
        let size = usize::try_from(call.panel_size).unwrap_or(0);
        let d = draw::draw(&pool, seed, size).map_err(|e| StoreError::invalid(e.code(), e.args(), None))?;
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into panel_draw (call_id, seed, seed_source, pool_digest, pool_size, size, order_json, created_by, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning panel_draw_id",
                )
                .bind(call_id)
                .bind(d.seed.to_string())
                .bind(seed_source)
                .bind(d.pool_digest.as_str())
                .bind(i64::try_from(d.pool_size).unwrap_or(0))
                .bind(i64::try_from(d.size).unwrap_or(0))
                .bind(serde_json::to_string(&d.order).unwrap_or_default())
                .bind(actor.username.as_str())
                .bind(now()),
            )
            .await?;
        let draw_id: i64 = row.get("panel_draw_id")?;
        for (pos, person) in d.drawn().iter().enumerate() {
            tx.execute(
                query(
                    "insert into panel_member (call_id, person_id, panel_draw_id, position, status) values ($1, $2, $3, $4, 'drawn')",
                )
                .bind(call_id)
                .bind(*person)
                .bind(draw_id)
                .bind(i64::try_from(pos).unwrap_or(0) + 1),
            )
            .await?;
        }
        tx.audit(
            actor,
            AuditEntry::new("call.draw_panel", "call", call_id).region(Some(call.region_code.clone())).after(
                &serde_json::json!({
                    "seed": d.seed.to_string(), "seed_source": seed_source, "pool_digest": d.pool_digest,
                    "pool_size": d.pool_size, "size": d.size, "drawn": d.drawn(),
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.panel_draw(call_id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn panel_draw(&self, call_id: i64) -> Result<Option<PanelDraw>, StoreError> {
        let Some(r) =
            self.db().fetch_optional(query("select * from panel_draw where call_id = $1").bind(call_id)).await?
        else {
            return Ok(None);
        };
        Ok(Some(PanelDraw {
            panel_draw_id: r.get("panel_draw_id")?,
            seed: r.get("seed")?,
            seed_source: r.get("seed_source")?,
            pool_digest: r.get("pool_digest")?,
            pool_size: r.get("pool_size")?,
            size: r.get("size")?,
            order: serde_json::from_str(&r.get::<String>("order_json")?).unwrap_or_default(),
            created_by: r.get("created_by")?,
        }))
    }

    /// Replays the recorded draw: same seed, same pool order (the pool digest shows whether
    /// the order was computed over the same pool).
    pub async fn replay_draw(&self, call_id: i64) -> Result<bool, StoreError> {
        let d = self.panel_draw(call_id).await?.ok_or(StoreError::NotFound)?;
        let record = Draw {
            seed: d.seed.parse().map_err(|_| StoreError::Decode("seed".into()))?,
            pool_digest: d.pool_digest.clone(),
            pool_size: usize::try_from(d.pool_size).unwrap_or(0),
            size: usize::try_from(d.size).unwrap_or(0),
            order: d.order.clone(),
        };
        Ok(draw::replay(&d.order, &record).is_ok())
    }

    pub async fn panel(&self, call_id: i64, on: Date) -> Result<Vec<PanelMember>, StoreError> {
        let pool: BTreeMap<i64, crate::review::Expert> =
            self.expert_pool(on).await?.into_iter().map(|e| (e.person_id, e)).collect();
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select m.person_id, p.name, m.position, m.status, m.replaced_reason from panel_member m \
                     join person p on p.person_id = m.person_id where m.call_id = $1 order by m.position",
                )
                .bind(call_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get("person_id")?;
                let e = pool.get(&id);
                Ok(PanelMember {
                    person_id: id,
                    name: r.get("name")?,
                    position: r.get("position")?,
                    status: r.get("status")?,
                    replaced_reason: r.get("replaced_reason")?,
                    industry: e.is_some_and(|e| e.industry),
                    fields: e.map(|e| e.fields.clone()).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Replaces a panel member (unavailable, declined) by the next substitute of the draw.
    pub async fn replace_panel_member(
        &self,
        actor: &Actor,
        call_id: i64,
        person_id: i64,
        reason: &str,
    ) -> Result<i64, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(invalid("draw.replace_reason", Vec::new()));
        }
        let d = self.panel_draw(call_id).await?.ok_or(StoreError::NotFound)?;
        let used: Vec<i64> = self
            .db()
            .fetch_all(query("select person_id from panel_member where call_id = $1").bind(call_id))
            .await?
            .iter()
            .map(|r| r.get("person_id"))
            .collect::<Result<_, _>>()?;
        if !used.contains(&person_id) {
            return Err(StoreError::NotFound);
        }
        let size = usize::try_from(d.size).unwrap_or(0);
        let next = d.order.iter().skip(size).find(|p| !used.contains(p)).copied();
        let Some(next) = next else {
            return Err(invalid("draw.no_substitute", Vec::new()));
        };
        let position = i64::try_from(used.len()).unwrap_or(0) + 1;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update panel_member set status = 'replaced', replaced_reason = $1 where call_id = $2 and person_id = $3")
                .bind(reason)
                .bind(call_id)
                .bind(person_id),
        )
        .await?;
        tx.execute(
            query("insert into panel_member (call_id, person_id, panel_draw_id, position, status) values ($1, $2, $3, $4, 'substitute')")
                .bind(call_id)
                .bind(next)
                .bind(d.panel_draw_id)
                .bind(position),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("call.replace_panel_member", "call", call_id)
                .after(&serde_json::json!({ "replaced": person_id, "by": next, "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    /// Assigns the call's eligible applications to the active panel members by the optimal
    /// assignment (k reviewers each, at most L per expert, conflicts forbidden, at least the
    /// call's number of industry experts), after checking conflicts again.
    pub async fn assign_reviews(&self, actor: &Actor, call_id: i64, on: Date) -> Result<AssignmentRun, StoreError> {
        let call = self.call(call_id).await?;
        self.detect_conflicts(actor, call_id, on).await?;
        let apps: Vec<_> =
            self.reviewable(call_id).await?.into_iter().filter(|a| a.status == ApplicationStatus::Eligible).collect();
        if apps.is_empty() {
            return Err(invalid("review.nothing_to_assign", vec![("call", call.code.clone())]));
        }
        let panel: Vec<PanelMember> =
            self.panel(call_id, on).await?.into_iter().filter(|m| m.status != "replaced").collect();
        if panel.is_empty() {
            return Err(invalid("review.no_panel", vec![("call", call.code.clone())]));
        }
        let blocked: BTreeSet<(i64, i64)> = self
            .conflicts(call_id, None)
            .await?
            .into_iter()
            .filter(|c| c.dismissed_reason.is_none())
            .map(|c| (c.application_id, c.person_id))
            .collect();
        let mut sparse = Vec::with_capacity(apps.len());
        let mut conflicts = Vec::new();
        for (i, app) in apps.iter().enumerate() {
            let mut row = Vec::with_capacity(panel.len());
            for (j, m) in panel.iter().enumerate() {
                let (i32_, j32) = (u32::try_from(i).unwrap_or(u32::MAX), u32::try_from(j).unwrap_or(u32::MAX));
                if blocked.contains(&(app.application_id, m.person_id)) {
                    conflicts.push((i32_, j32));
                }
                row.push((j32, affinity(app, &m.fields)));
            }
            sparse.push(row);
        }
        let industry: Vec<u32> = panel
            .iter()
            .enumerate()
            .filter(|(_, m)| m.industry)
            .map(|(j, _)| u32::try_from(j).unwrap_or(u32::MAX))
            .collect();
        let instance = Instance {
            proposal_ids: apps.iter().map(|a| format!("{} {}", a.application_id, a.title)).collect(),
            reviewer_ids: panel.iter().map(|m| m.name.clone()).collect(),
            per_proposal: u32::try_from(call.per_application).unwrap_or(0),
            capacity: vec![u32::try_from(call.max_per_expert).unwrap_or(0); panel.len()],
            affinities: Affinities::Sparse(sparse),
            conflicts: conflicts.clone(),
            coverage: if call.industry_min > 0 {
                vec![Coverage {
                    name: "industry expert / 产业专家".to_owned(),
                    members: industry,
                    at_least: u32::try_from(call.industry_min).unwrap_or(0),
                }]
            } else {
                Vec::new()
            },
        };
        let solved = assign::solve(&instance, SolveOptions::for_instance(&instance))
            .map_err(|e| StoreError::invalid(e.code(), e.args(), None))?;
        let due = on + time::Duration::days(REVIEW_DAYS);
        let mut tx = self.begin().await?;
        let mut entries = Vec::with_capacity(apps.len() + 1);
        for &(i, j) in &solved.pairs {
            let (app, m) = (&apps[i as usize], &panel[j as usize]);
            tx.execute(
                query(
                    "insert into review_assignment (call_id, application_id, person_id, status, affinity_e4, due_on, created_at) \
                     values ($1, $2, $3, 'assigned', $4, $5, $6)",
                )
                .bind(call_id)
                .bind(app.application_id)
                .bind(m.person_id)
                .bind(i64::from(affinity(app, &m.fields)))
                .bind(due)
                .bind(now()),
            )
            .await?;
        }
        for app in &apps {
            let next = app.status.apply(ApplicationAction::StartReview).map_err(|e| refused(&e))?;
            tx.execute(
                query("update application set status = $1, updated_at = $2 where application_id = $3")
                    .bind(next.as_str())
                    .bind(now())
                    .bind(app.application_id),
            )
            .await?;
            let mut e = AuditEntry::new("application.start_review", "application", app.application_id)
                .region(Some(app.region_code.clone()))
                .after(&serde_json::json!({ "status": next }));
            e.organisation_id = Some(app.organisation_id);
            entries.push(e);
        }
        if matches!(call.status, CallStatus::Open | CallStatus::Closed) {
            set_call_status(&mut tx, call_id, CallStatus::Review).await?;
        }
        let run = AssignmentRun {
            applications: apps.len(),
            experts: panel.len(),
            pairs: solved.pairs.len(),
            objective_e4: solved.objective,
            forbidden: conflicts.len(),
        };
        entries.push(
            AuditEntry::new("call.assign_reviews", "call", call_id).region(Some(call.region_code.clone())).after(&run),
        );
        tx.audit_batch(actor, entries).await?;
        tx.commit().await?;
        Ok(run)
    }

    pub async fn assignments(
        &self,
        call_id: Option<i64>,
        person_id: Option<i64>,
    ) -> Result<Vec<Assignment>, StoreError> {
        let mut q = query(format!("{ASSIGNMENT_SELECT} where 1 = 1"));
        if let Some(c) = call_id {
            let m = q.bind_list([c]);
            q.push_sql(&format!(" and ra.call_id = {m}"));
        }
        if let Some(p) = person_id {
            let m = q.bind_list([p]);
            q.push_sql(&format!(" and ra.person_id = {m}"));
        }
        q.push_sql(" order by ra.due_on, ra.application_id, ra.person_id");
        self.db().fetch_all(q).await?.iter().map(assignment_from).collect()
    }

    pub async fn assignment(&self, id: i64) -> Result<Assignment, StoreError> {
        let row = self
            .db()
            .fetch_optional(query(format!("{ASSIGNMENT_SELECT} where ra.review_assignment_id = $1")).bind(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        assignment_from(&row)
    }

    /// The assignment of `person_id`, checked for conflicts again before the expert sees the
    /// application: a conflict found now declines the assignment and is recorded.
    pub async fn open_assignment(
        &self,
        actor: &Actor,
        id: i64,
        person_id: i64,
        on: Date,
    ) -> Result<Assignment, StoreError> {
        let a = self.assignment(id).await?;
        if a.person_id != person_id {
            return Err(StoreError::NotFound);
        }
        if a.status == "assigned" {
            self.detect_pair_conflicts(actor, &a, on).await?;
            let live = self
                .conflicts(a.call_id, Some(person_id))
                .await?
                .into_iter()
                .any(|c| c.application_id == a.application_id && c.dismissed_reason.is_none());
            if live {
                self.decline_assignment(actor, id, "conflict found before opening / 打开前发现利益冲突").await?;
                return Err(invalid("review.conflict_found", vec![("application", a.application_title.clone())]));
            }
        }
        Ok(a)
    }

    /// The expert declares a conflict with the application: recorded, and the assignment declined.
    pub async fn declare_conflict(&self, actor: &Actor, id: i64, person_id: i64, note: &str) -> Result<(), StoreError> {
        let a = self.assignment(id).await?;
        if a.person_id != person_id || a.status != "assigned" {
            return Err(StoreError::NotFound);
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(invalid("conflict.declare_note", Vec::new()));
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query(
                "insert into conflict (call_id, application_id, person_id, kind, source, code, args_json, created_at) \
                 values ($1, $2, $3, 'declared', 'declared', 'conflict.declared_now', $4, $5)",
            )
            .bind(a.call_id)
            .bind(a.application_id)
            .bind(person_id)
            .bind(
                serde_json::to_string(&vec![
                    ("expert".to_owned(), a.expert_name.clone()),
                    ("note".to_owned(), note.to_owned()),
                ])
                .unwrap_or_default(),
            )
            .bind(now()),
        )
        .await?;
        tx.execute(
            query("update review_assignment set status = 'declined', reason = $1 where review_assignment_id = $2")
                .bind(note)
                .bind(id),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("review.declare_conflict", "review_assignment", id)
                .after(&serde_json::json!({ "note": note })),
        )
        .await?;
        tx.commit().await
    }

    async fn decline_assignment(&self, actor: &Actor, id: i64, reason: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(
            query("update review_assignment set status = 'declined', reason = $1 where review_assignment_id = $2")
                .bind(reason)
                .bind(id),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new("review.decline", "review_assignment", id).after(&serde_json::json!({ "reason": reason })),
        )
        .await?;
        tx.commit().await
    }

    /// Submits the expert's review: per-criterion scores checked against the call's template,
    /// with the declaration that there is no conflict.
    pub async fn submit_review(
        &self,
        actor: &Actor,
        id: i64,
        person_id: i64,
        scores: &[i64],
        comment: &str,
        no_conflict: bool,
    ) -> Result<Assignment, StoreError> {
        let a = self.assignment(id).await?;
        if a.person_id != person_id {
            return Err(StoreError::NotFound);
        }
        if a.status != "assigned" {
            return Err(invalid("review.not_open", vec![("status", a.status.clone())]));
        }
        if !no_conflict {
            return Err(invalid("review.declaration_required", Vec::new()));
        }
        let call = self.call(a.call_id).await?;
        call.review.check_scores(scores).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("scores")))?;
        let overall = call.review.review_total(scores);
        let mut tx = self.begin().await?;
        tx.execute(
            query("insert into review (review_assignment_id, scores_json, overall_e4, comment, submitted_at) values ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(serde_json::to_string(scores).unwrap_or_default())
                .bind(overall)
                .bind(comment.trim())
                .bind(now()),
        )
        .await?;
        tx.execute(query("update review_assignment set status = 'submitted' where review_assignment_id = $1").bind(id))
            .await?;
        tx.audit(
            actor,
            AuditEntry::new("review.submit", "review_assignment", id).after(
                &serde_json::json!({ "application_id": a.application_id, "scores": scores, "overall_e4": overall }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.assignment(id).await
    }

    /// The reviews of an application. An expert sees them only after submitting their own
    /// (`viewer`: the expert's person id; staff pass `None`).
    pub async fn reviews_of(
        &self,
        application_id: i64,
        viewer: Option<i64>,
    ) -> Result<Vec<SubmittedReview>, StoreError> {
        if let Some(p) = viewer {
            let own = self
                .db()
                .fetch_optional(
                    query("select 1 as x from review_assignment where application_id = $1 and person_id = $2 and status = 'submitted'")
                        .bind(application_id)
                        .bind(p),
                )
                .await?;
            if own.is_none() {
                return Err(invalid("review.own_first", Vec::new()));
            }
        }
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select r.review_assignment_id, ra.person_id, p.name, r.scores_json, r.overall_e4, r.comment from review r \
                     join review_assignment ra on ra.review_assignment_id = r.review_assignment_id \
                     join person p on p.person_id = ra.person_id where ra.application_id = $1 order by ra.person_id",
                )
                .bind(application_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SubmittedReview {
                    review_assignment_id: r.get("review_assignment_id")?,
                    person_id: r.get("person_id")?,
                    expert_name: r.get("name")?,
                    scores: serde_json::from_str(&r.get::<String>("scores_json")?).unwrap_or_default(),
                    overall_e4: r.get("overall_e4")?,
                    comment: r.get("comment")?,
                })
            })
            .collect()
    }

    /// Marks the overdue assignments of a call as reminded; returns them.
    pub async fn remind_overdue(
        &self,
        actor: &Actor,
        call_id: i64,
        today: Date,
    ) -> Result<Vec<Assignment>, StoreError> {
        let overdue: Vec<Assignment> = self
            .assignments(Some(call_id), None)
            .await?
            .into_iter()
            .filter(|a| a.status == "assigned" && a.due_on < today)
            .collect();
        let mut tx = self.begin().await?;
        for a in &overdue {
            tx.execute(
                query("update review_assignment set reminded_at = $1 where review_assignment_id = $2")
                    .bind(now())
                    .bind(a.review_assignment_id),
            )
            .await?;
        }
        tx.audit(
            actor,
            AuditEntry::new("call.remind_overdue", "call", call_id).after(
                &serde_json::json!({ "reminded": overdue.iter().map(|a| a.review_assignment_id).collect::<Vec<_>>() }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(overdue)
    }

    /// Moves an open (overdue or declined) assignment to the best panel member who is free,
    /// not conflicted and not already on the application.
    pub async fn reassign(&self, actor: &Actor, id: i64, reason: &str, on: Date) -> Result<Assignment, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(refused(&ProjectError::reason_required(ApplicationAction::Return)));
        }
        let a = self.assignment(id).await?;
        if !matches!(a.status.as_str(), "assigned" | "declined") {
            return Err(invalid("review.not_open", vec![("status", a.status.clone())]));
        }
        let call = self.call(a.call_id).await?;
        let app = self.application(&Scope::All, a.application_id).await?;
        let all = self.assignments(Some(a.call_id), None).await?;
        let load = |p: i64| {
            all.iter().filter(|x| x.person_id == p && matches!(x.status.as_str(), "assigned" | "submitted")).count()
        };
        let on_app: BTreeSet<i64> =
            all.iter().filter(|x| x.application_id == a.application_id).map(|x| x.person_id).collect();
        let blocked: BTreeSet<i64> = self
            .conflicts(a.call_id, None)
            .await?
            .into_iter()
            .filter(|c| c.application_id == a.application_id && c.dismissed_reason.is_none())
            .map(|c| c.person_id)
            .collect();
        let cap = usize::try_from(call.max_per_expert).unwrap_or(0);
        let best = self
            .panel(a.call_id, on)
            .await?
            .into_iter()
            .filter(|m| {
                m.status != "replaced"
                    && !on_app.contains(&m.person_id)
                    && !blocked.contains(&m.person_id)
                    && load(m.person_id) < cap
            })
            .max_by_key(|m| (affinity(&app, &m.fields), std::cmp::Reverse(m.person_id)))
            .ok_or_else(|| invalid("review.no_free_expert", vec![("application", app.title.clone())]))?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update review_assignment set status = 'reassigned', reason = $1 where review_assignment_id = $2")
                .bind(reason)
                .bind(id),
        )
        .await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into review_assignment (call_id, application_id, person_id, status, affinity_e4, due_on, created_at) \
                     values ($1, $2, $3, 'assigned', $4, $5, $6) returning review_assignment_id",
                )
                .bind(a.call_id)
                .bind(a.application_id)
                .bind(best.person_id)
                .bind(i64::from(affinity(&app, &best.fields)))
                .bind(on + time::Duration::days(REVIEW_DAYS / 2))
                .bind(now()),
            )
            .await?;
        let new_id: i64 = row.get("review_assignment_id")?;
        tx.audit(
            actor,
            AuditEntry::new("review.reassign", "review_assignment", id)
                .after(&serde_json::json!({ "to": best.person_id, "new_assignment": new_id, "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        self.assignment(new_id).await
    }

    /// Ranks the call's reviewed applications by its aggregation rule and records score,
    /// spread and rank on each.
    pub async fn rank_call(&self, actor: &Actor, call_id: i64) -> Result<Vec<Standing>, StoreError> {
        let call = self.call(call_id).await?;
        let standings = self.standings(call_id).await?;
        let mut tx = self.begin().await?;
        for s in &standings {
            tx.execute(
                query("update application set score_e4 = $1, spread_e4 = $2, rank = $3 where application_id = $4")
                    .bind(s.score)
                    .bind(s.spread)
                    .bind(i64::try_from(s.rank).unwrap_or(0))
                    .bind(s.application),
            )
            .await?;
        }
        tx.audit(
            actor,
            AuditEntry::new("call.rank", "call", call_id)
                .after(&serde_json::json!({ "ranked": standings.len(), "rule": call.review.aggregation })),
        )
        .await?;
        tx.commit().await?;
        Ok(standings)
    }

    /// The standings of a call (computed, not stored).
    pub async fn standings(&self, call_id: i64) -> Result<Vec<Standing>, StoreError> {
        let call = self.call(call_id).await?;
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select ra.application_id, ra.person_id, r.scores_json from review r \
                     join review_assignment ra on ra.review_assignment_id = r.review_assignment_id where ra.call_id = $1",
                )
                .bind(call_id),
            )
            .await?;
        let reviews: Vec<Review> = rows
            .iter()
            .map(|r| {
                Ok(Review {
                    application: r.get("application_id")?,
                    reviewer: r.get("person_id")?,
                    scores: serde_json::from_str(&r.get::<String>("scores_json")?).unwrap_or_default(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        scoring::rank(&call.review, &reviews).map_err(|e| StoreError::invalid(e.code(), e.args(), None))
    }
}

async fn insert_conflicts(tx: &mut crate::db::Tx, call_id: i64, new: &[conflict::Conflict]) -> Result<(), StoreError> {
    for c in new {
        tx.execute(
            query(
                "insert into conflict (call_id, application_id, person_id, kind, source, code, args_json, since_on, \
                 until_on, created_at) values ($1, $2, $3, $4, 'detected', $5, $6, $7, $8, $9)",
            )
            .bind(call_id)
            .bind(c.application)
            .bind(c.expert)
            .bind(c.kind.as_str())
            .bind(c.code.as_str())
            .bind(serde_json::to_string(&c.args).unwrap_or_default())
            .bind(c.since)
            .bind(c.until)
            .bind(now()),
        )
        .await?;
    }
    Ok(())
}

/// The affinity (1e-4) of an expert for an application: 1.0 when one of the expert's fields is
/// the application's field, 0.6 when a field appears in its title or summary, 0.1 otherwise.
#[must_use]
pub fn affinity(app: &crate::project::Application, fields: &[String]) -> u16 {
    let field = app.answers.get("field").map(String::as_str).unwrap_or_default();
    if fields.iter().any(|f| f == field) {
        return 10_000;
    }
    let text = format!("{} {}", app.title, app.answers.get("summary").map(String::as_str).unwrap_or_default());
    if fields.iter().any(|f| !f.is_empty() && (text.contains(f.as_str()) || field.contains(f.as_str()))) {
        6_000
    } else {
        1_000
    }
}
