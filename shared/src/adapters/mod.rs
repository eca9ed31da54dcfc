//! Implementations of the ports: `aws` for Lambda (and moto), `memory` for unit tests and
//! the local stack. `tests/contract.rs` holds both kinds to the same behaviour.

pub mod aws;
pub mod memory;
