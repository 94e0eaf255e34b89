//! Which IP addresses a guest's request may reach. Only globally routable unicast addresses are
//! public; everything an attacker could use to reach the host's own network — loopback, private
//! ranges, link-local (the cloud metadata service at 169.254.169.254 and `fd00:ec2::254`), CGNAT,
//! unique-local, unspecified, multicast, reserved, and the IPv4-mapped, -compatible, NAT64 and
//! 6to4 forms of them — is private and refused unless the operator allows private networks.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `ip` is a private (non-public) address in the sense above.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => is_private_v6(v6),
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0.0/24
        || (a == 198 && (18..20).contains(&b)) // benchmarking, 198.18.0.0/15
        || a >= 240 // reserved, 240.0.0.0/4
}

fn is_private_v6(ip: Ipv6Addr) -> bool {
    if let Some(embedded) = embedded_v4(ip) {
        return is_private_v4(embedded);
    }
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique-local, fc00::/7 (fd00:ec2::254 among them)
        || (first & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation, 2001:db8::/32
        || first == 0x0100 && ip.segments()[1..4] == [0, 0, 0] // discard-only, 100::/64
}

/// The IPv4 address carried inside an IPv6 one: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`), SIIT (`::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`, `64:ff9b:1::/48`) and
/// 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] => Some(tail),
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(tail), // SIIT, ::ffff:0:a.b.c.d
        [0x64, 0xff9b, 1, _, _, _, _, _] => Some(tail), // local-use NAT64, 64:ff9b:1::/48
        [0, 0, 0, 0, 0, 0, _, _] if !ip.is_unspecified() && !ip.is_loopback() => Some(tail),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

/// The IP address a URI host names literally (`10.0.0.1`, `[::1]`), if it is one.
pub fn literal(host: &str) -> Option<IpAddr> {
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(text: &str) -> bool {
        is_private(literal(text).unwrap_or_else(|| panic!("{text} is not an address")))
    }

    #[test]
    fn internal_addresses_are_private() {
        for text in [
            "127.0.0.1",
            "127.255.255.254",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.170",
            "198.18.0.1",
            "[::1]",
            "[::]",
            "[fd00:ec2::254]",
            "[fc00::1]",
            "[fe80::1]",
            "[ff02::1]",
            "[::ffff:127.0.0.1]",
            "[::ffff:a9fe:a9fe]",
            "[::169.254.169.254]",
            "[64:ff9b::a9fe:a9fe]",
            "[64:ff9b:1::a9fe:a9fe]",
            "[::ffff:0:a9fe:a9fe]",
            "[2002:a9fe:a9fe::1]",
            "[2001:db8::1]",
        ] {
            assert!(private(text), "{text} must be private");
        }
    }

    #[test]
    fn internet_addresses_are_public() {
        for text in ["52.216.0.1", "3.5.140.2", "100.128.0.1", "172.32.0.1", "[2600:1f18::1]", "[::ffff:52.216.0.1]"] {
            assert!(!private(text), "{text} must be public");
        }
    }

    #[test]
    fn literals_parse_with_and_without_brackets() {
        assert_eq!(literal("[::1]"), Some(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(literal("127.0.0.1"), Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert_eq!(literal("s3.amazonaws.com"), None);
        // Numeric forms are not literals here; they are caught after resolution instead.
        assert_eq!(literal("2852039166"), None);
    }
}
