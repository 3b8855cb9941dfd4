"""The VM path's overhead (`make bench`, BENCH_PART=vm): vm_network_latency_summary on a
VM's traffic, without and with the tool, interleaved round by round.

The VM is a network namespace behind bench/tapvm.c (its NIC: frames between the VM's tap
and the guest's own tap, virtio-net headers and TSO), the tap and a "physical" veth in a
Linux bridge, the veth's peer a remote host; bench/run.sh builds it and passes the names
in the environment. What is measured, remote host <-> VM:
  - UDP and TCP ping-pong (sockperf, full RTT): p50 and p99, round trips/s;
  - iperf3 TCP throughput to the VM (rx in its view) and from it (tx);
  - the tool's own cost: program runs and BPF ns per UDP round trip by the kernel's
    accounting, and the BPF share of the busy CPU under each iperf3 direction by perf
    sampling (production settings): the steady figures for the targets, where the
    medians move with this machine's neighbours.
Called by bench/run.sh as: vmtap.py NT. Standard library only.
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import (bpf_stats, iperf3_gbps, perf_shares, prog_stats,  # noqa: E402
                      sockperf_pingpong, stop, try_start)

NT = sys.argv[1]
E = os.environ
SECS = int(float(E.get("OVH_SECS", "3")))
ROUNDS = int(E.get("OVH_ROUNDS", "3"))
PERF_RUNS = int(E.get("OVH_PERF_RUNS", "5"))
H = ["ip", "netns", "exec", E["VMT_HOST_NS"]]
RM = ["ip", "netns", "exec", E["VMT_REMOTE_NS"]]
G = ["ip", "netns", "exec", E["VMT_GUEST_NS"]]
VM_IP = E["VMT_VM_IP"]
SP_UDP, SP_TCP, IPERF_PORT = "11311", "11312", "5391"
TOOL = ["vm_network_latency_summary", "--vm-interface", E["VMT_TAP"], "--phy-interface",
        E["VMT_PHY"], "--direction", "both", "--interval", "1", "--json"]
TARGET_LAT, TARGET_THR = 5.0, 3.0       # the VM issue's targets, in %


def pingpong_cmd(tcp):
    cmd = RM + ["sockperf", "ping-pong", "-i", VM_IP, "-p", SP_TCP if tcp else SP_UDP, "-t",
                str(SECS), "--full-rtt"]
    return cmd + ["--tcp"] if tcp else cmd


def pingpong(tcp):
    """(p50 us, p99 us, round trips/s, round trips)"""
    return sockperf_pingpong(pingpong_cmd(tcp))


def iperf3_cmd(to_vm, as_json=True):
    cmd = RM + ["iperf3", "-c", VM_IP, "-p", IPERF_PORT, "-t", str(SECS)]
    return cmd + (["-J"] if as_json else []) + ([] if to_vm else ["-R"])


def iperf3(to_vm):
    return iperf3_gbps(iperf3_cmd(to_vm))


def measure_set():
    udp, tcp = pingpong(False), pingpong(True)
    return {"udp_p50": udp[0], "udp_p99": udp[1], "udp_rate": udp[2], "tcp_p50": tcp[0],
            "tcp_p99": tcp[1], "tcp_rate": tcp[2], "rx": iperf3(True), "tx": iperf3(False)}


def with_tool(fn):
    with tempfile.TemporaryFile("w+") as out:
        p, why = try_start(NT, H, TOOL, out)
        if not p:
            raise SystemExit(f"bench: {TOOL[0]} did not start: {why}")
        try:
            return fn()
        finally:
            stop(p)


def own_cost():
    """(program runs, BPF ns) per UDP ping-pong round trip, by the kernel's accounting."""
    def run():
        c0, ns0 = prog_stats()
        trips = pingpong(False)[3]
        c1, ns1 = prog_stats()
        return ((c1 - c0) / trips, (ns1 - ns0) / trips) if trips else (0.0, 0.0)
    with bpf_stats():
        return with_tool(run)


def servers():
    return [subprocess.Popen(G + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for cmd in (["sockperf", "server", "-i", VM_IP, "-p", SP_UDP],
                        ["sockperf", "server", "--tcp", "-i", VM_IP, "-p", SP_TCP],
                        ["iperf3", "-s", "-B", VM_IP, "-p", IPERF_PORT])]


def main():
    srv = servers()
    try:
        subprocess.run(["sleep", "0.5"])
        base, tool = [], []
        for _ in range(ROUNDS):
            base.append(measure_set())
            tool.append(with_tool(measure_set))
        runs, ns = own_cost()
        shares = {d: perf_shares(NT, H, TOOL, iperf3_cmd(d == "rx", as_json=False), PERF_RUNS)
                  for d in ("rx", "tx")}
    finally:
        for p in srv:
            p.kill()
            p.wait()

    print(f"\nvm_network_latency_summary on a VM's traffic: the VM a namespace behind its tap "
          f"(bench/tapvm.c: virtio-net headers, TSO), the tap and a veth to the remote host in a "
          f"Linux bridge ({ROUNDS} interleaved rounds of {SECS} s; ratio = with tool / without "
          "- 1, median of the rounds)")
    rows = [("udp_p50", "UDP ping-pong p50 RTT us"), ("udp_p99", "UDP ping-pong p99 RTT us"),
            ("udp_rate", "UDP round trips/s"), ("tcp_p50", "TCP ping-pong p50 RTT us"),
            ("tcp_p99", "TCP ping-pong p99 RTT us"), ("tcp_rate", "TCP round trips/s"),
            ("rx", "iperf3 to the VM Gbit/s"), ("tx", "iperf3 from the VM Gbit/s")]
    print(f"{'metric':<27}{'no tool':>10}{'with tool':>11}{'ratio':>9}")
    for k, label in rows:
        b = statistics.median(r[k] for r in base)
        t = statistics.median(r[k] for r in tool)
        print(f"{label:<27}{b:>10.1f}{t:>11.1f}{(t / b - 1) * 100 if b else 0.0:>+8.1f}%")
    base_p50 = statistics.median(r["udp_p50"] for r in base)
    lat = ns / 10 / base_p50
    print(f"own cost by the kernel's accounting (kernel.bpf_stats_enabled, its clock reads "
          f"included): {runs:.1f} program runs, {ns / 1000:.2f} us of BPF per UDP round trip = "
          f"{lat:+.1f}% of the base p50 ({base_p50:.1f} us)")
    got = {d: s for d, s in shares.items() if s}
    for d, s in got.items():
        print(f"BPF share of the busy CPU under iperf3 {'to' if d == 'rx' else 'from'} the VM "
              f"(perf, production settings; median of {s[3]}: {s[1]:.1f}-{s[2]:.1f}): {s[0]:.1f}%")
    if not got:
        print("no perf figure (perf not installed, or it could not record): no throughput verdict")
        return
    thr = max(s[0] for s in got.values())
    ok = lat <= TARGET_LAT and thr <= TARGET_THR
    print(f"verdict: {'within' if ok else 'OUTSIDE'} the targets: ping-pong latency {lat:+.1f}% "
          f"(<= +{TARGET_LAT:g} %), throughput {thr:.1f}% of the busy CPU (<= {TARGET_THR:g} %)")


if __name__ == "__main__":
    main()
