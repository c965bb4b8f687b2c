# wasm/wasm.mk — the WebAssembly build of ArenaDB. Included by the top-level Makefile.
#
#   make wasm        build/wasm/: arenadb.js (one file, wasm embedded; MODULARIZE factory
#                    createArenaDB), module.mjs (the same as an ES module) and the package
#                    (arenadb.mjs and the modules it loads, arenadb.d.ts, package.json)
#   make example-notes  build/examples/browser-notes: the offline-first notes example
#   make test-wasm   build it and run tests/wasm/run.sh: the replica against the native CLI,
#                    the API and sync client in Node and in headless Chromium (OPFS, the notes
#                    example) against `arenadb serve`
#
# Toolchain: Debian's emscripten (emcc 3.1.6). It needs NODE_PATH=/usr/share/nodejs, and its
# loader cannot read a .wasm file by path under Node 20, hence -sSINGLE_FILE=1. No emscripten
# ports (there is no network): SQLite, jansson and libsodium are compiled from Debian's source
# packages, fetched at build time by wasm/fetch-sources.sh into build/wasm-deps/ (never into
# the repository) and built there once; later builds reuse them.
#
# Inputs from the including Makefile: CORE_SRC, the library's .c files relative to the repo
# root (compiled with -Iinclude -Isrc). Everything else here is prefixed WASM_ and can be
# overridden on the command line.

WASM_OUT  ?= build/wasm
WASM_DEPS ?= build/wasm-deps
WASM_SRC   = $(WASM_DEPS)/src
WASM_LIB   = $(WASM_DEPS)/lib
WASM_INC   = $(WASM_DEPS)/include

WASM_ENV   ?= NODE_PATH=/usr/share/nodejs
WASM_EMCC  ?= $(WASM_ENV) emcc
WASM_EMAR  ?= $(WASM_ENV) emar
WASM_EMNM  ?= $(WASM_ENV) emnm
WASM_NODE  ?= node

WASM_OPT ?= -O2

# ---- flag stamps ---------------------------------------------------------------------------

# A NAME.flags file holds the flags NAME was built with. It is rewritten (and so rebuilds NAME)
# only when they change, so that editing a flag here rebuilds exactly what it affects.
.PHONY: wasm-force
wasm-flags = @mkdir -p $(@D); echo '$(1)' | cmp -s - $@ || echo '$(1)' >$@

# ---- third-party sources ------------------------------------------------------------------

WASM_FETCHED = $(WASM_SRC)/sqlite3.stamp $(WASM_SRC)/jansson.stamp $(WASM_SRC)/libsodium.stamp

# One script fetches all three (it enables deb-src entries when apt has none); grouping the
# targets in one stamp keeps -j2 from running it twice.
$(WASM_SRC)/.fetched: wasm/fetch-sources.sh
	bash wasm/fetch-sources.sh $(WASM_SRC)
	@touch $@
$(WASM_FETCHED): $(WASM_SRC)/.fetched ;

# ---- SQLite --------------------------------------------------------------------------------

# The amalgamation is generated from the Debian source tree (with Debian's patches applied) by
# SQLite's own build, which runs natively (cc, tclsh).
WASM_SQLITE_GEN = $(WASM_DEPS)/sqlite-amalgamation
# The options of Debian's libsqlite3 (debian/rules and its configure line), so that SQL behaves
# the same in the browser as natively; less threads and loadable extensions, which wasm lacks.
# Locking is exclusive from the first read: an OPFS access handle belongs to one worker alone,
# so no transaction needs to ask the file again whether another wrote it, and WAL works without
# shared memory (opfs_vfs.c). The WAL is checkpointed when the replica rests (checkpoint.c);
# SQLite's auto-checkpoint, at 4,000 pages instead of 1,000, is the backstop.
WASM_SQLITE_CFLAGS ?= $(WASM_OPT) -fno-strict-aliasing -DSQLITE_THREADSAFE=0 \
  -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA \
  -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_FTS4 \
  -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 -DSQLITE_OMIT_LOOKASIDE=1 \
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 \
  -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_ENABLE_FTS3_TOKENIZER=1 \
  -DSQLITE_USE_URI=1 -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK \
  -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
  -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_MAX_DEFAULT_PAGE_SIZE=32768 \
  -DSQLITE_DEFAULT_LOCKING_MODE=1 -DSQLITE_DEFAULT_WAL_AUTOCHECKPOINT=4000

