//! Calls, applications, screening, challenge lists and the decision: the first half of the
//! project life cycle (the review is in [`crate::review`], the follow-up of approved projects
//! in [`crate::project_follow`]). Every change is one transaction with its audit event.

use std::collections::BTreeMap;

use gaodi_domain::access::Scope;
use gaodi_domain::project::eligibility::{self, ApplicantFacts, Rule, Screening, ScreeningInput};
use gaodi_domain::project::form::{FormTemplate, Upload};
use gaodi_domain::project::lifecycle::{
    check_window, ApplicationAction, ApplicationStatus, CallAction, CallKind, CallLevel, CallStatus, MilestoneState,
    ProjectError,
};
use gaodi_domain::project::review::ReviewTemplate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

use crate::db::{query, Row, Tx};
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

time::serde::format_description!(pub iso_date, Date, "[year]-[month]-[day]");

/// A domain refusal as a store error.
pub(crate) fn refused(e: &ProjectError) -> StoreError {
    StoreError::invalid(e.code(), e.args(), None)
}

pub(crate) fn invalid(code: &'static str, args: Vec<(&'static str, String)>) -> StoreError {
    StoreError::invalid(code, args, None)
}

fn parse_state<T>(s: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| StoreError::Decode(format!("unknown state {s}")))
}

/// A call for applications, with its form, its review template and its review settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Call {
    pub call_id: i64,
    pub code: String,
    pub title: String,
    pub programme: String,
    pub level: CallLevel,
    pub kind: CallKind,
    pub status: CallStatus,
    pub budget_fen: i64,
    #[serde(with = "iso_date")]
    pub opens_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    pub grace_minutes: i64,
    pub eligibility: Option<String>,
    pub max_per_lead: i64,
    pub max_concurrent: Option<i64>,
    pub per_application: i64,
    pub max_per_expert: i64,
    pub panel_size: i64,
    pub conflict_years: i64,
    pub industry_min: i64,
    pub expert_fields: String,
    pub form: FormTemplate,
    pub review: ReviewTemplate,
    pub region_code: String,
}

/// What a new call is made of (everything but its id and state).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewCall {
    pub code: String,
    pub title: String,
    pub programme: String,
    pub level: CallLevel,
    pub kind: CallKind,
    pub budget_fen: i64,
    #[serde(with = "iso_date")]
    pub opens_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    pub closes_at: OffsetDateTime,
    pub grace_minutes: i64,
    pub eligibility: Option<String>,
    pub max_per_lead: i64,
    pub max_concurrent: Option<i64>,
    pub per_application: i64,
    pub max_per_expert: i64,
    pub panel_size: i64,
    pub conflict_years: i64,
    pub industry_min: i64,
    pub expert_fields: String,
    pub form: FormTemplate,
    pub review: ReviewTemplate,
    pub region_code: String,
}

const CALL_COLUMNS: &str = "call_id, code, title, programme, level, kind, status, budget_fen, opens_on, closes_at, \
     grace_minutes, eligibility, max_per_lead, max_concurrent, per_application, max_per_expert, panel_size, \
     conflict_years, industry_min, expert_fields, form_json, review_json, region_code";

fn call_from(row: &Row) -> Result<Call, StoreError> {
    let json = |col: &str| -> Result<String, StoreError> { row.get::<String>(col) };
    Ok(Call {
        call_id: row.get("call_id")?,
        code: row.get("code")?,
        title: row.get("title")?,
        programme: row.get("programme")?,
        level: parse_state(&row.get::<String>("level")?, CallLevel::parse)?,
        kind: parse_state(&row.get::<String>("kind")?, CallKind::parse)?,
        status: parse_state(&row.get::<String>("status")?, CallStatus::parse)?,
        budget_fen: row.get("budget_fen")?,
        opens_on: row.get("opens_on")?,
        closes_at: row.get("closes_at")?,
        grace_minutes: row.get("grace_minutes")?,
        eligibility: row.get("eligibility")?,
        max_per_lead: row.get("max_per_lead")?,
        max_concurrent: row.get("max_concurrent")?,
        per_application: row.get("per_application")?,
        max_per_expert: row.get("max_per_expert")?,
        panel_size: row.get("panel_size")?,
        conflict_years: row.get("conflict_years")?,
        industry_min: row.get("industry_min")?,
        expert_fields: row.get("expert_fields")?,
        form: serde_json::from_str(&json("form_json")?).map_err(|e| StoreError::Decode(e.to_string()))?,
        review: serde_json::from_str(&json("review_json")?).map_err(|e| StoreError::Decode(e.to_string()))?,
        region_code: row.get("region_code")?,
    })
}

impl NewCall {
    /// Checks the call's settings, templates and rule.
    ///
    /// # Errors
    /// `Invalid` naming the first bad setting.
    pub fn check(&self) -> Result<(), StoreError> {
        let text = |v: &str, field: &'static str| {
            if v.trim().is_empty() {
                Err(StoreError::invalid("call.required", vec![("field", field.to_owned())], Some(field)))
            } else {
                Ok(())
            }
        };
        text(&self.code, "code")?;
        text(&self.title, "title")?;
        text(&self.programme, "programme")?;
        let positive = |v: i64, field: &'static str| {
            if v < 1 {
                Err(StoreError::invalid("call.positive", vec![("field", field.to_owned())], Some(field)))
            } else {
                Ok(())
            }
        };
        positive(self.max_per_lead, "max_per_lead")?;
        positive(self.per_application, "per_application")?;
        positive(self.max_per_expert, "max_per_expert")?;
        positive(self.panel_size, "panel_size")?;
        if self.budget_fen < 0 || self.grace_minutes < 0 || self.conflict_years < 0 || self.industry_min < 0 {
            return Err(StoreError::invalid("call.negative", Vec::new(), None));
        }
        if self.industry_min > self.per_application {
            return Err(StoreError::invalid(
                "call.industry_min",
                vec![
                    ("industry_min", self.industry_min.to_string()),
                    ("per_application", self.per_application.to_string()),
                ],
                Some("industry_min"),
            ));
        }
        if self.closes_at.date() < self.opens_on {
            return Err(StoreError::invalid("call.closes_before_open", Vec::new(), Some("closes_at")));
        }
        self.form.validate().map_err(|e| StoreError::invalid(e.code(), e.args(), Some("form")))?;
        self.review.validate().map_err(|e| StoreError::invalid(e.code(), e.args(), Some("review")))?;
        if let Some(rule) = self.eligibility.as_deref().filter(|r| !r.trim().is_empty()) {
            Rule::parse(rule).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("eligibility")))?;
        }
        Ok(())
    }
}

