//! The connector interface's five functions, found once per loaded component. An invocation
//! type-checks only the function it calls: the generated bindings' `instantiate_async` checks
//! all five, `describe`'s large record among them, on every instantiation (3 % of a refused
//! invocation's instructions; `bench/NOTES.md`).

use crate::bindings::{ConnectorError, ConnectorInfo, GuestIndices, PollResult};
use crate::state::HostState;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmtime::Store;
use wasmtime::component::{ComponentExportIndex, Instance, InstancePre};

/// Where each function of the `connector` interface is in the component.
pub(crate) struct ConnectorExports {
    instance_pre: InstancePre<HostState>,
    describe: ComponentExportIndex,
    invoke: ComponentExportIndex,
    check: ComponentExportIndex,
    options: ComponentExportIndex,
    poll: ComponentExportIndex,
    /// Whether an instance's exports were all found to have the interface's types.
    types_checked: AtomicBool,
}

/// What one export call gives: the guest's answer, or the trap or host error that ended it.
type Called<T> = wasmtime::Result<T>;

impl ConnectorExports {
    /// Finds the interface's functions, refusing a component that lacks one (naming it).
    pub(crate) fn find(instance_pre: InstancePre<HostState>) -> wasmtime::Result<Self> {
        let component = instance_pre.component();
        let interface = component
            .get_export_index(None, INTERFACE)
            .ok_or_else(|| wasmtime::format_err!("no exported instance named `{INTERFACE}`"))?;
        let function = |name: &str| {
            component
                .get_export_index(Some(&interface), name)
                .ok_or_else(|| wasmtime::format_err!("`{INTERFACE}` does not export `{name}`"))
        };
        Ok(Self {
            describe: function("describe")?,
            invoke: function("invoke")?,
            check: function("check")?,
            options: function("options")?,
            poll: function("poll")?,
            types_checked: AtomicBool::new(false),
            instance_pre,
        })
    }

    /// A fresh instance in `store`. The first one's exports are all type-checked (as the
    /// generated bindings would, on every instance): a component whose export has the wrong type
    /// fails to instantiate, and every later call's own check agrees with this one.
    pub(crate) async fn instantiate(&self, store: &mut Store<HostState>) -> wasmtime::Result<Instance> {
        let instance = self.instance_pre.instantiate_async(&mut *store).await?;
        if !self.types_checked.load(Ordering::Acquire) {
            GuestIndices::new(&self.instance_pre)?.load(&mut *store, &instance)?;
            self.types_checked.store(true, Ordering::Release);
        }
        Ok(instance)
    }

    /// `describe()`.
    pub(crate) async fn describe(&self, store: &mut Store<HostState>, instance: &Instance) -> Called<ConnectorInfo> {
        let func = instance.get_typed_func::<(), (ConnectorInfo,)>(&mut *store, &self.describe)?;
        Ok(func.call_async(store, ()).await?.0)
    }

    /// `invoke(operation, auth, input)`.
    pub(crate) async fn invoke(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        (operation, auth, input): (&str, &str, &str),
    ) -> Called<Result<String, ConnectorError>> {
        let func = instance
            .get_typed_func::<(&str, &str, &str), (Result<String, ConnectorError>,)>(&mut *store, &self.invoke)?;
        Ok(func.call_async(store, (operation, auth, input)).await?.0)
    }

    /// `check(auth, scope)`.
    pub(crate) async fn check(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        (auth, scope): (&str, Option<&str>),
    ) -> Called<Result<String, ConnectorError>> {
        let func = instance
            .get_typed_func::<(&str, Option<&str>), (Result<String, ConnectorError>,)>(&mut *store, &self.check)?;
        Ok(func.call_async(store, (auth, scope)).await?.0)
    }

    /// `options(operation, field, auth, partial-input, cursor)`.
    pub(crate) async fn options(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        arguments: (&str, &str, &str, &str, Option<&str>),
    ) -> Called<Result<String, ConnectorError>> {
        let func = instance
            .get_typed_func::<(&str, &str, &str, &str, Option<&str>), (Result<String, ConnectorError>,)>(
                &mut *store,
                &self.options,
            )?;
        Ok(func.call_async(store, arguments).await?.0)
    }

    /// `poll(trigger, auth, config, state)`.
    pub(crate) async fn poll(
        &self,
        store: &mut Store<HostState>,
        instance: &Instance,
        arguments: (&str, &str, &str, Option<&str>),
    ) -> Called<Result<PollResult, ConnectorError>> {
        let func = instance.get_typed_func::<(&str, &str, &str, Option<&str>), (Result<PollResult, ConnectorError>,)>(
            &mut *store,
            &self.poll,
        )?;
        Ok(func.call_async(store, arguments).await?.0)
    }
}

/// The exported interface, as the world names it. Its version follows `wit/`'s package version
/// (a mismatch fails every load, hence every test, naming the interface).
const INTERFACE: &str = "workflow:connector/connector@0.2.2";
