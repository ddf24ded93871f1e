# irsend: kernel module (kmod/), userspace tools (user/), tests (tests/).
#
#   make            build kmod/irsend.ko and the userspace programs
#   make check      install what is missing, build, run every test
#   make demo       install what is missing, build, show the module in the VM
#   make lint       checkpatch.pl on kmod/ and include/uapi/, sparse on
#                   kmod/, clang-format check on user/ and tests/
#   make clean      remove everything the build made
#
# KDIR=/path/to/kernel/build overrides the kernel to build against.

VERSION := 0.1.0
KVER ?= $(shell scripts/kernel-version 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
BUILD_ID := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
B := build

CC ?= cc
PKG_CONFIG ?= pkg-config
# pkg-config names of the libraries the userspace programs link with (krb5:
# the SMTP client logs in to the KDC for GSSAPI and reads its clock offset for #843;
# smbclient: libsmbclient for SMB file transmission).
USER_PKGS := zlib fdisk libnl-3.0 libnl-genl-3.0 libtiff-4 libjpeg json-c libcap libcrypto libssl libsasl2 krb5 krb5-gssapi smbclient
USER_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -O2 -g \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
	-Iinclude/uapi -Iuser/common -Iuser/encode -Iuser/mail -Iuser/file -Iuser/agent -DIRSEND_VERSION='"$(VERSION)"' -MMD -MP
ifneq ($(USER_PKGS),)
USER_CFLAGS += $(shell $(PKG_CONFIG) --cflags $(USER_PKGS))
USER_LIBS := $(shell $(PKG_CONFIG) --libs $(USER_PKGS))
endif

# Library code lives in one static archive per directory: user/common
# (shared by every program), user/encode (page encoders), user/mail (mail
# protocols), user/file (file transmission: FTP, SMB) and user/agent (jobs,
# boxes, settings: the agent's logic, testable on the host).
LIB_DIRS := agent file mail encode common
lib_objs = $(patsubst %.c,$(B)/%.o,$(wildcard user/$(1)/*.c))
LIB_ARCHIVES := $(foreach d,$(LIB_DIRS),$(B)/lib/libirsend-$(d).a)
COMMON_OBJS := $(call lib_objs,common)
CTL_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard user/irsendctl/*.c))
AGENTD_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard user/irsendd/*.c))
LMS_OBJS := $(patsubst %.c,$(B)/%.o,$(wildcard user/lms/*.c))
PROGS := $(B)/bin/irsendctl $(B)/bin/irsendd $(B)/bin/irsend-lms

# Kernel-facing tests: kselftest programs run inside the test VM.
KSFT_DIR := $(B)/kselftest
KSFT_HEADERS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h
LINUX_SRC_TAR := /usr/src/linux-source-6.1.tar.xz
VM_TEST_PROGS := $(patsubst tests/vm/%.c,$(B)/tests/vm/%,$(wildcard tests/vm/*.c))
CHECKPATCH := $(B)/linux-source/scripts/checkpatch.pl
KMOD_SRCS := $(filter-out %.mod.c,$(wildcard kmod/*.[ch])) $(wildcard include/uapi/linux/*.h)

.PHONY: all module user tests check demo lint clean setup bench fuzz FORCE

all: module user

module:
	@test -f "$(KDIR)/Makefile" || { echo "no kernel build tree at '$(KDIR)':" \
		"run scripts/setup-deps or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) IRSEND_BUILD_ID=$(BUILD_ID) modules

user: $(PROGS)

define lib_rule
$(B)/lib/libirsend-$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(@D)
	@rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach d,$(LIB_DIRS),$(eval $(call lib_rule,$(d))))

$(B)/bin/irsendctl: $(CTL_OBJS) $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) -o $@ $(CTL_OBJS) $(LIB_ARCHIVES) $(USER_LIBS)

$(B)/bin/irsendd: $(AGENTD_OBJS) $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) -o $@ $(AGENTD_OBJS) $(LIB_ARCHIVES) $(USER_LIBS)

# The vendor's license tool runs at the vendor: it alone keeps a SQLite ledger.
$(LMS_OBJS): USER_CFLAGS += $(shell $(PKG_CONFIG) --cflags sqlite3)
$(B)/bin/irsend-lms: $(LMS_OBJS) $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) -o $@ $(LMS_OBJS) $(LIB_ARCHIVES) $(USER_LIBS) $(shell $(PKG_CONFIG) --libs sqlite3)

$(B)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

# The harness headers and checkpatch come from Debian's linux-source-6.1
# package; they are extracted at build time, never committed.
$(B)/linux-source/.stamp: | $(LINUX_SRC_TAR)
	@echo "  EXTRACT kselftest harness and checkpatch from $(LINUX_SRC_TAR)"
	@rm -rf $(B)/linux-source && mkdir -p $(B)/linux-source
	tar -xJf $(LINUX_SRC_TAR) -C $(B)/linux-source --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	@touch $@

$(LINUX_SRC_TAR):
	@echo "missing $@: run scripts/setup-deps" >&2; exit 1

$(KSFT_HEADERS): $(B)/linux-source/.stamp
	@mkdir -p $(@D)
	cp $(B)/linux-source/tools/testing/selftests/$(@F) $@

# The 6.1 harness macros compare signed with unsigned and leave parameters
# unused: those two warnings are off for tests only.
KSFT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-sign-compare -Wno-unused-parameter -Iinclude/uapi -I$(KSFT_DIR) \
	-Itests/lib -Iuser/common -Iuser/encode -Iuser/mail -Iuser/file -Iuser/agent -MMD -MP -pthread

$(B)/tests/vm/%: tests/vm/%.c $(KSFT_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(KSFT_CFLAGS) -o $@ $< $(LIB_ARCHIVES) -pthread $(USER_LIBS)

$(VM_TEST_PROGS): $(LIB_ARCHIVES)

# Host unit tests: kselftest programs that run without the module.
HOST_TEST_PROGS := $(patsubst tests/host/%.c,$(B)/tests/host/%,$(wildcard tests/host/*.c))

$(B)/tests/host/%: tests/host/%.c $(KSFT_HEADERS) $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(KSFT_CFLAGS) -o $@ $< $(LIB_ARCHIVES) $(USER_LIBS)

# Helper programs of the tests (tests/lib/<name>.c -> build/tests/lib/<name>).
TEST_LIB_PROGS := $(patsubst tests/lib/%.c,$(B)/tests/lib/%,$(wildcard tests/lib/*.c))

$(B)/tests/lib/%: tests/lib/%.c $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Itests/lib -o $@ $< $(LIB_ARCHIVES) $(USER_LIBS)

# Benchmarks (not part of make check): tests/bench/<name> runs them.
BENCH_PROGS := $(patsubst tests/bench/%.c,$(B)/tests/bench/%,$(wildcard tests/bench/*.c))

$(B)/tests/bench/%: tests/bench/%.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude/uapi -MMD -MP -o $@ $<

# encode_bench drives the page encoders: it links with the library archives.
$(B)/tests/bench/encode_bench: tests/bench/encode_bench.c $(LIB_ARCHIVES)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIB_ARCHIVES) $(USER_LIBS)

bench: all $(BENCH_PROGS)

# Fuzz targets (scripts/fuzz runs them; tests/host/fuzz_smoke.sh briefly): every
# tests/fuzz/<name>_fuzz.c -> build/fuzz/<name>_fuzz, libFuzzer with ASan and UBSan, linked
# with the library code built again by clang with coverage. Warnings are the gcc build's
# business here: no -Werror, so that a clang-only warning never hides a crash.
FUZZ_CC ?= clang
FUZZ_CFLAGS = $(filter-out -O2 -Werror,$(USER_CFLAGS)) -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_PROGS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/*_fuzz.c))
FUZZ_LIB_OBJS := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(foreach d,$(LIB_DIRS),$(wildcard user/$(d)/*.c)))

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(B)/fuzz/libirsend-fuzz.a: $(FUZZ_LIB_OBJS)
	@rm -f $@ && ar rcs $@ $^

$(B)/fuzz/%_fuzz: tests/fuzz/%_fuzz.c $(B)/fuzz/libirsend-fuzz.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/lib -fsanitize=fuzzer -o $@ $< $(B)/fuzz/libirsend-fuzz.a $(USER_LIBS)

fuzz: $(FUZZ_PROGS)

tests: all $(VM_TEST_PROGS) $(HOST_TEST_PROGS) $(TEST_LIB_PROGS)

setup:
	scripts/setup-deps

check: setup
	$(MAKE) tests
	$(MAKE) lint
	tests/run

demo: setup
	$(MAKE) all
	scripts/demo

lint: $(B)/linux-source/.stamp
	perl $(CHECKPATCH) --no-tree --terse --strict --show-types -f $(KMOD_SRCS)
	$(MAKE) -C $(KDIR) M=$(CURDIR) IRSEND_BUILD_ID=$(BUILD_ID) C=2 \
		CHECK='sparse -Wsparse-error' modules
	clang-format --dry-run --Werror $$(find user tests -name '*.[ch]')

clean:
	-@test -f "$(KDIR)/Makefile" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
