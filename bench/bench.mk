# bench.mk — `make bench-core`: the core's benchmarks against plain SQLite, side by side.
# Included by the top-level Makefile. BENCH_SCALE=0.1 for a quick run; BENCH_REPS sets the
# repetitions (default 5, medians printed). Scratch databases go to $(BUILD)/bench and are
# removed afterwards.

BENCH_CORE_SRC := bench/bench_core.c bench/bench_util.c
BENCH_CORE_BIN := $(BUILD)/bench/bench_core

$(BENCH_CORE_BIN): $(BENCH_CORE_SRC) bench/bench_util.h include/arenadb.h $(BUILD)/libarenadb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibench $(LDFLAGS_ALL) -o $@ $(BENCH_CORE_SRC) $(BUILD)/libarenadb.a \
	  $(CORE_LIBS)

bench-core: $(BENCH_CORE_BIN)
	BENCH_DIR=$(BUILD)/bench/data $(BENCH_CORE_BIN)

# One side of one benchmark under callgrind, e.g. `make bench-callgrind BENCH_WHAT=apply`.
BENCH_WHAT ?= insert
.PHONY: bench-callgrind
bench-callgrind: $(BENCH_CORE_BIN)
	BENCH_DIR=$(BUILD)/bench/data BENCH_SCALE=$${BENCH_SCALE:-0.1} BENCH_REPS=1 \
	  valgrind --tool=callgrind --callgrind-out-file=$(BUILD)/bench/callgrind.$(BENCH_WHAT).out \
	  $(BENCH_CORE_BIN) --only $(BENCH_WHAT) --side ours
	callgrind_annotate --inclusive=yes $(BUILD)/bench/callgrind.$(BENCH_WHAT).out | head -60
