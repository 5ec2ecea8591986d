# SPDX-License-Identifier: GPL-2.0-or-later
# Top-level entry points.  `make` builds; `make check` and `make demo` do all
# set-up on a fresh Debian machine, dependencies included.

BUILD ?= build
CHECK = python3 scripts/check.py --builddir $(BUILD)

.PHONY: all deps check check-unit check-qtest check-kvm check-compat \
        check-nested demo bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	./configure --builddir=$(BUILD)

deps:
	scripts/install-deps.sh

check: deps all
	$(CHECK) --suite unit --suite qtest --suite cli --suite kvm \
	         --suite compat --suite nested

check-unit: all
	$(CHECK) --suite unit

check-qtest: all
	$(CHECK) --suite qtest --suite cli

check-kvm: all
	$(CHECK) --suite kvm

check-compat: deps all
	$(CHECK) --suite compat

check-nested: deps all
	$(CHECK) --suite nested

demo: deps all
	scripts/demo.sh

bench: deps all
	scripts/bench.sh

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD)
