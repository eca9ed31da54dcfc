//! WhatsApp Cloud API sandbox (being written).
