# nettrail — one multi-call binary, every tool's BPF object embedded as a skeleton.
#
#   make             build/nettrail (dynamically linked against libbpf/libelf/zlib)
#   make STATIC=1    build/nettrail fully static (runs on a host with nothing installed)
#   make test        unit tests + end-to-end tests against real packets (root)
#   make demo        lab with an injected drop, localised by icmp_path_tracer and eth_drop
#   make bench       start->attached time, peak RSS, ns per BPF program run, overhead
#                    on lab traffic (ratios, BPF time per round trip, CPU share)
#   make soak        the per-event and summary tools at once under a lab flood for
#                    SOAK_SECS (600): RSS bounded, drop counts == the rig's (not in make test)
#
# vmlinux.h is generated from the build host's BTF into build/ (see README "Build").

BUILD    ?= build
CC       ?= gcc
CLANG    ?= clang
STRIP    ?= llvm-strip
HOSTCC   ?= cc
BPFTOOL  ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
            -std=gnu11 -D_GNU_SOURCE -Isrc -Isrc/lib -Isrc/bpf -I$(BUILD)
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
              -Wno-compare-distinct-pointer-types -I$(BUILD) -Isrc/bpf -Isrc

ifeq ($(STATIC),1)
LDFLAGS  += -static
endif

# The libraries linked in, each pinned here (the one place they are named), built
# from Debian's source package by scripts/dep.sh into a cache outside the tree and
# linked statically, in every build:
#   libbpf         the BPF loader. LIBBPF=system links Debian 12's libbpf-dev (1.1)
#                  instead: the bench's comparison build (use its own BUILD directory).
#   libmicrohttpd  the HTTP server behind --prometheus (without TLS: nothing else to link).
DEP_CACHE      ?= /var/cache/nettrail-deps
LIBBPF_VERSION := 1.7.0
LIBBPF_SHA256  := 7ab5feffbf78557f626f2e3e3204788528394494715a30fc2070fcddc2051b7b
MHD_VERSION    := 1.0.10
MHD_SHA256     := 04bfe8ef75db7d629a33de767599765cecadc56274a39822d5d081030d577685
LIBBPF         ?= pinned
MHD_DIR    := $(DEP_CACHE)/libmicrohttpd-$(MHD_VERSION)
MHD_DEP    := $(MHD_DIR)/lib/libmicrohttpd.a
CFLAGS     += -isystem $(MHD_DIR)/include
ifeq ($(LIBBPF),system)
LIBBPF_DEP :=
LDLIBS   += -lbpf -lelf -lz
else
# our patches on top of Debian's (scripts/patches/libbpf): the cache directory names them
LIBBPF_PATCHES := scripts/patches/libbpf
LIBBPF_DIR := $(DEP_CACHE)/libbpf-$(LIBBPF_VERSION)-$(shell cat $(LIBBPF_PATCHES)/*.patch | sha256sum | cut -c1-8)
LIBBPF_DEP := $(LIBBPF_DIR)/lib/libbpf.a
CFLAGS     += -isystem $(LIBBPF_DIR)/include
BPF_CFLAGS += -isystem $(LIBBPF_DIR)/include
LDLIBS     += $(LIBBPF_DEP) -lelf -lz
endif
LDLIBS     += $(MHD_DEP) -lpthread -lm
DEPS       := $(LIBBPF_DEP) $(MHD_DEP)

BPF_SRCS   := $(wildcard src/tools/*/*.bpf.c) src/lib/probe.bpf.c
BPF_NAMES  := $(notdir $(BPF_SRCS:.bpf.c=))
SKELS      := $(addprefix $(BUILD)/,$(BPF_NAMES:=.skel.h))
LIB_SRCS   := $(filter-out %.bpf.c,$(wildcard src/lib/*.c))
TOOL_SRCS  := $(filter-out %.bpf.c,$(wildcard src/tools/*/*.c))
APP_SRCS   := src/main.c src/registry.c $(LIB_SRCS) $(TOOL_SRCS)
APP_OBJS   := $(addprefix $(BUILD)/obj/,$(APP_SRCS:.c=.o))
BPF_OBJS   := $(addprefix $(BUILD)/,$(BPF_NAMES:=.bpf.o))
# -MMD -MP: each compile writes the headers it read to a .d file next to its object
# (included at the end), so touching a header rebuilds the objects that include it.
DEPFLAGS    = -MMD -MP -MF $(@:.o=.d)

