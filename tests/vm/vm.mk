# tests/vm/vm.mk — the qemu guest tier (Debian kernels under TCG), included
# by the top-level Makefile.  See tests/vm/README.md.
#
#   make vmtest [KERNEL=6.1] [VM_CMD='...']  static build, then VM_CMD in a guest
#   make vmtest-all [VM_KERNELS='5.10 6.1 6.12']  vmtest on each kernel in turn (default: all three)
#   make vm-smoke      the guest tier's own checks (kprobes, BTF, netem, bonding, ...)
#   make vm-selftest   the harness's checks (exit status, timeout, panic, streams)
#   make vm-shell      interactive root shell in the guest (repo at the same path)
#   make vm-prepare    only download/extract the kernel (e.g. to warm a CI cache)
#   make bench-guest   bench's overhead part (eth_drop, trace_conntrack) in a guest:
#                      TCG timings, indicative only; not part of make test
#   make bench-vhost   the tun/vhost tools' BPF runs per packet and ns per run on
#                      vhost-net driven from user space (bench/vhost.sh), in a guest
#
# Variables: KERNEL (series 5.10 | 6.1 | 6.12 or a Debian release such as
# 6.1.0-56-amd64), VM_TIMEOUT (seconds, hard bound per guest run), VM_ARGS
# (more run-guest.sh options, e.g. --hide-btf or --mem 3G), VM_CMD (shell
# command run in the guest, in the repository), NT_VM_CACHE (kernel cache).

VM_DIR     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
VM_REPO    := $(abspath $(VM_DIR)/../..)
KERNEL     ?= 6.1
VM_KERNELS ?= 5.10 6.1 6.12
VM_TIMEOUT ?= 1800
VM_ARGS    ?=
# STATIC=1 also in the guest: the top-level Makefile relinks when the build
# flavour changes, and the guest must test the static binary built here.
# The guest tier runs the cases registered with the tag "guest" (nt_case --tag
# guest, tests/e2e/lib.sh; the registration says why): what needs a kernel with
# kprobes, fentry or modules -- the icmp_path_tracer and eth_drop cases in every
# attach mode, the guest-only cases (bond, netem, OVS), the checks that read the
# running kernel (doctor, drop reasons), the cases of trace_conntrack and
# trace_ip_defrag that need function probes, the latency family's function
# stages. TCG is 10-50x slower than the host: the full suite would not fit CI's
# time (see README); VM_CMD='bash tests/e2e/run.sh' runs all of it, and
# `NT_GUEST=1 bash tests/e2e/run.sh -l -T guest` lists the selection.
# VM_TIMEOUT 1800: the latency selection adds ~6.5 min (382 s on 6.1).
VM_TAGS    ?= guest
VM_CMD     ?= bash tests/e2e/run.sh -T $(VM_TAGS)
VM_RUN      = $(VM_REPO)/tests/vm/run-guest.sh --kernel $(KERNEL) --timeout $(VM_TIMEOUT) $(VM_ARGS)
vm_quote    = '$(subst ','\'',$(1))'

.PHONY: vmtest vmtest-all vm-static vm-smoke vm-selftest vm-shell vm-prepare bench-guest bench-vhost

vm-static:
	$(MAKE) -C $(VM_REPO) STATIC=1
	@cd $(VM_REPO) && test -x $(or $(BUILD),build)/nettrail || \
		{ echo "vm.mk: $(or $(BUILD),build)/nettrail was not built by 'make STATIC=1'" >&2; exit 1; }
	@cd $(VM_REPO) && file -L $(or $(BUILD),build)/nettrail | grep -q 'statically linked' || \
		echo "vm.mk: warning: $(or $(BUILD),build)/nettrail is not statically linked" >&2

vmtest: vm-static
	cd $(VM_REPO) && $(VM_RUN) -- bash -c $(call vm_quote,$(VM_CMD))

vmtest-all: vm-static
	@cd $(VM_REPO) && failed=; for k in $(VM_KERNELS); do \
		echo "==== vmtest on kernel $$k ===="; \
		tests/vm/run-guest.sh --kernel $$k --timeout $(VM_TIMEOUT) $(VM_ARGS) \
			-- bash -c $(call vm_quote,$(VM_CMD)) || failed="$$failed $$k"; \
	done; \
	if [ -n "$$failed" ]; then echo "vmtest-all: failed on kernel(s):$$failed"; exit 1; fi; \
	echo "vmtest-all: passed on kernel(s): $(VM_KERNELS)"

# trace_conntrack needs function probes, so its overhead can only be measured
# here; iperf3 and sockperf come from the host's root (9p).
bench-guest: vm-static
	cd $(VM_REPO) && $(VM_RUN) -- bash -c 'BENCH_PART=overhead bash bench/run.sh'

bench-vhost: vm-static
	cd $(VM_REPO) && $(VM_RUN) -- bash bench/vhost.sh

vm-smoke:
	cd $(VM_REPO) && $(VM_RUN) -- bash tests/vm/smoke.sh

vm-selftest:
	cd $(VM_REPO) && NT_VM_KERNEL=$(KERNEL) bash tests/vm/selftest.sh

vm-shell:
	cd $(VM_REPO) && tests/vm/run-guest.sh --kernel $(KERNEL) --timeout 0 $(VM_ARGS) -i -- bash -i

vm-prepare:
	$(VM_REPO)/tests/vm/run-guest.sh --prepare --kernel $(KERNEL)
