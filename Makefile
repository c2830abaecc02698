# tcpalt top-level Makefile.  `make help` lists the targets.
KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),/lib/modules/$(shell uname -r)/build,$(firstword $(wildcard /usr/src/linux-headers-*-cloud-amd64)))
PWD := $(CURDIR)
BUILD_DIR ?= $(CURDIR)/build

.PHONY: all module tools selftests check run bench fuzz deps style kdoc clean help debug-kernel

all: module tools selftests

module:
	$(MAKE) -C $(KDIR) M=$(PWD) W=1 modules

tools:
	$(MAKE) -C userspace-tools OUT=$(BUILD_DIR)/tools

selftests:
	$(MAKE) -C selftests/kselftest OUT=$(BUILD_DIR)/tests

deps:
	@./scripts/deps.sh

debug-kernel:
	@selftests/vm/debug-kernel.sh

check:
	@selftests/vm/check.sh

run:
	@selftests/vm/run-main.sh

# make bench [PATHS=lo,veth,rtt20,...] [WORKLOADS=stream,rr,crr,mem,bind,apps] [ROUNDS=N] [SECS=S]:
# a subset of the rows, fewer or more rounds, shorter or longer streams (apps: the real
# programs, nginx/ab/wrk/iperf3/redis, at most 3 rounds).
bench:
	@PATHS="$(PATHS)" WORKLOADS="$(WORKLOADS)" ROUNDS="$(ROUNDS)" SECS="$(SECS)" \
		selftests/vm/bench.sh

# make fuzz SECS=N [SEED=S]: the segment fuzzer alone for N s on the debug kernel;
# ROUND=R [MASK=0110...] [REPEAT=N] replays what it reported.
fuzz:
	@SECS="$(SECS)" SEED="$(SEED)" ROUND="$(ROUND)" MASK="$(MASK)" REPEAT="$(REPEAT)" \
		selftests/vm/fuzz.sh

CHECKPATCH := $(BUILD_DIR)/checkpatch/checkpatch.pl
$(CHECKPATCH):
	mkdir -p $(dir $@)
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(dir $@) --strip-components=2 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch

# checkpatch --strict; lines up to 100 columns (the kernel limit since 5.7).
# CONST_STRUCT is ignored: tcpalt_stream_ops is not const because .family follows family=.
style: $(CHECKPATCH)
	perl $(CHECKPATCH) --no-tree --strict --terse --max-line-length=100 --ignore CONST_STRUCT \
		-f $(filter-out %.mod.c,$(wildcard module/*.[ch])) include/uapi/tcpalt.h

KERNELDOC := $(BUILD_DIR)/checkpatch/kernel-doc
$(KERNELDOC):
	mkdir -p $(dir $@)
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(dir $@) --strip-components=2 \
		linux-source-6.1/scripts/kernel-doc

# kernel-doc on every module file: no malformed comment, no undocumented member or parameter.
kdoc: $(KERNELDOC)
	perl $(KERNELDOC) -Werror -none $(filter-out %.mod.c,$(wildcard module/*.[ch]))

clean:
	$(MAKE) -C $(KDIR) M=$(PWD) clean
	$(MAKE) -C userspace-tools clean
	$(MAKE) -C selftests/kselftest clean
	rm -rf build

help:
	@echo "make            build module (W=1), tools and test programs"
	@echo "make deps       install the Debian packages tcpalt needs"
	@echo "make run        boot a VM, load tcpalt, show /proc/tcpalt/connections"
	@echo "make check      every test, both guest kernels; ends with 'N passed, N failed'"
	@echo "make bench      benchmarks against the kernel TCP in the same guest (PATHS=, ROUNDS=)"
	@echo "make fuzz SECS=N [SEED=S]  segment fuzzer for N s on the debug kernel (KASAN, lockdep)"
	@echo "make style      checkpatch --strict on the module"
	@echo "make kdoc       kernel-doc -Werror on the module"
