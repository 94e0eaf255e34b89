//! The host's outbound rules: any text parses to a rule or a typed error; a parsed rule prints
//! as text that parses back to the same rule; an exact origin has no wildcard, is the rule its
//! text parses to, and never matches a host it does not name, whatever the text.

#![no_main]

#[path = "../../host/src/outbound_rule.rs"]
#[expect(dead_code, reason = "the target uses part of the host module")]
mod outbound_rule;

use libfuzzer_sys::fuzz_target;
use outbound_rule::OutboundRule;

fuzz_target!(|input: (&str, &str, u16)| {
    let (text, host, port) = input;
    if let Ok(rule) = text.parse::<OutboundRule>() {
        let printed = rule.to_string();
        let again: OutboundRule = printed.parse().unwrap_or_else(|e| panic!("{printed:?} does not parse back: {e}"));
        assert_eq!(again, rule, "{text:?} -> {printed:?}");
        let _ = rule.allows("https", host, port);
    }
    if let Ok(exact) = OutboundRule::exact_origin(text) {
        // A `*` may stand in a URL's path or query, never in the origin it allows.
        let authority = text.trim().split_once("://").map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""));
        assert!(!authority.unwrap_or("").contains('*'), "{text:?}");
        assert!(!exact.to_string().contains('*'), "{text:?} -> {exact}");
        // Built directly, it is the rule its own text parses to.
        assert_eq!(exact.to_string().parse::<OutboundRule>().ok().as_ref(), Some(&exact), "{text:?} -> {exact}");
        if exact.allows("https", host, port) || exact.allows("http", host, port) {
            assert!(text.to_ascii_lowercase().contains(&host.to_ascii_lowercase()), "{text:?} allowed {host:?}");
        }
    }
});
