use thiserror::Error;

/// Failure of a port (storage, queue, secrets). Messages carry no secrets or phone numbers.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The backing service failed or could not be reached; the caller may retry.
    #[error("{service} call failed: {detail}")]
    Unavailable { service: &'static str, detail: String },
    /// A stored item could not be read back into a domain value.
    #[error("stored item is malformed: {0}")]
    Malformed(String),
    /// Some messages of a batch were not accepted by the queue.
    #[error("{failed} of {total} messages were not queued: {detail}")]
    PartialBatch { failed: usize, total: usize, detail: String },
}

impl StoreError {
    pub fn unavailable(service: &'static str, err: impl std::fmt::Display) -> Self {
        StoreError::Unavailable { service, detail: err.to_string() }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
