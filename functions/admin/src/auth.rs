//! Who may enter the console. On Lambda the HTTP API's JWT authorizer has checked the
//! Cognito token and hands over its claims; the function reads the groups from them. Locally
//! a bearer token from the settings signs in. Either way the function decides the role for
//! every route: no identity, no answer.

use axum::http::{HeaderMap, StatusCode, header};
use lambda_http::request::RequestContext;
use subtle::ConstantTimeEq;

use crate::settings::ConsoleSettings;

/// The Cognito groups the console knows.
pub const OPERATORS_GROUP: &str = "operators";
pub const VIEWERS_GROUP: &str = "viewers";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads every figure, changes nothing.
    Viewer,
    /// Reads and acts: the switch, alerts, aliases, replies and releases.
    Operator,
}

/// The person using the console.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub name: String,
    pub role: Role,
}

impl Identity {
    /// The audit chain of this person's changes.
    pub fn audit_chain(&self) -> String {
        format!("operator:{}", self.name)
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No credentials, or ones that do not sign in: 401.
    Unauthenticated,
    /// Signed in, but in no console group (or a viewer asking to change something): 403.
    Forbidden,
}

impl Refusal {
    pub fn status(self) -> StatusCode {
        match self {
            Refusal::Unauthenticated => StatusCode::UNAUTHORIZED,
            Refusal::Forbidden => StatusCode::FORBIDDEN,
        }
    }
}

/// The identity of a request: from the authorizer's JWT claims when API Gateway sent them,
/// else from a configured bearer token.
pub fn identify(
    context: Option<&RequestContext>,
    headers: &HeaderMap,
    settings: &ConsoleSettings,
) -> Result<Identity, Refusal> {
    if let Some(claims) = jwt_claims(context) {
        return from_claims(claims);
    }
    let Some(token) = bearer(headers) else { return Err(Refusal::Unauthenticated) };
    let matches = |configured: &Option<paybot::config::Secret>| {
        configured.as_ref().is_some_and(|s| bool::from(s.expose().as_bytes().ct_eq(token.as_bytes())))
    };
    // Both compared, whichever matches: the time taken does not tell which one did.
    let (operator, viewer) = (matches(&settings.operator_token), matches(&settings.viewer_token));
    if operator {
        Ok(Identity { name: "local-operator".into(), role: Role::Operator })
    } else if viewer {
        Ok(Identity { name: "local-viewer".into(), role: Role::Viewer })
    } else {
        Err(Refusal::Unauthenticated)
    }
}

fn jwt_claims(context: Option<&RequestContext>) -> Option<&std::collections::HashMap<String, String>> {
    match context? {
        RequestContext::ApiGatewayV2(v2) => {
            v2.authorizer.as_ref()?.jwt.as_ref().map(|jwt| &jwt.claims).filter(|c| !c.is_empty())
        }
        _ => None,
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The role from `cognito:groups` (operators win over viewers), the name from the user name.
pub fn from_claims(claims: &std::collections::HashMap<String, String>) -> Result<Identity, Refusal> {
    let groups = claims.get("cognito:groups").map(|g| groups(g)).unwrap_or_default();
    let role = if groups.iter().any(|g| g == OPERATORS_GROUP) {
        Role::Operator
    } else if groups.iter().any(|g| g == VIEWERS_GROUP) {
        Role::Viewer
    } else {
        return Err(Refusal::Forbidden);
    };
    let name = ["cognito:username", "username", "email", "sub"]
        .iter()
        .find_map(|k| claims.get(*k).filter(|v| !v.is_empty()))
        .ok_or(Refusal::Unauthenticated)?;
    Ok(Identity { name: name.clone(), role })
}

/// The groups claim as HTTP APIs pass it on: `[operators viewers]` (the claim flattened to
/// a string), or a JSON array, or one bare group name.
pub fn groups(claim: &str) -> Vec<String> {
    if let Ok(list) = serde_json::from_str::<Vec<String>>(claim) {
        return list;
    }
    claim
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split([' ', ','])
        .map(|g| g.trim().trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> std::collections::HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn groups_are_read_in_every_form_the_authorizer_sends() {
        let cases: [(&str, &[&str]); 6] = [
            ("[operators viewers]", &["operators", "viewers"]),
            ("[viewers]", &["viewers"]),
            (r#"["operators","viewers"]"#, &["operators", "viewers"]),
            ("[\"viewers\", \"operators\"]", &["viewers", "operators"]),
            ("operators", &["operators"]),
            ("[]", &[]),
        ];
        for (claim, expected) in cases {
            assert_eq!(groups(claim), expected, "{claim}");
        }
    }

    #[test]
    fn the_role_comes_from_the_groups() {
        let cases = [
            (
                claims(&[("cognito:groups", "[viewers operators]"), ("cognito:username", "ama")]),
                Ok(Role::Operator),
            ),
            (claims(&[("cognito:groups", "[viewers]"), ("cognito:username", "kofi")]), Ok(Role::Viewer)),
            (claims(&[("cognito:groups", "[admins]"), ("cognito:username", "x")]), Err(Refusal::Forbidden)),
            (claims(&[("cognito:username", "x")]), Err(Refusal::Forbidden)),
        ];
        for (claims, expected) in cases {
            assert_eq!(from_claims(&claims).map(|i| i.role), expected, "{claims:?}");
        }
        let named = from_claims(&claims(&[("cognito:groups", "[viewers]"), ("sub", "u-1")])).unwrap();
        assert_eq!(named.name, "u-1");
    }

    #[test]
    fn bearer_tokens_sign_in_locally() {
        let settings = ConsoleSettings {
            operator_token: Some(paybot::config::Secret::new("op")),
            viewer_token: Some(paybot::config::Secret::new("view")),
            ..ConsoleSettings::default()
        };
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            identify(None, &headers, &settings).map(|i| i.role)
        };
        assert_eq!(with("Bearer op"), Ok(Role::Operator));
        assert_eq!(with("bearer view"), Ok(Role::Viewer));
        assert_eq!(with("Bearer opx"), Err(Refusal::Unauthenticated));
        assert_eq!(with("Basic op"), Err(Refusal::Unauthenticated));
        assert_eq!(with("Bearer "), Err(Refusal::Unauthenticated));
        assert_eq!(identify(None, &HeaderMap::new(), &settings), Err(Refusal::Unauthenticated));
        let unset = ConsoleSettings::default();
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(identify(None, &headers, &unset), Err(Refusal::Unauthenticated));
    }
}
