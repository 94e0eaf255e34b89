//! This process as the operating system sees it — resident memory and open descriptors, for
//! tests and benchmarks that check the host stays within its bounds — and the servers it starts.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

/// The process's resident set, in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The process's open descriptors.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

/// A loopback port nobody listens on.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("no free loopback port")
}

/// Starts a server from a thread that lives as long as this process, its output appended to
/// `log`; the child gets SIGKILL when that thread (so the process) ends. Returns its process id.
pub fn spawn_tied(mut command: Command, log: &Path) -> u32 {
    let log = log.to_path_buf();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("cannot open the server log");
        command.stdin(Stdio::null()).stdout(log.try_clone().expect("log")).stderr(log);
        // SAFETY: prctl is async-signal-safe and only sets this child's parent-death signal.
        unsafe {
            use std::os::unix::process::CommandExt;
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let _ = ready_tx.send(child.id());
        let _ = child.wait();
    });
    ready_rx.recv().expect("the server thread died")
}
