//! After the decision: approval (立项) with the granted budget, the agreement, milestones with
//! their reports and tranches, change requests, the mid-term check and acceptance (验收).

use gaodi_domain::access::Scope;
use gaodi_domain::project::lifecycle::{
    ApplicationAction, ChangeAction, ChangeKind, ChangeStatus, MidtermResult, MilestoneAction, MilestoneState,
    ProjectAction, ProjectError, ProjectStatus,
};
use serde::Serialize;
use time::Date;

use crate::db::{query, Row};
use crate::project::{invalid, iso_date, refused};
use crate::{now, scope, Actor, AuditEntry, Store, StoreError};

/// Shares of the granted budget released by the standard milestones: on the agreement, at the
/// mid-term report and at acceptance (percent), with their titles as stored (the pages show
/// them in the reader's language).
pub const STANDARD_TRANCHES: [(i64, &str, &str); 3] =
    [(40, "任务书签订", "agreement"), (30, "中期报告", "midterm"), (30, "验收报告", "final")];

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub project_id: i64,
    pub application_id: i64,
    pub call_id: i64,
    pub call_title: String,
    pub challenge_id: Option<i64>,
    pub code: String,
    pub title: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub region_code: String,
    pub status: ProjectStatus,
    pub granted_fen: i64,
    pub released_fen: i64,
    #[serde(with = "iso_date")]
    pub approved_on: Date,
    pub agreement_no: Option<String>,
    #[serde(with = "iso_date::option")]
    pub agreement_on: Option<Date>,
    #[serde(with = "iso_date")]
    pub start_on: Date,
    #[serde(with = "iso_date")]
    pub end_on: Date,
    pub midterm_result: Option<String>,
    pub midterm_note: Option<String>,
    pub acceptance_note: Option<String>,
    #[serde(with = "iso_date::option")]
    pub acceptance_on: Option<Date>,
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Milestone {
    pub milestone_id: i64,
    pub project_id: i64,
    pub seq: i64,
    pub title: String,
    #[serde(with = "iso_date")]
    pub due_on: Date,
    pub state: MilestoneState,
    pub tranche_fen: i64,
    pub report: Option<String>,
    pub reason: Option<String>,
    #[serde(with = "iso_date::option")]
    pub released_on: Option<Date>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub project_change_id: i64,
    pub project_id: i64,
    pub kind: ChangeKind,
    pub reason: String,
    pub new_budget_fen: Option<i64>,
    #[serde(with = "iso_date::option")]
    pub new_end_on: Option<Date>,
    pub status: ChangeStatus,
    pub note: Option<String>,
}

/// A change asked for by the applicant.
#[derive(Debug, Clone)]
pub struct ChangeRequest {
    pub kind: ChangeKind,
    pub reason: String,
    pub new_budget_fen: Option<i64>,
    pub new_end_on: Option<Date>,
}

/// An overdue item for the dashboards.
#[derive(Debug, Clone, Serialize)]
pub struct OverdueMilestone {
    pub project_id: i64,
    pub project_code: String,
    pub project_title: String,
    pub organisation_name: String,
    pub milestone_id: i64,
    pub title: String,
    #[serde(with = "iso_date")]
    pub due_on: Date,
    pub days: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub call_id: Option<i64>,
    pub status: Option<ProjectStatus>,
    pub organisation_id: Option<i64>,
}

const PROJECT_SELECT: &str = "select p.*, c.title as call_title, o.name as organisation_name, \
     (select cast(coalesce(sum(m.tranche_fen), 0) as bigint) from milestone m where m.project_id = p.project_id and m.released_on is not null) as released_fen, \
     (select count(*) from milestone m where m.project_id = p.project_id and m.state in ('pending', 'returned') and m.due_on < $1) as overdue \
     from project p join call c on c.call_id = p.call_id join organisation o on o.organisation_id = p.organisation_id";

