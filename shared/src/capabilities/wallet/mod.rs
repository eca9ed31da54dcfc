//! The wallet capability.
