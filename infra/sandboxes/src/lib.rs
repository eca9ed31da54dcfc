pub mod cloud_api;
pub mod local_only;
pub mod miapos;
pub mod momo;
