# SPDX-License-Identifier: GPL-2.0-or-later
# Top-level entry points.  `make` builds; `make check` and `make demo` do all
# set-up on a fresh Debian machine, dependencies included.

BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = keyval qmp qtest vnc x86-boot qcow2 virtqueue acpi virtio-net-filter \
               cmdline virtio-blk
CHECK = python3 scripts/check.py --builddir $(BUILD)

.PHONY: all asan check-asan deps check check-unit check-qtest check-kvm check-compat \
        check-nested check-nested-extra demo bench install clean fuzz fuzz-build

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

deps:
	scripts/install-deps.sh

$(ASAN_BUILD)/build.ninja:
	./configure --builddir=$(ASAN_BUILD) --enable-asan

asan: $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

# libFuzzer targets (tests/fuzz/): clang, ASan+UBSan, coverage everywhere.
$(FUZZ_BUILD)/build.ninja:
	CFLAGS=-fsanitize=fuzzer-no-link ./configure --cc=clang --enable-asan \
	    --disable-werror --builddir=$(FUZZ_BUILD)

fuzz-build: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

# Each target for FUZZ_SECONDS from its seed corpus; reports coverage.
fuzz: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do \
	    python3 tests/fuzz/run-fuzz.py --seconds $(FUZZ_SECONDS) \
	        $(FUZZ_BUILD)/tests/fuzz/fuzz-$$t tests/fuzz/corpus/fuzz-$$t \
	        || rc=1; \
	done; exit $$rc

# Every tier, plus the fast tiers again under ASan/UBSan, plus the fuzz
# corpora replayed and a 10 s fuzz run of each target.
check: deps all asan fuzz-build
	scripts/install-novnc.sh $(BUILD)
	$(CHECK) --suite unit --suite qtest --suite cli --suite kvm \
	         --suite compat --suite nested --asan-builddir $(ASAN_BUILD) \
	         --fuzz-builddir $(FUZZ_BUILD) --rerun-suite nested

check-asan: asan
	python3 scripts/check.py --builddir $(ASAN_BUILD) --suite unit \
	         --suite cli --suite qtest

check-unit: all
	$(CHECK) --suite unit

check-qtest: all
	$(CHECK) --suite qtest --suite cli

check-kvm: all
	$(CHECK) --suite kvm

check-compat: deps all
	$(CHECK) --suite compat

check-nested: deps all
	$(CHECK) --suite nested --rerun-suite nested

# Slow nested runs that repeat what the nested tier already proves.
check-nested-extra: deps all
	$(CHECK) --suite nested-extra

demo: deps all
	scripts/demo.sh

bench: deps all
	scripts/bench.sh

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
