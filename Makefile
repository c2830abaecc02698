# tcpalt top-level Makefile.  `make help` lists the targets.
KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),/lib/modules/$(shell uname -r)/build,$(firstword $(wildcard /usr/src/linux-headers-*-cloud-amd64)))
PWD := $(CURDIR)
BUILD_DIR ?= $(CURDIR)/build

.PHONY: all module tools selftests check run bench deps style kdoc clean help debug-kernel

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

bench:
	@selftests/vm/bench.sh

style:
	$(KSRC)/scripts/checkpatch.pl --no-tree --strict --terse -f module/*.[ch] include/uapi/tcpalt.h

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
	@echo "make bench      benchmarks against the kernel TCP in the same guest"
	@echo "make style      checkpatch --strict on the module"
