//! What one invocation may do: where it may connect, which files it may touch, and its limits.
//! Deny by default: an empty outbound list allows no request at all.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub use crate::budget::Budgets;
pub use crate::declared_outbound::DeclaredOutbound;
pub use crate::outbound_rule::{OutboundRule, RuleError, rule_for_url};

/// Which host files an invocation may use.
#[derive(Debug, Clone, Default)]
pub struct FileAccess {
    /// The one directory the guest's file names resolve in; `None` grants no files.
    pub root: Option<PathBuf>,
    /// Whether the guest may create files (downloads).
    pub writable: bool,
}

/// The policy for one invocation. Deny by default: no files, private networks refused, and
/// every host resource bounded by [`Budgets`].
#[derive(Debug, Clone)]
pub struct Policy {
    /// Allowed destinations. `None` allows nothing, unless the runtime was built to trust the
    /// component's declaration (`RuntimeBuilder::trust_declared_outbound`): then it takes what
    /// the connector declares for the invocation's auth ([`DeclaredOutbound`]: a tenant
    /// endpoint's exact origin, or the connector's defaults).
    pub outbound: Option<Vec<OutboundRule>>,
    /// Whether requests may reach private addresses (loopback, private ranges, link-local and
    /// the cloud metadata service, CGNAT, unique-local; see [`crate::address`]). Checked on the
    /// resolved address at connect time, so names that resolve there are refused too. Only an
    /// operator who runs the service on such a network should set it; the CLI sets it for an
    /// endpoint or source URL its user named.
    pub allow_private_networks: bool,
    /// Certificate authorities trusted for HTTPS in place of the built-in roots (a private CA);
    /// `None` trusts the public web's. Verification is never turned off.
    pub ca_bundle: Option<crate::trust::CaBundle>,
    /// Host files.
    pub files: FileAccess,
    /// Most linear memory the guest may hold, summed over its memories, in bytes.
    pub memory_limit: usize,
    /// Wall-clock limit of the whole invocation (guest CPU and waiting on the network).
    pub time_limit: Duration,
    /// Everything else an invocation may make the host spend.
    pub budgets: Budgets,
    /// Pins the wall clock the component sees (reproducible signatures).
    pub pinned_time: Option<SystemTime>,
    /// Do not send: record each signed request and refuse it.
    pub dry_run: bool,
    /// Live byte counters for this invocation (progress bars), and the progress the guest
    /// reports.
    pub progress: Option<std::sync::Arc<crate::progress::Transfer>>,
    /// The embedder's handle to cancel the invocation; `None` cannot be cancelled.
    pub cancellation: Option<std::sync::Arc<crate::cancellation::Cancellation>>,
    /// How long a cancelled guest may take to undo what it started before it is stopped.
    pub cancel_grace: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            outbound: None,
            allow_private_networks: false,
            ca_bundle: None,
            files: FileAccess::default(),
            memory_limit: 64 * 1024 * 1024,
            time_limit: Duration::from_secs(900),
            budgets: Budgets::default(),
            pinned_time: None,
            dry_run: false,
            progress: None,
            cancellation: None,
            cancel_grace: crate::cancellation::DEFAULT_GRACE,
        }
    }
}
