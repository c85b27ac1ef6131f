# kexec_load, clean room: build the patched kernel and the reference, test both in QEMU.
#
#   make                      build our kernel, then show a kexec and a kdump in QEMU
#   make check                every test scenario; ends with "N passed, N failed"
#   make check KX_IMPL=upstream      the same against the unpatched reference kernel
#   make check SCENARIOS=chain GENS=3   a subset; see README.md for all variables
#   make check FLAVOUR=debug SCENARIOS=selftests   on the debug kernel (bug detectors)
#   make check ARCH=arm64     the arm64 flavours (arm64, arm64-52, arm64-el2; or one: FLAVOUR=arm64)
#   make check SCENARIOS=lockdown    a secure-flavour scenario (lockdown, signed loads)
#   make distro [FULL=1]      both trees with Debian's config, W=1 and sparse on kexec code
#   make bench [QUICK=1] [ROUNDS=N]  both implementations side by side, build/bench/
#   make bench ARCH=arm64     the load benchmark (bench-load) on the arm64 flavour
#   make soak [KX_IMPL=upstream]     long runs: 100 generations, layouts, fuzzer, 20 kdumps
#   make series               the patch series: build/series/mbox (git am), build/series/quilt
#   make series-check         the series on a pristine tree: git am, quilt, a build after each patch
#   make lint                 checkpatch (files and series), kernel-doc, sparse, docutils, shellcheck

KX_IMPL   ?= kx
SCENARIOS ?=
GENS      ?= 5
PAD       ?= 0
KX_APPEND ?=
FLAVOUR   ?=
ARCH      ?=

IMPLS := kx upstream
ifeq ($(filter $(KX_IMPL),$(IMPLS)),)
$(error KX_IMPL must be one of: $(IMPLS) (got '$(KX_IMPL)'))
endif
# x86 (x86_64) is the default; arm64 runs the flavours whose config names it.
ARCHES := x86 x86_64 arm64
ifneq ($(filter-out $(ARCHES),$(ARCH)),)
$(error ARCH must be one of: $(ARCHES) (got '$(ARCH)'))
endif
ARM64 := $(filter arm64,$(ARCH))

CHECK := scripts/check.py --impl $(KX_IMPL) --gens $(GENS) --pad $(PAD) \
	$(if $(KX_APPEND),--append "$(KX_APPEND)") $(if $(FLAVOUR),--flavour $(FLAVOUR)) \
	$(if $(ARM64),$(if $(FLAVOUR),,--arch arm64))

.PHONY: all demo deps tree kernel initramfs check distro bench soak series series-check lint \
	clean distclean help

all: demo

deps:
	@scripts/deps.sh

tree: deps
	@scripts/tree.sh $(KX_IMPL) >/dev/null

kernel: deps
	@scripts/kernel.sh $(KX_IMPL)

initramfs: kernel
	@scripts/initramfs.sh $(KX_IMPL) $(PAD)

demo: deps
	@echo "== Building the $(KX_IMPL) kernel, then booting it in QEMU: a kexec into a new kernel, then kdump"
	@$(CHECK) --gens 2 chain kdump

check: deps
	@$(CHECK) $(SCENARIOS)

# Not part of check: Debian's full config is a build of its own.
distro: deps
	@scripts/distro.sh $(if $(FULL),--full) upstream kx

bench: deps
	@scripts/bench.py $(if $(QUICK),--quick) $(if $(ROUNDS),--rounds $(ROUNDS)) \
		$(if $(ARM64),--flavour $(or $(FLAVOUR),arm64) --boots load)

# Not part of check: an hour or more.
soak: deps
	@scripts/soak.py --impl $(KX_IMPL) $(if $(FLAVOUR),--flavour $(FLAVOUR))

# The overlay and patches/ as the series kernel teams take (series/ holds its messages).
series: deps
	@scripts/series.py export

# Also part of make check (the series-am and series-bisect rows).
series-check: deps
	@scripts/series.py check

# checkpatch --strict on our files and on the series, kernel-doc, sparse, docutils,
# shellcheck, Python byte-compile. Also part of make check (the lint-* rows).
lint: deps
	@scripts/lint.sh

help:
	@sed -n '3,16s/^# \{0,1\}//p' Makefile

# Objects, initramfs images and run logs; the unpacked base tree and ccache stay.
clean:
	rm -rf $(foreach impl,$(IMPLS),build/$(impl)/linux/obj build/$(impl)/linux/obj-* \
		build/$(impl)/runs build/$(impl)/runs-* build/$(impl)/initramfs*)

distclean:
	rm -rf build
