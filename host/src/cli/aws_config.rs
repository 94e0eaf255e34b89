//! Credentials, region and endpoint the way AWS users expect: resolved by the AWS SDK's own
//! provider chain (`aws-config`), with flags first; s3c's own settings from flags, environment
//! and the profile in `~/.aws/config`.

use aws_credential_types::provider::ProvideCredentials;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// Resolved connection settings. `Debug` hides the secret and the token.
#[derive(Clone, Default)]
pub(super) struct Settings {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    /// The connector's upload checksum (`md5`, `crc32c`, ..., `none`).
    pub checksum: Option<String>,
    /// The connector's payload signing (`auto`, `signed`, `unsigned`).
    pub payload_signing: Option<String>,
    /// Whether downloads are checked against the stored checksum.
    pub verify_downloads: Option<bool>,
    /// A PEM bundle of the CAs to trust in place of the built-in roots.
    pub ca_bundle: Option<PathBuf>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "******"))
            .field("session_token", &self.session_token.as_ref().map(|_| "******"))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("checksum", &self.checksum)
            .field("payload_signing", &self.payload_signing)
            .field("verify_downloads", &self.verify_downloads)
            .field("ca_bundle", &self.ca_bundle)
            .finish()
    }
}

/// Flags that override everything else.
#[derive(Debug, Default)]
pub(super) struct Overrides {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    /// `--checksum`.
    pub checksum: Option<String>,
    /// `--payload-signing`.
    pub payload_signing: Option<String>,
    /// `--ca-bundle`.
    pub ca_bundle: Option<String>,
}

/// A problem with the configuration (exit code 253).
#[derive(Debug)]
pub(super) struct ConfigError(pub String);

/// What a user without credentials is told.
const NO_CREDENTIALS: &str = "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile (keys, role_arn, credential_process or SSO) in ~/.aws/config";

/// The AWS SDK's view of the configuration for `overrides`, over an HTTPS client on ring (STS,
/// SSO and instance metadata are reached with it).
async fn sdk_config(overrides: &Overrides) -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    let http = aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(profile) = &overrides.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &overrides.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    loader.load().await
}

/// Parses an INI file into `section -> key -> value` (keys lower-cased): s3c's own profile keys.
fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            continue;
        }
        if let (Some(section), Some((key, value))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    sections
}

fn home_file(env: &str, default: &str) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws").join(default)))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Resolves the settings for `overrides`: credentials and region by the AWS SDK's own provider
/// chain (environment, shared config and credentials files, `role_arn` + `source_profile`,
/// `credential_process`, SSO, web identity, container and instance metadata), the endpoint and
/// s3c's own keys (checksums, payload signing, CA bundle) from flags, environment and profile.
pub(super) async fn resolve(overrides: &Overrides) -> Result<Settings, ConfigError> {
    let profile = overrides.profile.clone().or_else(|| env("AWS_PROFILE")).unwrap_or_else(|| "default".into());
    let read = |path: Option<PathBuf>| {
        path.and_then(|p| std::fs::read_to_string(p).ok()).map(|t| parse_ini(&t)).unwrap_or_default()
    };
    let credentials = read(home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    let config = read(home_file("AWS_CONFIG_FILE", "config"));
    let config_section = if profile == "default" { "default".to_string() } else { format!("profile {profile}") };
    let from_config = config.get(&config_section).or_else(|| config.get(&profile));
    if overrides.profile.is_some() && !credentials.contains_key(&profile) && from_config.is_none() {
        return Err(ConfigError(format!(
            "the config profile ({profile}) could not be found in ~/.aws/credentials or ~/.aws/config"
        )));
    }
    let sdk = sdk_config(overrides).await;
    let provider = sdk.credentials_provider().ok_or_else(|| ConfigError(NO_CREDENTIALS.into()))?;
    let found = provider.provide_credentials().await.map_err(|e| ConfigError(format!("{NO_CREDENTIALS} ({e})")))?;
    let mut settings = Settings {
        access_key_id: Some(found.access_key_id().to_string()),
        secret_access_key: Some(found.secret_access_key().to_string()),
        session_token: found.session_token().map(str::to_string),
        region: sdk.region().map(ToString::to_string),
        ..Settings::default()
    };
    settings.endpoint = overrides
        .endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| sdk.endpoint_url().map(str::to_string));
    let config_value = |key: &str| from_config.and_then(|s| s.get(key)).cloned();
    // The AWS CLI's integrity settings: flag, then environment, then profile.
    let calculation = env("AWS_REQUEST_CHECKSUM_CALCULATION").or_else(|| config_value("request_checksum_calculation"));
    let validation = env("AWS_RESPONSE_CHECKSUM_VALIDATION").or_else(|| config_value("response_checksum_validation"));
    settings.checksum = match (&overrides.checksum, when_required("request_checksum_calculation", calculation)?) {
        (Some(mode), _) => Some(mode.clone()),
        (None, Some(true)) => Some("none".into()),
        (None, _) => None,
    };
    settings.verify_downloads = when_required("response_checksum_validation", validation)?.map(|required| !required);
    settings.ca_bundle = overrides
        .ca_bundle
        .clone()
        .or_else(|| env("AWS_CA_BUNDLE"))
        .or_else(|| config_value("ca_bundle"))
        .map(PathBuf::from);
    settings.payload_signing = match (&overrides.payload_signing, config_value("payload_signing_enabled")) {
        (Some(mode), _) => Some(mode.clone()),
        (None, Some(enabled)) => match enabled.to_ascii_lowercase().as_str() {
            "true" => Some("signed".into()),
            "false" => Some("unsigned".into()),
            other => {
                return Err(ConfigError(format!(
                    "payload_signing_enabled is {other:?} in the profile; use true or false"
                )));
            }
        },
        (None, None) => None,
    };
    Ok(settings)
}

