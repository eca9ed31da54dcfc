//! The sample callbacks in events/ stay true: the signed one verifies with the published
//! sample key, the tampered one does not.

use paybot::miapos::{CallbackError, CallbackVerifier};

fn body(event: &str) -> String {
    let event: serde_json::Value = serde_json::from_str(event).unwrap();
    event["body"].as_str().unwrap().to_owned()
}

#[test]
fn the_sample_callbacks_verify_as_documented() {
    let key = include_str!("../../../events/miapos-public-key.txt").trim();
    let verifier = CallbackVerifier::from_base64_der(key).unwrap();
    let good = body(include_str!("../../../events/status-callback-success.json"));
    let result = verifier.verify(good.as_bytes()).unwrap();
    assert_eq!(result.amount.to_string(), "100.00");
    let tampered = body(include_str!("../../../events/status-callback-tampered.json"));
    assert!(matches!(verifier.verify(tampered.as_bytes()), Err(CallbackError::BadSignature)));
}
