//! The project life cycle as state machines: calls, applications, projects, milestones (with
//! their tranches) and change requests. Each `apply` takes the current state and an action and
//! gives the next state or the reason the action is not allowed now; the store records every
//! step in the audit log.
//!
//! ```text
//! call:        draft → open → closed → review → decided
//! application: draft → submitted → endorsed → eligible → in_review → approved | rejected
//!                 ↑        ├─ withdraw → withdrawn        └─ screen_fail → ineligible
//!                 └──── returned (reason) ←┘ (district or city, before review)
//! project:     approved → in_progress (agreement signed) → accepted | failed ; terminated
//! milestone:   pending → submitted → accepted (releases its tranche) | returned → submitted …
//! change:      requested → granted | refused
//! ```
//!
//! # Error codes
//!
//! | code | English | 中文 |
//! |---|---|---|
//! | `project.transition` | The {entity_en} is {state_en}; it cannot be {action_en}. | 处于“{state_zh}”状态的{entity_zh}不能{action_zh}。 |
//! | `project.reason_required` | A reason is required to {action_en}. | {action_zh}须填写理由。 |
//! | `project.deadline_passed` | The call closed at {closes_at} (grace period included); the application can no longer be {action_en}. | 申报已于 {closes_at} 截止（含宽限期），申报书不能再{action_zh}。 |
//! | `project.not_open_yet` | The call opens on {opens_on}; applications cannot be submitted before then. | 申报于 {opens_on} 开始，此前不能提交申报书。 |

use std::fmt;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// What a state machine governs, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Call,
    Application,
    Project,
    Milestone,
    Change,
}

impl Entity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Call => "call",
            Entity::Application => "application",
            Entity::Project => "project",
            Entity::Milestone => "milestone",
            Entity::Change => "change",
        }
    }

    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Entity::Call => "call",
            Entity::Application => "application",
            Entity::Project => "project",
            Entity::Milestone => "milestone",
            Entity::Change => "change request",
        }
    }

    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Entity::Call => "申报批次",
            Entity::Application => "申报书",
            Entity::Project => "项目",
            Entity::Milestone => "里程碑",
            Entity::Change => "变更申请",
        }
    }
}

/// Declares a state enum with its codes and names, `ALL`, `as_str`, `parse`, `name_zh`, `name_en`.
macro_rules! states {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            #[must_use]
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }

            #[must_use]
            pub fn name_zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            #[must_use]
            pub fn name_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

states! {
    /// Ordinary calls take applications; challenge calls (揭榜挂帅) publish a list of firms'
    /// demands that teams register for.
    CallKind {
        Ordinary = "ordinary", "普通申报", "ordinary";
        Challenge = "challenge", "揭榜挂帅", "challenge list";
    }
}

states! {
    /// The programme's level.
    CallLevel {
        Municipal = "municipal", "市级", "municipal";
        Provincial = "provincial", "省级", "provincial";
        National = "national", "国家级", "national";
    }
}

states! {
    CallStatus {
        Draft = "draft", "草稿", "draft";
        Open = "open", "申报中", "open";
        Closed = "closed", "已截止", "closed";
        Review = "review", "评审中", "in review";
        Decided = "decided", "已决定", "decided";
    }
}

states! {
    CallAction {
        Open = "open", "发布", "opened";
        Close = "close", "截止", "closed";
        StartReview = "start_review", "启动评审", "put into review";
        Decide = "decide", "完成立项决定", "decided";
    }
}

impl CallStatus {
    /// The state after `action`.
    ///
    /// # Errors
    /// [`ProjectError::Transition`] when the action does not apply in this state.
    pub fn apply(self, action: CallAction) -> Result<CallStatus, ProjectError> {
        use CallAction as A;
        use CallStatus as S;
        match (self, action) {
            (S::Draft, A::Open) => Ok(S::Open),
            (S::Open, A::Close) => Ok(S::Closed),
            (S::Open | S::Closed, A::StartReview) => Ok(S::Review),
            (S::Review, A::Decide) => Ok(S::Decided),
            _ => Err(ProjectError::transition(Entity::Call, self.as_str(), self.name_zh(), self.name_en(), action)),
        }
    }
}

