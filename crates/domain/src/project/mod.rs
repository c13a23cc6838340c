//! Projects from call to acceptance: the pure engines of the project life cycle.
//!
//! - [`lifecycle`]: calls, applications, projects, milestones and change requests as state
//!   machines, and the call's deadline with its grace period.
//! - [`form`]: the configurable application form and the check of answers and attachments.
//! - [`eligibility`]: eligibility rules in gaodi-expr over the applicant's registry data, and the
//!   automatic screening with its reasons.

pub mod eligibility;
pub mod form;
pub mod lifecycle;
