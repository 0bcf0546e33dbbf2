//! Differential tests of auditsum against reference implementations whose
//! build is too heavy for every `cargo test` (see `tests/`). Run them with
//! `cargo test -p auditsum-oracles`; `.ci/run` does.
