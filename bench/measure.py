"""Measure start->attached time, peak RSS and ns per BPF program run; then the
overhead of the tools in OVH_TOOLS (eth_drop, trace_conntrack, the latency family)
on healthy traffic (no drops): UDP and
TCP ping-pong latency (sockperf) and iperf3 TCP throughput through the lab
router, without and with the tool, interleaved round by round, as ratios.

Called by bench/run.sh with the lab's names in the environment. Standard
library only (Debian's /usr/bin/python3).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (bpf_stats, busy_cpu_ns, iperf3_gbps, perf_shares, prog_stats,  # noqa: E402
                      sockperf_pingpong, stop)
from benchlib import try_start as _try_start  # noqa: E402

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
# perf runs per latency tool: one 3-s run moves by +-0.4 points of share here, so the
# verdict takes the median of several
OVH_PERF_RUNS = int(E.get("OVH_PERF_RUNS", "5"))
CI = ["ip", "netns", "exec", E["LAB_CLIENT_NS"]]
# name -> (namespace command, arguments). eth_drop/trace_conntrack watch the router as a user
# starts them first (no filter, stacks on; new+destroy). The latency tools run where the
# measured traffic starts (the client), with the manual's arguments (summaries --interval 1,
# details/metrics an IP filter and a threshold: the reference's tools-template).
ALL_OVH_TOOLS = {
    "eth_drop": (R, ["eth_drop", "--json"]),
    "trace_conntrack": (R, ["trace_conntrack", "--json"]),
    "system_network_latency_summary": (CI, [
        "system_network_latency_summary", "--phy-interface", E["LAB_CLIENT_IF"],
        "--direction", "both", "--interval", "1", "--json"]),
    "system_network_latency_details": (CI, [
        "system_network_latency_details", "--phy-interface", E["LAB_CLIENT_IF"],
        "--direction", "both", "--src-ip", E["LAB_CLIENT_IP"], "--latency-us", "100", "--json"]),
    "system_network_perfomance_metrics": (CI, [
        "system_network_perfomance_metrics", "--phy-interface", E["LAB_CLIENT_IF"],
        "--direction", "both", "--src-ip", E["LAB_CLIENT_IP"], "--protocol", "tcp",
        "--latency-us", "200", "--json"]),
    # the VM path's summary on the router: its client-side port stands in for the VM's tap
    # (vnet_rx = tc ingress there), its server-side port for the physical one; the
    # per-packet work is the same as behind a tap (tc hooks, transmit tracepoints)
    "vm_network_latency_summary": (R, [
        "vm_network_latency_summary", "--vm-interface", E["LAB_RX_IF"], "--phy-interface",
        E["LAB_TX_IF"], "--direction", "both", "--interval", "1", "--json"]),
    "kernel_icmp_rtt": (CI, [
        "kernel_icmp_rtt", "--src-ip", E["LAB_CLIENT_IP"], "--dst-ip", E["LAB_SERVER_IP"],
        "--interface", E["LAB_CLIENT_IF"], "--direction", "tx", "--json"]),
    "system_network_icmp_rtt": (CI, [
        "system_network_icmp_rtt", "--src-ip", E["LAB_CLIENT_IP"], "--dst-ip", E["LAB_SERVER_IP"],
        "--phy-interface", E["LAB_CLIENT_IF"], "--direction", "tx", "--json"]),
}
# OVH_TOOLS=all or a comma list; the default keeps `make bench` near 5 minutes
OVH_DEFAULT = "eth_drop,trace_conntrack,system_network_latency_summary,system_network_latency_details"
_sel = E.get("OVH_TOOLS", OVH_DEFAULT)
_sel = list(ALL_OVH_TOOLS) if _sel == "all" else [t for t in _sel.split(",") if t]
for _t in _sel:
    if _t not in ALL_OVH_TOOLS:
        raise SystemExit(f"bench: OVH_TOOLS: unknown tool {_t!r} (known: {', '.join(ALL_OVH_TOOLS)}, all)")
OVH_TOOLS = {t: ALL_OVH_TOOLS[t] for t in _sel}
LAT_TOOLS = [t for t in OVH_TOOLS if t.startswith(("system_network_", "kernel_icmp", "vm_network_"))]
# the targets for the summary tools (overhead model of the manual)
SUMMARY_TOOLS = ("system_network_latency_summary", "vm_network_latency_summary")
SP_UDP, SP_TCP, IPERF_PORT = 11311, 11312, 5391
C = ["ip", "netns", "exec", E["LAB_CLIENT_NS"]]
S = ["ip", "netns", "exec", E["LAB_SERVER_NS"]]


def try_start(ns, args, out):
    return _try_start(NT, ns, args, out)


def iperf3_load():
    return C + ["iperf3", "-c", E["LAB_SERVER_IP"], "-p", str(IPERF_PORT), "-t", str(int(OVH_SECS))]


def pingpong(tcp):
    """(p50 RTT us, p99 RTT us, round trips/s) of one sockperf ping-pong run."""
    cmd = C + ["sockperf", "ping-pong", "-i", E["LAB_SERVER_IP"], "-p",
               str(SP_TCP if tcp else SP_UDP), "-t", str(int(OVH_SECS)), "--full-rtt"]
    if tcp:
        cmd.insert(len(C) + 2, "--tcp")
    p50, p99, rate, pingpong.last_total = sockperf_pingpong(cmd)
    return p50, p99, rate


def throughput():
    """iperf3 TCP client -> server through the router, Gbit/s."""
    return iperf3_gbps(iperf3_load() + ["-J"])


def bpf_cost(ns, args):
    """The tool's own cost by the kernel's accounting, with it attached: (program runs per
    ping-pong round trip, BPF ns per round trip) over one UDP and one TCP sockperf run, and
    of one iperf3 run the BPF share of the busy CPU time (%) and the program runs per 100 ns
    of busy CPU time (to take an empty run's cost off the share)."""
    with bpf_stats(), tempfile.TemporaryFile("w+") as out:
        p, why = try_start(ns, args, out)
        if not p:
            raise SystemExit(f"bench: {args[0]} did not start: {why}")
        c0, ns0 = prog_stats()
        trips = 0
        for tcp in (False, True):
            pingpong(tcp)
            trips += pingpong.last_total
        c1, ns1 = prog_stats()
        busy0 = busy_cpu_ns()
        throughput()
        busy1 = busy_cpu_ns()
        c2, ns2 = prog_stats()
        stop(p)
    per_rt = ((c1 - c0) / trips, (ns1 - ns0) / trips) if trips else (0.0, 0.0)
    busy = max(busy1 - busy0, 1.0)
    return per_rt + ((ns2 - ns1) / busy * 100, (c2 - c1) / busy * 100)


def accounting_floor():
    """ns per run the kernel's accounting reports for an empty program on the dev-layer
    tracepoints (bench/calibrate.bpf.c) during a UDP ping-pong: its own cost per run.
    None when the calibration program is not built (bench/run.sh outside make)."""
    cmd = E.get("NT_CALIBRATE", "").split()
    if not cmd:
        return None
    with bpf_stats():
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in p.stderr:
            if line.startswith("Tracing"):
                break
        else:
            p.wait()
            return None
        pingpong(False)
        cnt, ns = prog_stats("nt_cal_")
        stop(p)
    return ns / cnt if cnt else None


def measure_set():
    udp, tcp = pingpong(False), pingpong(True)
    return {"udp_p50": udp[0], "udp_p99": udp[1], "udp_rate": udp[2],
            "tcp_p50": tcp[0], "tcp_p99": tcp[1], "tcp_rate": tcp[2], "gbps": throughput()}


def seen(out):
    """What the tool reported in one round: drops / events / packets or exchanges completed
    (summary object), plus the per-packet event lines."""
    n, events = 0, 0
    for line in out:
        o = json.loads(line)
        if o.get("type") == "event":
            events += 1
        if o.get("type") == "summary":
            if "drops" in o:
                n = o["drops"]
            elif isinstance(o.get("events"), dict):
                n = sum(o["events"].values())
            else:
                n = (o.get("packets") or o.get("exchanges") or {}).get("completed", 0)
    return n if not events or events == n else f"{n}/{events} ev"


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
    results, missing, own_cost = {}, {}, {}
    try:
        for name, (ns, args) in OVH_TOOLS.items():
            base, tool, drops = [], [], []
            with tempfile.TemporaryFile("w+") as out:
                p, why = try_start(ns, args, out)     # can it attach here at all?
            if not p:
                missing[name] = why
                continue
            stop(p)
            for _ in range(OVH_ROUNDS):
                base.append(measure_set())
                with tempfile.TemporaryFile("w+") as out:
                    p, why = try_start(ns, args, out)
                    if not p:
                        raise SystemExit(f"bench: {name} did not start: {why}")
                    tool.append(measure_set())
                    stop(p)
                    out.seek(0)
                    drops.append(seen(out))
            if tool:
                results[name] = (base, tool, drops)
            if name in LAT_TOOLS:
                own_cost[name] = bpf_cost(ns, args) + (perf_shares(NT, ns, args, iperf3_load(), OVH_PERF_RUNS),)
        floor_ns = accounting_floor() if own_cost else None
    finally:
        for srv in servers:
            srv.kill()
            srv.wait()

    if E.get("NT_GUEST"):
        print("\n[qemu TCG guest: indicative numbers only]")
    print(f"\noverhead on healthy traffic through the lab router ({OVH_ROUNDS} interleaved "
          f"rounds of {OVH_SECS:g} s per tool; ratio = with tool / without - 1, median of the "
          "rounds; [best] = least disturbed round: lowest RTT, highest rate)")
    keys = [("udp_p50", "UDP ping-pong p50 RTT", min), ("udp_p99", "UDP ping-pong p99 RTT", min),
            ("udp_rate", "UDP round trips/s", max), ("tcp_p50", "TCP ping-pong p50 RTT", min),
            ("tcp_p99", "TCP ping-pong p99 RTT", min), ("tcp_rate", "TCP round trips/s", max),
            ("gbps", "iperf3 TCP Gbit/s", max)]
    names = list(results)
    short = {n: n.replace("system_network_", "sn_").replace("perfomance_", "perf_") for n in names}
    w = max([21] + [len(short[n]) + 2 for n in names])
    print(f"{'metric':<22}{'no tool':>9}" + "".join(f"{short[n]:>{w}}" for n in names))

    def ratio(n, k, best):
        b = statistics.median(r[k] for r in results[n][0])
        t = statistics.median(r[k] for r in results[n][1])
        bb, tb = best(r[k] for r in results[n][0]), best(r[k] for r in results[n][1])
        return ((t / b - 1) * 100 if b else 0.0), ((tb / bb - 1) * 100 if bb else 0.0)

    for k, label, best in keys:
        allb = [r[k] for n in names for r in results[n][0]]
        row = f"{label:<22}{statistics.median(allb) if allb else 0:>9.1f}"
        for n in names:
            m, bst = ratio(n, k, best)
            row += f"{f'{m:+.1f}% [{bst:+.1f}%]':>{w}}"
        print(row)
    print("targets (latency issue): summaries <= +5 % latency (ping-pong p50/p99), <= 3 % "
          "throughput loss (iperf3, round trips/s)")
    for n in names:
        if n not in SUMMARY_TOOLS:
            continue
        lat = max(ratio(n, k, min)[0] for k in ("udp_p50", "tcp_p50"))
        thr = min(ratio(n, k, max)[0] for k in ("gbps", "udp_rate", "tcp_rate"))
        print(f"{n}: worst p50 latency {lat:+.1f}% (target <= +5 %), worst throughput "
              f"{thr:+.1f}% (target >= -3 %): "
              f"{'within' if lat <= 5 and thr >= -3 else 'OUTSIDE'} the targets on these medians "
              "(noisy on a shared VM; the steady verdict follows)")
    if own_cost:
        base_rtt = statistics.median(r[k] for n in names for r in results[n][0]
                                     for k in ("udp_p50", "tcp_p50"))
        print(f"the tools' own cost by the kernel's accounting (kernel.bpf_stats_enabled; one extra "
              f"UDP+TCP ping-pong and one iperf3 run per tool, steady where the ratios above move "
              f"with the neighbours' load): BPF time per round trip against the base p50 round "
              f"trip {base_rtt:.1f} us (the latency it adds), and BPF share of the busy CPU time "
              "under iperf3 (the throughput a CPU-bound transfer loses)")
        if any(c[4] is not None for c in own_cost.values()):
            print("  and, with production settings (bpf_stats off), the BPF share of the busy CPU "
                  f"under iperf3 by perf sampling ({OVH_PERF_RUNS} runs of {OVH_SECS:g} s, median "
                  "and range): the programs and their dispatch (tracepoint glue, tc hook), without "
                  "the accounting's clock reads; the summary's throughput verdict uses the median")
        else:
            print("  (no perf figure: perf is not installed, or it could not record; "
                  "apt-get install linux-perf. The summary's throughput verdict falls back to the "
                  "accounted share, which overstates it by the accounting's clock reads)")
        for n, (runs, ns, share, _, pshare) in own_cost.items():
            lat = ns / 10 / base_rtt
            thr = pshare[0] if pshare is not None else share
            verdict = ""
            if n in SUMMARY_TOOLS:
                verdict = (f"  -> {'within' if lat <= 5 and thr <= 3 else 'OUTSIDE'} the "
                           "targets (<= +5 % latency, <= 3 % throughput)")
            perf_txt = (f"; {pshare[0]:4.1f}% by perf (median of {pshare[3]}: "
                        f"{pshare[1]:.1f}-{pshare[2]:.1f})" if pshare is not None else "")
            print(f"  {short[n]:<22} {runs:5.1f} program runs, {ns / 1000:5.2f} us per round trip "
                  f"= {lat:+.1f}% of it; {share:4.1f}% of busy CPU under iperf3{perf_txt}{verdict}")
        if floor_ns:
            print(f"  calibration: an empty program on the same dev-layer tracepoints reads "
                  f"{floor_ns:.0f} ns per run here: the accounting's own clock reads, which "
                  "production (bpf_stats off) does not pay; its dispatch of each run, outside "
                  "the accounting, it does (in the perf figure). Less the empty run the accounted "
                  "figures are the programs' own work, what the tools' code can still cut:")
            for n, (runs, ns, share, runs_pct, _) in own_cost.items():
                net = ns - runs * floor_ns
                print(f"  {short[n]:<22} {net / 1000:5.2f} us per round trip = "
                      f"{net / 10 / base_rtt:+.1f}% of it; "
                      f"{share - runs_pct * floor_ns:4.1f}% of busy CPU under iperf3")
    for n in names:
        print(f"{n}: reported per round (drops / events / packets or exchanges completed): "
              f"{results[n][2]} (healthy traffic; "
              "other work on this host can add some)")
    for n, why in missing.items():
        print(f"{n}: not measured, it cannot attach on this host ({why})")
    print("Other engineers share this machine: rounds are interleaved to spread their load over "
          "both columns; compare ratios, and read +-5 % as noise.")
    if E.get("NT_GUEST"):
        print("Measured in a qemu TCG guest (kernel " + os.uname().release + "): everything runs "
              "10-50x slower than native and probes cost differently there; these ratios are "
              "INDICATIVE ONLY, not a measurement of production overhead.")


def main():
    if E.get("BENCH_PART") == "overhead":       # only the overhead comparison
        overhead()
        return
    rows = []
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
        with bpf_stats():
            p, _ = start(args)
            rate, unit = traffic(kind)
            cnt, ns = prog_stats()
            stop(p)
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
    if E.get("BENCH_PART") != "startup":       # startup: this table only
        overhead()


main()