states! {
    ApplicationStatus {
        Draft = "draft", "草稿", "draft";
        Submitted = "submitted", "已提交", "submitted";
        Endorsed = "endorsed", "已推荐", "endorsed";
        Returned = "returned", "已退回", "returned";
        Withdrawn = "withdrawn", "已撤回", "withdrawn";
        Eligible = "eligible", "形式审查通过", "eligible";
        Ineligible = "ineligible", "形式审查未通过", "ineligible";
        InReview = "in_review", "评审中", "in review";
        Approved = "approved", "已立项", "approved";
        Rejected = "rejected", "未立项", "not funded";
    }
}

states! {
    ApplicationAction {
        Submit = "submit", "提交", "submitted";
        Withdraw = "withdraw", "撤回", "withdrawn";
        Endorse = "endorse", "推荐", "endorsed";
        Return = "return", "退回", "returned";
        ScreenPass = "screen_pass", "通过形式审查", "passed in screening";
        ScreenFail = "screen_fail", "判定形式审查不通过", "failed in screening";
        StartReview = "start_review", "送审", "sent to review";
        Approve = "approve", "立项", "approved";
        Reject = "reject", "不予立项", "rejected";
    }
}

impl ApplicationAction {
    /// Actions that must carry a reason (returns, failures, rejections).
    #[must_use]
    pub fn needs_reason(self) -> bool {
        matches!(self, ApplicationAction::Return | ApplicationAction::ScreenFail | ApplicationAction::Reject)
    }
}

impl ApplicationStatus {
    /// The state after `action`.
    ///
    /// # Errors
    /// [`ProjectError::Transition`] when the action does not apply in this state.
    pub fn apply(self, action: ApplicationAction) -> Result<ApplicationStatus, ProjectError> {
        use ApplicationAction as A;
        use ApplicationStatus as S;
        match (self, action) {
            (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
            (S::Draft | S::Submitted | S::Returned, A::Withdraw) => Ok(S::Withdrawn),
            (S::Submitted, A::Endorse) => Ok(S::Endorsed),
            (S::Submitted | S::Endorsed | S::Eligible, A::Return) => Ok(S::Returned),
            (S::Endorsed, A::ScreenPass) => Ok(S::Eligible),
            (S::Submitted | S::Endorsed, A::ScreenFail) => Ok(S::Ineligible),
            (S::Eligible, A::StartReview) => Ok(S::InReview),
            (S::InReview, A::Approve) => Ok(S::Approved),
            (S::InReview | S::Eligible, A::Reject) => Ok(S::Rejected),
            _ => Err(ProjectError::transition(
                Entity::Application,
                self.as_str(),
                self.name_zh(),
                self.name_en(),
                action,
            )),
        }
    }

    /// Whether the applicant may still change the application's content.
    #[must_use]
    pub fn is_editable(self) -> bool {
        matches!(self, ApplicationStatus::Draft | ApplicationStatus::Returned)
    }

    /// Whether the application still counts against "one application per lead per call".
    #[must_use]
    pub fn is_live(self) -> bool {
        !matches!(self, ApplicationStatus::Withdrawn | ApplicationStatus::Ineligible | ApplicationStatus::Rejected)
    }
}

states! {
    ProjectStatus {
        Approved = "approved", "已立项", "approved";
        InProgress = "in_progress", "实施中", "in progress";
        Accepted = "accepted", "已验收", "accepted";
        Failed = "failed", "验收不通过", "failed acceptance";
        Terminated = "terminated", "已终止", "terminated";
    }
}

states! {
    ProjectAction {
        SignAgreement = "sign_agreement", "签订任务书", "given an agreement";
        Accept = "accept", "验收通过", "accepted";
        Fail = "fail", "验收不通过", "failed";
        Terminate = "terminate", "终止", "terminated";
    }
}

impl ProjectStatus {
    /// The state after `action`.
    ///
    /// # Errors
    /// [`ProjectError::Transition`] when the action does not apply in this state.
    pub fn apply(self, action: ProjectAction) -> Result<ProjectStatus, ProjectError> {
        use ProjectAction as A;
        use ProjectStatus as S;
        match (self, action) {
            (S::Approved, A::SignAgreement) => Ok(S::InProgress),
            (S::InProgress, A::Accept) => Ok(S::Accepted),
            (S::InProgress, A::Fail) => Ok(S::Failed),
            (S::Approved | S::InProgress, A::Terminate) => Ok(S::Terminated),
            _ => Err(ProjectError::transition(Entity::Project, self.as_str(), self.name_zh(), self.name_en(), action)),
        }
    }

