//! gaodi-expr: the one expression language of gaodi (indicator formulas, validation rules,
//! screening rules). No I/O and no other gaodi crate, so it also builds for wasm32.