/// A call's numbers for the list and the dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct CallSummary {
    #[serde(flatten)]
    pub call: Call,
    pub applications: BTreeMap<String, i64>,
    pub reviews_assigned: i64,
    pub reviews_submitted: i64,
    pub reviews_overdue: i64,
    pub projects: i64,
}

/// A demand of a firm on a challenge-list call.
#[derive(Debug, Clone, Serialize)]
pub struct Challenge {
    pub challenge_id: i64,
    pub call_id: i64,
    pub demand_organisation_id: i64,
    pub demand_organisation_name: String,
    pub title: String,
    pub description: String,
    pub budget_fen: i64,
    pub status: String,
    pub note: Option<String>,
    /// Teams registered (live applications).
    pub teams: i64,
}

/// A firm's demand, as proposed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewChallenge {
    pub title: String,
    pub description: String,
    pub budget_fen: i64,
}

/// An application with what the lists and pages show.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub application_id: i64,
    pub call_id: i64,
    pub call_code: String,
    pub call_title: String,
    pub challenge_id: Option<i64>,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub region_code: String,
    pub lead_person_id: Option<i64>,
    pub lead_name: String,
    pub title: String,
    pub requested_fen: i64,
    pub answers: BTreeMap<String, String>,
    pub status: ApplicationStatus,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub reason: Option<String>,
    pub screening: Option<Screening>,
    pub score_e4: Option<i64>,
    pub spread_e4: Option<i64>,
    pub rank: Option<i64>,
}

/// A new application, or the new content of a draft.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewApplication {
    pub organisation_id: i64,
    pub challenge_id: Option<i64>,
    pub lead_person_id: Option<i64>,
    pub lead_name: String,
    pub title: String,
    pub requested_fen: i64,
    pub answers: BTreeMap<String, String>,
    /// Co-applicants (people) and partner organisations.
    #[serde(default)]
    pub members: Vec<i64>,
    #[serde(default)]
    pub partners: Vec<i64>,
}

const APPLICATION_COLUMNS: &str = "a.application_id, a.call_id, c.code as call_code, c.title as call_title, \
     a.challenge_id, a.organisation_id, o.name as organisation_name, a.region_code, a.lead_person_id, a.lead_name, \
     a.title, a.requested_fen, a.answers_json, a.status, a.submitted_at, a.reason, a.screening_json, a.score_e4, \
     a.spread_e4, a.rank";
const APPLICATION_FROM: &str =
    "from application a join call c on c.call_id = a.call_id join organisation o on o.organisation_id = a.organisation_id";

fn application_from(row: &Row) -> Result<Application, StoreError> {
    let screening: Option<String> = row.get("screening_json")?;
    Ok(Application {
        application_id: row.get("application_id")?,
        call_id: row.get("call_id")?,
        call_code: row.get("call_code")?,
        call_title: row.get("call_title")?,
        challenge_id: row.get("challenge_id")?,
        organisation_id: row.get("organisation_id")?,
        organisation_name: row.get("organisation_name")?,
        region_code: row.get("region_code")?,
        lead_person_id: row.get("lead_person_id")?,
        lead_name: row.get("lead_name")?,
        title: row.get("title")?,
        requested_fen: row.get("requested_fen")?,
        answers: serde_json::from_str(&row.get::<String>("answers_json")?)
            .map_err(|e| StoreError::Decode(e.to_string()))?,
        status: parse_state(&row.get::<String>("status")?, ApplicationStatus::parse)?,
        submitted_at: row.get("submitted_at")?,
        reason: row.get("reason")?,
        screening: screening.and_then(|s| serde_json::from_str(&s).ok()),
        score_e4: row.get("score_e4")?,
        spread_e4: row.get("spread_e4")?,
        rank: row.get("rank")?,
    })
}

/// An attachment's description (the content is read on its own).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentInfo {
    pub attachment_id: i64,
    pub field_key: String,
    pub file_name: String,
    pub size_bytes: i64,
    pub sha256: String,
}

/// Filter of the application list.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub call_id: Option<i64>,
    pub status: Option<ApplicationStatus>,
    pub limit: Option<i64>,
}