$(WASM_SQLITE_GEN)/sqlite3.c: $(WASM_SRC)/sqlite3.stamp
	rm -rf $(WASM_SQLITE_GEN) && mkdir -p $(WASM_SQLITE_GEN)
	cd $(WASM_SQLITE_GEN) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL CC=cc CFLAGS=-O1 \
	  $(CURDIR)/$(WASM_SRC)/sqlite3-src/configure --disable-tcl --disable-readline \
	  >configure.log 2>&1 || { tail -30 configure.log; exit 1; }
	cd $(WASM_SQLITE_GEN) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make sqlite3.c \
	  >make.log 2>&1 || { tail -30 make.log; exit 1; }

$(WASM_DEPS)/sqlite.flags: wasm-force
	$(call wasm-flags,$(WASM_SQLITE_CFLAGS))

$(WASM_LIB)/libsqlite3.a: $(WASM_SQLITE_GEN)/sqlite3.c $(WASM_DEPS)/sqlite.flags
	@mkdir -p $(WASM_LIB) $(WASM_INC) $(WASM_DEPS)/obj/sqlite
	$(WASM_EMCC) $(WASM_SQLITE_CFLAGS) -w -c $< -o $(WASM_DEPS)/obj/sqlite/sqlite3.o
	cp $(WASM_SQLITE_GEN)/sqlite3.h $(WASM_SQLITE_GEN)/sqlite3ext.h $(WASM_INC)/
	rm -f $@ && $(WASM_EMAR) rcs $@ $(WASM_DEPS)/obj/sqlite/sqlite3.o

# ---- jansson -------------------------------------------------------------------------------

# jansson's autotools/cmake configuration reduces to jansson_config.h and
# jansson_private_config.h, whose answers are fixed for emscripten's libc.
WASM_JANSSON_HAVE = HAVE_STDINT_H HAVE_UNISTD_H HAVE_FCNTL_H HAVE_SYS_STAT_H HAVE_SYS_TIME_H \
  HAVE_SYS_TYPES_H HAVE_SYS_PARAM_H HAVE_ENDIAN_H HAVE_SCHED_H HAVE_GETTIMEOFDAY HAVE_OPEN \
  HAVE_CLOSE HAVE_READ HAVE_GETPID HAVE_SCHED_YIELD HAVE_ATOMIC_BUILTINS HAVE_SYNC_BUILTINS \
  HAVE_LOCALE_H HAVE_SETLOCALE HAVE_INT32_T HAVE_UINT32_T HAVE_UINT16_T HAVE_UINT8_T \
  HAVE_SSIZE_T USE_URANDOM

$(WASM_DEPS)/jansson.flags: wasm-force
	$(call wasm-flags,$(WASM_OPT) $(WASM_JANSSON_HAVE))