    /// Whether the project is running (counts against concurrent-project limits).
    #[must_use]
    pub fn is_active(self) -> bool {
        matches!(self, ProjectStatus::Approved | ProjectStatus::InProgress)
    }
}

states! {
    MilestoneState {
        Pending = "pending", "待提交", "pending";
        Submitted = "submitted", "已提交", "submitted";
        Accepted = "accepted", "已通过", "accepted";
        Returned = "returned", "已退回", "returned";
    }
}

states! {
    MilestoneAction {
        Submit = "submit", "提交报告", "reported on";
        Accept = "accept", "通过", "accepted";
        Return = "return", "退回", "returned";
    }
}

impl MilestoneState {
    /// The state after `action`. Accepting a milestone releases its tranche.
    ///
    /// # Errors
    /// [`ProjectError::Transition`] when the action does not apply in this state.
    pub fn apply(self, action: MilestoneAction) -> Result<MilestoneState, ProjectError> {
        use MilestoneAction as A;
        use MilestoneState as S;
        match (self, action) {
            (S::Pending | S::Returned, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Accept) => Ok(S::Accepted),
            (S::Submitted, A::Return) => Ok(S::Returned),
            _ => {
                Err(ProjectError::transition(Entity::Milestone, self.as_str(), self.name_zh(), self.name_en(), action))
            }
        }
    }

    /// Whether a milestone in this state is overdue on `today` when due on `due_on`.
    #[must_use]
    pub fn is_overdue(self, due_on: Date, today: Date) -> bool {
        matches!(self, MilestoneState::Pending | MilestoneState::Returned) && due_on < today
    }
}

states! {
    ChangeKind {
        Budget = "budget", "预算调整", "budget";
        Extension = "extension", "延期", "extension";
    }
}

states! {
    ChangeStatus {
        Requested = "requested", "待审批", "requested";
        Granted = "granted", "已批准", "granted";
        Refused = "refused", "未批准", "refused";
    }
}

states! {
    ChangeAction {
        Grant = "grant", "批准", "granted";
        Refuse = "refuse", "驳回", "refused";
    }
}

impl ChangeStatus {
    /// The state after `action`.
    ///
    /// # Errors
    /// [`ProjectError::Transition`] when the request was already decided.
    pub fn apply(self, action: ChangeAction) -> Result<ChangeStatus, ProjectError> {
        match (self, action) {
            (ChangeStatus::Requested, ChangeAction::Grant) => Ok(ChangeStatus::Granted),
            (ChangeStatus::Requested, ChangeAction::Refuse) => Ok(ChangeStatus::Refused),
            _ => Err(ProjectError::transition(Entity::Change, self.as_str(), self.name_zh(), self.name_en(), action)),
        }
    }
}

states! {
    /// The result of a mid-term check.
    MidtermResult {
        OnTrack = "on_track", "进展正常", "on track";
        Concerns = "concerns", "需整改", "needs correction";
        Stop = "stop", "建议终止", "recommend stopping";
    }
}

/// An action's names, for the transition message.
pub trait ActionNames: Copy {
    fn code(self) -> &'static str;
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;
}

macro_rules! action_names {
    ($($t:ty),+) => {$(
        impl ActionNames for $t {
            fn code(self) -> &'static str { self.as_str() }
            fn zh(self) -> &'static str { self.name_zh() }
            fn en(self) -> &'static str { self.name_en() }
        }
    )+};
}
action_names!(CallAction, ApplicationAction, ProjectAction, MilestoneAction, ChangeAction);

/// The deadline of a call: the close time plus the grace period (HotCRP's grace period, so a
/// last-minute overload does not lock applicants out).
#[must_use]
pub fn effective_close(closes_at: OffsetDateTime, grace_minutes: u32) -> OffsetDateTime {
    closes_at + time::Duration::minutes(i64::from(grace_minutes))
}

/// Whether an application may be submitted (or withdrawn) at `now`.
///
/// # Errors
/// [`ProjectError::NotOpenYet`] before the call opens, [`ProjectError::DeadlinePassed`] after
/// its close plus grace.
pub fn check_window(
    now: OffsetDateTime,
    opens_on: Date,
    closes_at: OffsetDateTime,
    grace_minutes: u32,
    action: ApplicationAction,
) -> Result<(), ProjectError> {
    if now.date() < opens_on {
        return Err(ProjectError::NotOpenYet { opens_on: opens_on.to_string() });
    }
    let close = effective_close(closes_at, grace_minutes);
    if now > close {
        let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
        return Err(ProjectError::DeadlinePassed {
            closes_at: close.format(&fmt).unwrap_or_default(),
            action_zh: action.name_zh(),
            action_en: action.name_en(),
        });
    }
    Ok(())
}

/// Why a step of the life cycle is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectError {
    Transition {
        entity: Entity,
        state: &'static str,
        state_zh: &'static str,
        state_en: &'static str,
        action: &'static str,
        action_zh: &'static str,
        action_en: &'static str,
    },
    ReasonRequired {
        action_zh: &'static str,
        action_en: &'static str,
    },
    DeadlinePassed {
        closes_at: String,
        action_zh: &'static str,
        action_en: &'static str,
    },
    NotOpenYet {
        opens_on: String,
    },
}

