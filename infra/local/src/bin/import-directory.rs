//! Imports the directory file into DynamoDB, sealing every merchant secret with `DATA_KEY`,
//! and optionally the wallet file (accounts, and each opening balance posted to the ledger
//! once; `WALLET_ACCOUNTS_TABLE`, `LEDGER_TABLE`; its susu groups, `SUSU_GROUPS_TABLE`).
//!
//!   cargo run -p local-stack --bin import-directory -- infra/demo/directory.json [infra/demo/wallet.json]
//!
//! Reads the documented configuration (`DIRECTORY_TABLE`, `DATA_KEY`, or `PAYBOT_SECRET_ID`
//! for the secret; `AWS_ENDPOINT_URL` for moto). `--generate-data-key` prints a new key.

use paybot::crypto::DataKey;
use paybot::directory_file::DirectoryFile;
use paybot::wiring::{AwsStores, Stores};

#[tokio::main]
async fn main() -> Result<(), paybot::wiring::WiringError> {
    paybot::telemetry::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--generate-data-key") {
        println!("{}", DataKey::generate_base64());
        return Ok(());
    }
    let (path, wallet) = match args.as_slice() {
        [path] => (path, None),
        [path, wallet] => (path, Some(wallet)),
        _ => {
            return Err(
                "usage: import-directory <directory.json> [<wallet.json>] | --generate-data-key".into()
            );
        }
    };
    let file = DirectoryFile::parse(&std::fs::read_to_string(path)?)?;
    let aws = AwsStores::load().await?;
    let (profiles, sellers) = file.import(&aws.data_key()?, aws.directory()?.as_ref()).await?;
    let table = aws.config.tables.directory.as_deref().unwrap_or_default();
    println!("imported {profiles} profiles and {sellers} sellers into {table}");
    if let Some(wallet) = wallet {
        let file = paybot::wallet_file::WalletFile::parse(&std::fs::read_to_string(wallet)?)?;
        let (accounts, opened) =
            file.import(aws.wallet_accounts()?.as_ref(), aws.ledger()?.as_ref(), chrono::Utc::now()).await?;
        println!("imported {accounts} wallet accounts; {opened} opening balances posted now");
        let groups = file.import_susu(aws.susu_groups()?.as_ref()).await?;
        println!("imported {groups} susu groups");
    }
    Ok(())
}