$(WASM_LIB)/libjansson.a: $(WASM_SRC)/jansson.stamp $(WASM_DEPS)/jansson.flags
	@mkdir -p $(WASM_LIB) $(WASM_INC) $(WASM_DEPS)/obj/jansson
	sed -e 's/@json_inline@/inline/' -e 's/@json_have_long_long@/1/' \
	    -e 's/@json_have_localeconv@/1/' -e 's/@json_have_atomic_builtins@/1/' \
	    -e 's/@json_have_sync_builtins@/1/' \
	    $(WASM_SRC)/jansson-src/src/jansson_config.h.in >$(WASM_INC)/jansson_config.h
	cp $(WASM_SRC)/jansson-src/src/jansson.h $(WASM_INC)/
	{ for d in $(WASM_JANSSON_HAVE); do echo "#define $$d 1"; done; \
	  echo "#define INITIAL_HASHTABLE_ORDER 3"; } >$(WASM_DEPS)/obj/jansson/jansson_private_config.h
	cd $(WASM_DEPS)/obj/jansson && rm -f *.o && $(WASM_EMCC) $(WASM_OPT) -w -DHAVE_CONFIG_H=1 -I. \
	  -I$(CURDIR)/$(WASM_INC) -c $(CURDIR)/$(WASM_SRC)/jansson-src/src/*.c
	rm -f $@ && $(WASM_EMAR) rcs $@ $(WASM_DEPS)/obj/jansson/*.o

# ---- libsodium -----------------------------------------------------------------------------

# Portable C only (what --disable-asm --without-pthreads --disable-ssp gives): no assembly, no
# SIMD, no threads. Randomness comes from JavaScript (libsodium's emscripten code path calls
# Module.getRandomValue, which the wrapper provides from crypto.getRandomValues).
WASM_SODIUM_DEFS = -DCONFIGURED=1 -DNATIVE_LITTLE_ENDIAN=1 -DHAVE_WEAK_SYMBOLS=1 \
  -DHAVE_ATOMIC_OPS=1
WASM_SODIUM_DIR = $(WASM_SRC)/libsodium-src/src/libsodium

$(WASM_DEPS)/sodium.flags: wasm-force
	$(call wasm-flags,$(WASM_OPT) $(WASM_SODIUM_DEFS))

$(WASM_LIB)/libsodium.a: $(WASM_SRC)/libsodium.stamp $(WASM_DEPS)/sodium.flags
	@mkdir -p $(WASM_LIB) $(WASM_INC)/sodium $(WASM_DEPS)/obj/sodium
	v=$$(sed -n 's/^AC_INIT(\[libsodium\],\[\([0-9.]*\)\].*/\1/p' \
	       $(WASM_SRC)/libsodium-src/configure.ac); \
	maj=$$(sed -n 's/^SODIUM_LIBRARY_VERSION_MAJOR=//p' $(WASM_SRC)/libsodium-src/configure.ac); \
	min=$$(sed -n 's/^SODIUM_LIBRARY_VERSION_MINOR=//p' $(WASM_SRC)/libsodium-src/configure.ac); \
	sed -e "s/@VERSION@/$$v/" -e "s/@SODIUM_LIBRARY_VERSION_MAJOR@/$$maj/" \
	    -e "s/@SODIUM_LIBRARY_VERSION_MINOR@/$$min/" -e "s/@SODIUM_LIBRARY_MINIMAL_DEF@//" \
	    $(WASM_SODIUM_DIR)/include/sodium/version.h.in >$(WASM_INC)/sodium/version.h
	cp -r $(WASM_SODIUM_DIR)/include/sodium.h $(WASM_INC)/
	cp $(WASM_SODIUM_DIR)/include/sodium/*.h $(WASM_INC)/sodium/
	cd $(WASM_DEPS)/obj/sodium && rm -f *.o && \
	  find $(CURDIR)/$(WASM_SODIUM_DIR) -name '*.c' | sort | \
	  while read f; do \
	    o=$$(echo "$${f#$(CURDIR)/$(WASM_SODIUM_DIR)/}" | tr / _ | sed 's/\.c$$/.o/'); \
	    echo "$$f $$o"; \
	  done | xargs -n 2 -P 2 sh -c '$(WASM_EMCC) $(WASM_OPT) -w $(WASM_SODIUM_DEFS) \
	    -I$(CURDIR)/$(WASM_INC)/sodium -I$(CURDIR)/$(WASM_SODIUM_DIR)/include/sodium \
	    -c "$$0" -o "$$1"'
	rm -f $@ && $(WASM_EMAR) rcs $@ $(WASM_DEPS)/obj/sodium/*.o

WASM_LIBS = $(WASM_LIB)/libsqlite3.a $(WASM_LIB)/libjansson.a $(WASM_LIB)/libsodium.a

.PHONY: wasm-deps
wasm-deps: $(WASM_LIBS)

# ---- ArenaDB core --------------------------------------------------------------------------

# The native flags (see CFLAGS_ALL in the Makefile) less -fPIC and -Werror: clang's warnings
# are not gcc's, and the native build is the one that holds the code to -Werror.
WASM_CORE_CFLAGS ?= $(WASM_OPT) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
  -Wno-unused-parameter
WASM_CORE_OBJ = $(patsubst %.c,$(WASM_OUT)/obj/%.o,$(CORE_SRC))
# The WebAssembly build's own C: the structs' layout for the wrapper (layout.c), the sync session
# (sync.c), adb_watch (watch.c) and the HTTP API's data routes (http.c) as functions JavaScript
# can call. Each exports adb_wasm_*. The data routes are the server's own code (WASM_NET_SRC),
# the part of src/net/ that needs no transport.
WASM_NET_SRC = src/net/net_route.c src/net/net_graph.c src/net/net_query.c src/net/net_vector.c \
  src/net/net_reply.c
WASM_GLUE_OBJ = $(patsubst %.c,$(WASM_OUT)/obj/%.o,$(wildcard wasm/*.c) $(WASM_NET_SRC))

$(WASM_OUT)/core.flags: wasm-force
	$(call wasm-flags,$(WASM_CORE_CFLAGS))

$(WASM_OUT)/obj/%.o: %.c $(WASM_OUT)/core.flags | $(WASM_LIBS)
	@mkdir -p $(@D)
	$(WASM_EMCC) $(WASM_CORE_CFLAGS) -Iinclude -Isrc -I$(WASM_INC) -MMD -MP -c $< -o $@

-include $(WASM_CORE_OBJ:.o=.d) $(WASM_GLUE_OBJ:.o=.d)

# Exported C functions: every function of include/arenadb.h that the core defines (so a part
# of the API that is not written yet does not break the build), plus malloc and free. The
# wrapper's own needs are checked: a missing one fails the build with its name.
WASM_REQUIRED ?= adb_open adb_close adb_errmsg adb_strerror adb_free adb_node_create \
  adb_node_get adb_edge_create adb_element_clear adb_prepare adb_step adb_finalize \
  adb_column_count adb_column_name adb_column_type adb_column_int adb_column_double \
  adb_column_text adb_column_is_json adb_vv adb_changes adb_apply

$(WASM_OUT)/exports.json: $(WASM_CORE_OBJ) $(WASM_GLUE_OBJ) include/arenadb.h wasm/wasm.mk
	@mkdir -p $(@D)
	$(WASM_EMNM) --defined-only -g $(WASM_CORE_OBJ) $(WASM_GLUE_OBJ) 2>/dev/null \
	  | awk 'NF==3 && $$2=="T" {print $$3}' | sort -u >$(WASM_OUT)/exports.defined
	grep -o '\badb_[a-z0-9_]*(' include/arenadb.h | tr -d '(' | sort -u >$(WASM_OUT)/exports.api
	missing=""; for f in $(WASM_REQUIRED); do \
	  grep -qx "$$f" $(WASM_OUT)/exports.defined || missing="$$missing $$f"; done; \
	if [ -n "$$missing" ]; then echo "wasm: the core does not define:$$missing" >&2; exit 1; fi
	{ comm -12 $(WASM_OUT)/exports.api $(WASM_OUT)/exports.defined; \
	  grep '^adb_wasm_' $(WASM_OUT)/exports.defined; echo malloc; echo free; } \
	  | sed 's/^/"_/; s/$$/"/' | paste -sd, | sed 's/^/[/; s/$$/]/' >$@

WASM_LDFLAGS ?= $(WASM_OPT) -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createArenaDB \
  -sALLOW_MEMORY_GROWTH=1 -sWASM_BIGINT=1 -sFORCE_FILESYSTEM=1 \
  -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 \
  -sEXPORTED_RUNTIME_METHODS=cwrap,ccall,UTF8ToString,stringToUTF8,lengthBytesUTF8,FS

$(WASM_OUT)/link.flags: wasm-force
	$(call wasm-flags,$(WASM_LDFLAGS))

$(WASM_OUT)/arenadb.js: $(WASM_CORE_OBJ) $(WASM_GLUE_OBJ) $(WASM_LIBS) $(WASM_OUT)/exports.json \
  $(WASM_OUT)/link.flags
	$(WASM_EMCC) $(WASM_LDFLAGS) -sEXPORTED_FUNCTIONS=@$(WASM_OUT)/exports.json \
	  $(WASM_CORE_OBJ) $(WASM_GLUE_OBJ) $(WASM_LIBS) -o $@

# The JavaScript package: the modules of wasm/ (status.mjs gets arenadb.h's status codes, from
# ADB_STATUS_MAP, the one list of them), the emscripten factory as an ES module (module.mjs), the
# TypeScript declarations and package.json.
WASM_MJS = $(patsubst wasm/%,$(WASM_OUT)/%,$(wildcard wasm/*.mjs))
WASM_PKG = $(WASM_MJS) $(WASM_OUT)/module.mjs $(WASM_OUT)/arenadb.d.ts $(WASM_OUT)/package.json

$(WASM_OUT)/status.mjs: wasm/status.mjs include/arenadb.h
	@mkdir -p $(@D)
	sed -n 's/^ *XX(\([A-Z]*\), *\(-\{0,1\}[0-9]*\),.*/  \1: \2,/p' include/arenadb.h >$@.codes
	[ "$$(wc -l <$@.codes)" -gt 10 ] || { echo "wasm: no status codes in arenadb.h" >&2; exit 1; }
	sed -e '/@ADB_STATUS_MAP@/{r $@.codes' -e 'd}' $< >$@
	rm -f $@.codes

