//! Every connector operation as a Temporal activity named `s3.<operation id>`, registered from
//! the component's manifest. The SDK names an activity by its definition type, so each operation
//! gets a marker type `Operation<N>` whose name is the N-th entry of the manifest's list.

use crate::outcome::activity_result;
use crate::resume::{prepare_input, progress_details, stale_upload};
use connector_host::cancellation::Cancellation;
use connector_host::progress::Transfer;
use connector_host::{Policy, Runtime};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use temporalio_common::ActivityDefinition;
use temporalio_sdk::activities::{
    ActivityContext, ActivityDefinitions, ActivityError, ActivityImplementer, ExecutableActivity,
};

/// The prefix of every activity name.
pub(crate) const ACTIVITY_PREFIX: &str = "s3.";

/// How often a running activity heartbeats its progress (Temporal throttles what it sends on).
/// Heartbeats are also how a cancel reaches the worker.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);

/// Most operations one worker registers (the markers below).
pub(crate) const MAX_OPERATIONS: usize = 48;

/// The activity names, in the manifest's order; set once, before the worker starts.
static NAMES: OnceLock<Vec<String>> = OnceLock::new();

/// The operations the component implements, as the runtime and a policy run them.
pub(crate) struct S3Activities {
    runtime: Arc<Runtime>,
    /// The connector's auth JSON: never logged, never sent to Temporal.
    auth: String,
    policy: Policy,
    operations: Vec<String>,
}

impl S3Activities {
    /// Activities for `operations` (their ids, from the manifest). Panics past
    /// [`MAX_OPERATIONS`] or when called twice (the names are process-wide).
    pub(crate) fn new(runtime: Arc<Runtime>, auth: String, policy: Policy, operations: Vec<String>) -> S3Activities {
        assert!(operations.len() <= MAX_OPERATIONS, "the component has more than {MAX_OPERATIONS} operations");
        let names = operations.iter().map(|id| format!("{ACTIVITY_PREFIX}{id}")).collect();
        NAMES.set(names).expect("one set of activities per process");
        S3Activities { runtime, auth, policy, operations }
    }

    /// Runs operation `index` for one activity attempt: heartbeats its progress, turns the
    /// activity's cancellation into the invocation's (a multipart upload aborts), and maps the
    /// outcome.
    async fn run(self: Arc<Self>, index: usize, ctx: ActivityContext, input: Value) -> Result<Value, ActivityError> {
        let operation = &self.operations[index];
        let input = prepare_input(operation, input).to_string();
        abort_lost_upload(&ctx, &self.runtime, &self.auth, &self.policy).await;
        let (supervision, policy) = Supervision::new(&self.policy);
        let invocation = self.runtime.invoke(operation, &self.auth, &input, &policy);
        activity_result(supervision.run(&ctx, invocation).await)
    }
}

/// How long the abort of a lost attempt's upload may take (it is one small request).
const ABORT_TIME_LIMIT: Duration = Duration::from_secs(60);

/// Before an attempt that follows a lost one (its worker killed mid-upload): aborts the multipart
/// upload the lost attempt left open, named by its last heartbeat, so the retry leaves no parts
/// behind — heartbeating meanwhile, within [`ABORT_TIME_LIMIT`], and then heartbeating that
/// nothing is open, so an attempt lost after this one does not abort it again. Best effort: an
/// upload already gone, or one the lost attempt opened after its last heartbeat, is for a bucket
/// lifecycle rule.
pub(crate) async fn abort_lost_upload(ctx: &ActivityContext, runtime: &Runtime, auth: &str, policy: &Policy) {
    let previous = ctx.heartbeat_details().deserialize::<Value>().ok().flatten();
    let Some(abort) = stale_upload(previous.as_ref()) else { return };
    let limited = Policy { time_limit: ABORT_TIME_LIMIT.min(policy.time_limit), ..policy.clone() };
    let (supervision, limited) = Supervision::new(&limited);
    // Its outcome changes nothing about the attempt: gone already is as good as aborted.
    let _ = supervision.run(ctx, runtime.invoke("abort_multipart_upload", auth, &abort.to_string(), &limited)).await;
    let _ = ctx.record_heartbeat(progress_details(0, 0, (0, None), None)).await;
}

/// What watches one attempt's work: its progress, heartbeated about once a second, and its
/// cancellation, which the activity's own cancellation requests (a multipart upload aborts).
pub(crate) struct Supervision {
    transfer: Arc<Transfer>,
    cancellation: Arc<Cancellation>,
}

impl Supervision {
    /// A supervision and the policy (`base` with its progress and cancellation) the attempt's
    /// invocations run under.
    pub(crate) fn new(base: &Policy) -> (Supervision, Policy) {
        let transfer = Arc::new(Transfer::default());
        let cancellation = Arc::new(Cancellation::new());
        let policy =
            Policy { progress: Some(transfer.clone()), cancellation: Some(cancellation.clone()), ..base.clone() };
        (Supervision { transfer, cancellation }, policy)
    }

    /// Runs `work` to its end, heartbeating and passing a cancel on meanwhile.
    pub(crate) async fn run<T>(&self, ctx: &ActivityContext, work: impl Future<Output = T>) -> T {
        tokio::pin!(work);
        let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
        loop {
            tokio::select! {
                outcome = &mut work => return outcome,
                _ = heartbeat.tick() => {
                    let transfer = &self.transfer;
                    let details =
                        progress_details(transfer.sent(), transfer.received(), transfer.reported(), transfer.checkpoint());
                    // A heartbeat that cannot be sent changes nothing about the work itself.
                    let _ = ctx.record_heartbeat(details).await;
                }
                () = ctx.cancelled(), if !self.cancellation.is_requested() => self.cancellation.cancel(),
            }
        }
    }
}

/// The marker of the N-th operation.
pub(crate) struct Operation<const N: usize>;

impl<const N: usize> ActivityDefinition for Operation<N> {
    type Input = Value;
    type Output = Value;

    fn name(&self) -> &str {
        NAMES.get().and_then(|names| names.get(N)).map_or("", String::as_str)
    }
}

impl<const N: usize> ExecutableActivity for Operation<N> {
    type Implementer = S3Activities;
    const REQUIRES_INSTANCE: bool = true;

    fn definition() -> Self {
        Operation
    }

    fn execute(
        receiver: Option<Arc<S3Activities>>,
        ctx: ActivityContext,
        input: Value,
    ) -> BoxFuture<'static, Result<Value, ActivityError>> {
        let activities = receiver.expect("registered with an instance");
        activities.run(N, ctx, input).boxed()
    }
}

/// Registers `Operation<N>` for each N below the number of operations.
macro_rules! register_operations {
    ($activities:expr, $defs:expr, $($n:literal)*) => {
        $(
            if $n < $activities.operations.len() {
                $defs.register_activity::<Operation<$n>>($activities.clone());
            }
        )*
    };
}

impl ActivityImplementer for S3Activities {
    fn register_all(self: Arc<Self>, defs: &mut ActivityDefinitions) {
        register_operations!(self, defs, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23
            24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47);
    }
}
