"""What the bench scripts share: starting and stopping a tool, the kernel's own
accounting of BPF program runs, and perf's view of the BPF share of busy CPU.
Standard library only (Debian's /usr/bin/python3)."""
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile


def try_start(nt, ns, args, out):
    """Start tool @args of binary @nt in namespace command @ns (stdout to the file @out);
    (proc, None) once it printed its Tracing line, or (None, why)."""
    p = subprocess.Popen(ns + [nt] + args, stdout=out, stderr=subprocess.PIPE, text=True)
    last = ""
    for line in p.stderr:
        if line.startswith("Tracing"):
            return p, None
        last = line.strip() or last
    p.wait()
    return None, f"exit {p.returncode}: {last}"


def sockperf_pingpong(cmd):
    """Run one `sockperf ping-pong` command: (p50 us, p99 us, round trips/s, round trips
    including the warm-up)."""
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    pct = dict(re.findall(r"percentile (\d+\.\d+) =\s+([\d.]+)", out))
    run = re.search(r"\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+)", out)
    total = re.search(r"\[Total Run\] RunTime=[\d.]+ sec; Warm up time=\d+ msec; SentMessages=(\d+)",
                      out)
    if "50.000" not in pct or not run:
        raise SystemExit("bench: sockperf ping-pong gave no result:\n" + out[-500:])
    return (float(pct["50.000"]), float(pct["99.000"]), int(run.group(2)) / float(run.group(1)),
            int(total.group(1)) if total else 0)


def iperf3_gbps(cmd):
    """Run one `iperf3 -c ... -J` command: the receiver's Gbit/s."""
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    try:
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9
    except (ValueError, KeyError):
        raise SystemExit("bench: iperf3 gave no result:\n" + out[-500:])


def stop(p):
    p.send_signal(2)
    p.wait(timeout=10)


@contextlib.contextmanager
def bpf_stats():
    """kernel.bpf_stats_enabled on for the block (run_cnt, run_time_ns per program), then
    back to what it was."""
    with open("/proc/sys/kernel/bpf_stats_enabled") as f:
        was = f.read().strip()
    subprocess.run(["sysctl", "-qw", "kernel.bpf_stats_enabled=1"], check=True)
    try:
        yield
    finally:
        subprocess.run(["sysctl", "-qw", f"kernel.bpf_stats_enabled={was}"], check=True)


def prog_stats(prefix="nt_"):
    """(runs, ns) summed over our programs (names start with nt_; one tool runs at a time)."""
    progs = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True,
                                      text=True).stdout or "[]")
    cnt = ns = 0
    for prog in progs:
        if prog.get("name", "").startswith(prefix):
            cnt += prog.get("run_cnt", 0)
            ns += prog.get("run_time_ns", 0)
    return cnt, ns


def busy_cpu_ns():
    """CPU time spent not idle since boot, all CPUs (user, system, irq, softirq), in ns."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) * 1e9 / os.sysconf("SC_CLK_TCK")


# Frames that are BPF work or its dispatch: the programs, the tracepoint and
# trampoline glue around them, the tc/tcx hook's own path.
BPF_FRAMES = ("bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__bpf_prog_enter",
              "__bpf_prog_exit", "bpf_trampoline", "tcx_run", "sch_handle_egress",
              "sch_handle_ingress", "tcf_classify", "cls_bpf_classify")


def perf_share(nt, ns, args, load):
    """BPF share (%) of the busy CPU time while the command @load runs, the tool attached
    with production settings (kernel.bpf_stats_enabled off), by perf sampling: a sample
    counts when any frame of its kernel stack is a BPF program or its dispatch
    (BPF_FRAMES), busy = not in the idle loop. None without perf."""
    if not shutil.which("perf"):
        return None
    with tempfile.TemporaryDirectory() as d, tempfile.TemporaryFile("w+") as out:
        data = os.path.join(d, "perf.data")
        p, why = try_start(nt, ns, args, out)
        if not p:
            raise SystemExit(f"bench: {args[0]} did not start: {why}")
        rec = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-a", "-g",
                              "-o", data, "--"] + load, capture_output=True, text=True)
        stop(p)
        if rec.returncode:
            return None
        script = subprocess.Popen(["perf", "script", "-i", data, "-F", "comm,ip,sym"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        total = idle = bpf = 0
        frames = None

        def count(fr):
            nonlocal total, idle, bpf
            if fr is None:
                return
            total += 1
            if "do_idle" in fr:
                idle += 1
            elif any(f.startswith(BPF_FRAMES) for f in fr):
                bpf += 1

        for line in script.stdout:
            if not line.strip():
                continue
            if not line[0].isspace():   # a sample's first line: its command
                count(frames)
                frames = []
            else:
                parts = line.split()
                if len(parts) >= 2:
                    frames.append(parts[1].split("+")[0])
        count(frames)
        script.wait()
    return 100.0 * bpf / (total - idle) if total > idle else None


def perf_shares(nt, ns, args, load, runs):
    """perf_share() over @runs runs: (median, min, max, runs), or None."""
    import statistics
    got = [v for v in (perf_share(nt, ns, args, load) for _ in range(runs)) if v is not None]
    if not got:
        return None
    return statistics.median(got), min(got), max(got), len(got)
