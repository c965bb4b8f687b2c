# ArenaDB — build, test and benchmark. `make` builds the library and the command;
# `make test` runs every test (also under AddressSanitizer and UndefinedBehaviorSanitizer).

BUILD ?= build
CC ?= cc
OPT ?= -O2 -g
SAN ?=
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -fPIC -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
             $(OPT) $(SAN) -Iinclude -Isrc $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)
CORE_LIBS = -lsqlite3 -lsodium -ljansson -lcsv -lm $(ICU_LIBS)
# Named time zones in Cypher come from ICU's tz database (src/query/cypher/cy_tz.c); the
# WebAssembly build compiles that file without ADB_HAVE_ICU and has fixed offsets only.
ICU_LIBS := $(shell pkg-config --libs icu-i18n icu-uc)
ICU_CFLAGS := -DADB_HAVE_ICU $(shell pkg-config --cflags icu-i18n icu-uc)
CLI_LIBS = -ledit -lwebsockets -luv

# The core builds for every platform, the browser included; the command adds the network
# (src/net) and the terminal (src/cli), which need an operating system.
CORE_SRC := $(wildcard src/*.c src/util/*.c src/store/*.c src/crdt/*.c src/graph/*.c \
                       src/sync/*.c src/query/sql/*.c src/query/cypher/*.c src/vector/*.c)
CLI_SRC := $(wildcard src/net/*.c src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/obj/%.o)

.PHONY: all test test-unit test-cli bench clean install mutate
all: $(BUILD)/libarenadb.a $(BUILD)/libarenadb.so $(BUILD)/arenadb $(BUILD)/arenadb-trace

$(BUILD)/obj/src/query/cypher/cy_tz.o: CFLAGS_ALL += $(ICU_CFLAGS)
# LOAD CSV reads with libcsv (src/query/cypher/cy_csv.c); the WebAssembly build, which has no
# files, compiles that file without ADB_HAVE_LIBCSV and refuses LOAD CSV.
$(BUILD)/obj/src/query/cypher/cy_csv.o: CFLAGS_ALL += -DADB_HAVE_LIBCSV
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libarenadb.a: $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The shared library exports only the functions arenadb.h marks ADB_API; its SONAME changes
# when the ABI breaks (ADB_ABI).
VERSION := $(shell sed -n 's/^\#define ADB_VERSION "\(.*\)"/\1/p' include/arenadb.h)
ADB_ABI := 0
$(CORE_OBJ): CFLAGS_ALL += -fvisibility=hidden
$(BUILD)/libarenadb.so: $(CORE_OBJ) src/libarenadb.map
	$(CC) -shared $(LDFLAGS_ALL) -Wl,-soname,libarenadb.so.$(ADB_ABI) \
	  -Wl,--version-script,src/libarenadb.map -o $@ $(CORE_OBJ) $(CORE_LIBS)

$(BUILD)/arenadb: $(CLI_OBJ) $(BUILD)/libarenadb.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(BUILD)/libarenadb.a $(CLI_LIBS) $(CORE_LIBS)

# The unit tests also replay editing traces with the trace tool's reader.
UNIT_OBJ += $(BUILD)/obj/src/tools/trace_replay.o
$(BUILD)/test_unit: $(UNIT_OBJ) $(BUILD)/libarenadb.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(UNIT_OBJ) $(BUILD)/libarenadb.a -lcriterion $(CORE_LIBS) -lz

# Every test: unit and CLI tests on the normal build, again on a sanitizer build, and the
# WebAssembly replica against a native one. The last line totals them.
test:
	@tests/run.sh

test-unit: $(BUILD)/test_unit
	$(BUILD)/test_unit

test-cli: $(BUILD)/arenadb
	tests/cli/run.sh $(BUILD)/arenadb

# Mutation testing (tests/mutate/): each listed bug applied alone to a scratch copy, which its
# suites must catch. Long, so outside `make test`; MUTATE=NAME... runs the matching ones.
mutate:
	python3 tests/mutate/run.py $(MUTATE)

# Every benchmark, each printing our figures beside a real peer's (bench/*/ say which).
bench: bench-core bench-graph bench-text bench-net bench-vector bench-wasm

clean:
	rm -rf build

# Installs the command, the libraries, the header and (when built) the browser UI, which an
# installed `arenadb serve` finds at PREFIX/share/arenadb/ui. DESTDIR stages a package.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
	install -m 755 $(BUILD)/arenadb $(DESTDIR)$(PREFIX)/bin/arenadb
	install -m 644 $(BUILD)/libarenadb.a $(DESTDIR)$(PREFIX)/lib/libarenadb.a
	install -m 755 $(BUILD)/libarenadb.so $(DESTDIR)$(PREFIX)/lib/libarenadb.so.$(VERSION)
	ln -sf libarenadb.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libarenadb.so.$(ADB_ABI)
	ln -sf libarenadb.so.$(ADB_ABI) $(DESTDIR)$(PREFIX)/lib/libarenadb.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' scripts/arenadb.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/arenadb.pc
	install -m 644 include/arenadb.h $(DESTDIR)$(PREFIX)/include/arenadb.h
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	$(BUILD)/arenadb man > $(DESTDIR)$(PREFIX)/share/man/man1/arenadb.1
	$(BUILD)/arenadb completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/arenadb
	$(BUILD)/arenadb completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_arenadb
	if [ -f web/dist/index.html ]; then \
	  install -d $(DESTDIR)$(PREFIX)/share/arenadb/ui && \
	  install -m 644 web/dist/*.html web/dist/*.js web/dist/*.css $(DESTDIR)$(PREFIX)/share/arenadb/ui/; fi
	if [ -d web/dist/wasm ]; then \
	  install -d $(DESTDIR)$(PREFIX)/share/arenadb/ui/wasm && \
	  install -m 644 web/dist/wasm/*.mjs $(DESTDIR)$(PREFIX)/share/arenadb/ui/wasm/; fi

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
-include wasm/wasm.mk
-include bench/bench.mk
-include bench/graph/graph.mk
-include bench/text/text.mk
-include bench/ui/ui.mk
-include bench/net/net.mk
-include bench/vector/vector.mk
-include bench/wasm/wasm.mk
-include src/tools/tools.mk
-include fuzz/fuzz.mk
-include web/web.mk
-include tests/tck/tck.mk
