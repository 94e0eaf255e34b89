//! The embeddable runtime: compile a component once (with an on-disk cache of the compiled
//! artifact), pre-instantiate it, and run every invocation in a fresh instance under its policy.

use crate::answers::{Choices, PollResult};
use crate::bindings::{self, ConnectorError, ConnectorInfo, ErrorKind};
use crate::budget::{Budget, BudgetExceeded, Usage};
use crate::clock::PinnedClock;
use crate::compiled_cache::{CacheUse, load_component};
use crate::connector_exports::ConnectorExports;
use crate::declared_outbound::DeclaredOutbound;
use crate::egress::{CapturedRequest, EgressHooks, Recorded, Tally};
use crate::error::HostError;
use crate::fairness::{Fairness, GuestClock};
use crate::input_schemas::{InputSchemas, SchemaRefusal};
use crate::limits::GuestLimits;
use crate::net::HttpClient;
use crate::policy::Policy;
use crate::stalled_write::{DEFAULT_WRITE_STALL_TIMEOUT, MIN_WRITE_STALL_TIMEOUT};
use crate::state::{HostState, InvocationControl};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wasmtime::component::{ResourceTable, ResourceTableError};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, UpdateDeadline};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi_http::WasiHttpCtx;

/// Core instances a component instance may need (its module plus the adapter shims).
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;

/// How often the epoch advances: the longest a guest runs before it yields its worker thread to
/// other tasks, and the granularity of CPU-time interruption. Short enough that a spinning guest
/// delays an honest invocation by a fraction of a millisecond per hand-off.
const EPOCH_TICK: Duration = Duration::from_millis(1);

