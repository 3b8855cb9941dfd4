# Helpers of the --prometheus cases (sourced after lib.sh): read a tool's endpoint, pick a
# sample, lint the text. python3 reads the endpoint: the guest tier has it, not curl.

PORT=9464       # the tools' endpoint, inside the lab's namespaces (127.0.0.1 is theirs)

# scrape NS NAME: the tool's /metrics in NS ("-": this one) into $W/NAME.prom; also the
# "last" scrape that metric reads
scrape() {
	local pre=()
	[[ $1 != - ]] && pre=(ip netns exec "$1")
	"${pre[@]}" python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=3).read().decode())' \
		"$PORT" >"$W/$2.prom" 2>"$W/scrape.err" || fail "GET /metrics in $1 failed: $(cat "$W/scrape.err")"
	[[ $2 == last ]] || cp "$W/$2.prom" "$W/last.prom"
}

# metric NAME FILTER...: the value of the sample NAME whose labels contain every FILTER
# (e.g. 'direction="tx"') in the last scrape; empty when there is none
metric() {
	local name=$1 line
	shift
	while read -r line; do
		local f ok=1
		for f in "$@"; do [[ $line == *"$f"* ]] || ok=0; done
		((ok)) && { echo "${line##* }"; return; }
	done < <(grep "^$name{" "$W/last.prom")
}

# promtool_check NAME: promtool's linter accepts $W/NAME.prom (where promtool is: the host)
promtool_check() {
	command -v promtool >/dev/null || return 0
	promtool check metrics <"$W/$1.prom" >"$W/promtool.out" 2>&1 ||
		fail "promtool check metrics: $(cat "$W/promtool.out")"
}
