//! The bindings `wit-bindgen` generates for the adapter's world: the connector's `file-store`
//! and `invocation` exported, `wasi:filesystem` (and what it uses) imported.

wit_bindgen::generate!({
    path: "../../wit",
    inline: r"
        package workflow:file-store-adapter@0.1.0;

        /// The connector's file store and invocation interfaces over plain WASI.
        world file-store-adapter {
            import wasi:filesystem/preopens@0.2.12;
            import wasi:random/random@0.2.12;
            import wasi:clocks/monotonic-clock@0.2.12;
            export workflow:connector/file-store@0.2.2;
            export workflow:connector/invocation@0.2.2;
            /// Types only: exported so the composition imports nothing but WASI.
            export workflow:connector/types@0.2.2;
        }
    ",
    world: "workflow:file-store-adapter/file-store-adapter",
    generate_all,
});
