//! The operator console: one page and a JSON API over the stores, mounted unchanged by the
//! local stack. Who may enter is decided for every route ([`auth`]); the figures are computed
//! by a pure function from the day tallies and lists ([`figures`]); the pictures are SVG drawn
//! here ([`charts`]).

pub mod auth;
pub mod charts;
pub mod figures;
pub mod page;
pub mod routes;
pub mod settings;

pub use auth::{Identity, Role};
pub use routes::{AdminDeps, router};
pub use settings::ConsoleSettings;
