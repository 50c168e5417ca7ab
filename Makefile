# SPDX-License-Identifier: MIT
# A thin wrapper over CMake presets for humans and scripts.
#   make            build into build/ (CLI at build/bin/sgp32, libraries in build/lib/)
#   make test       the whole test suite: gcc, clang, ASan+UBSan, fuzz smoke, install check, format
#   make demo       the end-to-end demo (DEMO_ARGS=--json: JSON lines)
#   make bench      the deterministic benchmarks (counts and ratios, docs/benchmarks.md)
#   make install    install build/ (honours DESTDIR and PREFIX)
# make test and make demo first install missing Debian packages when run as root.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
FUZZ_SECONDS ?= 10
CMAKE ?= cmake
CTEST ?= ctest

.PHONY: all build deps test test-gcc test-clang test-asan test-fuzz test-install test-minimal \
        format format-check demo bench install clean

all: build

deps:
	@.ci/install-deps

build: deps
	$(CMAKE) --preset default >/dev/null
	$(CMAKE) --build --preset default -j $(JOBS)

test-gcc: build
	$(CTEST) --preset default -j $(JOBS)

test-clang: deps
	$(CMAKE) --preset clang >/dev/null
	$(CMAKE) --build --preset clang -j $(JOBS)
	$(CTEST) --preset clang -j $(JOBS)

test-asan: deps
	$(CMAKE) --preset asan >/dev/null
	$(CMAKE) --build --preset asan -j $(JOBS)
	$(CTEST) --preset asan -j $(JOBS)

test-fuzz: deps
	$(CMAKE) --preset fuzz >/dev/null
	$(CMAKE) --build --preset fuzz -j $(JOBS)
	fuzz/smoke.sh build-fuzz $(FUZZ_SECONDS)

test-minimal: deps
	$(CMAKE) --preset minimal >/dev/null
	$(CMAKE) --build --preset minimal -j $(JOBS)
	tests/install/check.sh --minimal build-minimal

test-install: build
	tests/install/check.sh build

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@out=$$(clang-format --dry-run $$(git ls-files '*.c' '*.h') 2>&1); \
	 if [ -n "$$out" ]; then echo "$$out" | head -40; echo "format-check: run 'make format'"; exit 1; fi; \
	 echo "format-check: clean"

# The whole suite. The gcc run goes last so that its ctest summary closes the output.
test: deps format-check test-minimal test-install test-fuzz test-clang test-asan test-gcc

demo: build
	@examples/demo.sh $(DEMO_ARGS) build

# Tables of counts (APDUs, HTTP bytes, allocations, peak heap) with their budgets checked.
bench: build
	build/bench/sgp32-bench all --check

install: build
	$(CMAKE) --install build --prefix $(PREFIX)

clean:
	rm -rf build build-clang build-asan build-fuzz build-minimal