$(WASM_OUT)/%.mjs: wasm/%.mjs
	@mkdir -p $(@D)
	cp $< $@

$(WASM_OUT)/arenadb.d.ts $(WASM_OUT)/package.json: $(WASM_OUT)/%: wasm/%
	@mkdir -p $(@D)
	cp $< $@

# emscripten 3.1.6 writes a script (MODULARIZE) that Node loads with require; wrapped as an ES
# module it loads the same way everywhere. Under Node the wrapper gives it the require,
# __filename and __dirname a CommonJS module has.
# Its CommonJS/AMD export lines (the script's last six) give way to an ES export.
$(WASM_OUT)/module.mjs: $(WASM_OUT)/arenadb.js wasm/module-head.js
	tail -n 6 $< | grep -q 'module.exports = createArenaDB' \
	  || { echo "wasm: arenadb.js does not end with its CommonJS export" >&2; exit 1; }
	{ cat wasm/module-head.js; head -n -6 $<; echo 'export default createArenaDB;'; } >$@

.PHONY: wasm test-wasm example-notes
wasm: $(WASM_OUT)/arenadb.js $(WASM_PKG)

WASM_CLI = $(or $(BUILD),build)/arenadb

test-wasm: wasm example-notes $(WASM_CLI)
	tests/wasm/run.sh $(WASM_CLI)

# The offline-first notes example (examples/browser-notes) with the package beside it, ready for
# `arenadb serve --ui build/examples/browser-notes`.
WASM_EXAMPLE = build/examples/browser-notes
example-notes: wasm
	rm -rf $(WASM_EXAMPLE) && mkdir -p $(WASM_EXAMPLE)/arenadb
	cp examples/browser-notes/* $(WASM_EXAMPLE)/
	cp $(WASM_PKG) $(WASM_EXAMPLE)/arenadb/
