#!/bin/bash
# doctor end to end: what it says about attach types is what this kernel does (host: tp_btf
# yes, fentry and kprobe no; guest tier: all of them). Its own file, without the CLI walks'
# shared lab: the guest runs it on every kernel and a lab it does not use costs ~45 s there.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# doctor tells the truth about this machine: tp_btf works, fentry and kprobe do not on the
# host tier (testbed.md); in the guest tier both work
case_doctor() {
	nt_need_binary
	"$NT" doctor >"$W/D.out" 2>"$W/D.err"
	echo $? >"$W/D.rc"
	echo "+ $NT doctor" >"$W/D.cmd"
	assert_exit D 0
	grep -q "$(uname -r)" "$W/D.out" || fail "doctor does not show the kernel release$(nt_show D)"
	"$NT" doctor --json >"$W/J.out" 2>"$W/J.err"
	echo $? >"$W/J.rc"
	echo "+ $NT doctor --json" >"$W/J.cmd"
	assert_exit J 0
	assert_eq "doctor --json: stdout lines" "$(grep -c . "$W/J.out")" 1 J
	local dup
	dup=$($PY -c '
import json, sys
def hook(pairs):
    keys = [k for k, _ in pairs]
    for k in set(keys):
        if keys.count(k) > 1:
            print("duplicate key %r in object with keys %s" % (k, keys))
    return dict(pairs)
json.loads(open(sys.argv[1]).read(), object_pairs_hook=hook)' "$W/J.out" 2>&1)
	[[ -z $dup ]] || fail "doctor --json is not clean JSON: $(sort -u <<<"$dup" | head -n 3)"
	local want_f=false want_k=false
	if nt_in_guest; then want_f=true want_k=true; fi
	assert_jq J ".[0] | .tool == \"doctor\" and .attach_types.tp_btf.available == true" \
		"doctor reports tp_btf available"
	assert_jq J ".[0].attach_types.fentry.available == $want_f and .[0].attach_types.kprobe.available == $want_k" \
		"doctor reports fentry available=$want_f, kprobe available=$want_k"
	assert_jq J "[.[0].tools[].name] | index([\"icmp_path_tracer\"]) != null and index([\"eth_drop\"]) != null" \
		"doctor lists icmp_path_tracer and eth_drop"
	# a tool with a tracepoint path for every stage attaches in auto mode anywhere; one that
	# needs function probes (vhost_eventfd_count) cannot on the host, and in a guest only
	# when its module is loaded (not asserted there)
	assert_jq J "all(.[0].tools[] | select(.tracepoint.ok); .auto.ok == true)" \
		"every tool with tracepoint paths can attach all stages in auto mode"
	assert_jq J "[.[0].tools[] | select(.tracepoint.ok | not) | .name] as \$fn | (\$fn | index([\"vhost_eventfd_count\"]) != null) and
		($want_f or all(.[0].tools[] | select(.tracepoint.ok | not); .auto.ok == false and (.auto.why | tostring | test(\"f(entry|exit).*k(ret)?probe\"))))" \
		"the function-probe-only tools (vhost_eventfd_count among them) refused where fentry and kprobe are, naming both kinds"
	# the libbpf inside is the one the Makefile pins (not Debian 12's 1.1 by accident)
	local pinned want
	pinned=$(sed -n 's/^LIBBPF_VERSION *:= *//p' "$REPO/Makefile")
	want=v${pinned%.*}
	assert_jq J ".[0].libbpf == \"$want\"" "doctor --json names libbpf $want (Makefile: $pinned)"
	grep -q "^libbpf:  $want " "$W/D.out" || fail "doctor's text does not name libbpf $want$(nt_show D)"
	"$NT" --version | grep -q "(libbpf $want: " || fail "nettrail --version does not name libbpf $want: $("$NT" --version)"
}

nt_case --tag guest --tag newer "doctor: truthful attach types (text and --json)" case_doctor
nt_done
