//! A component whose `connector` functions have the wrong types is refused when it is
//! instantiated, every time: the host checks all five exports' types on its first instance and
//! only trusts later instances once that check has passed.

use connector_host::{HostError, Policy, Runtime};

/// Exports every function of the interface by name, each as `func() -> u32`.
const WRONG_TYPES: &str = r#"
(component
  (core module $m (func (export "zero") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $zero (result u32) (canon lift (core func $i "zero")))
  (instance $connector
    (export "describe" (func $zero))
    (export "invoke" (func $zero))
    (export "check" (func $zero))
    (export "options" (func $zero))
    (export "poll" (func $zero)))
  (export "workflow:connector/connector@0.2.2" (instance $connector)))
"#;

#[tokio::test]
async fn exports_of_the_wrong_type_are_refused_at_instantiation() {
    let wasm = wat::parse_str(WRONG_TYPES).unwrap();
    let runtime = Runtime::builder().build(&wasm).expect("the functions exist, so the component loads");
    for _ in 0..2 {
        let error = runtime.describe().await.expect_err("describe has the wrong type");
        assert!(matches!(error, HostError::Instantiate(_)), "{error}");
        assert!(format!("{error:#}").contains("type mismatch"), "{error:#}");
        let error = runtime.invoke("head_object", "{}", "{}", &Policy::default()).await.expect_err("refused");
        assert!(matches!(error, HostError::Instantiate(_)), "{error}");
    }
}

#[tokio::test]
async fn a_component_without_the_interface_does_not_load() {
    let wasm = wat::parse_str("(component)").unwrap();
    let error = Runtime::builder().build(&wasm).err().expect("nothing exported");
    assert!(format!("{error:#}").contains("workflow:connector/connector"), "{error:#}");
}
