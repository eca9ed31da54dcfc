pub mod cloud_api;