impl ProjectError {
    fn transition(
        entity: Entity,
        state: &'static str,
        state_zh: &'static str,
        state_en: &'static str,
        action: impl ActionNames,
    ) -> ProjectError {
        ProjectError::Transition {
            entity,
            state,
            state_zh,
            state_en,
            action: action.code(),
            action_zh: action.zh(),
            action_en: action.en(),
        }
    }

    /// The error for an action given without its reason.
    #[must_use]
    pub fn reason_required(action: impl ActionNames) -> ProjectError {
        ProjectError::ReasonRequired { action_zh: action.zh(), action_en: action.en() }
    }

    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ProjectError::Transition { .. } => "project.transition",
            ProjectError::ReasonRequired { .. } => "project.reason_required",
            ProjectError::DeadlinePassed { .. } => "project.deadline_passed",
            ProjectError::NotOpenYet { .. } => "project.not_open_yet",
        }
    }

    /// Named arguments of the message template.
    #[must_use]
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            ProjectError::Transition { entity, state, state_zh, state_en, action, action_zh, action_en } => vec![
                ("entity", entity.as_str().to_owned()),
                ("entity_zh", entity.name_zh().to_owned()),
                ("entity_en", entity.name_en().to_owned()),
                ("state", (*state).to_owned()),
                ("state_zh", (*state_zh).to_owned()),
                ("state_en", (*state_en).to_owned()),
                ("action", (*action).to_owned()),
                ("action_zh", (*action_zh).to_owned()),
                ("action_en", (*action_en).to_owned()),
            ],
            ProjectError::ReasonRequired { action_zh, action_en } => {
                vec![("action_zh", (*action_zh).to_owned()), ("action_en", (*action_en).to_owned())]
            }
            ProjectError::DeadlinePassed { closes_at, action_zh, action_en } => vec![
                ("closes_at", closes_at.clone()),
                ("action_zh", (*action_zh).to_owned()),
                ("action_en", (*action_en).to_owned()),
            ],
            ProjectError::NotOpenYet { opens_on } => vec![("opens_on", opens_on.clone())],
        }
    }
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectError::Transition { entity, state_en, action_en, .. } => {
                write!(f, "The {} is {state_en}; it cannot be {action_en}.", entity.name_en())
            }
            ProjectError::ReasonRequired { action_en, .. } => write!(f, "A reason is required to {action_en}."),
            ProjectError::DeadlinePassed { closes_at, action_en, .. } => write!(
                f,
                "The call closed at {closes_at} (grace period included); the application can no longer be {action_en}."
            ),
            ProjectError::NotOpenYet { opens_on } => {
                write!(f, "The call opens on {opens_on}; applications cannot be submitted before then.")
            }
        }
    }
}

impl std::error::Error for ProjectError {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn the_happy_path_of_an_application() {
        use ApplicationAction as A;
        let mut s = ApplicationStatus::Draft;
        for a in [A::Submit, A::Endorse, A::ScreenPass, A::StartReview, A::Approve] {
            s = s.apply(a).unwrap();
        }
        assert_eq!(s, ApplicationStatus::Approved);
    }