fn project_from(r: &Row) -> Result<Project, StoreError> {
    Ok(Project {
        project_id: r.get("project_id")?,
        application_id: r.get("application_id")?,
        call_id: r.get("call_id")?,
        call_title: r.get("call_title")?,
        challenge_id: r.get("challenge_id")?,
        code: r.get("code")?,
        title: r.get("title")?,
        organisation_id: r.get("organisation_id")?,
        organisation_name: r.get("organisation_name")?,
        region_code: r.get("region_code")?,
        status: ProjectStatus::parse(&r.get::<String>("status")?)
            .ok_or_else(|| StoreError::Decode("project status".into()))?,
        granted_fen: r.get("granted_fen")?,
        released_fen: r.get("released_fen")?,
        approved_on: r.get("approved_on")?,
        agreement_no: r.get("agreement_no")?,
        agreement_on: r.get("agreement_on")?,
        start_on: r.get("start_on")?,
        end_on: r.get("end_on")?,
        midterm_result: r.get("midterm_result")?,
        midterm_note: r.get("midterm_note")?,
        acceptance_note: r.get("acceptance_note")?,
        acceptance_on: r.get("acceptance_on")?,
        overdue: r.get("overdue")?,
    })
}

fn milestone_from(r: &Row, today: Date) -> Result<Milestone, StoreError> {
    let state = MilestoneState::parse(&r.get::<String>("state")?)
        .ok_or_else(|| StoreError::Decode("milestone state".into()))?;
    let due_on: Date = r.get("due_on")?;
    Ok(Milestone {
        milestone_id: r.get("milestone_id")?,
        project_id: r.get("project_id")?,
        seq: r.get("seq")?,
        title: r.get("title")?,
        due_on,
        state,
        tranche_fen: r.get("tranche_fen")?,
        report: r.get("report")?,
        reason: r.get("reason")?,
        released_on: r.get("released_on")?,
        overdue: state.is_overdue(due_on, today),
    })
}

/// What the panel decided on one application.
#[derive(Debug, Clone)]
pub struct Decision {
    pub approve: bool,
    pub granted_fen: i64,
    pub minutes: String,
    pub decided_on: Date,
    /// Duration of the project in months (from the decision day).
    pub months: i64,
}