vpath %.bpf.c $(sort $(dir $(BPF_SRCS)))

.PHONY: all clean test test-host test-guest test-unit test-e2e demo bench bench-old soak static deps
.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(BUILD)/nettrail

$(BUILD):
	@mkdir -p $@ $(BUILD)/obj

ifneq ($(LIBBPF_DEP),)
$(LIBBPF_DEP):
	bash scripts/dep.sh libbpf $(LIBBPF_VERSION) $(LIBBPF_SHA256) $(LIBBPF_DIR) $(LIBBPF_PATCHES)
endif
$(MHD_DEP):
	bash scripts/dep.sh libmicrohttpd $(MHD_VERSION) $(MHD_SHA256) $(MHD_DIR)

# A build flavour change (STATIC=1 or not, the libbpf) must relink.
FLAVOUR := static=$(STATIC) libbpf=$(LIBBPF)
$(BUILD)/.flavour: FORCE | $(BUILD)
	@echo '$(FLAVOUR)' | cmp -s - $@ || echo '$(FLAVOUR)' > $@
FORCE:

# What `nettrail --version` and doctor say: the tree's git description and the libbpf inside.
NT_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
NT_LIBBPF_BUILD := $(if $(LIBBPF_DEP),static; Debian source $$(cat $(LIBBPF_DIR)/debian-version),Debian 12 libbpf-dev)
$(BUILD)/version.h: FORCE | $(BUILD) $(LIBBPF_DEP)
	@printf '#define NT_VERSION "%s"\n#define NT_LIBBPF_BUILD "%s"\n' '$(NT_VERSION)' "$(NT_LIBBPF_BUILD)" | \
		cmp -s - $@ || printf '#define NT_VERSION "%s"\n#define NT_LIBBPF_BUILD "%s"\n' '$(NT_VERSION)' "$(NT_LIBBPF_BUILD)" > $@

$(BUILD)/vmlinux.h: | $(BUILD)
	@test -r $(VMLINUX_BTF) || { echo "no kernel BTF at $(VMLINUX_BTF): set VMLINUX_BTF=FILE" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# BPF objects: debug info stripped (BTF kept, CO-RE still works) and the compiler's
# branch labels (LBB*: thousands of local symbols no loader reads, 40 % of a latency
# object), and the line info of .BTF.ext (source lines in verifier logs: 95 % of the
# section, copied by libbpf at every start; KEEP_LINE_INFO=1 keeps it), then a skeleton.
# vmlinux.h is generated, so it is named here: it must exist before the first compile.
$(BUILD)/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h | $(BUILD) $(LIBBPF_DEP) $(BUILD)/bpf_drop_line_info
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -I$(dir $<) -c $< -o $@
	$(STRIP) -g --wildcard --strip-symbol='LBB*' $@
	$(if $(filter 1,$(KEEP_LINE_INFO)),,$(BUILD)/bpf_drop_line_info $@)

$(BUILD)/bpf_drop_line_info: scripts/bpf_drop_line_info.c | $(BUILD)
	$(HOSTCC) -O2 -Wall -Wextra -o $@ $<

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .skel.h,,$(notdir $@))_bpf > $@

# The skeletons are generated headers: order-only, so that they exist before the first
# compile; from then on each object's .d names the skeleton it includes.
$(BUILD)/obj/%.o: %.c | $(SKELS) $(BUILD) $(DEPS) $(BUILD)/version.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -I$(dir $<) -c $< -o $@

$(BUILD)/nettrail: $(APP_OBJS) $(BUILD)/.flavour $(DEPS)
	$(CC) $(LDFLAGS) -o $@ $(APP_OBJS) $(LDLIBS)

static:
	$(MAKE) STATIC=1