/// How long `describe` may take.
const DESCRIBE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Most bytes one `get-random-bytes` call may ask for (wasmtime's default is 64 MiB).
const MAX_RANDOM_BYTES: u64 = 4096;

/// Configures a [`Runtime`].
#[derive(Debug, Clone, Default)]
pub struct RuntimeBuilder {
    cache_dir: Option<PathBuf>,
    pooling: Option<Pooling>,
    trust_declared_outbound: bool,
    perf_map: bool,
    write_stall: Option<Duration>,
}

/// Bytes of each pooled memory and table kept resident between instances. With Linux's
/// `PAGEMAP_SCAN` only the pages an instance dirtied are zeroed in place: no `madvise`, so no
/// TLB shoot-downs across cores and no page faults for the next instance.
const KEEP_RESIDENT: usize = 4 << 20;

/// Pre-allocated instance slots: faster instantiation for many concurrent invocations.
#[derive(Debug, Clone, Copy)]
struct Pooling {
    concurrent: u32,
    max_memory: usize,
}

impl RuntimeBuilder {
    /// Keep compiled components in `dir` so later starts skip compilation.
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Uses wasmtime's pooling allocator with `concurrent` instance slots whose memories may
    /// grow to `max_memory` bytes (a [`Policy`]'s memory limit must not exceed it). Invocations
    /// beyond `concurrent` at once fail to instantiate, so size it to the platform's concurrency.
    pub fn with_pooling(mut self, concurrent: u32, max_memory: usize) -> Self {
        self.pooling = Some(Pooling { concurrent, max_memory });
        self
    }

    /// Lets a policy without `outbound` rules use the destinations the component declares
    /// (`x-outbound` in its auth schema, see [`DeclaredOutbound`]). Off by default: a component
    /// is not trusted to choose where it may send a tenant's credentials; an operator who has
    /// reviewed the declaration (`describe`) turns it on for that component.
    pub fn trust_declared_outbound(mut self) -> Self {
        self.trust_declared_outbound = true;
        self
    }

    /// Gives up a connection whose peer takes no bytes for `timeout` (default
    /// [`DEFAULT_WRITE_STALL_TIMEOUT`], 120 s; at least [`MIN_WRITE_STALL_TIMEOUT`], as any
    /// upload waits a little for its server now and then). Connections are shared between
    /// invocations and outlive them, so this bounds, for every invocation alike, how long a
    /// server that stops reading holds a connection's task, socket and buffered bytes.
    pub fn with_write_stall_timeout(mut self, timeout: Duration) -> Self {
        self.write_stall = Some(timeout.max(MIN_WRITE_STALL_TIMEOUT));
        self
    }

    /// Writes `/tmp/perf-<pid>.map` so `perf report` names the component's compiled functions
    /// (by the names in its `name` section, if it kept one): for profiling the guest.
    pub fn with_perf_map(mut self) -> Self {
        self.perf_map = true;
        self
    }

    /// Loads the component from `wasm` bytes.
    pub fn build(self, wasm: &[u8]) -> Result<Runtime, HostError> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        if self.perf_map {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        if let Some(pooling) = self.pooling {
            let mut pool = PoolingAllocationConfig::default();
            pool.total_component_instances(pooling.concurrent)
                .total_core_instances(pooling.concurrent * CORE_INSTANCES_PER_COMPONENT)
                .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
                .total_memories(pooling.concurrent * 2)
                .total_tables(pooling.concurrent * 4)
                .total_stacks(pooling.concurrent)
                .max_memory_size(pooling.max_memory);
            // Without PAGEMAP_SCAN (Linux < 6.7) keeping memory resident means a memset of all
            // of it per instance, which costs more than it saves: keep wasmtime's madvise then.
            if PoolingAllocationConfig::is_pagemap_scan_available() {
                pool.pagemap_scan(Enabled::Yes)
                    .linear_memory_keep_resident(KEEP_RESIDENT)
                    .table_keep_resident(KEEP_RESIDENT);
            }
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        }
        let engine = Engine::new(&config).map_err(HostError::Load)?;
        let started = Instant::now();
        let (component, cache) = load_component(&engine, wasm, self.cache_dir.as_deref())?;
        let load_time = started.elapsed();
        let imports: Vec<String> =
            component.component_type().imports(&engine).map(|(name, _)| name.to_string()).collect();
        crate::linker::check_imports(imports.iter().map(String::as_str))?;
        let linker = crate::linker::linker(&engine).map_err(HostError::Load)?;
        let instance_pre = linker.instantiate_pre(&component).map_err(HostError::Instantiate)?;
        let exports = ConnectorExports::find(instance_pre).map_err(HostError::Instantiate)?;
        let stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), stop.clone());
        let fairness = Arc::new(Fairness::default());
        Ok(Runtime {
            engine,
            exports,
            client: HttpClient::new(self.write_stall.unwrap_or(DEFAULT_WRITE_STALL_TIMEOUT)),
            imports,
            stop_ticker: stop,
            cache,
            load_time,
            fairness,
            declared: tokio::sync::OnceCell::new(),
            input_schemas: tokio::sync::OnceCell::new(),
            trust_declared_outbound: self.trust_declared_outbound,
        })
    }
}

/// A loaded connector, ready for many concurrent invocations.
pub struct Runtime {
    engine: Engine,
    exports: ConnectorExports,
    client: HttpClient,
    imports: Vec<String>,
    stop_ticker: Arc<AtomicBool>,
    cache: CacheUse,
    load_time: Duration,
    fairness: Arc<Fairness>,
    /// The connector's own outbound declaration, read from its description once.
    declared: tokio::sync::OnceCell<DeclaredOutbound>,
    /// Whether a policy without rules takes the declaration (else it allows nothing).
    trust_declared_outbound: bool,
    /// The manifest's input and configuration schemas, compiled on first use (a manifest that
    /// does not compile stays refused: compiling again would give the same answer).
    input_schemas: tokio::sync::OnceCell<Result<InputSchemas, String>>,
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.stop_ticker.store(true, Ordering::Relaxed);
    }
}

