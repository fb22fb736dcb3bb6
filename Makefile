# virtio-loopback top-level build.
#   make            kernel modules -> build/modules, programs -> build/bin,
#                   upstream drivers Debian leaves out -> build/upstream/KVER
#   make check      host unit tests plus every VM end-to-end test
#   make check-arm64  every VM end-to-end test again, in arm64 guests
#   make demo       the main job: a vhost-user disk used through the loopback
#   make bench      benchmarks (not part of check)
#   make bench-gpu  the GPU display benchmark (not part of check)
#   make bench-sound  the sound latency benchmark (not part of check)
#   make bench-gpio   the GPIO round-trip and interrupt benchmark (not part of check)
#   make bench-can    the CAN latency and frame-rate benchmark (not part of check)
#   make install    programs, units, configuration, man pages (DESTDIR, PREFIX...)
#   make uninstall  removes what install put there
#   make deb        Debian packages (virtio-loopback, virtio-loopback-dkms) in build/deb/
#   make modules_install  the kernel modules (KERNEL_SRC or KVER, INSTALL_MOD_PATH)
#   make clean      removes build/
# ARCH=arm64 cross-builds everything for arm64 (see docs/arm64.md).
# Every target first runs scripts/setup, which installs missing Debian
# packages, so KVER (the guest kernel) is looked up only when used.

