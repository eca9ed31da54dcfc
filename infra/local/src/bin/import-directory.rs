//! Imports the directory file into DynamoDB, sealing every merchant secret with `DATA_KEY`.
//!
//!   cargo run -p local-stack --bin import-directory -- infra/demo/directory.json
//!
//! Reads the documented configuration (`DIRECTORY_TABLE`, `DATA_KEY`, or `PAYBOT_SECRET_ID`
//! for the secret; `AWS_ENDPOINT_URL` for moto). `--generate-data-key` prints a new key.

use paybot::adapters::aws::{AwsClients, DynamoDirectory, SecretsManagerSource};
use paybot::config::Config;
use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    paybot::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--generate-data-key") {
        println!("{}", DataKey::generate_base64());
        return Ok(());
    }
    let [path] = args.as_slice() else {
        return Err("usage: import-directory <directory.json> | --generate-data-key".into());
    };
    let file = DirectoryFile::parse(&std::fs::read_to_string(path)?)?;
    let aws = AwsClients::load().await;
    let config = Config::load(&SecretsManagerSource::new(aws.secrets.clone())).await?;
    let key = DataKey::from_base64(config.data_key.as_ref().ok_or("DATA_KEY is not set")?.expose())?;
    let table = Config::require(&config.tables.directory, "DIRECTORY_TABLE")?;
    let (profiles, sellers) = file.import(&key, &DynamoDirectory::new(aws.dynamodb.clone(), table)).await?;
    println!("imported {profiles} profiles and {sellers} sellers into {table}");
    Ok(())
}
