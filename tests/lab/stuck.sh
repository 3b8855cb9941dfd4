# shellcheck shell=bash
# What a process stuck in the kernel is doing, for the reports of the e2e runner
# (tests/e2e/run.sh), of the test files (tests/e2e/lib.sh) and of the labs (lab.sh): a SIGKILLed process that
# stays is in uninterruptible sleep (state D), typically in exit_group while the kernel
# releases something it held (a BPF link, a vhost or KVM file); its kernel stack names it.

# _stuck_state PID: the state letter of /proc/PID/stat (after the parenthesised name)
_stuck_state() { awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null; }

# stuck_story PID: one line: pid, state, command, wait channel, kernel stack innermost first
stuck_story() {
	local pid=$1 st comm wchan stack
	[[ -r /proc/$pid/stat ]] || { echo "pid $pid: gone"; return; }
	st=$(_stuck_state "$pid")
	comm=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)
	wchan=$(cat "/proc/$pid/wchan" 2>/dev/null)
	stack=$(awk '{ print $2 }' "/proc/$pid/stack" 2>/dev/null | head -n 12 | paste -sd '<' -)
	echo "pid $pid state ${st:-?} [${comm:-?}] wchan ${wchan:-?} stack ${stack:-?}"
}

# stuck_all: stuck_story for every task in state D (none: nothing printed)
stuck_all() {
	local d pid
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ $(_stuck_state "$pid") == D ]] && stuck_story "$pid"
	done
	return 0
}

# reap PID LIMIT: SIGKILL PID (a child of this shell) and reap it within LIMIT s. A process
# SIGKILL cannot end is left as it is, described on stderr, status 1: `wait` on it would
# hang the whole test file.
reap() {
	local pid=$1 limit=${2:-10} i
	kill -KILL "$pid" 2>/dev/null
	for ((i = 0; i < limit * 10; i++)); do
		if [[ ! -e /proc/$pid || $(_stuck_state "$pid") == Z ]]; then
			wait "$pid" 2>/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "# pid $pid still there ${limit} s after SIGKILL: $(stuck_story "$pid")" >&2
	return 1
}
