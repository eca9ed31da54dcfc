pub mod cloud_api;
pub mod miapos;
