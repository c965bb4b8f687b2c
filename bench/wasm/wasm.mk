# wasm.mk — `make bench-wasm`: the WebAssembly build against sqlite-wasm and native ArenaDB.
#
# In headless Chromium, against the official SQLite wasm build (@sqlite.org/sqlite-wasm, its
# OPFS VFS) and native ArenaDB, on the same data in the same run (bench/wasm/run.mjs says which
# rows). The npm peer is installed into $(BUILD)/bench-wasm/node_modules at bench time, never
# committed; Chromium is Debian's, started with no debugger attached (tests/wasm/chromium.mjs). BENCH_SCALE=0.1 for a
# quick run; BENCH_REPS sets the repetitions (default 5, medians printed).

BENCH_WASM_DIR := $(BUILD)/bench-wasm
BENCH_WASM_PEERS := @sqlite.org/sqlite-wasm@3.50.4-build1

$(BENCH_WASM_DIR)/installed: bench/wasm/wasm.mk
	@mkdir -p $(BENCH_WASM_DIR)
	cd $(BENCH_WASM_DIR) && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
	  && npm install --no-audit --no-fund --silent $(BENCH_WASM_PEERS)
	touch $@

tests/ui/node_modules/playwright-core: tests/ui/package-lock.json
	cd tests/ui && npm ci --no-audit --no-fund --loglevel=error

$(BENCH_WASM_DIR)/native: bench/wasm/native.c bench/bench_util.c bench/bench_util.h \
  include/arenadb.h $(BUILD)/libarenadb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibench $(LDFLAGS_ALL) -o $@ bench/wasm/native.c bench/bench_util.c \
	  $(BUILD)/libarenadb.a $(CORE_LIBS)

.PHONY: bench-wasm
bench-wasm: wasm $(BUILD)/arenadb $(BENCH_WASM_DIR)/native $(BENCH_WASM_DIR)/installed \
  tests/ui/node_modules/playwright-core
	node bench/wasm/run.mjs --wasm $(WASM_OUT) --cli $(BUILD)/arenadb \
	  --native $(BENCH_WASM_DIR)/native --modules $(BENCH_WASM_DIR)/node_modules \
	  --scratch $(BENCH_WASM_DIR)/run
