//! The bindings `wit-bindgen` generates for the `http-connector` world (`wit/world.wit`): the
//! imports the adapter calls and the export the component implements.

wit_bindgen::generate!({
    path: "../wit",
    world: "workflow:connector/http-connector",
    generate_all,
});
