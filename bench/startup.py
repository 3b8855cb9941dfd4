"""The start-up table of `make bench`: per tool, exec -> the ready line ("Tracing ...")
and peak RSS (VmHWM, read once the tool is attached), median of RUNS runs, for this
build (the pinned libbpf) side by side with the same tree linked against Debian 12's
libbpf (NT_OLD), and the floor: a minimal libbpf skeleton attaching one tracepoint
program (NT_FLOOR). The binaries take turns run by run, so that a busy moment of the
machine falls on all of them alike.

Called by bench/run.sh with the lab's names in the environment; standard library only.
"""
import os
import statistics
import subprocess
import sys
import time

NT, RUNS = sys.argv[1], int(sys.argv[2])
E = os.environ
NS = ["ip", "netns", "exec", E["LAB_ROUTER_NS"]]
C, S, RX, TX = E["LAB_CLIENT_IP"], E["LAB_SERVER_IP"], E["LAB_RX_IF"], E["LAB_TX_IF"]
T0, T1 = E["LAB_TAP0"], E["LAB_TAP1"]   # two taps in the router: the VM tools' interfaces
PAIR = ["--src-ip", C, "--dst-ip", S]
VM = ["--vm-interface", T0, "--phy-interface", TX]
VM_PAIR = ["--src-vm-interface", T0, "--dst-vm-interface", T1]

# every tracing tool, as a user would start it on the lab's router
TOOLS = {
    "icmp_path_tracer": PAIR + ["--rx-iface", RX, "--tx-iface", TX],
    "tcp_path_tracer": PAIR + ["--rx-iface", RX, "--tx-iface", TX],
    "udp_path_tracer": PAIR + ["--rx-iface", RX, "--tx-iface", TX],
    "system_network_icmp_rtt": PAIR + ["--phy-interface", TX],
    "kernel_icmp_rtt": PAIR + ["--interface", TX],
    "system_network_latency_summary": ["--phy-interface", TX, "--direction", "both"],
    "system_network_latency_details": ["--phy-interface", TX, "--direction", "both"],
    "system_network_perfomance_metrics": ["--phy-interface", TX],
    "eth_drop": ["--src-ip", "198.19.255.1"],
    "kernel_drop_stack_stats_summary_all": [],
    "qdisc_drop_trace": [],
    "drop_monitor_controller": [],
    "trace_ip_defrag": [],
    "trace_conntrack": [],
    "vm_network_latency_summary": VM + ["--direction", "rx"],
    "vm_network_latency_details": VM + ["--direction", "rx"],
    "vm_network_performance_metrics": VM + ["--direction", "tx"],
    "vm_pair_latency": VM_PAIR,
    "vm_pair_gap": VM_PAIR + ["--threshold", "500"],
    "tun_ring_monitor": ["--device", T0],
    # this host is itself a virtio-net guest: its own NIC, from the root namespace
    "virtnet_poll_monitor": [],
    "virtnet_irq_monitor": [],
}
ROOT_NS = {"virtnet_poll_monitor", "virtnet_irq_monitor"}
if E.get("STARTUP_TOOLS"):     # a comma list: only these tools (quick looks at a few)
    TOOLS = {k: v for k, v in TOOLS.items() if k in E["STARTUP_TOOLS"].split(",")}


def hwm_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# STARTUP_GAP=S: each start after S seconds of a quiet machine (default 0: back to back, the
# previous tool's exit just done). The kernel's RCU grace periods, which a tcx link creation
# waits for, take longer from quiet (see README, Bench).
GAP = float(E.get("STARTUP_GAP", "0"))


def one_run(cmd):
    """(ms from exec to the ready line, VmHWM MiB), or the tool's error line."""
    if GAP:
        time.sleep(GAP)
    t0 = time.perf_counter()
    argv = cmd if cmd[1:2] and cmd[1] in ROOT_NS else NS + cmd
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    last = ""
    for line in p.stderr:
        if line.startswith("Tracing"):
            ms = (time.perf_counter() - t0) * 1000
            time.sleep(0.05)
            hwm = hwm_mib(p.pid)
            p.send_signal(2)
            p.communicate(timeout=10)
            return ms, hwm
        last = line.strip()
    p.wait()
    return last or f"exit {p.returncode}"


def measure(cmds):
    """Median (ms, MiB) per binary over RUNS turns; a string where it did not start."""
    got = {k: [] for k in cmds}
    for _ in range(RUNS):
        for k, cmd in cmds.items():
            r = one_run(cmd)
            if isinstance(r, str):
                got[k] = r
            elif isinstance(got[k], list):
                got[k].append(r)
    return {k: v if isinstance(v, str) else
            (statistics.median(x for x, _ in v), statistics.median(y for _, y in v))
            for k, v in got.items()}


def cell(r):
    return f"{r[0]:>7.1f} {r[1]:>6.1f}" if not isinstance(r, str) else f"{'-':>7} {'-':>6}"


def main():
    old = E.get("NT_OLD")
    floor = E.get("NT_FLOOR")
    print(f"\nstart-up: exec -> ready line (ms) and peak RSS (VmHWM MiB), median of {RUNS} runs"
          f"{f', each after {GAP:g} s quiet' if GAP else ''}; kernel {os.uname().release}")
    print(f"  new = {NT} (--version: "
          f"{subprocess.run([NT, '--version'], capture_output=True, text=True).stdout.strip()})")
    if old:
        print(f"  old = {old} (--version: "
              f"{subprocess.run([old, '--version'], capture_output=True, text=True).stdout.strip()})")
    print(f"{'tool':<36} {'new ms':>7} {'MiB':>6}   {'old ms':>7} {'MiB':>6}")
    notes = []
    if floor:
        r = measure({"new": [floor]})["new"]
        print(f"{'floor: 1 tp_btf program (skeleton)':<36} {cell(r)}")
    for name, args in TOOLS.items():
        cmds = {"new": [NT, name] + args}
        if old:
            cmds["old"] = [old, name] + args
        r = measure(cmds)
        line = f"{name:<36} {cell(r['new'])}"
        if old:
            line += f"   {cell(r['old'])}"
        print(line)
        if isinstance(r["new"], str):
            notes.append(f"{name}: does not start on this host: {r['new']}")
    for n in notes:
        print("  " + n)
    print("targets: ready <= 30 ms, peak RSS <= 8 MiB (issue 19)")


main()