/// The outcome of one invocation. Its `Debug` output hides secrets (see [`CapturedRequest`]).
#[derive(Debug)]
pub struct Invocation<T = String> {
    /// The guest's answer (JSON output text for an operation), or its typed error.
    pub result: Result<T, ConnectorError>,
    /// Requests recorded in a dry run (at most `Budgets::recorded_requests`).
    pub captured: Vec<CapturedRequest>,
    /// Destinations the egress policy refused (at most `Budgets::recorded_requests`).
    pub denied: Vec<String>,
    /// Refused or captured requests beyond those kept.
    pub unrecorded: u64,
    /// The guest's peak linear memory, in bytes.
    pub peak_memory: usize,
}

impl<T> Invocation<T> {
    /// The answer to an input the manifest's schema refuses: `invalid-input` at its field; the
    /// guest did not run.
    fn refused(refusal: SchemaRefusal) -> Self {
        let error = ConnectorError {
            kind: if refusal.too_large { ErrorKind::TooLarge } else { ErrorKind::InvalidInput },
            message: refusal.message,
            service_code: None,
            http_status: None,
            request_id: None,
            retryable: false,
            field: Some(refusal.field),
            retry_after_ms: None,
        };
        Invocation { result: Err(error), captured: Vec::new(), denied: Vec::new(), unrecorded: 0, peak_memory: 0 }
    }

    /// The same invocation with its answer read by `f`, which may find it malformed.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> Result<U, ConnectorError>) -> Invocation<U> {
        Invocation {
            result: self.result.and_then(f),
            captured: self.captured,
            denied: self.denied,
            unrecorded: self.unrecorded,
            peak_memory: self.peak_memory,
        }
    }

    /// The same invocation with its answer mapped by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Invocation<U> {
        Invocation {
            result: self.result.map(f),
            captured: self.captured,
            denied: self.denied,
            unrecorded: self.unrecorded,
            peak_memory: self.peak_memory,
        }
    }
}