# ---- tests -------------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_LIB_OBJS := $(filter $(BUILD)/obj/src/lib/%,$(APP_OBJS)) \
                 $(filter-out $(BUILD)/obj/src/main.o,$(APP_OBJS))

# Build test: the latency engine on a synthetic 40-hook path (tests/unit/lat_path40.h)
# compiles only if records, masks and the event are sized by the tool's list.
$(BUILD)/lat_path40.bpf.o: tests/unit/lat_path40.bpf.c $(BUILD)/vmlinux.h | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -Isrc/tools/latency -Itests/unit -c $< -o $@

$(BUILD)/unit_tests: $(UNIT_SRCS) tests/unit/unit.h $(filter-out $(BUILD)/obj/src/main.o,$(APP_OBJS)) \
		$(BUILD)/lat_path40.bpf.o
	$(CC) $(CFLAGS) -Itests/unit -Isrc/tools/boundary -Isrc/tools/drops -DNT_UNIT_TEST -o $@ $(UNIT_SRCS) \
		$(filter-out $(BUILD)/obj/src/main.o,$(APP_OBJS)) $(LDLIBS)

test-unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

test-e2e: $(BUILD)/nettrail
	bash tests/e2e/run.sh

# Unit tests, the host tier, then the qemu guest tier (static build); one
# closing line for the whole run, so CI reads a single verdict.
test: $(BUILD)/nettrail $(BUILD)/unit_tests
	@bash tests/run-all.sh

# The host tier only (no qemu): the quick loop while developing.
test-host: $(BUILD)/nettrail $(BUILD)/unit_tests
	@NT_SKIP_GUEST=1 bash tests/run-all.sh

# The guest tier only, as make test runs it (NT_GUEST_KERNELS narrows it).
test-guest:
	@NT_SKIP_HOST=1 bash tests/run-all.sh

demo: deps $(BUILD)/nettrail
	bash scripts/demo.sh

deps:
	@bash .ci/install-deps.sh

# the start-up table measures the static binary (what is copied to hosts, built in its own
# directory), beside the same tree on Debian 12's libbpf and a one-program skeleton
# (bench/floor.c); the overhead part runs this build
BENCH_OLD := $(BUILD)/libbpf-system/nettrail
BENCH_STATIC := $(BUILD)/static/nettrail
bench: $(BUILD)/nettrail $(BUILD)/bench-calibrate $(BUILD)/calibrate.bpf.o $(BUILD)/bench-floor \
		$(BUILD)/bench-tapvm bench-old bench-static
	NT_OLD=$(BENCH_OLD) NT_STARTUP=$(BENCH_STATIC) NT_FLOOR=$(BUILD)/bench-floor \
	NT_TAPVM=$(BUILD)/bench-tapvm \
	NT_CALIBRATE="$(BUILD)/bench-calibrate $(BUILD)/calibrate.bpf.o" bash bench/run.sh

bench-old:
	$(MAKE) BUILD=$(BUILD)/libbpf-system LIBBPF=system $(BENCH_OLD)

bench-static:
	$(MAKE) BUILD=$(BUILD)/static STATIC=1 $(BENCH_STATIC)

$(BUILD)/floor.bpf.o: bench/floor.bpf.c $(BUILD)/vmlinux.h | $(LIBBPF_DEP)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench-tapvm: bench/tapvm.c
	$(CC) $(CFLAGS) -pthread -o $@ $<

$(BUILD)/bench-floor: bench/floor.c $(BUILD)/floor.skel.h $(LIBBPF_DEP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

soak: $(BUILD)/nettrail
	NT=$(abspath $(BUILD)/nettrail) bash tests/soak/soak.sh

# empty programs: the kernel accounting's own cost per program run (bench/calibrate.bpf.c)
$(BUILD)/calibrate.bpf.o: bench/calibrate.bpf.c $(BUILD)/vmlinux.h | $(LIBBPF_DEP)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench-calibrate: bench/calibrate.c $(LIBBPF_DEP)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

clean:
	rm -rf $(BUILD)

-include $(APP_OBJS:.o=.d) $(BPF_OBJS:.o=.d) $(BUILD)/lat_path40.bpf.d

-include tests/vm/vm.mk
