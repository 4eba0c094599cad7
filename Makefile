# minicontainer - build, test and grade.
#
#   make                 build the chapter demos into build/bin/
#   sudo make test       all tests (root: namespaces, mounts and cgroups are real)
#   sudo make hello      install what is missing, build, run the capstone
#   sudo make grade [CH=NN]  grade the exercises in exercises/ (see exercises/README.md)
#   make help            every target
#
# The chapter modules are compiled from chapters/ (the reference) or, for the
# chapters named in STUDENT (e.g. STUDENT=01, or STUDENT=all), from the
# student's copies in exercises/.  Output goes to $(BUILD) only.

CHAPTERS := 01-namespaces 02-cgroups 03-overlayfs 04-images 05-network 06-build
STUDENT  ?=
# The student's build (STUDENT=...) goes to build/student: make student, sudo make hello STUDENT=all.
BUILD    ?= $(if $(STUDENT),build/student,build)
EXERCISES_DIR ?= exercises
PREFIX   ?= /usr/local
DESTDIR  ?=

CC      ?= cc
WERROR  ?= $(if $(CI),-Werror)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra $(WERROR)
LDFLAGS ?=
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# make fuzz: everything built with clang for libFuzzer (the harnesses add -fsanitize=fuzzer).
ifeq ($(SANITIZE),fuzz)
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PKG_CONFIG ?= pkg-config
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# Chapter 04 on: tar archives, JSON documents, sha256, HTTP(S) to registries; the capstone:
# capabilities, seccomp; chapter 05: rtnetlink (libmnl) and nftables (libnftables).
# libcurl is not linked: chapter 04 loads it when it first needs it (curl_lazy.c says why).
PKGS      := libarchive jansson libcrypto libcap libseccomp libmnl libnftables
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) libcurl 2>/dev/null)
LIBS       = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm

