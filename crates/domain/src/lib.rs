//! gaodi-domain: the bureau's concepts as types, and the pure engines that decide and compute.
//!
//! Nothing here does I/O, talks to a database or knows about HTTP. Values are built through
//! `parse` functions (parse, don't validate), so a value of a domain type is always valid.

pub mod access;
pub mod activity;
pub mod assign;
pub mod audit;
pub mod index;
pub mod indicator;
#[cfg(test)]
mod message_table;
pub mod money;
pub mod organisation;
pub mod period;
pub mod person;
pub mod project;
pub mod region;
pub mod registry;
pub mod rollup;
pub mod rules;
