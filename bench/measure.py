"""Measure start->attached time, peak RSS and ns per BPF program run; then the
overhead of eth_drop and trace_conntrack on healthy traffic (no drops): UDP and
TCP ping-pong latency (sockperf) and iperf3 TCP throughput through the lab
router, without and with the tool, interleaved round by round, as ratios.

Called by bench/run.sh with the lab's names in the environment. Standard
library only (Debian's /usr/bin/python3).
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
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


# ---- overhead on healthy traffic -----------------------------------------------------
OVH_SECS = float(E.get("OVH_SECS", "3"))
OVH_ROUNDS = int(E.get("OVH_ROUNDS", "3"))
OVH_TOOLS = {
    # as a user starts them first: no filter, stacks on (eth_drop); new+destroy (conntrack)
    "eth_drop": ["eth_drop", "--json"],
    "trace_conntrack": ["trace_conntrack", "--json"],
}
SP_UDP, SP_TCP, IPERF_PORT = 11311, 11312, 5391
C = ["ip", "netns", "exec", E["LAB_CLIENT_NS"]]
S = ["ip", "netns", "exec", E["LAB_SERVER_NS"]]


def try_start(args, out):
    """Start a tool (stdout to the file out); (proc, None) or (None, why it did not)."""
    p = subprocess.Popen(R + [NT] + args, stdout=out, stderr=subprocess.PIPE, text=True)
    last = ""
    for line in p.stderr:
        if line.startswith("Tracing"):
            return p, None
        last = line.strip() or last
    p.wait()
    return None, f"exit {p.returncode}: {last}"


def pingpong(tcp):
    """(p50 RTT us, p99 RTT us, round trips/s) of one sockperf ping-pong run."""
    cmd = C + ["sockperf", "ping-pong", "-i", E["LAB_SERVER_IP"], "-p",
               str(SP_TCP if tcp else SP_UDP), "-t", str(int(OVH_SECS)), "--full-rtt"]
    if tcp:
        cmd.insert(len(C) + 2, "--tcp")
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    pct = dict(re.findall(r"percentile (\d+\.\d+) =\s+([\d.]+)", out))
    run = re.search(r"RunTime=([\d.]+) sec; SentMessages=(\d+)", out)
    if "50.000" not in pct or not run:
        raise SystemExit("bench: sockperf ping-pong gave no result:\n" + out[-500:])
    return float(pct["50.000"]), float(pct["99.000"]), int(run.group(2)) / float(run.group(1))


def throughput():
    """iperf3 TCP client -> server through the router, Gbit/s."""
    out = subprocess.run(C + ["iperf3", "-c", E["LAB_SERVER_IP"], "-p", str(IPERF_PORT), "-t",
                              str(int(OVH_SECS)), "-J"], capture_output=True, text=True).stdout
    try:
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9
    except (ValueError, KeyError):
        raise SystemExit("bench: iperf3 gave no result:\n" + out[-500:])


def measure_set():
    udp, tcp = pingpong(False), pingpong(True)
    return {"udp_p50": udp[0], "udp_p99": udp[1], "udp_rate": udp[2],
            "tcp_p50": tcp[0], "tcp_p99": tcp[1], "tcp_rate": tcp[2], "gbps": throughput()}


def overhead():
    if not shutil.which("sockperf"):
        print("\noverhead: skipped, sockperf is not installed (make deps)")
        return
    servers = [subprocess.Popen(S + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for cmd in (["sockperf", "server", "-i", E["LAB_SERVER_IP"], "-p", str(SP_UDP)],
                           ["sockperf", "server", "--tcp", "-i", E["LAB_SERVER_IP"], "-p",
                            str(SP_TCP)],
                           ["iperf3", "-s", "-B", E["LAB_SERVER_IP"], "-p", str(IPERF_PORT)])]
    time.sleep(0.5)
    results, missing = {}, {}
    try:
        for name, args in OVH_TOOLS.items():
            base, tool, drops = [], [], []
            with tempfile.TemporaryFile("w+") as out:
                p, why = try_start(args, out)     # can it attach here at all?
            if not p:
                missing[name] = why
                continue
            stop(p)
            for _ in range(OVH_ROUNDS):
                base.append(measure_set())
                with tempfile.TemporaryFile("w+") as out:
                    p, why = try_start(args, out)
                    if not p:
                        raise SystemExit(f"bench: {name} did not start: {why}")
                    tool.append(measure_set())
                    stop(p)
                    out.seek(0)
                    for line in out:
                        o = json.loads(line)
                        if o.get("type") == "summary":
                            drops.append(o.get("drops", sum(o.get("events", {}).values())))
            if tool:
                results[name] = (base, tool, drops)
    finally:
        for srv in servers:
            srv.kill()
            srv.wait()

    if E.get("NT_GUEST"):
        print("\n[qemu TCG guest: indicative numbers only]")
    print(f"\noverhead on healthy traffic through the lab router ({OVH_ROUNDS} interleaved "
          f"rounds of {OVH_SECS:g} s; RTT in us; ratio = with tool / without - 1; 'best' = the "
          "least disturbed round: lowest RTT, highest rate)")
    keys = [("udp_p50", "UDP ping-pong p50 RTT", min), ("udp_p99", "UDP ping-pong p99 RTT", min),
            ("udp_rate", "UDP round trips/s", max), ("tcp_p50", "TCP ping-pong p50 RTT", min),
            ("tcp_p99", "TCP ping-pong p99 RTT", min), ("tcp_rate", "TCP round trips/s", max),
            ("gbps", "iperf3 TCP Gbit/s", max)]
    names = list(results)
    print(f"{'metric':<22}" + "".join(f"{'no tool':>9} {n:>15} {'ratio':>7} {'best: ratio':>12}  "
                                      for n in names))
    for k, label, best in keys:
        row = f"{label:<22}"
        for n in names:
            b = statistics.median(r[k] for r in results[n][0])
            t = statistics.median(r[k] for r in results[n][1])
            bb, tb = best(r[k] for r in results[n][0]), best(r[k] for r in results[n][1])
            row += (f"{b:>9.1f} {t:>15.1f} {(t / b - 1) * 100 if b else 0:>+6.1f}% "
                    f"{(tb / bb - 1) * 100 if bb else 0:>+11.1f}%  ")
        print(row)
    for n in names:
        print(f"{n}: events/drops reported while measured: {results[n][2]} (healthy traffic; "
              "other work on this host can add some)")
    for n, why in missing.items():
        print(f"{n}: not measured, it cannot attach on this host ({why})")
    print("Other engineers share this machine: rounds are interleaved to spread their load over "
          "both columns; compare ratios, and read +-5 % as noise.")
    if E.get("NT_GUEST"):
        print("Measured in a qemu TCG guest (kernel " + os.uname().release + "): everything runs "
              "10-50x slower than native and probes cost differently there; these ratios are "
              "INDICATIVE ONLY, not a measurement of production overhead.")


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
    if E.get("BENCH_PART") == "overhead":       # only the overhead comparison
        overhead()
        return
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
    overhead()


main()
