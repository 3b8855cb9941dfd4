"""Measure start->attached time, peak RSS and ns per BPF program run.

Called by bench/run.sh with the lab's names in the environment. Standard
library only (Debian's /usr/bin/python3).
"""
import json
import os
import statistics
import subprocess
import sys
import time

NT, RUNS, SECS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
E = os.environ
R = ["ip", "netns", "exec", E["LAB_ROUTER_NS"]]

TOOLS = {
    # icmp_path_tracer sees every packet at rx and tx; TCP is filtered out.
    "icmp_path_tracer": (
        ["icmp_path_tracer", "--src-ip", E["LAB_CLIENT_IP"], "--dst-ip", E["LAB_SERVER_IP"],
         "--rx-iface", E["LAB_RX_IF"], "--tx-iface", E["LAB_TX_IF"]],
        "tcp"),
    # eth_drop runs on every drop; these drops come from another source.
    "eth_drop": (["eth_drop", "--src-ip", "198.19.255.1"], "udp-drop"),
}


def start(args):
    """Start the tool; return (proc, seconds until it printed 'Tracing')."""
    t0 = time.perf_counter()
    p = subprocess.Popen(R + [NT] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    for line in p.stderr:
        if line.startswith("Tracing"):
            return p, time.perf_counter() - t0
    raise SystemExit(f"bench: {args[0]} did not start: rc={p.wait()}")


def rss_kib(pid):
    """(peak, current) resident set of a running process."""
    vals = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                vals[line.split(":")[0]] = int(line.split()[1])
    return vals.get("VmHWM", 0), vals.get("VmRSS", 0)


def stop(p):
    p.send_signal(2)
    p.wait(timeout=10)


def traffic(kind):
    server = subprocess.Popen(["ip", "netns", "exec", E["LAB_SERVER_NS"], "iperf3", "-s", "-1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    cmd = ["ip", "netns", "exec", E["LAB_CLIENT_NS"], "iperf3", "-c", E["LAB_SERVER_IP"],
           "-t", str(SECS), "-J"]
    if kind == "udp-drop":
        # iperf3's control channel is TCP; the UDP data to port 9 is dropped.
        cmd = ["ip", "netns", "exec", E["LAB_CLIENT_NS"], "/usr/bin/python3", "-c",
               "import socket,time\n"
               "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
               f"end=time.time()+{SECS}\nn=0\n"
               f"while time.time()<end:\n s.sendto(b'x'*64,('{E['LAB_SERVER_IP']}',9)); n+=1\n"
               "print(n)"]
        server.kill()
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    server.wait()
    if kind == "tcp":
        try:
            return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9, "Gbit/s"
        except (ValueError, KeyError):
            return 0.0, "Gbit/s"
    return int(out.strip() or 0) / SECS / 1000, "kpps"


def prog_stats():
    """Sum over our programs (names start with nt_; one tool runs at a time)."""
    progs = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                                      text=True).stdout or "[]")
    cnt = ns = 0
    for prog in progs:
        if prog.get("name", "").startswith("nt_"):
            cnt += prog.get("run_cnt", 0)
            ns += prog.get("run_time_ns", 0)
    return cnt, ns


def main():
    rows = []
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        stats_was = f.read().strip()
    for name, (args, kind) in TOOLS.items():
        starts, peak, steady = [], [], []
        for _ in range(RUNS):
            p, dt = start(args)
            starts.append(dt * 1000)
            time.sleep(0.2)
            hwm, cur = rss_kib(p.pid)
            peak.append(hwm / 1024)
            steady.append(cur / 1024)
            stop(p)
        subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=1"], check=True)
        try:
            p, _ = start(args)
            rate, unit = traffic(kind)
            cnt, ns = prog_stats()
            stop(p)
        finally:
            subprocess.run(["sysctl", "-qw", f"kernel.bpf_stats_enabled={stats_was}"])
        rows.append((name, statistics.median(starts), min(starts), max(peak), max(steady), cnt,
                     ns / cnt if cnt else 0.0, f"{rate:.2f} {unit}"))

    print(f"\nnettrail bench ({RUNS} runs each; kernel {os.uname().release}; "
          f"targets: start <= 30 ms, RSS <= 12 MiB)")
    print(f"{'tool':<18} {'start ms (med)':>14} {'(min)':>7} {'peak RSS MiB':>13} "
          f"{'steady RSS':>11} {'prog runs':>10} {'ns/run':>8}  traffic (filtered out)")
    for name, med, mn, rss, cur, cnt, nsr, rate in rows:
        print(f"{name:<18} {med:>14.1f} {mn:>7.1f} {rss:>13.1f} {cur:>11.1f} {cnt:>10} "
              f"{nsr:>8.0f}  {rate}")
    print("ns/run is the kernel's run_time_ns/run_cnt; timer reads are slow on this VM "
          "(see testbed.md): compare ratios, not absolutes.")


main()
