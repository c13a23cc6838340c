//! Projects from call to acceptance: the pure engines of the project life cycle.
//!
//! - [`lifecycle`]: calls, applications, projects, milestones and tranches as state machines.
//! - [`review`]: review templates, aggregation of the experts' scores and the ranking of a call.

pub mod review;
