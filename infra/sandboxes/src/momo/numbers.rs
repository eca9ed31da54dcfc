//! The sandbox's test numbers (`reference/mtn-momo.md` §8), the one place they are listed:
//! the MSISDN of a payer (request-to-pay) or payee (transfer) chooses the outcome.

use super::Kind;

/// How a request to a test number ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// SUCCESSFUL at once (any number not in the table).
    Success,
    /// FAILED at once, with this reason.
    Fail(&'static str),
    /// The two cases the documented tables and the observed runs disagree on; what they do is
    /// [`super::MomoSandboxConfig::ongoing`] and [`super::MomoSandboxConfig::delayed`]. The
    /// reason is the one sent when the configured outcome is to fail.
    Deferred(Deferral, &'static str),
}

/// Which of the two configurable cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferral {
    /// 46733123453: PayerOngoing / PayeeOngoing.
    Ongoing,
    /// 46733123454: PayerDelayed / PayeeDelayed.
    Delayed,
}

/// One use case of a test number: MTN's name for it and what the sandbox does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseCase {
    pub name: &'static str,
    pub outcome: Outcome,
}

/// A test number with its request-to-pay and transfer use cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestNumber {
    pub msisdn: &'static str,
    pub request_to_pay: UseCase,
    pub transfer: UseCase,
}

impl TestNumber {
    pub fn use_case(&self, kind: Kind) -> UseCase {
        match kind {
            Kind::RequestToPay => self.request_to_pay,
            Kind::Transfer => self.transfer,
        }
    }
}

const fn fail(name: &'static str, reason: &'static str) -> UseCase {
    UseCase { name, outcome: Outcome::Fail(reason) }
}

const fn number(msisdn: &'static str, request_to_pay: UseCase, transfer: UseCase) -> TestNumber {
    TestNumber { msisdn, request_to_pay, transfer }
}

/// The reasons of the two configurable cases when they fail.
pub const ONGOING_REASON: &str = "ONGOING";
pub const DELAYED_REASON: &str = "PAYER_DELAYED";