/// One call of the connector's exports.
enum Call<'a> {
    Invoke { operation: &'a str, input: &'a str },
    Check { scope: Option<&'a str> },
    Options { operation: &'a str, field: &'a str, partial_input: &'a str, cursor: Option<&'a str> },
    Poll { trigger: &'a str, config: &'a str, state: Option<&'a str> },
}

/// An export's answer: each export has one shape, so the accessors cannot see another.
enum Answer {
    Text(String),
    Poll(bindings::PollResult),
}

impl Answer {
    fn into_text(self) -> String {
        match self {
            Answer::Text(text) => text,
            _ => unreachable!("invoke, check and options answer with text"),
        }
    }

    fn into_poll(self) -> bindings::PollResult {
        match self {
            Answer::Poll(result) => result,
            _ => unreachable!("poll answers with a poll result"),
        }
    }
}

impl Runtime {
    /// A builder.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// The component's imports (`wasi:http/outgoing-handler@0.2.12`, ...).
    pub fn imports(&self) -> &[String] {
        &self.imports
    }

    /// Whether the compiled artifact came from the cache, and how long loading took.
    pub fn load_stats(&self) -> (bool, Duration) {
        (self.cache == CacheUse::Hit, self.load_time)
    }

    /// Why the compiled artifact could not be cached, if it could not.
    pub fn cache_warning(&self) -> Option<&str> {
        match &self.cache {
            CacheUse::Miss(warning) => warning.as_deref(),
            _ => None,
        }
    }

    /// The connector's self-description, from a fresh instance.
    pub async fn describe(&self) -> Result<ConnectorInfo, HostError> {
        // Describing needs no network and little time: a component that spins here is stopped
        // long before an invocation's limit.
        let policy = Policy { outbound: Some(Vec::new()), time_limit: DESCRIBE_TIME_LIMIT, ..Policy::default() };
        let (mut store, _, _) = self.new_store(&policy, Vec::new());
        let usage = store.data().usage.clone();
        let exports = &self.exports;
        let call = async {
            let instance = exports.instantiate(&mut store).await.map_err(|e| (e, true))?;
            exports.describe(&mut store, &instance).await.map_err(|e| (e, false))
        };
        let outcome = bounded(call, &policy, &usage).await;
        finish(outcome, &usage, &policy)
    }

    /// Where the connector says it connects (its auth schema's `x-outbound`), read from its
    /// description on first use: the rules of a policy whose `outbound` is `None`.
    pub async fn declared_outbound(&self) -> Result<&DeclaredOutbound, HostError> {
        self.declared
            .get_or_try_init(|| async {
                let info = self.describe().await?;
                DeclaredOutbound::from_auth_schema(&info.auth_schema).map_err(|e| HostError::Policy(e.to_string()))
            })
            .await
    }

    /// Runs `operation` with `auth` and `input` (JSON texts) in a fresh instance under `policy`.
    pub async fn invoke(
        &self,
        operation: &str,
        auth: &str,
        input: &str,
        policy: &Policy,
    ) -> Result<Invocation, HostError> {
        Ok(self.call(auth, policy, Call::Invoke { operation, input }).await?.map(Answer::into_text))
    }

    /// Checks `auth` (a platform's "test connection"), and its access to `scope` (for S3, a
    /// bucket) when given: the guest's report (JSON text), or its typed error saying what to fix.
    pub async fn check(&self, auth: &str, scope: Option<&str>, policy: &Policy) -> Result<Invocation, HostError> {
        Ok(self.call(auth, policy, Call::Check { scope }).await?.map(Answer::into_text))
    }

    /// The choices for input `field` of `operation`, given the form so far (`partial_input`,
    /// JSON text), continuing at `cursor`.
    pub async fn options(
        &self,
        operation: &str,
        field: &str,
        auth: &str,
        partial_input: &str,
        cursor: Option<&str>,
        policy: &Policy,
    ) -> Result<Invocation<Choices>, HostError> {
        let call = Call::Options { operation, field, partial_input, cursor };
        Ok(self.call(auth, policy, call).await?.map(Answer::into_text).and_then(|text| crate::answers::choices(&text)))
    }

    /// Polls `trigger` with its `config` (JSON text), continuing the `state` the previous poll
    /// returned. Store the new state only once the events are handled.
    pub async fn poll(
        &self,
        trigger: &str,
        auth: &str,
        config: &str,
        state: Option<&str>,
        policy: &Policy,
    ) -> Result<Invocation<PollResult>, HostError> {
        let call = Call::Poll { trigger, config, state };
        Ok(self.call(auth, policy, call).await?.map(Answer::into_poll).and_then(crate::answers::poll_result))
    }

    /// The connector's input and configuration schemas, compiled from its description on first
    /// use. A manifest whose schemas cannot be compiled is refused: its inputs cannot be checked.
    pub async fn input_schemas(&self) -> Result<&InputSchemas, HostError> {
        let compiled = self
            .input_schemas
            .get_or_try_init(|| async { self.describe().await.map(|info| InputSchemas::compile(&info)) })
            .await?;
        compiled.as_ref().map_err(|why| HostError::InvalidManifest(why.clone()))
    }

    /// Runs one export call in a fresh instance under `policy`, with the outbound rules for
    /// `auth`. An operation's input and a trigger's configuration are first checked against the
    /// manifest's schemas; one that does not match is answered without running the guest.
    async fn call(&self, auth: &str, policy: &Policy, call: Call<'_>) -> Result<Invocation<Answer>, HostError> {
        // The host parses what it checks: an input larger than a quarter of the guest's memory (which
        // could not hold it and its parsed form anyway) is refused unread.
        let max_bytes = policy.memory_limit / 4;
        let refusal = match &call {
            Call::Invoke { operation, input } => {
                self.input_schemas().await?.check_operation(operation, input, max_bytes).err()
            }
            Call::Poll { trigger, config, .. } => {
                self.input_schemas().await?.check_trigger(trigger, config, max_bytes).err()
            }
            Call::Check { .. } | Call::Options { .. } => None,
        };
        if let Some(refusal) = refusal {
            return Ok(Invocation::refused(refusal));
        }
        let rules = match &policy.outbound {
            Some(rules) => rules.clone(),
            None if self.trust_declared_outbound => {
                self.declared_outbound().await?.rules_for(auth).map_err(|e| HostError::Policy(e.to_string()))?
            }
            None => Vec::new(),
        };
        let (mut store, captured, denied) = self.new_store(policy, rules);
        let usage = store.data().usage.clone();
        let exports = &self.exports;
        // Instantiation runs guest code too (start functions): it is inside the same limits.
        let run = async {
            let instance = exports.instantiate(&mut store).await.map_err(|e| (e, true))?;
            let store = &mut store;
            let answer = match call {
                Call::Invoke { operation, input } => {
                    exports.invoke(store, &instance, (operation, auth, input)).await.map(|r| r.map(Answer::Text))
                }
                Call::Check { scope } => {
                    exports.check(store, &instance, (auth, scope)).await.map(|r| r.map(Answer::Text))
                }
                Call::Options { operation, field, partial_input, cursor } => exports
                    .options(store, &instance, (operation, field, auth, partial_input, cursor))
                    .await
                    .map(|r| r.map(Answer::Text)),
                Call::Poll { trigger, config, state } => {
                    exports.poll(store, &instance, (trigger, auth, config, state)).await.map(|r| r.map(Answer::Poll))
                }
            };
            answer.map_err(|e| (e, false))
        };
        let outcome = bounded(run, policy, &usage).await;
        let result = finish(outcome, &usage, policy)?;
        let peak_memory = store.data().limits.peak_memory();
        drop(store);
        let (captured, captured_dropped) = crate::egress::take(&captured);
        let (denied, denied_dropped) = crate::egress::take(&denied);
        Ok(Invocation { result, captured, denied, unrecorded: captured_dropped + denied_dropped, peak_memory })
    }

    #[expect(clippy::type_complexity, reason = "the wasmtime closure type is spelled out once, here")]
    fn new_store(
        &self,
        policy: &Policy,
        rules: Vec<crate::policy::OutboundRule>,
    ) -> (Store<HostState>, Arc<Mutex<Recorded<CapturedRequest>>>, Arc<Mutex<Recorded<String>>>) {
        let mut wasi = WasiCtxBuilder::new();
        // Random bytes are made on the calling worker: a small cap keeps each call short.
        wasi.max_random_size(MAX_RANDOM_BYTES);
        if let Some(time) = policy.pinned_time {
            wasi.wall_clock(PinnedClock::new(time));
        }
        let usage = Usage::new(policy.budgets.clone());
        let captured = Arc::new(Mutex::new(Recorded::default()));
        let denied = Arc::new(Mutex::new(Recorded::default()));
        let hooks = EgressHooks {
            client: self.client.for_policy(policy.allow_private_networks, policy.ca_bundle.as_ref()),
            rules,
            allow_private: policy.allow_private_networks,
            usage: usage.clone(),
            capture: policy.dry_run.then(|| captured.clone()),
            denied: denied.clone(),
            progress: policy.progress.clone(),
            tally: Tally::default(),
        };
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(policy.budgets.header_bytes);
        let mut table = ResourceTable::new();
        table.set_max_capacity(policy.budgets.resources);
        let state = HostState {
            wasi: wasi.build(),
            http,
            table,
            hooks,
            files: policy.files.clone(),
            usage,
            cancelled: Arc::new(AtomicBool::new(false)),
            clock: GuestClock::new(self.fairness.clone(), EPOCH_TICK),
            limits: GuestLimits::new(policy.memory_limit, &policy.budgets),
            control: InvocationControl { cancellation: policy.cancellation.clone(), progress: policy.progress.clone() },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // Every tick the guest yields to the executor, so a spinning guest cannot hold a worker
        // thread; past its deadline, or once it exceeded a budget, it is stopped.
        let deadline = Instant::now() + policy.time_limit;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut store| {
            if let Some(exceeded) = store.data().usage.exceeded() {
                return Err(exceeded.into());
            }
            if Instant::now() >= deadline {
                return Err(TimeLimitReached.into());
            }
            // Behind the tasks that were waiting; CPU-heavy guests rest longer (`fairness`).
            Ok(UpdateDeadline::YieldCustom(1, store.data_mut().clock.on_tick()))
        });
        (store, captured, denied)
    }
}

/// The wall-clock limit passed while the guest was running.
#[derive(Debug, thiserror::Error)]
#[error("the invocation reached its time limit")]
struct TimeLimitReached;

/// How an instantiation and call ended: its answer, a failure (and whether it came while
/// instantiating), or the host stopping it (its time limit, a budget recorded in its usage, or
/// a cancel whose grace period passed).
enum Outcome<T> {
    Answered(Result<T, (wasmtime::Error, bool)>),
    Stopped,
    Cancelled,
}

/// Runs `call` until it ends, its time limit passes, it exceeds a budget — even while it waits
/// in a host call, where no epoch tick would stop it — or it was cancelled and its grace period
/// for cleaning up passed.
async fn bounded<T>(
    call: impl Future<Output = Result<T, (wasmtime::Error, bool)>>,
    policy: &Policy,
    usage: &Usage,
) -> Outcome<T> {
    let cancelled_and_grace_over = async {
        match &policy.cancellation {
            Some(cancellation) => {
                cancellation.requested().await;
                tokio::time::sleep(policy.cancel_grace).await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        outcome = tokio::time::timeout(policy.time_limit, call) => match outcome {
            Ok(answer) => Outcome::Answered(answer),
            Err(_) => Outcome::Stopped,
        },
        () = usage.exceeded_signal() => Outcome::Stopped,
        () = cancelled_and_grace_over => Outcome::Cancelled,
    }
}

/// The invocation's answer, or why the host stopped it: a budget it exceeded wins over the
/// guest's own answer to the refusal.
fn finish<T>(outcome: Outcome<T>, usage: &Usage, policy: &Policy) -> Result<T, HostError> {
    if let Some(exceeded) = usage.exceeded() {
        return Err(budget_error(exceeded, policy));
    }
    match outcome {
        Outcome::Answered(Ok(answer)) => Ok(answer),
        Outcome::Answered(Err((trap, instantiating))) => Err(classify_trap(trap, policy, instantiating)),
        // A budget stop was answered above: what is left is the time limit.
        Outcome::Stopped => Err(HostError::TimeLimit(policy.time_limit)),
        Outcome::Cancelled => Err(HostError::Cancelled(policy.cancel_grace)),
    }
}

fn budget_error(exceeded: BudgetExceeded, policy: &Policy) -> HostError {
    match exceeded.budget {
        Budget::Memory => HostError::MemoryLimit(policy.memory_limit),
        _ => HostError::Budget(exceeded),
    }
}

/// Why the guest stopped, from the error's own types: a budget, the time limit, or a trap.
fn classify_trap(error: wasmtime::Error, policy: &Policy, instantiating: bool) -> HostError {
    for cause in error.chain() {
        if let Some(exceeded) = cause.downcast_ref::<BudgetExceeded>() {
            return budget_error(*exceeded, policy);
        }
        if cause.is::<TimeLimitReached>() {
            return HostError::TimeLimit(policy.time_limit);
        }
        if let Some(ResourceTableError::Full) = cause.downcast_ref::<ResourceTableError>() {
            let limit = policy.budgets.resources as u64;
            return HostError::Budget(BudgetExceeded { budget: Budget::Resources, limit });
        }
        if let Some(wasmtime::Trap::Interrupt) = cause.downcast_ref::<wasmtime::Trap>() {
            return HostError::TimeLimit(policy.time_limit);
        }
    }
    if instantiating { HostError::Instantiate(error) } else { HostError::Trap(format!("{error:#}")) }
}

fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("wasm-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("cannot start the epoch thread");
}