/// `when_supported` (false) or `when_required` (true) for the AWS setting `name`, if set.
fn when_required(name: &str, value: Option<String>) -> Result<Option<bool>, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(None),
        Some("when_supported") => Ok(Some(false)),
        Some("when_required") => Ok(Some(true)),
        Some(other) => Err(ConfigError(format!("{name} is {other:?}; use when_supported or when_required"))),
    }
}

impl Settings {
    /// The connector's `auth` JSON, or a 253-class error naming what is missing.
    pub(super) fn auth_json(&self, addressing: Option<&str>) -> Result<serde_json::Value, ConfigError> {
        let (Some(key), Some(secret)) = (&self.access_key_id, &self.secret_access_key) else {
            return Err(ConfigError(
                "Unable to locate credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/credentials".into(),
            ));
        };
        let mut auth = serde_json::json!({"access_key_id": key, "secret_access_key": secret});
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                auth[k] = serde_json::Value::String(v.clone());
            }
        };
        put("session_token", &self.session_token);
        put("region", &self.region);
        put("endpoint", &self.endpoint);
        put("addressing", &addressing.map(str::to_string));
        put("checksum", &self.checksum);
        put("payload_signing", &self.payload_signing);
        if let Some(verify) = self.verify_downloads {
            auth["verify_downloads"] = serde_json::Value::Bool(verify);
        }
        Ok(auth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_keys() {
        let parsed = parse_ini(
            "[default]\naws_access_key_id = AK\n# c\n[profile dev]\nregion=eu-west-1\nAWS_SECRET_ACCESS_KEY = s\n",
        );
        assert_eq!(parsed["default"]["aws_access_key_id"], "AK");
        assert_eq!(parsed["profile dev"]["region"], "eu-west-1");
        assert_eq!(parsed["profile dev"]["aws_secret_access_key"], "s");
    }

    #[test]
    fn debug_hides_secrets() {
        let s = Settings {
            secret_access_key: Some("topsecret".into()),
            session_token: Some("tok".into()),
            ..Default::default()
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("topsecret") && !shown.contains("tok\""));
    }

    #[test]
    fn integrity_settings_follow_the_aws_cli() {
        assert_eq!(when_required("x", None).unwrap(), None);
        assert_eq!(when_required("x", Some("WHEN_REQUIRED".into())).unwrap(), Some(true));
        assert_eq!(when_required("x", Some("when_supported".into())).unwrap(), Some(false));
        let ConfigError(message) = when_required("response_checksum_validation", Some("never".into())).unwrap_err();
        assert!(message.contains("response_checksum_validation") && message.contains("when_required"), "{message}");
        let settings = Settings {
            access_key_id: Some("AK".into()),
            secret_access_key: Some("s".into()),
            checksum: Some("none".into()),
            payload_signing: Some("signed".into()),
            verify_downloads: Some(false),
            ..Settings::default()
        };
        let auth = settings.auth_json(None).unwrap();
        assert_eq!(
            (&auth["checksum"], &auth["payload_signing"], &auth["verify_downloads"]),
            (&serde_json::json!("none"), &serde_json::json!("signed"), &serde_json::json!(false))
        );
    }
}