    #[test]
    fn a_returned_application_can_be_resubmitted_and_a_withdrawn_one_cannot() {
        use ApplicationAction as A;
        let s = ApplicationStatus::Submitted.apply(A::Return).unwrap();
        assert!(s.is_editable());
        assert_eq!(s.apply(A::Submit).unwrap(), ApplicationStatus::Submitted);
        let w = ApplicationStatus::Submitted.apply(A::Withdraw).unwrap();
        let err = w.apply(A::Submit).unwrap_err();
        assert_eq!(err.code(), "project.transition");
        assert_eq!(err.to_string(), "The application is withdrawn; it cannot be submitted.");
        assert!(!w.is_live());
    }

    #[test]
    fn milestones_release_only_from_submitted_reports() {
        use MilestoneAction as A;
        assert!(MilestoneState::Pending.apply(A::Accept).is_err());
        let s = MilestoneState::Pending.apply(A::Submit).unwrap().apply(A::Return).unwrap();
        assert_eq!(s, MilestoneState::Returned);
        assert_eq!(s.apply(A::Submit).unwrap().apply(A::Accept).unwrap(), MilestoneState::Accepted);
        assert!(MilestoneState::Pending.is_overdue(date!(2022 - 03 - 31), date!(2022 - 04 - 01)));
        assert!(!MilestoneState::Submitted.is_overdue(date!(2022 - 03 - 31), date!(2022 - 04 - 01)));
        assert!(!MilestoneState::Pending.is_overdue(date!(2022 - 03 - 31), date!(2022 - 03 - 31)));
    }

    #[test]
    fn the_grace_period_extends_the_deadline() {
        let close = datetime!(2021-03-31 17:00 UTC);
        let a = ApplicationAction::Submit;
        assert!(check_window(datetime!(2021-03-31 17:14 UTC), date!(2021 - 03 - 01), close, 15, a).is_ok());
        let late = check_window(datetime!(2021-03-31 17:16 UTC), date!(2021 - 03 - 01), close, 15, a).unwrap_err();
        assert_eq!(
            late.to_string(),
            "The call closed at 2021-03-31 17:15 (grace period included); the application can no longer be submitted."
        );
        let early = check_window(datetime!(2021-02-28 09:00 UTC), date!(2021 - 03 - 01), close, 15, a).unwrap_err();
        assert_eq!(early.code(), "project.not_open_yet");
    }

    #[test]
    fn codes_parse_back() {
        for s in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse(s.as_str()), Some(*s));
        }
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(CallKind::parse("challenge"), Some(CallKind::Challenge));
        assert_eq!(MilestoneState::parse("nope"), None);
    }

    #[test]
    fn the_doc_table_matches_the_messages() {
        let samples = [
            ApplicationStatus::Withdrawn.apply(ApplicationAction::Submit).unwrap_err(),
            ProjectError::reason_required(ApplicationAction::Return),
            ProjectError::DeadlinePassed {
                closes_at: "2021-03-31 17:15".into(),
                action_zh: "提交",
                action_en: "submitted",
            },
            ProjectError::NotOpenYet { opens_on: "2021-03-01".into() },
        ];
        crate::message_table::assert_doc_table_matches(
            include_str!("lifecycle.rs"),
            &samples,
            ProjectError::code,
            ProjectError::args,
        );
    }

    fn any_app_action() -> impl Strategy<Value = ApplicationAction> {
        proptest::sample::select(ApplicationAction::ALL.to_vec())
    }

    proptest! {
        /// Whatever the sequence of attempted actions, the final states are final and an
        /// application is approved only after it was eligible and in review.
        #[test]
        fn final_states_stay_final(actions in proptest::collection::vec(any_app_action(), 0..30)) {
            let mut s = ApplicationStatus::Draft;
            let mut seen_review = false;
            for a in actions {
                let before = s;
                if let Ok(next) = s.apply(a) {
                    prop_assert!(!matches!(before, ApplicationStatus::Withdrawn | ApplicationStatus::Approved
                        | ApplicationStatus::Rejected | ApplicationStatus::Ineligible));
                    s = next;
                }
                seen_review |= s == ApplicationStatus::InReview;
                if s == ApplicationStatus::Approved {
                    prop_assert!(seen_review);
                }
            }
        }
    }
}