# chapter_num: 01-namespaces -> 01.  is_student: is chapter $1 built from the student's
# files?  pick: file $2 of chapter $1 - the student's copy in exercises/ when there
# is one (exercises/ holds only the files with exercises), else the reference.
chapter_num = $(firstword $(subst -, ,$1))
is_student = $(filter all $(call chapter_num,$1),$(STUDENT))
pick = $(if $(and $(call is_student,$1),$(wildcard $(EXERCISES_DIR)/$1/$2)),$(EXERCISES_DIR)/$1/$2,chapters/$1/$2)
chapter_files = $(notdir $(wildcard chapters/$1/*.c))
module_files = $(filter-out demo.c,$(call chapter_files,$1))
# Assembler files carry data into a chapter's library (chapter 01: the default
# seccomp profile, .incbin'd from the JSON file beside it); never exercises.
chapter_asm = $(notdir $(wildcard chapters/$1/*.S))

HARNESS_OBJ := $(BUILD)/obj/tests/harness.o
INCLUDES := -Ichapters/common $(foreach c,$(CHAPTERS),$(if $(call is_student,$c),-I$(EXERCISES_DIR)/$c) -Ichapters/$c) $(PKG_CFLAGS)
COMMON_SRCS := $(wildcard chapters/common/*.c)
COMMON_LIB  := $(BUILD)/lib/libcommon.a

ROOTFS := build/rootfs
PROBE  := build/probe/probe

.PHONY: FORCE all demos tests rootfs probe test test-run test-demos asan grade student exercises handout \
	autograder check-grading \
	check-exercises deps install clean format format-check hello hello-image help excerpts \
	fuzz fuzzers man completion
.DEFAULT_GOAL := all

all: demos

# --- libraries and demos -----------------------------------------------------

# A shared file may hold one chapter's exercise (04.3 lives in resolve.c): the
# student's copy of it is in that chapter's exercises/ directory.
pick_common = $(firstword $(foreach c,$(CHAPTERS),$(if $(call is_student,$c),$(wildcard $(EXERCISES_DIR)/$c/$1))) chapters/common/$1)
define common_rule
$(BUILD)/obj/common/$(1:.c=.o): $(call pick_common,$1)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(INCLUDES) -MMD -MP -c $$< -o $$@
endef
$(foreach f,$(notdir $(COMMON_SRCS)),$(eval $(call common_rule,$f)))

$(COMMON_LIB): $(patsubst chapters/common/%.c,$(BUILD)/obj/common/%.o,$(COMMON_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# One block of rules per chapter: its objects, its library libchNN.a, and its
# demo build/bin/chNN-topic, which links every chapter up to and including it.
# One rule per source file, so that each can come from its own place (see pick).
define object_rule
$(BUILD)/obj/$1/$(2:.c=.o): $(call pick,$1,$2)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(INCLUDES) -MMD -MP -c $$< -o $$@
endef
$(foreach c,$(CHAPTERS),$(foreach f,$(call chapter_files,$c),$(eval $(call object_rule,$c,$f))))
$(BUILD)/obj/%.o: chapters/%.S
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -I$(dir $<) -c $< -o $@
$(foreach c,$(CHAPTERS),$(eval $(patsubst %.S,$(BUILD)/obj/$c/%.o,$(call chapter_asm,$c)): $(wildcard chapters/$c/*.json)))

define chapter_rules
LIB_$(call chapter_num,$1) := $(BUILD)/lib/libch$(call chapter_num,$1).a
$(BUILD)/lib/libch$(call chapter_num,$1).a: $(patsubst %.c,$(BUILD)/obj/$1/%.o,$(call module_files,$1)) $(patsubst %.S,$(BUILD)/obj/$1/%.o,$(call chapter_asm,$1))
	@mkdir -p $$(@D)
	rm -f $$@ && $$(AR) rcs $$@ $$^

CHAPTER_LIBS := $(BUILD)/lib/libch$(call chapter_num,$1).a $$(CHAPTER_LIBS)

$(BUILD)/bin/ch$1: $(BUILD)/obj/$1/demo.o $$(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LIBS)

DEMOS += $(BUILD)/bin/ch$1

# Its test program, tests/test_chNN_topic.c (plus any tests/chNN_*.c it
# gathers tests from), linked against the same libraries.
$(BUILD)/tests/test-ch$(call chapter_num,$1): $(BUILD)/obj/tests/test_ch$(subst -,_,$1).o $(patsubst tests/%.c,$(BUILD)/obj/tests/%.o,$(wildcard tests/ch$(call chapter_num,$1)_*.c)) $(HARNESS_OBJ) $$(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $$(LIBS)
endef
$(foreach c,$(CHAPTERS),$(eval $(call chapter_rules,$c)))

demos: $(DEMOS) $(BUILD)/bin/minicontainer

# Chapter 05's tests drive the capstone and the demo built from the same sources (so
# that grading runs the student's network code end to end).
$(BUILD)/tests/test-ch05: | $(BUILD)/bin/minicontainer $(BUILD)/bin/ch05-network

# The capstone: minicontainer/*.c over every chapter's library.
MC_OBJS := $(patsubst minicontainer/%.c,$(BUILD)/obj/minicontainer/%.o,$(wildcard minicontainer/*.c))
$(BUILD)/obj/minicontainer/%.o: minicontainer/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INCLUDES) -Iminicontainer -MMD -MP -c $< -o $@
$(BUILD)/bin/minicontainer: $(MC_OBJS) $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
# What `minicontainer version` reports, written into build/ (never the source tree) and
# only rewritten when it changes, so that version.o is rebuilt only then.
VERSION ?= 0.6.0
$(BUILD)/gen/mc_build.h: FORCE
	@mkdir -p $(@D)
	@printf '#define MC_VERSION "%s"\n#define MC_GIT_COMMIT "%s"\n#define MC_BUILT "%s"\n#define MC_LIBCAP_VERSION "%s"\n' \
		'$(VERSION)' \
		"$$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)" \
		"$$(git log -1 --format=%cd --date=format:'%a %b %e %H:%M:%S %Y' 2>/dev/null)" \
		"$$($(PKG_CONFIG) --modversion libcap 2>/dev/null || echo unknown)" >$@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/obj/minicontainer/version.o: $(BUILD)/gen/mc_build.h
$(BUILD)/obj/minicontainer/version.o: INCLUDES += -I$(BUILD)/gen
FORCE:

# The capstone without its main(), for tests and fuzzers that call its parsers.
MC_LIB := $(BUILD)/lib/libmc.a
$(MC_LIB): $(filter-out %/main.o,$(MC_OBJS))
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

# --- tests ---------------------------------------------------------------------

TESTS := $(BUILD)/tests/test-common $(foreach c,$(CHAPTERS),$(BUILD)/tests/test-ch$(call chapter_num,$c))

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INCLUDES) -Iminicontainer $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/test-common: $(BUILD)/obj/tests/test_common.o $(HARNESS_OBJ) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

# The capstone's end-to-end tests drive build/bin/minicontainer (and link the chapters for helpers).
TESTS += $(BUILD)/tests/test-minicontainer
# (plus tests/mc_*.c: the helpers they share and further groups of tests).
$(BUILD)/tests/test-minicontainer: $(BUILD)/obj/tests/test_minicontainer.o $(patsubst tests/%.c,$(BUILD)/obj/tests/%.o,$(wildcard tests/mc_*.c)) $(HARNESS_OBJ) $(MC_LIB) $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS) -lutil

tests: $(TESTS) demos build/hello/hello-world.tar

# The probe is static so that it runs in any root filesystem, with no libc there.
probe: $(PROBE)
$(PROBE): tests/probe/probe.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra $(WERROR) -o $@ $<

# A busybox root filesystem with the probe at /probe, built offline.
rootfs: $(ROOTFS)/.complete
$(ROOTFS)/.complete: scripts/mkrootfs.sh $(PROBE)
	scripts/mkrootfs.sh $(ROOTFS) $(PROBE)

test: deps-check
	$(MAKE) tests rootfs
	MC_TEST_BIN=$(BUILD)/bin/minicontainer tests/run.sh $(BUILD)

# The chapters' demo scripts alone (tests/demos.sh; make test runs them too), e.g. DEMO_CH="01 05".
test-demos: demos rootfs
	DEMO_BIN=$(BUILD)/bin tests/demos.sh $(DEMO_CH)

# Run the tests of an existing build (used by test and asan).
test-run: tests rootfs
	MC_TEST_BIN=$(BUILD)/bin/minicontainer tests/run.sh $(BUILD) $(RUN_FLAGS)

asan:
	MC_NO_VM=1 $(MAKE) BUILD=build/asan SANITIZE=1 RUN_FLAGS=--no-transcripts test-run

# --- fuzzing --------------------------------------------------------------------
#
# Every tests/fuzz/fuzz_NAME.c is a libFuzzer harness (LLVMFuzzerTestOneInput)
# for one parser of untrusted input; tests/fuzz/corpus/NAME/ holds its seeds.
# `make fuzz` builds them all with clang and runs each for FUZZ_SECONDS.

FUZZ_SECONDS ?= 30
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
# Harnesses may call the capstone's parsers (mc_spec.h), so they see its headers.
$(BUILD)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INCLUDES) -Iminicontainer -MMD -MP -c $< -o $@
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(MC_LIB) $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)
fuzzers: $(FUZZERS)

fuzz: deps-check
	$(MAKE) --no-print-directory BUILD=build/fuzz-build CC=clang SANITIZE=fuzz fuzzers
	scripts/fuzz.sh $(FUZZ_SECONDS) build/fuzz-build/fuzz/fuzz_*

# --- benchmarks ----------------------------------------------------------------
#
# bench/run.sh times whole containers; build/bench/devices times chapter 02's
# device policy alone (see bench/README.md).

.PHONY: bench-devices
bench-devices: $(BUILD)/bench/devices
$(BUILD)/bench/devices: bench/devices.c $(CHAPTER_LIBS) $(COMMON_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(INCLUDES) $(LDFLAGS) -o $@ $^ $(LIBS)

# --- exercises and grading ----------------------------------------------------

CH ?=

# Regenerating never overwrites an exercise file someone edited since it was
# generated (a student's work, committed or not), unless FORCE=1.
exercises:
	$(call instructor_only,scripts/gen-exercises.py)
	@for c in $(CHAPTERS); do python3 scripts/gen-exercises.py $(if $(filter 1,$(FORCE)),--force) \
		chapters/$$c exercises/$$c || exit 1; done

# make grade [CH=NN] [SUBMISSION=DIR] [GRADE_VM=1] [GRADE_TIMEOUT=S] [GRADE_BUDGET=S]
# (scripts/grade.py; exercises/README.md says what it does).
grade: deps-check rootfs
	@python3 scripts/grade.py $(CH) $(if $(SUBMISSION),--submission '$(SUBMISSION)') \
		$(if $(filter 1,$(GRADE_VM)),--vm always) \
		$(if $(GRADE_TIMEOUT),--timeout $(GRADE_TIMEOUT)) \
		$(if $(GRADE_BUDGET),--budget $(GRADE_BUDGET)) $(GRADE_FLAGS)

STUDENT_BUILD ?= build/student
student:
	$(MAKE) STUDENT=all BUILD=$(STUDENT_BUILD) demos
	@echo "Your demos and minicontainer, built from exercises/, are in $(STUDENT_BUILD)/bin/."
	@echo "Run hello-world on your own code with: sudo make hello STUDENT=all"

check-exercises: rootfs
	$(call instructor_only,scripts/check-exercises.py)
	python3 scripts/check-exercises.py $(CH)

# make handout DEST=DIR: a student tree without the solutions (scripts/handout.py).
handout:
	$(call instructor_only,scripts/handout.py)
	@test -n "$(DEST)" || { echo "make handout: say where: make handout DEST=DIR"; exit 2; }
	python3 scripts/handout.py '$(DEST)'

# The grader's own tests (tests/grading/test-grading.py): tampered submissions, time
# limits, unprivileged grading in the VM, handouts.  Needs root.
check-grading: rootfs
	$(call instructor_only,tests/grading/test-grading.py)
	python3 tests/grading/test-grading.py $(GRADING_TESTS)

# make autograder: build/autograder.zip for Gradescope (scripts/autograder/).  It holds
# the reference solutions: upload it, never hand it out.
autograder:
	$(call instructor_only,scripts/autograder/bundle.py)
	python3 scripts/autograder/bundle.py $(BUILD)/autograder.zip

# A handout leaves the instructor's tools out: their targets say so.
instructor_only = @test -f $1 || { echo "make $@: an instructor's target (this tree is a handout)"; exit 2; }

# --- set-up, install, housekeeping ---------------------------------------------

deps:
	scripts/deps.sh install

deps-check:
	@scripts/deps.sh ensure

# The man pages and the shell completion come from the table of commands
# (minicontainer/verbs.c), the same one --help prints from.
man: $(BUILD)/bin/minicontainer
	rm -rf $(BUILD)/man && mkdir -p $(BUILD)/man
	$(BUILD)/bin/minicontainer __man $(BUILD)/man/man1

completion: $(BUILD)/bin/minicontainer
	mkdir -p $(BUILD)/completion
	$(BUILD)/bin/minicontainer completion bash > $(BUILD)/completion/minicontainer
	$(BUILD)/bin/minicontainer completion zsh > $(BUILD)/completion/_minicontainer

# The default seccomp profile goes to share/minicontainer/ (it is built in, too):
# the start of one's own profile.
install: demos man completion
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/minicontainer \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0755 $(DEMOS) $(BUILD)/bin/minicontainer $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BUILD)/man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(BUILD)/completion/minicontainer \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/minicontainer
	install -m 0644 $(BUILD)/completion/_minicontainer \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_minicontainer
	install -m 0644 chapters/01-namespaces/seccomp-default.json $(DESTDIR)$(PREFIX)/share/minicontainer/

# hello-world, built offline: a static program, packaged as an image with
# minicontainer's own import, then run.
HELLO := build/hello/hello
$(HELLO): minicontainer/hello-world/hello.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -std=gnu11 -Wall -Wextra $(WERROR) -o $@ $<
build/hello/hello-world.tar: $(HELLO)
	tar --owner=0 --group=0 --numeric-owner --mtime=@0 -C build/hello -cf $@ hello

# busybox:latest too (the test root filesystem), so that `run -it busybox sh` works offline.
hello-image: demos rootfs build/hello/hello-world.tar
	@$(BUILD)/bin/minicontainer inspect --type image busybox >/dev/null 2>&1 || \
		tar -C $(ROOTFS) --exclude=./.complete -c . | \
		$(BUILD)/bin/minicontainer import --change 'CMD ["sh"]' - busybox:latest >/dev/null
	@$(BUILD)/bin/minicontainer inspect --type image hello-world >/dev/null 2>&1 || \
		$(BUILD)/bin/minicontainer import --change 'CMD ["/hello"]' \
			-m 'built from minicontainer/hello-world/hello.c' \
			build/hello/hello-world.tar hello-world:latest >/dev/null

# With STUDENT=all: built from exercises/ into build/student, and hello-world's text
# names that minicontainer.
hello: deps-check
	@$(MAKE) --no-print-directory hello-image
	$(BUILD)/bin/minicontainer run --rm $(if $(STUDENT),-e MC_HELLO_BIN=$(BUILD)/bin/minicontainer) hello-world

# Renumber README excerpts (`file.c:LINE`) after the code they quote moved.
excerpts:
	python3 scripts/excerpts.py --fix chapters/*/README.md $(wildcard minicontainer/*.md)

FORMAT_FILES = $(wildcard chapters/*/*.c chapters/*/*.h tests/*.c tests/*.h tests/probe/*.c tests/fuzz/*.c minicontainer/*.c minicontainer/*.h minicontainer/hello-world/*.c)
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build

help:
	@sed -n '2,12p' Makefile | sed 's/^# \{0,1\}//'
	@echo "Other targets: all demos tests rootfs probe asan student exercises check-exercises test-demos"
	@echo "               deps install (PREFIX, DESTDIR) clean format format-check fuzz (FUZZ_SECONDS)"
	@echo "               man completion"

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
