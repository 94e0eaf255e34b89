//! Credentials, region and endpoint the way AWS users expect: flags, then environment variables,
//! then the profile in `~/.aws/credentials` and `~/.aws/config`.

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

/// Parses an INI file into `section -> key -> value` (keys lower-cased).
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

/// Resolves the settings for `overrides`.
pub(super) fn resolve(overrides: &Overrides) -> Result<Settings, ConfigError> {
    let profile = overrides.profile.clone().or_else(|| env("AWS_PROFILE")).unwrap_or_else(|| "default".into());
    let read = |path: Option<PathBuf>| {
        path.and_then(|p| std::fs::read_to_string(p).ok()).map(|t| parse_ini(&t)).unwrap_or_default()
    };
    let credentials = read(home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    let config = read(home_file("AWS_CONFIG_FILE", "config"));
    let config_section = if profile == "default" { "default".to_string() } else { format!("profile {profile}") };
    let from_credentials = credentials.get(&profile);
    let from_config = config.get(&config_section).or_else(|| config.get(&profile));
    if overrides.profile.is_some() && from_credentials.is_none() && from_config.is_none() {
        return Err(ConfigError(format!(
            "the config profile ({profile}) could not be found in ~/.aws/credentials or ~/.aws/config"
        )));
    }
    let lookup =
        |key: &str| from_credentials.and_then(|s| s.get(key)).or_else(|| from_config.and_then(|s| s.get(key))).cloned();
    let use_env_keys = overrides.profile.is_none() && env("AWS_ACCESS_KEY_ID").is_some();
    let mut settings = if use_env_keys {
        Settings {
            access_key_id: env("AWS_ACCESS_KEY_ID"),
            secret_access_key: env("AWS_SECRET_ACCESS_KEY"),
            session_token: env("AWS_SESSION_TOKEN"),
            ..Settings::default()
        }
    } else {
        Settings {
            access_key_id: lookup("aws_access_key_id"),
            secret_access_key: lookup("aws_secret_access_key"),
            session_token: lookup("aws_session_token"),
            ..Settings::default()
        }
    };
    settings.region = overrides
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .or_else(|| from_config.and_then(|s| s.get("region")).cloned());
    settings.endpoint = overrides
        .endpoint
        .clone()
        .or_else(|| env("AWS_ENDPOINT_URL_S3"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| from_config.and_then(|s| s.get("endpoint_url")).cloned());
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
