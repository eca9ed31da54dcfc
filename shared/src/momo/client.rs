//! (client: see the MoMo issue work)