impl Store {
    pub async fn create_call(&self, actor: &Actor, new: &NewCall) -> Result<Call, StoreError> {
        new.check()?;
        let taken =
            self.db().fetch_optional(query("select call_id from call where code = $1").bind(new.code.trim())).await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate { what: "call", value: new.code.clone() });
        }
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into call (code, title, programme, level, kind, status, budget_fen, opens_on, closes_at, \
                     grace_minutes, eligibility, max_per_lead, max_concurrent, per_application, max_per_expert, \
                     panel_size, conflict_years, industry_min, expert_fields, form_json, review_json, region_code, \
                     created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                     $15, $16, $17, $18, $19, $20, $21, $22, $23, $23) returning call_id",
                )
                .bind(new.code.trim())
                .bind(new.title.trim())
                .bind(new.programme.trim())
                .bind(new.level.as_str())
                .bind(new.kind.as_str())
                .bind(CallStatus::Draft.as_str())
                .bind(new.budget_fen)
                .bind(new.opens_on)
                .bind(new.closes_at)
                .bind(new.grace_minutes)
                .bind(new.eligibility.clone().filter(|r| !r.trim().is_empty()))
                .bind(new.max_per_lead)
                .bind(new.max_concurrent)
                .bind(new.per_application)
                .bind(new.max_per_expert)
                .bind(new.panel_size)
                .bind(new.conflict_years)
                .bind(new.industry_min)
                .bind(new.expert_fields.trim())
                .bind(serde_json::to_string(&new.form).unwrap_or_default())
                .bind(serde_json::to_string(&new.review).unwrap_or_default())
                .bind(new.region_code.as_str())
                .bind(now()),
            )
            .await?;
        let id: i64 = row.get("call_id")?;
        tx.audit(actor, AuditEntry::new("call.create", "call", id).region(Some(new.region_code.clone())).after(new))
            .await?;
        tx.commit().await?;
        self.call(id).await
    }

    pub async fn call(&self, id: i64) -> Result<Call, StoreError> {
        let row = self
            .db()
            .fetch_optional(query(format!("select {CALL_COLUMNS} from call where call_id = $1")).bind(id))
            .await?
            .ok_or(StoreError::NotFound)?;
        call_from(&row)
    }

    pub async fn calls(&self) -> Result<Vec<Call>, StoreError> {
        let rows = self
            .db()
            .fetch_all(query(format!("select {CALL_COLUMNS} from call order by opens_on desc, call_id desc")))
            .await?;
        rows.iter().map(call_from).collect()
    }

    /// Calls with their application counts by state and their review progress.
    pub async fn call_summaries(&self, scope: &Scope, today: Date) -> Result<Vec<CallSummary>, StoreError> {
        let calls = self.calls().await?;
        let mut q = query("select call_id, status, count(*) as n from application a where 1 = 1");
        scope::restrict(self, &mut q, scope, Some("a.region_code"), Some("a.organisation_id")).await?;
        q.push_sql(" group by call_id, status");
        let mut counts: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            counts.entry(r.get("call_id")?).or_default().insert(r.get("status")?, r.get("n")?);
        }
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select call_id, count(*) as assigned, \
                     sum(case when status = 'submitted' then 1 else 0 end) as submitted, \
                     sum(case when status = 'assigned' and due_on < $1 then 1 else 0 end) as overdue \
                     from review_assignment where status in ('assigned', 'submitted') group by call_id",
                )
                .bind(today),
            )
            .await?;
        let mut reviews: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
        for r in rows {
            reviews.insert(r.get("call_id")?, (r.get("assigned")?, r.get("submitted")?, r.get("overdue")?));
        }
        let mut q = query("select call_id, count(*) as n from project p where 1 = 1");
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        q.push_sql(" group by call_id");
        let mut projects: BTreeMap<i64, i64> = BTreeMap::new();
        for r in self.db().fetch_all(q).await? {
            projects.insert(r.get("call_id")?, r.get("n")?);
        }
        Ok(calls
            .into_iter()
            .map(|call| {
                let id = call.call_id;
                let (a, s, o) = reviews.get(&id).copied().unwrap_or_default();
                CallSummary {
                    applications: counts.remove(&id).unwrap_or_default(),
                    reviews_assigned: a,
                    reviews_submitted: s,
                    reviews_overdue: o,
                    projects: projects.get(&id).copied().unwrap_or_default(),
                    call,
                }
            })
            .collect())
    }

    /// Moves a call through its states (open, close, review, decided).
    pub async fn call_action(&self, actor: &Actor, id: i64, action: CallAction) -> Result<Call, StoreError> {
        let call = self.call(id).await?;
        let next = call.status.apply(action).map_err(|e| refused(&e))?;
        let mut tx = self.begin().await?;
        set_call_status(&mut tx, id, next).await?;
        tx.audit(
            actor,
            AuditEntry::new(&format!("call.{}", action.as_str()), "call", id)
                .region(Some(call.region_code.clone()))
                .before(&serde_json::json!({ "status": call.status }))
                .after(&serde_json::json!({ "status": next })),
        )
        .await?;
        tx.commit().await?;
        self.call(id).await
    }

    // ---- challenge lists -------------------------------------------------------------------

    /// A firm's demand on a challenge-list call (proposed; the bureau vets it).
    pub async fn propose_challenge(
        &self,
        actor: &Actor,
        scope: &Scope,
        call_id: i64,
        organisation_id: i64,
        new: &NewChallenge,
    ) -> Result<Challenge, StoreError> {
        let (title, description, budget_fen) = (new.title.as_str(), new.description.as_str(), new.budget_fen);
        let call = self.call(call_id).await?;
        if call.kind != CallKind::Challenge {
            return Err(invalid("challenge.not_a_challenge_call", vec![("call", call.code)]));
        }
        let org = self.organisation(scope, organisation_id).await?;
        if title.trim().is_empty() || description.trim().is_empty() {
            return Err(StoreError::invalid("call.required", vec![("field", "title".into())], Some("title")));
        }
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into challenge (call_id, demand_organisation_id, title, description, budget_fen, status, \
                     created_at, updated_at) values ($1, $2, $3, $4, $5, 'proposed', $6, $6) returning challenge_id",
                )
                .bind(call_id)
                .bind(organisation_id)
                .bind(title.trim())
                .bind(description.trim())
                .bind(budget_fen)
                .bind(now()),
            )
            .await?;
        let id: i64 = row.get("challenge_id")?;
        let mut entry = AuditEntry::new("challenge.propose", "challenge", id)
            .region(Some(org.region_code.clone()))
            .after(&serde_json::json!({ "call_id": call_id, "title": title, "budget_fen": budget_fen }));
        entry.organisation_id = Some(organisation_id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.challenge(id).await
    }

    /// Vetting: publish a proposed demand on the list, or decline it with a reason.
    pub async fn vet_challenge(
        &self,
        actor: &Actor,
        id: i64,
        publish: bool,
        note: &str,
    ) -> Result<Challenge, StoreError> {
        let c = self.challenge(id).await?;
        if c.status != "proposed" {
            return Err(invalid("challenge.not_proposed", vec![("title", c.title), ("status", c.status)]));
        }
        if !publish && note.trim().is_empty() {
            return Err(refused(&ProjectError::reason_required(ApplicationAction::Return)));
        }
        let status = if publish { "published" } else { "declined" };
        let mut tx = self.begin().await?;
        tx.execute(
            query("update challenge set status = $1, note = $2, updated_at = $3 where challenge_id = $4")
                .bind(status)
                .bind(Some(note.trim()).filter(|n| !n.is_empty()))
                .bind(now())
                .bind(id),
        )
        .await?;
        tx.audit(
            actor,
            AuditEntry::new(if publish { "challenge.publish" } else { "challenge.decline" }, "challenge", id)
                .after(&serde_json::json!({ "status": status, "note": note })),
        )
        .await?;
        tx.commit().await?;
        self.challenge(id).await
    }

    pub async fn challenge(&self, id: i64) -> Result<Challenge, StoreError> {
        self.challenges_where("ch.challenge_id = $1", id).await?.pop().ok_or(StoreError::NotFound)
    }

    pub async fn challenges(&self, call_id: i64) -> Result<Vec<Challenge>, StoreError> {
        self.challenges_where("ch.call_id = $1", call_id).await
    }

    async fn challenges_where(&self, cond: &str, id: i64) -> Result<Vec<Challenge>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query(format!(
                    "select ch.*, o.name as demand_organisation_name, \
                     (select count(*) from application a where a.challenge_id = ch.challenge_id \
                      and a.status not in ('draft', 'withdrawn')) as teams \
                     from challenge ch join organisation o on o.organisation_id = ch.demand_organisation_id \
                     where {cond} order by ch.challenge_id"
                ))
                .bind(id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Challenge {
                    challenge_id: r.get("challenge_id")?,
                    call_id: r.get("call_id")?,
                    demand_organisation_id: r.get("demand_organisation_id")?,
                    demand_organisation_name: r.get("demand_organisation_name")?,
                    title: r.get("title")?,
                    description: r.get("description")?,
                    budget_fen: r.get("budget_fen")?,
                    status: r.get("status")?,
                    note: r.get("note")?,
                    teams: r.get("teams")?,
                })
            })
            .collect()
    }

    // ---- applications ----------------------------------------------------------------------

    /// Starts an application (a draft) of an organisation the caller may act for.
    pub async fn create_application(
        &self,
        actor: &Actor,
        scope: &Scope,
        call_id: i64,
        new: &NewApplication,
    ) -> Result<Application, StoreError> {
        let call = self.call(call_id).await?;
        if call.status != CallStatus::Open {
            return Err(invalid(
                "application.call_not_open",
                vec![
                    ("call", call.code.clone()),
                    ("status_zh", call.status.name_zh().into()),
                    ("status_en", call.status.name_en().into()),
                ],
            ));
        }
        let org = self.organisation(scope, new.organisation_id).await?;
        if !scope::allows(self, scope, Some(&org.region_code), Some(org.organisation_id)).await? {
            return Err(StoreError::Forbidden);
        }
        self.check_challenge_for(&call, new.challenge_id).await?;
        let answers = self.check_application(&call, new)?;
        let live = self.live_applications(call_id, new.organisation_id, None).await?;
        if live >= call.max_per_lead {
            return Err(invalid(
                "application.per_lead",
                vec![
                    ("organisation", org.name.clone()),
                    ("call", call.code.clone()),
                    ("max", call.max_per_lead.to_string()),
                ],
            ));
        }
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into application (call_id, challenge_id, organisation_id, region_code, lead_person_id, \
                     lead_name, title, requested_fen, answers_json, status, created_at, updated_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10, $10) returning application_id",
                )
                .bind(call_id)
                .bind(new.challenge_id)
                .bind(new.organisation_id)
                .bind(org.region_code.as_str())
                .bind(new.lead_person_id)
                .bind(new.lead_name.trim())
                .bind(new.title.trim())
                .bind(new.requested_fen)
                .bind(serde_json::to_string(&answers).unwrap_or_default())
                .bind(now()),
            )
            .await?;
        let id: i64 = row.get("application_id")?;
        write_team(&mut tx, id, new).await?;
        let mut entry = AuditEntry::new("application.create", "application", id)
            .region(Some(org.region_code.clone()))
            .after(&serde_json::json!({ "call_id": call_id, "title": new.title, "requested_fen": new.requested_fen, "answers": answers }));
        entry.organisation_id = Some(new.organisation_id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.application(&Scope::All, id).await
    }

    /// Changes a draft or returned application.
    pub async fn update_application(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        new: &NewApplication,
    ) -> Result<Application, StoreError> {
        let before = self.application(scope, id).await?;
        if !before.status.is_editable() {
            return Err(invalid(
                "application.not_editable",
                vec![("status_zh", before.status.name_zh().into()), ("status_en", before.status.name_en().into())],
            ));
        }
        let call = self.call(before.call_id).await?;
        self.check_challenge_for(&call, new.challenge_id).await?;
        let answers = self.check_application(&call, new)?;
        let mut tx = self.begin().await?;
        tx.execute(
            query(
                "update application set challenge_id = $1, lead_person_id = $2, lead_name = $3, title = $4, \
                 requested_fen = $5, answers_json = $6, updated_at = $7 where application_id = $8",
            )
            .bind(new.challenge_id)
            .bind(new.lead_person_id)
            .bind(new.lead_name.trim())
            .bind(new.title.trim())
            .bind(new.requested_fen)
            .bind(serde_json::to_string(&answers).unwrap_or_default())
            .bind(now())
            .bind(id),
        )
        .await?;
        tx.execute(query("delete from application_member where application_id = $1").bind(id)).await?;
        tx.execute(query("delete from application_partner where application_id = $1").bind(id)).await?;
        write_team(&mut tx, id, new).await?;
        let mut entry = AuditEntry::new("application.update", "application", id)
            .region(Some(before.region_code.clone()))
            .before(&serde_json::json!({ "title": before.title, "requested_fen": before.requested_fen, "answers": before.answers }))
            .after(&serde_json::json!({ "title": new.title, "requested_fen": new.requested_fen, "answers": answers }));
        entry.organisation_id = Some(before.organisation_id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.application(&Scope::All, id).await
    }

    fn check_application(&self, call: &Call, new: &NewApplication) -> Result<BTreeMap<String, String>, StoreError> {
        if new.title.trim().is_empty() {
            return Err(StoreError::invalid("call.required", vec![("field", "title".into())], Some("title")));
        }
        if new.lead_name.trim().is_empty() {
            return Err(StoreError::invalid("call.required", vec![("field", "lead_name".into())], Some("lead_name")));
        }
        if new.requested_fen < 0 {
            return Err(StoreError::invalid("call.negative", Vec::new(), Some("requested_fen")));
        }
        call.form.check_answers(&new.answers).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("answers")))
    }

    async fn check_challenge_for(&self, call: &Call, challenge_id: Option<i64>) -> Result<(), StoreError> {
        match (call.kind, challenge_id) {
            (CallKind::Challenge, Some(id)) => {
                let c = self.challenge(id).await?;
                if c.call_id != call.call_id || c.status != "published" {
                    return Err(invalid("application.challenge_not_published", vec![("title", c.title)]));
                }
                Ok(())
            }
            (CallKind::Challenge, None) => {
                Err(invalid("application.challenge_required", vec![("call", call.code.clone())]))
            }
            (CallKind::Ordinary, Some(_)) => {
                Err(invalid("application.no_challenges", vec![("call", call.code.clone())]))
            }
            (CallKind::Ordinary, None) => Ok(()),
        }
    }

    /// Live applications of an organisation to a call, except `except`.
    async fn live_applications(
        &self,
        call_id: i64,
        organisation_id: i64,
        except: Option<i64>,
    ) -> Result<i64, StoreError> {
        let row = self
            .db()
            .fetch_one(
                query(
                    "select count(*) as n from application where call_id = $1 and organisation_id = $2 \
                     and status not in ('withdrawn', 'ineligible', 'rejected') and application_id <> $3",
                )
                .bind(call_id)
                .bind(organisation_id)
                .bind(except.unwrap_or(-1)),
            )
            .await?;
        row.get("n")
    }

    /// Stores an attachment of an application still editable, replacing the field's earlier one.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        field_key: &str,
        file_name: &str,
        content: Vec<u8>,
    ) -> Result<AttachmentInfo, StoreError> {
        let app = self.application(scope, id).await?;
        if !app.status.is_editable() {
            return Err(invalid(
                "application.not_editable",
                vec![("status_zh", app.status.name_zh().into()), ("status_en", app.status.name_en().into())],
            ));
        }
        let call = self.call(app.call_id).await?;
        let size = content.len() as u64;
        call.form
            .check_upload(field_key, &Upload { file_name, size })
            .map_err(|e| StoreError::invalid(e.code(), e.args(), Some("file")))?;
        let sha = hex::encode(Sha256::digest(&content));
        let mut tx = self.begin().await?;
        tx.execute(
            query("delete from attachment where application_id = $1 and field_key = $2").bind(id).bind(field_key),
        )
        .await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into attachment (application_id, field_key, file_name, size_bytes, sha256, content, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning attachment_id",
                )
                .bind(id)
                .bind(field_key)
                .bind(file_name)
                .bind(i64::try_from(size).unwrap_or(i64::MAX))
                .bind(sha.as_str())
                .bind(content)
                .bind(now()),
            )
            .await?;
        let attachment_id: i64 = row.get("attachment_id")?;
        let mut entry = AuditEntry::new("application.attach", "application", id)
            .region(Some(app.region_code.clone()))
            .after(&serde_json::json!({ "field": field_key, "file_name": file_name, "size": size, "sha256": sha }));
        entry.organisation_id = Some(app.organisation_id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        Ok(AttachmentInfo {
            attachment_id,
            field_key: field_key.to_owned(),
            file_name: file_name.to_owned(),
            size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
            sha256: sha,
        })
    }

    pub async fn attachments(&self, application_id: i64) -> Result<Vec<AttachmentInfo>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query(
                    "select attachment_id, field_key, file_name, size_bytes, sha256 from attachment \
                     where application_id = $1 order by field_key",
                )
                .bind(application_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AttachmentInfo {
                    attachment_id: r.get("attachment_id")?,
                    field_key: r.get("field_key")?,
                    file_name: r.get("file_name")?,
                    size_bytes: r.get("size_bytes")?,
                    sha256: r.get("sha256")?,
                })
            })
            .collect()
    }

    /// An attachment's name and content, if its application is visible to `scope`.
    pub async fn attachment_content(
        &self,
        scope: &Scope,
        application_id: i64,
        attachment_id: i64,
    ) -> Result<(String, Vec<u8>), StoreError> {
        self.application(scope, application_id).await?;
        let row = self
            .db()
            .fetch_optional(
                query("select file_name, content from attachment where attachment_id = $1 and application_id = $2")
                    .bind(attachment_id)
                    .bind(application_id),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((row.get("file_name")?, row.get("content")?))
    }

    pub async fn application(&self, scope: &Scope, id: i64) -> Result<Application, StoreError> {
        let mut q =
            query(format!("select {APPLICATION_COLUMNS} {APPLICATION_FROM} where a.application_id = $1")).bind(id);
        scope::restrict(self, &mut q, scope, Some("a.region_code"), Some("a.organisation_id")).await?;
        let row = self.db().fetch_optional(q).await?.ok_or(StoreError::NotFound)?;
        application_from(&row)
    }

    pub async fn applications(
        &self,
        scope: &Scope,
        filter: &ApplicationFilter,
    ) -> Result<Vec<Application>, StoreError> {
        let mut q = query(format!("select {APPLICATION_COLUMNS} {APPLICATION_FROM} where 1 = 1"));
        if let Some(c) = filter.call_id {
            let m = q.bind_list([c]);
            q.push_sql(&format!(" and a.call_id = {m}"));
        }
        if let Some(s) = filter.status {
            let m = q.bind_list([s.as_str()]);
            q.push_sql(&format!(" and a.status = {m}"));
        }
        scope::restrict(self, &mut q, scope, Some("a.region_code"), Some("a.organisation_id")).await?;
        q.push_sql(" order by a.rank is null, a.rank, a.application_id");
        if let Some(limit) = filter.limit {
            let m = q.bind_list([limit]);
            q.push_sql(&format!(" limit {m}"));
        }
        let rows = self.db().fetch_all(q).await?;
        rows.iter().map(application_from).collect()
    }

    /// The team of an application: (person id, name) of the members, (organisation id, name)
    /// of the partners.
    pub async fn application_team(&self, id: i64) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>), StoreError> {
        let members = self
            .db()
            .fetch_all(
                query(
                    "select p.person_id, p.name from application_member m join person p on p.person_id = m.person_id \
                     where m.application_id = $1 order by p.person_id",
                )
                .bind(id),
            )
            .await?
            .iter()
            .map(|r| Ok((r.get("person_id")?, r.get("name")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let partners = self
            .db()
            .fetch_all(
                query(
                    "select o.organisation_id, o.name from application_partner m join organisation o \
                     on o.organisation_id = m.organisation_id where m.application_id = $1 order by o.organisation_id",
                )
                .bind(id),
            )
            .await?
            .iter()
            .map(|r| Ok((r.get("organisation_id")?, r.get("name")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((members, partners))
    }

    /// One step of an application: submit and withdraw (the applicant), endorse and return
    /// (the district or city bureau), screen_fail / reject (with the reason).
    pub async fn application_action(
        &self,
        actor: &Actor,
        scope: &Scope,
        id: i64,
        action: ApplicationAction,
        reason: Option<&str>,
        at: OffsetDateTime,
    ) -> Result<Application, StoreError> {
        let app = self.application(scope, id).await?;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if action.needs_reason() && reason.is_none() {
            return Err(refused(&ProjectError::reason_required(action)));
        }
        let next = app.status.apply(action).map_err(|e| refused(&e))?;
        let call = self.call(app.call_id).await?;
        if matches!(action, ApplicationAction::Submit) {
            let closes_at = call.closes_at;
            let grace = u32::try_from(call.grace_minutes).unwrap_or(0);
            check_window(at, call.opens_on, closes_at, grace, action).map_err(|e| refused(&e))?;
            if call.status != CallStatus::Open {
                return Err(invalid(
                    "application.call_not_open",
                    vec![
                        ("call", call.code.clone()),
                        ("status_zh", call.status.name_zh().into()),
                        ("status_en", call.status.name_en().into()),
                    ],
                ));
            }
            let live = self.live_applications(app.call_id, app.organisation_id, Some(id)).await?;
            if live >= call.max_per_lead {
                return Err(invalid(
                    "application.per_lead",
                    vec![
                        ("organisation", app.organisation_name.clone()),
                        ("call", call.code.clone()),
                        ("max", call.max_per_lead.to_string()),
                    ],
                ));
            }
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query(
                "update application set status = $1, reason = coalesce($2, reason), submitted_at = coalesce($3, submitted_at), \
                 updated_at = $4 where application_id = $5",
            )
            .bind(next.as_str())
            .bind(reason)
            .bind((action == ApplicationAction::Submit).then_some(at))
            .bind(now())
            .bind(id),
        )
        .await?;
        let mut entry = AuditEntry::new(&format!("application.{}", action.as_str()), "application", id)
            .region(Some(app.region_code.clone()))
            .before(&serde_json::json!({ "status": app.status }))
            .after(&serde_json::json!({ "status": next, "reason": reason }));
        entry.organisation_id = Some(app.organisation_id);
        tx.audit(actor, entry).await?;
        tx.commit().await?;
        self.application(&Scope::All, id).await
    }

    /// The regions of the city (what `in_city` means), read once per screening.
    pub async fn city_regions(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        Ok(self.scope_regions(&Scope::Regions { regions: vec![city_root()] }).await?.unwrap_or_default())
    }

    /// The applicant facts of an organisation on a date (the inputs of eligibility rules);
    /// `city` is [`Store::city_regions`].
    pub async fn applicant_facts(
        &self,
        organisation_id: i64,
        on: Date,
        city: &std::collections::BTreeSet<String>,
    ) -> Result<ApplicantFacts, StoreError> {
        let org = self.organisation(&Scope::All, organisation_id).await?;
        let mut facts = ApplicantFacts::new(org.uscc.clone());
        facts.set_flag("in_city", city.contains(&org.region_code));
        facts.set_flag("enterprise", org.kind == "enterprise");
        let tiers = self
            .db()
            .fetch_all(
                query(
                    "select distinct kind from organisation_tier where organisation_id = $1 and retired_at is null \
                     and valid_from <= $2 and (valid_to is null or valid_to >= $2)",
                )
                .bind(organisation_id)
                .bind(on),
            )
            .await?;
        let held: Vec<String> = tiers.iter().map(|r| r.get::<String>("kind")).collect::<Result<_, _>>()?;
        for kind in ["hte", "tech_sme", "srdi_sme", "little_giant"] {
            facts.set_flag(kind, held.iter().any(|k| k == kind));
        }
        let year = i64::from(on.year()) - 1;
        if let Some(r) = self
            .db()
            .fetch_optional(
                query(
                    "select main_business_revenue_fen, other_business_revenue_fen, staff_total, \
                     coalesce(rd_sd_personnel_fen, 0) + coalesce(rd_sd_direct_inputs_fen, 0) + coalesce(rd_sd_depreciation_fen, 0) \
                     + coalesce(rd_sd_intangible_amort_fen, 0) + coalesce(rd_sd_design_trials_fen, 0) + coalesce(rd_sd_other_related_fen, 0) as rd_fen \
                     from organisation_year where organisation_id = $1 and year = $2",
                )
                .bind(organisation_id)
                .bind(year),
            )
            .await?
        {
            let main: Option<i64> = r.get("main_business_revenue_fen")?;
            let other: Option<i64> = r.get("other_business_revenue_fen")?;
            let staff: Option<i64> = r.get("staff_total")?;
            let rd: i64 = r.get("rd_fen")?;
            #[allow(clippy::cast_precision_loss)]
            let wan = |fen: i64| fen as f64 / 1_000_000.0;
            if let Some(s) = staff {
                #[allow(clippy::cast_precision_loss)]
                facts.set("employees", s as f64);
            }
            if let Some(m) = main {
                let revenue = m + other.unwrap_or(0);
                facts.set("revenue", wan(revenue));
                facts.set("rd_expenditure", wan(rd));
                if revenue > 0 {
                    #[allow(clippy::cast_precision_loss)]
                    facts.set("rd_ratio", 100.0 * rd as f64 / revenue as f64);
                }
            }
        }
        let (active, overdue) = self.project_load(organisation_id, on).await?;
        #[allow(clippy::cast_precision_loss)]
        {
            facts.set("active_projects", active as f64);
            facts.set("overdue_projects", overdue as f64);
        }
        Ok(facts)
    }

    /// Projects of an organisation running on `on`, and how many of them have an overdue report.
    pub async fn project_load(&self, organisation_id: i64, on: Date) -> Result<(i64, i64), StoreError> {
        let row = self
            .db()
            .fetch_one(
                query(
                    "select count(*) as active, \
                     sum(case when exists (select 1 from milestone m where m.project_id = p.project_id \
                       and m.state in ($1, $2) and m.due_on < $3) then 1 else 0 end) as overdue \
                     from project p where p.organisation_id = $4 and p.status in ('approved', 'in_progress')",
                )
                .bind(MilestoneState::Pending.as_str())
                .bind(MilestoneState::Returned.as_str())
                .bind(on)
                .bind(organisation_id),
            )
            .await?;
        Ok((row.get("active")?, row.get::<Option<i64>>("overdue")?.unwrap_or(0)))
    }

    /// Screens the call's endorsed applications against its rule and limits: each passes to
    /// `eligible` or fails to `ineligible`, with every finding recorded. Returns (passed, failed).
    pub async fn screen_call(&self, actor: &Actor, call_id: i64, on: Date) -> Result<(usize, usize), StoreError> {
        let call = self.call(call_id).await?;
        let rule = match call.eligibility.as_deref() {
            Some(r) => Some(Rule::parse(r).map_err(|e| StoreError::invalid(e.code(), e.args(), Some("eligibility")))?),
            None => None,
        };
        let apps = self
            .applications(
                &Scope::All,
                &ApplicationFilter { call_id: Some(call_id), status: Some(ApplicationStatus::Endorsed), limit: None },
            )
            .await?;
        let city = self.city_regions().await?;
        let mut results = Vec::with_capacity(apps.len());
        for app in &apps {
            let facts = self.applicant_facts(app.organisation_id, on, &city).await?;
            let others = self.live_applications(call_id, app.organisation_id, Some(app.application_id)).await?;
            let attachments = self.attachments(app.application_id).await?;
            let missing =
                call.form.missing(&|k| app.answers.contains_key(k) || attachments.iter().any(|a| a.field_key == k));
            let active = facts.values.get("active_projects").copied().unwrap_or(0.0);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let screening = eligibility::screen(&ScreeningInput {
                rule: rule.as_ref(),
                facts: &facts,
                other_applications: usize::try_from(others).unwrap_or(0),
                max_per_lead: u32::try_from(call.max_per_lead).unwrap_or(1),
                active_projects: active as u32,
                max_concurrent: call.max_concurrent.and_then(|m| u32::try_from(m).ok()),
                missing_fields: missing,
                endorsed: true,
            });
            results.push((app, screening));
        }
        let mut tx = self.begin().await?;
        let mut entries = Vec::with_capacity(results.len());
        let (mut passed, mut failed) = (0, 0);
        for (app, screening) in &results {
            let ok = screening.passed();
            let action = if ok { ApplicationAction::ScreenPass } else { ApplicationAction::ScreenFail };
            let next = app.status.apply(action).map_err(|e| refused(&e))?;
            let reason = (!ok).then(|| {
                screening.findings.iter().filter(|f| !f.passed).map(|f| f.code.clone()).collect::<Vec<_>>().join(", ")
            });
            tx.execute(
                query("update application set status = $1, screening_json = $2, reason = $3, updated_at = $4 where application_id = $5")
                    .bind(next.as_str())
                    .bind(serde_json::to_string(screening).unwrap_or_default())
                    .bind(reason)
                    .bind(now())
                    .bind(app.application_id),
            )
            .await?;
            let mut e = AuditEntry::new(&format!("application.{}", action.as_str()), "application", app.application_id)
                .region(Some(app.region_code.clone()))
                .before(&serde_json::json!({ "status": app.status }))
                .after(&serde_json::json!({ "status": next, "screening": screening }));
            e.organisation_id = Some(app.organisation_id);
            entries.push(e);
            if ok {
                passed += 1;
            } else {
                failed += 1;
            }
        }
        tx.audit_batch(actor, entries).await?;
        tx.commit().await?;
        Ok((passed, failed))
    }
}

/// The city at the root of the region tree.
pub(crate) fn city_root() -> gaodi_domain::region::RegionCode {
    gaodi_domain::region::RegionCode::parse("430200").expect("the city's code is valid")
}

pub(crate) async fn set_call_status(tx: &mut Tx, id: i64, status: CallStatus) -> Result<(), StoreError> {
    tx.execute(
        query("update call set status = $1, updated_at = $2 where call_id = $3")
            .bind(status.as_str())
            .bind(now())
            .bind(id),
    )
    .await?;
    Ok(())
}

async fn write_team(tx: &mut Tx, id: i64, new: &NewApplication) -> Result<(), StoreError> {
    let mut members = new.members.clone();
    members.sort_unstable();
    members.dedup();
    for p in members {
        tx.execute(
            query("insert into application_member (application_id, person_id) values ($1, $2)").bind(id).bind(p),
        )
        .await?;
    }
    let mut partners = new.partners.clone();
    partners.sort_unstable();
    partners.dedup();
    for o in partners.into_iter().filter(|&o| o != new.organisation_id) {
        tx.execute(
            query("insert into application_partner (application_id, organisation_id) values ($1, $2)").bind(id).bind(o),
        )
        .await?;
    }
    Ok(())
}

/// An application filed in another system (the provincial or national portal), recorded by
/// the city with the outcome known so far.
#[derive(Debug, Clone)]
pub struct ExternalApplication {
    pub organisation_id: i64,
    pub title: String,
    pub lead_name: String,
    pub requested_fen: i64,
    pub submitted_at: OffsetDateTime,
    /// `None`: still pending; `Some(0)`: not funded; `Some(fen)`: approved with that grant.
    pub granted_fen: Option<i64>,
    pub decided_on: Option<Date>,
    pub months: i64,
}

impl Store {
    /// Records applications to a provincial or national call that were filed in the higher
    /// level's portal, all or nothing: each lands submitted, endorsed and in review, and those
    /// with an outcome approved (with their project) or rejected. One audit event per record.
    pub async fn record_external_applications(
        &self,
        actor: &Actor,
        call_id: i64,
        rows: &[ExternalApplication],
    ) -> Result<usize, StoreError> {
        let call = self.call(call_id).await?;
        if call.level == CallLevel::Municipal {
            return Err(invalid("application.external_municipal", vec![("call", call.code.clone())]));
        }
        let orgs: BTreeMap<i64, (String, String)> = self
            .db()
            .fetch_all(query("select organisation_id, name, region_code from organisation"))
            .await?
            .iter()
            .map(|r| Ok((r.get("organisation_id")?, (r.get("name")?, r.get("region_code")?))))
            .collect::<Result<_, StoreError>>()?;
        for (i, r) in rows.iter().enumerate() {
            if !orgs.contains_key(&r.organisation_id) || r.title.trim().is_empty() || r.requested_fen < 0 {
                return Err(invalid("application.external_row", vec![("row", (i + 1).to_string())]));
            }
        }
        let mut tx = self.begin().await?;
        let mut entries = Vec::with_capacity(rows.len() * 2);
        for (n, r) in rows.iter().enumerate() {
            let (_, region) = &orgs[&r.organisation_id];
            let status = match r.granted_fen {
                None => ApplicationStatus::InReview,
                Some(0) => ApplicationStatus::Rejected,
                Some(_) => ApplicationStatus::Approved,
            };
            let row = tx
                .fetch_one(
                    query(
                        "insert into application (call_id, organisation_id, region_code, lead_name, title, requested_fen, \
                         answers_json, status, submitted_at, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, '{}', $7, $8, $9, $9) returning application_id",
                    )
                    .bind(call_id)
                    .bind(r.organisation_id)
                    .bind(region.as_str())
                    .bind(r.lead_name.trim())
                    .bind(r.title.trim())
                    .bind(r.requested_fen)
                    .bind(status.as_str())
                    .bind(r.submitted_at)
                    .bind(now()),
                )
                .await?;
            let id: i64 = row.get("application_id")?;
            let mut e = AuditEntry::new("application.record_external", "application", id)
                .region(Some(region.clone()))
                .after(&serde_json::json!({ "call_id": call_id, "title": r.title, "status": status, "granted_fen": r.granted_fen }));
            e.organisation_id = Some(r.organisation_id);
            entries.push(e);
            if let (Some(granted), Some(on)) = (r.granted_fen.filter(|g| *g > 0), r.decided_on) {
                let code = format!("{}-{:03}", call.code, n + 1);
                let row = tx
                    .fetch_one(
                        query(
                            "insert into project (application_id, call_id, code, title, organisation_id, region_code, status, \
                             granted_fen, approved_on, start_on, end_on, created_at, updated_at) \
                             values ($1, $2, $3, $4, $5, $6, 'in_progress', $7, $8, $8, $9, $10, $10) returning project_id",
                        )
                        .bind(id)
                        .bind(call_id)
                        .bind(code.as_str())
                        .bind(r.title.trim())
                        .bind(r.organisation_id)
                        .bind(region.as_str())
                        .bind(granted)
                        .bind(on)
                        .bind(crate::project_follow::add_months(on, r.months.max(1)))
                        .bind(now()),
                    )
                    .await?;
                let pid: i64 = row.get("project_id")?;
                tx.execute(
                    query(
                        "insert into decision (application_id, outcome, granted_fen, minutes, decided_by, decided_at) \
                         values ($1, 'approved', $2, $3, $4, $5)",
                    )
                    .bind(id)
                    .bind(granted)
                    .bind(format!("{} 立项通知", call.programme))
                    .bind(actor.username.as_str())
                    .bind(now()),
                )
                .await?;
                let mut e = AuditEntry::new("project.record_external", "project", pid)
                    .region(Some(region.clone()))
                    .after(&serde_json::json!({ "code": code, "granted_fen": granted, "approved_on": on.to_string() }));
                e.organisation_id = Some(r.organisation_id);
                entries.push(e);
            }
        }
        tx.audit_batch(actor, entries).await?;
        tx.commit().await?;
        Ok(rows.len())
    }
}