/// §8's table; the reasons are the last column ("reason seen in sandbox runs", R2P / Transfer).
pub const TEST_NUMBERS: [TestNumber; 14] = [
    number(
        "46733123450",
        fail("PayerFailed", "INTERNAL_PROCESSING_ERROR"),
        fail("PayeeFailed", "INTERNAL_PROCESSING_ERROR"),
    ),
    number(
        "46733123451",
        fail("PayerRejected", "APPROVAL_REJECTED"),
        fail("PayeeRejected", "APPROVAL_REJECTED"),
    ),
    number("46733123452", fail("PayerExpired", "EXPIRED"), fail("PayeeExpired", "EXPIRED")),
    number(
        "46733123453",
        UseCase { name: "PayerOngoing", outcome: Outcome::Deferred(Deferral::Ongoing, ONGOING_REASON) },
        UseCase { name: "PayeeOngoing", outcome: Outcome::Deferred(Deferral::Ongoing, ONGOING_REASON) },
    ),
    number(
        "46733123454",
        UseCase { name: "PayerDelayed", outcome: Outcome::Deferred(Deferral::Delayed, DELAYED_REASON) },
        UseCase { name: "PayeeDelayed", outcome: Outcome::Deferred(Deferral::Delayed, DELAYED_REASON) },
    ),
    number(
        "46733123455",
        fail("PayerNotFound", "PAYER_NOT_FOUND"),
        fail("PayeeNotEnoughFunds", "COULD_NOT_PERFORM_TRANSACTION"),
    ),
    number(
        "46733123456",
        fail("PayerPayeeNotAllowedToReceive", "PAYEE_NOT_ALLOWED_TO_RECEIVE"),
        fail("PayeePayerLimitReached", "COULD_NOT_PERFORM_TRANSACTION"),
    ),
    number("46733123457", fail("PayerNotAllowed", "NOT_ALLOWED"), fail("PayeeNotFound", "PAYER_NOT_FOUND")),
    number(
        "46733123458",
        fail("PayerNotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
        fail("PayeeNotAllowed", "NOT_ALLOWED"),
    ),
    number(
        "46733123459",
        fail("PayerInvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
        fail("PayeeNotAllowedTargetEnvironment", "NOT_ALLOWED_TARGET_ENVIRONMENT"),
    ),
    number(
        "46733123460",
        fail("PayerInvalidCurrency", "INVALID_CURRENCY"),
        fail("PayeeInvalidCallbackUrlHost", "INVALID_CALLBACK_URL_HOST"),
    ),
    number(
        "46733123461",
        fail("PayerInternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
        fail("PayeeInvalidCurrency", "INVALID_CURRENCY"),
    ),
    number(
        "46733123462",
        fail("PayerServiceUnavailable", "SERVICE_UNAVAILABLE"),
        fail("PayeeInternalProcessingError", "INTERNAL_PROCESSING_ERROR"),
    ),
    number(
        "46733123463",
        fail("PayerCouldNotPerformTransaction", "COULD_NOT_PERFORM_TRANSACTION"),
        fail("PayeeServiceUnavailable", "SERVICE_UNAVAILABLE"),
    ),
];

/// What a request to `msisdn` does; [`Outcome::Success`] for any number not in the table.
pub fn outcome(kind: Kind, msisdn: &str) -> Outcome {
    TEST_NUMBERS.iter().find(|n| n.msisdn == msisdn).map_or(Outcome::Success, |n| n.use_case(kind).outcome)
}

/// The account-holder cases §8 names for `…/accountholder/{type}/{id}/active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderCase {
    Active,
    NotFound,
    NotActive,
    NotAllowed,
    NotAllowedTargetEnvironment,
    InternalProcessingError,
    ServiceUnavailable,
}

/// (MSISDN, email, case): 46733123450–455 and the matching addresses.
pub const HOLDER_CASES: [(&str, &str, HolderCase); 6] = [
    ("46733123450", "notfound@email.com", HolderCase::NotFound),
    ("46733123451", "notactive@email.com", HolderCase::NotActive),
    ("46733123452", "notallowed@email.com", HolderCase::NotAllowed),
    ("46733123453", "notallowedtargetenvironment@email.com", HolderCase::NotAllowedTargetEnvironment),
    ("46733123454", "internalprocessingerror@email.com", HolderCase::InternalProcessingError),
    ("46733123455", "serviceunavailable@email.com", HolderCase::ServiceUnavailable),
];

/// The case of an account holder id (an MSISDN or an email); `Active` for anyone else.
pub fn holder_case(id: &str) -> HolderCase {
    HOLDER_CASES
        .iter()
        .find(|(msisdn, email, _)| *msisdn == id || email.eq_ignore_ascii_case(id))
        .map_or(HolderCase::Active, |(_, _, case)| *case)
}

/// The message of an ErrorReason code, for the spec's `{code, message}` form.
pub fn reason_message(code: &str) -> &'static str {
    match code {
        "PAYEE_NOT_FOUND" => "Payee does not exist",
        "PAYER_NOT_FOUND" => "Payer does not exist",
        "NOT_ALLOWED" => "Authorization failed. User does not have permission.",
        "NOT_ALLOWED_TARGET_ENVIRONMENT" => "Access to target environment is forbidden.",
        "INVALID_CALLBACK_URL_HOST" => "Callback URL with host that does not match the API user's host.",
        "INVALID_CURRENCY" => "Currency not supported.",
        "SERVICE_UNAVAILABLE" => "Service temporarily unavailable, try again later.",
        "INTERNAL_PROCESSING_ERROR" => "An internal error occurred while processing.",
        "NOT_ENOUGH_FUNDS" => "The payer does not have enough funds.",
        "PAYER_LIMIT_REACHED" => "The payer's limit has been breached.",
        "PAYEE_NOT_ALLOWED_TO_RECEIVE" => "The payee is not allowed to receive.",
        "PAYMENT_NOT_APPROVED" => "The payment was not approved by the payer.",
        "RESOURCE_NOT_FOUND" => "Requested resource was not found.",
        "APPROVAL_REJECTED" => "The payer rejected the request.",
        "EXPIRED" => "The request expired before it was approved.",
        "TRANSACTION_CANCELED" => "The transaction was canceled.",
        "RESOURCE_ALREADY_EXIST" => "Duplicated reference id. Creation of resource failed.",
        "COULD_NOT_PERFORM_TRANSACTION" => "The transaction could not be performed.",
        "ONGOING" => "The transaction is still ongoing.",
        "PAYER_DELAYED" => "The payer is delayed.",
        _ => "The transaction failed.",
    }
}
