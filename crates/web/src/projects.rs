//! What the project pages and the project API share: who may do what, the expert behind a
//! login, the date the life cycle runs on, and form parsing of amounts.
//!
//! - Calls are set up and run (screening, draw, assignment, ranking, decisions, follow-up) by
//!   the city bureau (admin, city staff); leaders read everything.
//! - Enterprise users apply for their own organisation, report on milestones, ask for changes,
//!   and (the demand-side firm of a challenge) accept challenge-list projects.
//! - District staff endorse or return the applications of their districts.
//! - Experts see only their assignments, and another expert's review only after their own.

use gaodi_domain::access::Role;
use gaodi_domain::money::{Money, Unit};
use time::Date;

use crate::auth::Me;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Fails with 403 unless the caller runs calls (admin, city staff).
pub fn require_staff(me: &Me) -> AppResult<()> {
    if matches!(me.role(), Role::Admin | Role::CityStaff) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// Whether the caller may endorse or return applications (district or city bureau).
pub fn may_endorse(me: &Me) -> bool {
    matches!(me.role(), Role::Admin | Role::CityStaff | Role::DistrictStaff)
}

/// Whether the caller applies (enterprise users, and admins on a firm's behalf).
pub fn may_apply(me: &Me) -> bool {
    matches!(me.role(), Role::Admin | Role::EnterpriseUser)
}

/// The person record of the expert behind the login.
pub async fn expert_person(state: &AppState, me: &Me) -> AppResult<i64> {
    if me.role() != Role::Expert {
        return Err(AppError::forbidden());
    }
    state.store.user_person(me.user.user_id).await?.ok_or_else(|| AppError::forbidden().into_code("review.no_person"))
}

/// The day the life cycle runs on (deadlines, due dates, conflicts).
pub fn today() -> Date {
    time::OffsetDateTime::now_utc().date()
}

/// An amount in 万元 from a form or JSON, exact.
pub fn wan_to_fen(input: &str, field: &'static str) -> AppResult<i64> {
    Money::parse_unit(input.trim(), Unit::WanYuan)
        .map(Money::fen)
        .map_err(|e| AppError::invalid(e.code(), e.args(), field))
}

/// An amount as 万元 text.
pub fn fen_to_wan(fen: i64) -> String {
    Money::from_fen(fen).format_wan()
}

/// A date from a form.
pub fn parse_date(input: &str, field: &'static str) -> AppResult<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(input.trim(), &fmt).map_err(|_| {
        AppError::invalid(
            "form.not_a_date",
            vec![("label_zh", field.to_owned()), ("label_en", field.to_owned()), ("value", input.to_owned())],
            field,
        )
    })
}

/// A score in 1e-4 as text with one decimal (82.5).
pub fn score_text(e4: i64) -> String {
    let tenths = (e4 + if e4 >= 0 { 500 } else { -500 }) / 1000;
    format!("{}.{}", tenths / 10, (tenths % 10).abs())
}
