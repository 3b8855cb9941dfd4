#!/bin/bash
# The command-line contract, checked for every tool `nettrail --help` lists (a new tool is
# covered without a line of new test):
#   - `TOOL --help` exits 0 and prints examples;
#   - a bad value (--duration -1) exits 2 with one stderr line naming the flag, nothing loaded;
#   - without the flags its synopsis requires, it exits 2 naming one of them, nothing loaded;
#   - every example its --help prints parses, validates and plans (`--dry-run`): run in a
#     namespace of its own where the interfaces the examples name exist (taps), it prints
#     the stage plan and exits 0 (or 1 when this kernel cannot serve the tool: a plan, never
#     a usage error).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nt_need_binary
mapfile -t TOOLS < <("$NT" --help | awk '/^  [a-z_]+ +(low|variable) /{print $1}')

case_help() {
	local tool=$1
	"$NT" "$tool" --help >"$W/H.out" 2>"$W/H.err"
	echo $? >"$W/H.rc"
	echo "+ $NT $tool --help" >"$W/H.cmd"
	assert_exit H 0
	grep -q '^Examples:' "$W/H.out" || fail "no Examples section$(nt_show H)"
	[[ $("$PY" "$E2E_DIR/contract_examples.py" <"$W/H.out" | grep -c .) -ge 1 ]] ||
		fail "no runnable example (a line with 'nettrail $tool ...')$(nt_show H)"
}

case_bad_value() {
	usage_error - --duration -1 "$1" --duration -1
}

# The flags a synopsis requires: those before its first optional part "[...]".
required_flags() {
	"$NT" "$1" --help | sed -n '1s/^Usage: nettrail [a-z_]* //p' | sed 's/\[.*//' |
		grep -oE -- '--[a-z-]+'
}

case_missing_required() {
	local tool=$1 flags
	flags=$(required_flags "$tool" | paste -sd'|')
	usage_error - "" "" "$tool"
	grep -qE -- "($flags)" "$W/U.err" || fail "stderr names none of $flags$(nt_show U)"
}

# The interfaces an example names (values of interface flags), one per line.
example_ifaces() {
	local prev="" w
	for w in "$@"; do
		case $prev in
		--interface | --device | --rx-iface | --tx-iface | --phy-interface | --vm-interface | --src-vm-interface | \
		--dst-vm-interface | -n | -i)
			[[ $w =~ ^[0-9.]+$ ]] || tr ',' '\n' <<<"$w"
			;;
		esac
		prev=$w
	done
}

case_examples() {
	local tool=$1 ns i=0 line words rc made_dirs=()
	nt_need ip
	local p
	p=$(lab_prefix ct) || fail "no lab name prefix"
	_NT_LABS+=("$p")        # lab_cleanup removes ${p}c
	ns=${p}c
	_lab_ns_add "$ns" || fail "cannot create namespace $ns"
	"$NT" "$tool" --help | "$PY" "$E2E_DIR/contract_examples.py" >"$W/examples"
	[[ -s $W/examples ]] || fail "no examples"
	cd "$W" || fail "no work directory"
	: >hostA.jsonl >hostB.jsonl >a.jsonl >b.jsonl >sender.jsonl >receiver.jsonl
	while IFS= read -r line; do
		i=$((i + 1))
		eval "words=($line)"
		local ifn
		for ifn in $(example_ifaces "${words[@]}" | sort -u); do
			ip -n "$ns" link show "$ifn" >/dev/null 2>&1 ||
				ip netns exec "$ns" ip tuntap add dev "$ifn" mode tap || fail "cannot add tap $ifn"
		done
		if [[ " $line " == *" --log-dir "* ]]; then
			local d=${line##*--log-dir }
			d=${d%% *}
			[[ -d $d ]] || { mkdir -p "$d" && made_dirs+=("$d"); }
		fi
		echo "+ ip netns exec $ns $NT $line --dry-run" >"$W/E$i.cmd"
		ip netns exec "$ns" "$NT" "${words[@]}" --dry-run >"$W/E$i.out" 2>"$W/E$i.err"
		rc=$?
		echo "$rc" >"$W/E$i.rc"
		case $rc in
		0 | 1) ;;
		*) rmdir "${made_dirs[@]}" 2>/dev/null
		   fail "example $i exited $rc$(nt_show "E$i")" ;;
		esac
		# a stage plan (text or JSON), the merge check, or doctor's report
		grep -qE 'dry run|"type":"plan"|^Kernel|"type":"doctor"' "$W/E$i.out" ||
			fail "example $i printed no plan$(nt_show "E$i")"
		[[ $rc == 0 ]] || cat "$W/E$i.out" "$W/E$i.err" |
			grep -qiE 'kprobe|fentry|not (in|supported)|cannot' ||
			fail "example $i exited 1 without naming a kernel feature$(nt_show "E$i")"
	done <"$W/examples"
	rmdir "${made_dirs[@]}" 2>/dev/null
	echo "$i examples"
}

for t in "${TOOLS[@]}"; do
	nt_case "contract: $t --help has examples" case_help "$t"
	nt_case "contract: $t --duration -1 -> exit 2 naming the flag, nothing loaded" \
		case_bad_value "$t"
	[[ -n $(required_flags "$t") ]] &&
		nt_case "contract: $t without its required flags -> exit 2 naming one" \
			case_missing_required "$t"
	nt_case "contract: $t examples parse, validate and plan (--dry-run)" case_examples "$t"
done
nt_done