SHELL := /bin/bash
# Every core builds, unless the caller chose a job count itself.
ifeq ($(filter -j% --jobserver%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif
ARCH ?= x86_64
override ARCH := $(patsubst aarch64,arm64,$(patsubst amd64,x86_64,$(ARCH)))
REPO := $(CURDIR)

ifeq ($(ARCH),arm64)
BUILD := build/arm64
CROSS_COMPILE ?= aarch64-linux-gnu-
CC := $(CROSS_COMPILE)gcc
KVER = $(shell scripts/arm64-kver)
KDIR ?= $(REPO)/build/arm64/kernel/usr/src/linux-headers-$(KVER)
KMAKE_ARGS := ARCH=arm64 CROSS_COMPILE=$(CROSS_COMPILE)
# arm64 libraries (liburing) unpacked by scripts/setup-arm64; -isystem as
# for the host's /usr/include, so their headers warn no more than natively.
SYSROOT := $(REPO)/build/arm64/sysroot
SYSROOT_LIB := $(SYSROOT)/usr/lib/aarch64-linux-gnu
CPPFLAGS += -isystem $(SYSROOT)/usr/include
LDFLAGS += -L$(SYSROOT_LIB) -Wl,-rpath-link,$(SYSROOT_LIB) \
	-Wl,-rpath-link,$(SYSROOT)/lib/aarch64-linux-gnu
else
BUILD := build
CC ?= gcc
KVER = $(shell scripts/kver)
KDIR ?= /lib/modules/$(KVER)/build
KMAKE_ARGS :=
endif

BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj
MODULES := $(BUILD)/modules

CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wvla
CFLAGS ?= -O2 -g
CPPFLAGS += -Iinclude/uapi -Icommon -Ilib
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -MMD -MP
LDLIBS_URING := -luring
# The GPU display (adapter/gpu/): libpng always, SDL2 where it is found
# (the arm64 build has none: headless and screenshots only). The sound
# back-end: ALSA where it is found (not in the arm64 build: file and null
# ports only). The gpio back-end: libgpiod 1.6 for --chip. Looked up when used, after scripts/setup has installed them.
ifeq ($(ARCH),arm64)
GPU_CFLAGS := -isystem $(SYSROOT)/usr/include/libpng16
GPU_LIBS := -lpng16
GPIO_CFLAGS := -DHAVE_GPIOD
GPIO_LIBS := -lgpiod
else
GPU_CFLAGS = $(shell pkg-config --cflags libpng) \
	$(shell pkg-config --cflags sdl2 2>/dev/null && echo -DHAVE_SDL)
# SDL2 is loaded at run time, by the first SDL display (adapter/gpu/sdl_lib.h).
GPU_LIBS = $(shell pkg-config --libs libpng)
SOUND_CFLAGS = $(shell pkg-config --cflags alsa 2>/dev/null && echo -DHAVE_ALSA)
SOUND_LIBS = $(shell pkg-config --libs alsa 2>/dev/null)
GPIO_CFLAGS = $(shell pkg-config --exists libgpiod && echo -DHAVE_GPIOD)
GPIO_LIBS = $(shell pkg-config --libs libgpiod 2>/dev/null)
endif

# Sanitizer builds of the unit tests and fuzz targets live apart.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: all setup programs modules upstream test-modules check demo bench clean \
	checkpatch unit fuzz
all: setup programs modules upstream

# SKIP_SETUP=1: build with what is installed (a host that only needs the
# module and the programs, see docs/cloud.md).
setup:
ifneq ($(SKIP_SETUP),)
	@true
else ifeq ($(ARCH),arm64)
	@scripts/setup-arm64
else
	@scripts/setup
endif

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

$(OBJ)/%.o: %.c | setup
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(if $(filter adapter/gpu/%,$<),$(GPU_CFLAGS)) \
		$(if $(filter backends/sound/%,$<),$(SOUND_CFLAGS)) \
		$(if $(filter backends/gpio/%,$<),$(GPIO_CFLAGS)) $(ALL_CFLAGS) -c -o $@ $<

# ---- user-space programs ---------------------------------------------------
COMMON_SRCS := $(wildcard common/*.c)
LIB_SRCS := $(wildcard lib/*.c)
ADAPTER_SRCS := $(wildcard adapter/*.c adapter/types/*.c adapter/gpu/*.c)

PROGS :=
ifneq ($(ADAPTER_SRCS),)
PROGS += $(BIN)/virtio-loopback-adapter
$(BIN)/virtio-loopback-adapter: $(call objs,$(ADAPTER_SRCS) $(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(GPU_LIBS)
endif

# Each backends/NAME/ directory is one program, vhost-user-NAME, linked with
# the backend library; blk also needs liburing, sound ALSA (where there is
# one: the arm64 build has none, and no alsa port), gpio libgpiod.
BACKENDS := $(notdir $(wildcard backends/*))
define backend_rule
PROGS += $(BIN)/vhost-user-$(1)
$(BIN)/vhost-user-$(1): $(call objs,$(wildcard backends/$(1)/*.c) $(LIB_SRCS) $(COMMON_SRCS))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -o $$@ $$^ $$(LDFLAGS) $(if $(filter blk,$(1)),$$(LDLIBS_URING)) \
		$(if $(filter sound,$(1)),$$(SOUND_LIBS)) $(if $(filter gpio,$(1)),$$(GPIO_LIBS))
endef
$(foreach b,$(BACKENDS),$(eval $(call backend_rule,$(b))))

# Small tools (test helpers, benchmarks): tools/NAME.c -> build/bin/NAME.
TOOLS := $(patsubst tools/%.c,$(BIN)/%,$(wildcard tools/*.c))
$(BIN)/%: $(OBJ)/tools/%.o $(call objs,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS)

# Test programs: tests/progs/NAME.c -> build/tests/bin/NAME (not installed).
TEST_PROGS := $(patsubst tests/progs/%.c,$(BUILD)/tests/bin/%,$(wildcard tests/progs/*.c))
$(BUILD)/tests/bin/%: $(OBJ)/tests/progs/%.o $(call objs,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS)

# The GPU tests' programs: DRM's uAPI headers, and libpng.
$(OBJ)/tests/progs/drm-pattern.o: CPPFLAGS += -isystem /usr/include/libdrm
$(OBJ)/tests/progs/imgcheck.o: CPPFLAGS += $(GPU_CFLAGS)
$(BUILD)/tests/bin/imgcheck: LDFLAGS += $(GPU_LIBS)
# The sound tests' programs read WAV files with the back-end's parser;
# snd-pause plays through ALSA (not in the arm64 build).
$(OBJ)/tests/progs/pcmcmp.o $(OBJ)/tests/progs/snd-pause.o: CPPFLAGS += -Ibackends/sound
$(BUILD)/tests/bin/pcmcmp $(BUILD)/tests/bin/snd-pause: $(OBJ)/backends/sound/wav.o
$(BUILD)/tests/bin/snd-pause: LDFLAGS += $(SOUND_LIBS)
$(BUILD)/tests/bin/snd-latency: LDFLAGS += $(SOUND_LIBS) -lpthread
$(BUILD)/tests/bin/gpio-toggle: LDFLAGS += $(GPIO_LIBS)
ifeq ($(ARCH),arm64)
TEST_PROGS := $(filter-out $(BUILD)/tests/bin/snd-pause $(BUILD)/tests/bin/snd-latency,$(TEST_PROGS))
endif

programs: $(PROGS) $(TOOLS) $(TEST_PROGS)

# ---- unit tests and fuzz targets (host, with ASan and UBSan) -------------------
# tests/unit/PREFIX_NAME.c links common/ plus, by prefix, lib/ (lib_*), the
# adapter without its main() (adapter_*), or the sound, gpio or can back-end
# without its main() and with lib/ (sound_*, gpio_*, can_*). tests/fuzz/ follows
# the same rule and is built with clang's libFuzzer.
ADAPTER_LIB_SRCS := $(filter-out adapter/main.c,$(ADAPTER_SRCS))
SOUND_LIB_SRCS := $(filter-out backends/sound/main.c backends/sound/port_alsa.c,\
	$(wildcard backends/sound/*.c))
GPIO_LIB_SRCS := $(filter-out backends/gpio/main.c,$(wildcard backends/gpio/*.c))
CAN_LIB_SRCS := $(filter-out backends/can/main.c,$(wildcard backends/can/*.c))
unit_deps = $(COMMON_SRCS) $(if $(filter lib_% sound_% gpio_% can_%,$(1)),$(LIB_SRCS)) \
	$(if $(filter adapter_%,$(1)),$(ADAPTER_LIB_SRCS)) \
	$(if $(filter sound_%,$(1)),$(SOUND_LIB_SRCS)) \
	$(if $(filter gpio_%,$(1)),$(GPIO_LIB_SRCS)) \
	$(if $(filter can_%,$(1)),$(CAN_LIB_SRCS))
SAN_OBJ := $(BUILD)/san
FUZZ_OBJ := $(BUILD)/fuzz-obj
FUZZ_CC := clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -g -O1
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/*.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.c))

$(SAN_OBJ)/%.o: %.c | setup
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(if $(filter adapter/gpu/%,$<),$(GPU_CFLAGS)) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(FUZZ_OBJ)/%.o: %.c | setup
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(if $(filter adapter/gpu/%,$<),$(GPU_CFLAGS)) $(CSTD) $(WARN) \
		-Wno-unused-command-line-argument \
		$(FUZZ_FLAGS) -DFUZZING -MMD -MP -c -o $@ $<

$(FUZZ_OBJ)/tests/fuzz/sound_%.o $(SAN_OBJ)/tests/unit/sound_%.o: CPPFLAGS += -Ibackends/sound
$(FUZZ_OBJ)/tests/fuzz/gpio_%.o $(SAN_OBJ)/tests/unit/gpio_%.o: CPPFLAGS += -Ibackends/gpio
$(FUZZ_OBJ)/tests/fuzz/can_%.o $(SAN_OBJ)/tests/unit/can_%.o: CPPFLAGS += -Ibackends/can
# The sound test front-end reads WAV files with the back-end's parser.
$(SAN_OBJ)/tests/unit/lib_fe_sound.o: CPPFLAGS += -Ibackends/sound
$(BUILD)/tests/unit/lib_fe_sound: $(SAN_OBJ)/backends/sound/wav.o

.SECONDEXPANSION:
# (No '%' inside the expansions below: in a pattern rule it means the stem.)
dep_objs = $(addprefix $(1)/,$(addsuffix .o,$(basename $(call unit_deps,$(2)))))
$(BUILD)/tests/unit/%: $(SAN_OBJ)/tests/unit/%.o $$(call dep_objs,$(SAN_OBJ),$$*)
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LDLIBS_URING) $(GPU_LIBS) -lpthread

$(BUILD)/fuzz/%: $(FUZZ_OBJ)/tests/fuzz/%.o $$(call dep_objs,$(FUZZ_OBJ),$$*)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS_URING) $(GPU_LIBS) -lpthread

# Some unit tests drive the back-end programs as a front-end would.
unit: programs $(UNIT_BINS)
fuzz: $(FUZZ_BINS)

-include $(shell find $(OBJ) $(SAN_OBJ) $(FUZZ_OBJ) -name '*.d' 2>/dev/null)

# ---- kernel modules ------------------------------------------------------------
# Each kernel/NAME/ directory is one Kbuild module tree (scripts/build-kmod).
KMOD_DIRS := $(wildcard kernel/*/)
modules: setup
	+@set -e; for d in $(KMOD_DIRS); do \
		KDIR=$(KDIR) scripts/build-kmod $$d $(BUILD)/kbuild/$$(basename $$d) $(MODULES) \
			$(KMAKE_ARGS) VLB_INCLUDE=$(REPO)/include W=1; \
	done

upstream: setup
	+@KVER=$(KVER) KDIR=$(KDIR) scripts/build-upstream $(BUILD)/upstream/$(KVER) $(KMAKE_ARGS)

# Test-only modules (they misbehave on purpose) stay out of build/modules.
test-modules: setup
	+@set -e; for d in tests/modules/*/; do \
		KDIR=$(KDIR) scripts/build-kmod $$d $(BUILD)/kbuild-test/$$(basename $$d) \
			$(BUILD)/test-modules $(KMAKE_ARGS); \
	done

checkpatch: upstream
	@scripts/checkpatch

# (+: the builds run-all starts share this make's job slots.)
check: all test-modules
	+@tests/run-all

# Every end-to-end test again, in arm64 guests (docs/arm64.md). Not part of
# check, which covers arm64 with tests/host/arm64-smoke.sh.
.PHONY: check-arm64
check-arm64:
	@$(MAKE) -s ARCH=arm64 all test-modules
	@VM_ARCH=arm64 tests/run-all e2e/

demo: all
	@scripts/demo

bench: all
	@bench/run

.PHONY: bench-gpu bench-sound bench-gpio bench-can
bench-gpu: all
	@bench/gpu-run

bench-sound: all
	@bench/sound-run

bench-gpio: all
	@bench/gpio-run

bench-can: all
	@bench/can-run

# ---- installing ------------------------------------------------------------------
# make install [DESTDIR=...] [PREFIX=/usr/local] [BINDIR=...] [LIBEXECDIR=...]
#   [SYSCONFDIR=...] [SYSTEMDUNITDIR=...] [MANDIR=...]: the adapter, every
# back-end, the systemd units (their paths rewritten to these), the example
# configuration (kept where one exists) and the man pages; uninstall removes
# exactly that (a configuration file only while it is still the example).
# make modules_install [KERNEL_SRC=... | KVER=...] [INSTALL_MOD_PATH=...]:
# the kernel modules, through Kbuild, as Yocto's module class and
# distributions call it (docs/install.md).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
DATADIR ?= $(PREFIX)/share
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/virtio-loopback
INSTALLED_PROGS := virtio-loopback-adapter $(addprefix vhost-user-,$(BACKENDS))
UNITS := $(notdir $(wildcard dist/systemd/*.service dist/systemd/*.socket))
MAN_PAGES := $(wildcard man/*.[1-8])
CONF_FILES := $(notdir $(wildcard dist/etc/*))
D := $(DESTDIR)
UNIT_PATHS := -e 's|/usr/local/bin/|$(BINDIR)/|g' \
	-e 's|/etc/virtio-loopback|$(SYSCONFDIR)/virtio-loopback|g' \
	-e 's|file:///usr/local/share/doc/virtio-loopback|file://$(DOCDIR)|g'

.PHONY: install uninstall modules_install kmods install-files installed-programs deb
define install_files
	install -d $(D)$(BINDIR) $(D)$(SYSTEMDUNITDIR) $(D)$(MODULESLOADDIR) \
		$(D)$(SYSCONFDIR)/virtio-loopback $(D)$(MANDIR)/man1 $(D)$(DOCDIR)
	install -m 755 $(addprefix $(BIN)/,$(INSTALLED_PROGS)) $(D)$(BINDIR)/
	for u in $(UNITS); do \
		sed $(UNIT_PATHS) dist/systemd/$$u >$(D)$(SYSTEMDUNITDIR)/$$u.tmp && \
		chmod 644 $(D)$(SYSTEMDUNITDIR)/$$u.tmp && \
		mv $(D)$(SYSTEMDUNITDIR)/$$u.tmp $(D)$(SYSTEMDUNITDIR)/$$u; \
	done
	install -m 644 dist/systemd/virtio-loopback.conf $(D)$(MODULESLOADDIR)/virtio-loopback.conf
	for f in $(CONF_FILES); do \
		if [ -e $(D)$(SYSCONFDIR)/virtio-loopback/$$f ]; then \
			echo "install: kept $(D)$(SYSCONFDIR)/virtio-loopback/$$f"; \
		else install -m 644 dist/etc/$$f $(D)$(SYSCONFDIR)/virtio-loopback/$$f; fi; \
	done
	install -m 644 $(MAN_PAGES) $(D)$(MANDIR)/man1/
	install -m 644 README.md $(D)$(DOCDIR)/
	cp -R docs/. $(D)$(DOCDIR)/
	find $(D)$(DOCDIR) -type d -exec chmod 755 {} + -o -type f -exec chmod 644 {} +
endef

# What install puts in BINDIR, without the test programs.
installed-programs: $(PROGS)

install: installed-programs
	$(install_files)

# Debian packages into build/deb/ (scripts/make-deb, docs/install.md).
deb: setup
	@scripts/make-deb build/deb

# Without a build step, for packaging that built before (make deb).
install-files:
	$(install_files)

uninstall:
	rm -f $(addprefix $(D)$(BINDIR)/,$(INSTALLED_PROGS)) \
		$(addprefix $(D)$(SYSTEMDUNITDIR)/,$(UNITS)) \
		$(D)$(MODULESLOADDIR)/virtio-loopback.conf \
		$(addprefix $(D)$(MANDIR)/man1/,$(notdir $(MAN_PAGES)))
	for f in $(CONF_FILES); do \
		if cmp -s dist/etc/$$f $(D)$(SYSCONFDIR)/virtio-loopback/$$f; then \
			rm -f $(D)$(SYSCONFDIR)/virtio-loopback/$$f; \
		elif [ -e $(D)$(SYSCONFDIR)/virtio-loopback/$$f ]; then \
			echo "uninstall: kept $(D)$(SYSCONFDIR)/virtio-loopback/$$f (changed)"; fi; \
	done
	rmdir $(D)$(SYSCONFDIR)/virtio-loopback 2>/dev/null || true
	rm -rf $(D)$(DOCDIR)

# KERNEL_SRC (Yocto's name) or KDIR names the kernel build tree; KVER
# picks /lib/modules/KVER/build. Built apart from the sources (as make
# modules does), then installed by Kbuild into INSTALL_MOD_PATH/lib/modules/
# KVER/updates/; Kbuild runs depmod unless told otherwise (DEPMOD=, MODLIB=
# pass through, as Yocto sets them). No package set-up here: a packager's
# build has its kernel tree already. make kmods builds without installing.
KSRC_DIR = $${KERNEL_SRC:-$(if $(filter command line,$(origin KVER)),/lib/modules/$(KVER)/build,$(KDIR))}
kmods:
	+@set -e; for d in $(KMOD_DIRS); do \
		KDIR=$(KSRC_DIR) scripts/build-kmod $$d $(REPO)/$(BUILD)/kbuild-install/$$(basename $$d) \
			$(BUILD)/modules-install $(KMAKE_ARGS) VLB_INCLUDE=$(REPO)/include; \
	done

modules_install: kmods
	+@set -e; for d in $(KMOD_DIRS); do \
		work=$(REPO)/$(BUILD)/kbuild-install/$$(basename $$d); \
		$(MAKE) -C $(KSRC_DIR) M=$$work $(KMAKE_ARGS) INSTALL_MOD_DIR=updates modules_install \
			>$$work/install.log 2>&1 || { cat $$work/install.log >&2; exit 1; }; \
	done

clean:
	rm -rf build