impl Store {
    /// Records the panel's decision on an application in review. Approval (立项) creates the
    /// project with the granted budget and its standard milestones and tranches.
    pub async fn decide(
        &self,
        actor: &Actor,
        application_id: i64,
        d: &Decision,
    ) -> Result<Option<Project>, StoreError> {
        let app = self.application(&Scope::All, application_id).await?;
        let minutes = d.minutes.trim();
        if minutes.is_empty() {
            return Err(invalid("decision.minutes_required", Vec::new()));
        }
        let action = if d.approve { ApplicationAction::Approve } else { ApplicationAction::Reject };
        let next = app.status.apply(action).map_err(|e| refused(&e))?;
        if d.approve && (d.granted_fen <= 0 || d.months < 1) {
            return Err(invalid("decision.grant_required", Vec::new()));
        }
        let call = self.call(app.call_id).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("insert into decision (application_id, outcome, granted_fen, minutes, decided_by, decided_at) values ($1, $2, $3, $4, $5, $6)")
                .bind(application_id)
                .bind(next.as_str())
                .bind(d.approve.then_some(d.granted_fen))
                .bind(minutes)
                .bind(actor.username.as_str())
                .bind(now()),
        )
        .await?;
        tx.execute(
            query("update application set status = $1, reason = $2, updated_at = $3 where application_id = $4")
                .bind(next.as_str())
                .bind((!d.approve).then_some(minutes))
                .bind(now())
                .bind(application_id),
        )
        .await?;
        let mut entry = AuditEntry::new(&format!("application.{}", action.as_str()), "application", application_id)
            .region(Some(app.region_code.clone()))
            .before(&serde_json::json!({ "status": app.status }))
            .after(&serde_json::json!({ "status": next, "granted_fen": d.granted_fen, "minutes": minutes }));
        entry.organisation_id = Some(app.organisation_id);
        let mut entries = vec![entry];
        let mut project_id = None;
        if d.approve {
            let end_on = add_months(d.decided_on, d.months);
            let code = format!("{}-{:03}", call.code, app.rank.unwrap_or(application_id));
            let row = tx
                .fetch_one(
                    query(
                        "insert into project (application_id, call_id, challenge_id, code, title, organisation_id, region_code, status, \
                         granted_fen, approved_on, start_on, end_on, created_at, updated_at) \
                         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $12) returning project_id",
                    )
                    .bind(application_id)
                    .bind(app.call_id)
                    .bind(app.challenge_id)
                    .bind(code.as_str())
                    .bind(app.title.as_str())
                    .bind(app.organisation_id)
                    .bind(app.region_code.as_str())
                    .bind(ProjectStatus::Approved.as_str())
                    .bind(d.granted_fen)
                    .bind(d.decided_on)
                    .bind(end_on)
                    .bind(now()),
                )
                .await?;
            let id: i64 = row.get("project_id")?;
            let mut left = d.granted_fen;
            for (seq, (share, title, _)) in STANDARD_TRANCHES.iter().enumerate() {
                let amount = if seq + 1 == STANDARD_TRANCHES.len() { left } else { d.granted_fen * share / 100 };
                left -= amount;
                let due = match seq {
                    0 => d.decided_on + time::Duration::days(30),
                    1 => add_months(d.decided_on, d.months / 2),
                    _ => end_on,
                };
                tx.execute(
                    query(
                        "insert into milestone (project_id, seq, title, due_on, state, tranche_fen) values ($1, $2, $3, $4, 'pending', $5)",
                    )
                    .bind(id)
                    .bind(i64::try_from(seq).unwrap_or(0) + 1)
                    .bind(*title)
                    .bind(due)
                    .bind(amount),
                )
                .await?;
            }
            if let Some(ch) = app.challenge_id {
                tx.execute(
                    query("update challenge set status = 'awarded', updated_at = $1 where challenge_id = $2")
                        .bind(now())
                        .bind(ch),
                )
                .await?;
            }
            let mut e = AuditEntry::new("project.approve", "project", id).region(Some(app.region_code.clone())).after(
                &serde_json::json!({ "code": code, "granted_fen": d.granted_fen, "end_on": end_on.to_string() }),
            );
            e.organisation_id = Some(app.organisation_id);
            entries.push(e);
            project_id = Some(id);
        }
        tx.audit_batch(actor, entries).await?;
        tx.commit().await?;
        match project_id {
            Some(id) => Ok(Some(self.project(&Scope::All, id, d.decided_on).await?)),
            None => Ok(None),
        }
    }

    pub async fn project(&self, scope: &Scope, id: i64, today: Date) -> Result<Project, StoreError> {
        let mut q = query(format!("{PROJECT_SELECT} where p.project_id = $2")).bind(today).bind(id);
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        let row = self.db().fetch_optional(q).await?.ok_or(StoreError::NotFound)?;
        project_from(&row)
    }

    /// The project an approved application became, if any.
    pub async fn project_of_application(&self, application_id: i64) -> Result<Option<i64>, StoreError> {
        let row = self
            .db()
            .fetch_optional(query("select project_id from project where application_id = $1").bind(application_id))
            .await?;
        row.map(|r| r.get("project_id")).transpose()
    }

    pub async fn projects(
        &self,
        scope: &Scope,
        filter: &ProjectFilter,
        today: Date,
    ) -> Result<Vec<Project>, StoreError> {
        let mut q = query(format!("{PROJECT_SELECT} where 1 = 1")).bind(today);
        if let Some(c) = filter.call_id {
            let m = q.bind_list([c]);
            q.push_sql(&format!(" and p.call_id = {m}"));
        }
        if let Some(s) = filter.status {
            let m = q.bind_list([s.as_str()]);
            q.push_sql(&format!(" and p.status = {m}"));
        }
        if let Some(o) = filter.organisation_id {
            let m = q.bind_list([o]);
            q.push_sql(&format!(" and p.organisation_id = {m}"));
        }
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        q.push_sql(" order by p.approved_on desc, p.project_id desc");
        self.db().fetch_all(q).await?.iter().map(project_from).collect()
    }

    pub async fn milestones(&self, project_id: i64, today: Date) -> Result<Vec<Milestone>, StoreError> {
        let rows = self
            .db()
            .fetch_all(query("select * from milestone where project_id = $1 order by seq").bind(project_id))
            .await?;
        rows.iter().map(|r| milestone_from(r, today)).collect()
    }

    pub async fn changes(&self, project_id: i64) -> Result<Vec<Change>, StoreError> {
        let rows = self
            .db()
            .fetch_all(
                query("select * from project_change where project_id = $1 order by project_change_id").bind(project_id),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Change {
                    project_change_id: r.get("project_change_id")?,
                    project_id: r.get("project_id")?,
                    kind: ChangeKind::parse(&r.get::<String>("kind")?)
                        .ok_or_else(|| StoreError::Decode("change kind".into()))?,
                    reason: r.get("reason")?,
                    new_budget_fen: r.get("new_budget_fen")?,
                    new_end_on: r.get("new_end_on")?,
                    status: ChangeStatus::parse(&r.get::<String>("status")?)
                        .ok_or_else(|| StoreError::Decode("change status".into()))?,
                    note: r.get("note")?,
                })
            })
            .collect()
    }

    /// The agreement (任务书) is signed: the project starts and the first milestone's report
    /// is the agreement itself, so its tranche is released.
    pub async fn sign_agreement(
        &self,
        actor: &Actor,
        id: i64,
        agreement_no: &str,
        on: Date,
    ) -> Result<Project, StoreError> {
        let p = self.project(&Scope::All, id, on).await?;
        let next = p.status.apply(ProjectAction::SignAgreement).map_err(|e| refused(&e))?;
        if agreement_no.trim().is_empty() {
            return Err(invalid("project.agreement_no_required", Vec::new()));
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update project set status = $1, agreement_no = $2, agreement_on = $3, updated_at = $4 where project_id = $5")
                .bind(next.as_str())
                .bind(agreement_no.trim())
                .bind(on)
                .bind(now())
                .bind(id),
        )
        .await?;
        tx.execute(
            query(
                "update milestone set state = 'accepted', report = $1, submitted_at = $2, decided_at = $2, released_on = $3 \
                 where project_id = $4 and seq = 1",
            )
            .bind(format!("任务书 / agreement {}", agreement_no.trim()))
            .bind(now())
            .bind(on)
            .bind(id),
        )
        .await?;
        tx.audit(
            actor,
            project_entry(
                &p,
                "project.sign_agreement",
                &serde_json::json!({ "agreement_no": agreement_no, "on": on.to_string() }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.project(&Scope::All, id, on).await
    }

    /// The applicant submits a milestone report.
    pub async fn submit_milestone(
        &self,
        actor: &Actor,
        scope: &Scope,
        milestone_id: i64,
        report: &str,
        on: Date,
    ) -> Result<Milestone, StoreError> {
        self.milestone_step(actor, scope, milestone_id, MilestoneAction::Submit, Some(report), on).await
    }

    /// Staff accept (releasing the tranche) or return (with the reason) a submitted report.
    pub async fn decide_milestone(
        &self,
        actor: &Actor,
        milestone_id: i64,
        accept: bool,
        reason: Option<&str>,
        on: Date,
    ) -> Result<Milestone, StoreError> {
        let action = if accept { MilestoneAction::Accept } else { MilestoneAction::Return };
        self.milestone_step(actor, &Scope::All, milestone_id, action, reason, on).await
    }

    async fn milestone_step(
        &self,
        actor: &Actor,
        scope: &Scope,
        milestone_id: i64,
        action: MilestoneAction,
        text: Option<&str>,
        on: Date,
    ) -> Result<Milestone, StoreError> {
        let row = self
            .db()
            .fetch_optional(query("select * from milestone where milestone_id = $1").bind(milestone_id))
            .await?;
        let m = milestone_from(&row.ok_or(StoreError::NotFound)?, on)?;
        let p = self.project(scope, m.project_id, on).await?;
        require_in_progress(&p)?;
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if matches!(action, MilestoneAction::Return | MilestoneAction::Submit) && text.is_none() {
            return Err(refused(&ProjectError::reason_required(action)));
        }
        let next = m.state.apply(action).map_err(|e| refused(&e))?;
        let mut tx = self.begin().await?;
        let sql = match action {
            MilestoneAction::Submit => "update milestone set state = $1, report = $2, reason = null, submitted_at = $3 where milestone_id = $4",
            MilestoneAction::Accept => "update milestone set state = $1, reason = $2, decided_at = $3, released_on = $5 where milestone_id = $4",
            MilestoneAction::Return => "update milestone set state = $1, reason = $2, decided_at = $3 where milestone_id = $4",
        };
        let mut q = query(sql).bind(next.as_str()).bind(text).bind(now()).bind(milestone_id);
        if action == MilestoneAction::Accept {
            q = q.bind(on);
        }
        tx.execute(q).await?;
        tx.audit(
            actor,
            project_entry(
                &p,
                &format!("milestone.{}", action.as_str()),
                &serde_json::json!({ "milestone_id": milestone_id, "seq": m.seq, "state": next, "text": text,
                    "tranche_released_fen": (action == MilestoneAction::Accept).then_some(m.tranche_fen) }),
            ),
        )
        .await?;
        tx.commit().await?;
        let row =
            self.db().fetch_one(query("select * from milestone where milestone_id = $1").bind(milestone_id)).await?;
        milestone_from(&row, on)
    }

    /// The applicant asks for a change (budget or extension).
    pub async fn request_change(
        &self,
        actor: &Actor,
        scope: &Scope,
        project_id: i64,
        req: &ChangeRequest,
        on: Date,
    ) -> Result<Change, StoreError> {
        let ChangeRequest { kind, ref reason, new_budget_fen, new_end_on } = *req;
        let reason = reason.as_str();
        let p = self.project(scope, project_id, on).await?;
        if !p.status.is_active() {
            return Err(not_in_progress(&p));
        }
        if reason.trim().is_empty() {
            return Err(invalid("change.reason_required", Vec::new()));
        }
        match kind {
            ChangeKind::Budget if new_budget_fen.is_none_or(|b| b <= p.released_fen) => {
                return Err(invalid("change.budget_too_low", vec![("released", p.released_fen.to_string())]))
            }
            ChangeKind::Extension if new_end_on.is_none_or(|d| d <= p.end_on) => {
                return Err(invalid("change.extension_not_later", vec![("end_on", p.end_on.to_string())]))
            }
            _ => {}
        }
        let mut tx = self.begin().await?;
        let row = tx
            .fetch_one(
                query(
                    "insert into project_change (project_id, kind, reason, new_budget_fen, new_end_on, status, requested_at) \
                     values ($1, $2, $3, $4, $5, 'requested', $6) returning project_change_id",
                )
                .bind(project_id)
                .bind(kind.as_str())
                .bind(reason.trim())
                .bind(if kind == ChangeKind::Budget { new_budget_fen } else { None })
                .bind(if kind == ChangeKind::Extension { new_end_on } else { None })
                .bind(now()),
            )
            .await?;
        let id: i64 = row.get("project_change_id")?;
        tx.audit(
            actor,
            project_entry(
                &p,
                "change.request",
                &serde_json::json!({ "change_id": id, "kind": kind, "reason": reason }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changes(project_id).await?.into_iter().find(|c| c.project_change_id == id).ok_or(StoreError::NotFound)
    }

    /// Staff grant (applying it) or refuse a change request.
    pub async fn decide_change(
        &self,
        actor: &Actor,
        change_id: i64,
        grant: bool,
        note: &str,
        on: Date,
    ) -> Result<Change, StoreError> {
        let row = self
            .db()
            .fetch_optional(query("select project_id from project_change where project_change_id = $1").bind(change_id))
            .await?
            .ok_or(StoreError::NotFound)?;
        let project_id: i64 = row.get("project_id")?;
        let change = self
            .changes(project_id)
            .await?
            .into_iter()
            .find(|c| c.project_change_id == change_id)
            .ok_or(StoreError::NotFound)?;
        let action = if grant { ChangeAction::Grant } else { ChangeAction::Refuse };
        let next = change.status.apply(action).map_err(|e| refused(&e))?;
        if !grant && note.trim().is_empty() {
            return Err(refused(&ProjectError::reason_required(action)));
        }
        let p = self.project(&Scope::All, project_id, on).await?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update project_change set status = $1, note = $2, decided_at = $3 where project_change_id = $4")
                .bind(next.as_str())
                .bind(Some(note.trim()).filter(|n| !n.is_empty()))
                .bind(now())
                .bind(change_id),
        )
        .await?;
        if grant {
            if let Some(b) = change.new_budget_fen {
                // The difference goes to the last unreleased tranche.
                let diff = b - p.granted_fen;
                tx.execute(
                    query("update project set granted_fen = $1, updated_at = $2 where project_id = $3")
                        .bind(b)
                        .bind(now())
                        .bind(project_id),
                )
                .await?;
                tx.execute(
                    query(
                        "update milestone set tranche_fen = tranche_fen + $1 where project_id = $2 and seq = \
                         (select max(seq) from milestone where project_id = $2 and released_on is null)",
                    )
                    .bind(diff)
                    .bind(project_id),
                )
                .await?;
            }
            if let Some(end) = change.new_end_on {
                tx.execute(
                    query("update project set end_on = $1, updated_at = $2 where project_id = $3")
                        .bind(end)
                        .bind(now())
                        .bind(project_id),
                )
                .await?;
                tx.execute(
                    query(
                        "update milestone set due_on = $1 where project_id = $2 and released_on is null and seq = \
                         (select max(seq) from milestone where project_id = $2)",
                    )
                    .bind(end)
                    .bind(project_id),
                )
                .await?;
            }
        }
        tx.audit(
            actor,
            project_entry(
                &p,
                &format!("change.{}", action.as_str()),
                &serde_json::json!({ "change_id": change_id, "note": note, "status": next }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.changes(project_id)
            .await?
            .into_iter()
            .find(|c| c.project_change_id == change_id)
            .ok_or(StoreError::NotFound)
    }

    /// Records the mid-term check.
    pub async fn midterm(
        &self,
        actor: &Actor,
        id: i64,
        result: MidtermResult,
        note: &str,
        on: Date,
    ) -> Result<Project, StoreError> {
        let p = self.project(&Scope::All, id, on).await?;
        require_in_progress(&p)?;
        let mut tx = self.begin().await?;
        tx.execute(
            query("update project set midterm_result = $1, midterm_note = $2, midterm_on = $3, updated_at = $4 where project_id = $5")
                .bind(result.as_str())
                .bind(note.trim())
                .bind(on)
                .bind(now())
                .bind(id),
        )
        .await?;
        tx.audit(actor, project_entry(&p, "project.midterm", &serde_json::json!({ "result": result, "note": note })))
            .await?;
        tx.commit().await?;
        self.project(&Scope::All, id, on).await
    }

    /// Acceptance (验收): passed or failed, with the note. A challenge-list project is accepted
    /// by the demand-side firm (`by_demand_side` is that firm's organisation id).
    pub async fn accept_project(
        &self,
        actor: &Actor,
        id: i64,
        passed: bool,
        note: &str,
        by_demand_side: Option<i64>,
        on: Date,
    ) -> Result<Project, StoreError> {
        let p = self.project(&Scope::All, id, on).await?;
        if let Some(ch) = p.challenge_id {
            let c = self.challenge(ch).await?;
            if by_demand_side != Some(c.demand_organisation_id) {
                return Err(invalid("project.demand_side_accepts", vec![("organisation", c.demand_organisation_name)]));
            }
        } else if by_demand_side.is_some() {
            return Err(StoreError::Forbidden);
        }
        let action = if passed { ProjectAction::Accept } else { ProjectAction::Fail };
        let next = p.status.apply(action).map_err(|e| refused(&e))?;
        if note.trim().is_empty() {
            return Err(refused(&ProjectError::reason_required(action)));
        }
        let mut tx = self.begin().await?;
        tx.execute(
            query("update project set status = $1, acceptance_note = $2, acceptance_on = $3, updated_at = $4 where project_id = $5")
                .bind(next.as_str())
                .bind(note.trim())
                .bind(on)
                .bind(now())
                .bind(id),
        )
        .await?;
        if passed {
            // The final report is the acceptance: its tranche is released.
            tx.execute(
                query(
                    "update milestone set state = 'accepted', decided_at = $1, released_on = $2, report = coalesce(report, $3) \
                     where project_id = $4 and released_on is null and seq = (select max(seq) from milestone where project_id = $4)",
                )
                .bind(now())
                .bind(on)
                .bind(note.trim())
                .bind(id),
            )
            .await?;
        }
        tx.audit(
            actor,
            project_entry(
                &p,
                &format!("project.{}", action.as_str()),
                &serde_json::json!({ "status": next, "note": note }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.project(&Scope::All, id, on).await
    }

    /// Milestones past due without an accepted or submitted report, oldest first.
    pub async fn overdue_milestones(&self, scope: &Scope, today: Date) -> Result<Vec<OverdueMilestone>, StoreError> {
        let mut q = query(
            "select p.project_id, p.code, p.title as project_title, o.name as organisation_name, m.milestone_id, m.title, m.due_on \
             from milestone m join project p on p.project_id = m.project_id join organisation o on o.organisation_id = p.organisation_id \
             where m.state in ('pending', 'returned') and m.due_on < $1 and p.status in ('approved', 'in_progress')",
        )
        .bind(today);
        scope::restrict(self, &mut q, scope, Some("p.region_code"), Some("p.organisation_id")).await?;
        q.push_sql(" order by m.due_on, p.project_id");
        self.db()
            .fetch_all(q)
            .await?
            .iter()
            .map(|r| {
                let due_on: Date = r.get("due_on")?;
                Ok(OverdueMilestone {
                    project_id: r.get("project_id")?,
                    project_code: r.get("code")?,
                    project_title: r.get("project_title")?,
                    organisation_name: r.get("organisation_name")?,
                    milestone_id: r.get("milestone_id")?,
                    title: r.get("title")?,
                    due_on,
                    days: (today - due_on).whole_days(),
                })
            })
            .collect()
    }

    /// When the application's status says it was decided, the decision's minutes.
    pub async fn decision_minutes(
        &self,
        application_id: i64,
    ) -> Result<Option<(String, Option<i64>, String)>, StoreError> {
        let row = self
            .db()
            .fetch_optional(
                query("select outcome, granted_fen, minutes from decision where application_id = $1")
                    .bind(application_id),
            )
            .await?;
        row.map(|r| Ok((r.get("outcome")?, r.get("granted_fen")?, r.get("minutes")?))).transpose()
    }
}

fn not_in_progress(p: &Project) -> StoreError {
    invalid(
        "project.not_in_progress",
        vec![("status_zh", p.status.name_zh().into()), ("status_en", p.status.name_en().into())],
    )
}

/// Milestones, the mid-term check and acceptance apply to a project in progress only.
fn require_in_progress(p: &Project) -> Result<(), StoreError> {
    if p.status == ProjectStatus::InProgress {
        Ok(())
    } else {
        Err(not_in_progress(p))
    }
}

fn project_entry(p: &Project, action: &str, after: &serde_json::Value) -> AuditEntry {
    let mut e = AuditEntry::new(action, "project", p.project_id).region(Some(p.region_code.clone())).after(after);
    e.organisation_id = Some(p.organisation_id);
    e
}

/// `d` plus `months` calendar months, on the same day or the month's last.
#[must_use]
pub fn add_months(d: Date, months: i64) -> Date {
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(d.year());
    let month =
        time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).unwrap_or(1)).unwrap_or(time::Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}
