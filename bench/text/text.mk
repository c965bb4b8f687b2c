# text.mk — `make bench-text`: the text CRDT against Yjs, Automerge and Loro on editing traces.
# Needs $(BUILD)/arenadb-trace (src/tools/tools.mk). The peers are installed from npm into
# $(BUILD)/bench-text/node_modules at bench time, never committed. Add traces with
# `make bench-text TRACE=path/to/trace.json.gz`; BENCH_TEXT_REPS sets the repetitions
# (medians printed), BENCH_TEXT_TIMEOUT_S the time limit of each peer (default 400 s:
# Automerge needs most of it for the concurrent trace's 26,078 transactions).

BENCH_TEXT_DIR := $(BUILD)/bench-text
BENCH_TEXT_PEERS := yjs@13.6.33 @automerge/automerge@3.5.0 loro-crdt@1.17.1
BENCH_TEXT_TRACES ?= ../shared/data/editing-traces/sequential_traces/seph-blog1.json.gz \
                     ../shared/data/editing-traces/concurrent_traces/friendsforever.json.gz
BENCH_TEXT_REPS ?= 3
TRACE ?=

$(BENCH_TEXT_DIR)/installed: bench/text/text.mk
	@mkdir -p $(BENCH_TEXT_DIR)
	cd $(BENCH_TEXT_DIR) && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
	  && npm install --no-audit --no-fund --silent $(BENCH_TEXT_PEERS)
	touch $@

.PHONY: bench-text
bench-text: $(BUILD)/arenadb-trace $(BENCH_TEXT_DIR)/installed
	BENCH_TEXT_MODULES=$(abspath $(BENCH_TEXT_DIR))/node_modules \
	  node bench/text/run.mjs $(BUILD)/arenadb-trace $(BENCH_TEXT_REPS) $(BENCH_TEXT_TRACES) $(TRACE)

# `make bench-text-prop`: text properties end to end (bench/text/textprop.c): live typing with a
# change set per keystroke, catching up, and the keystroke cost in a long text.
BENCH_TEXT_PROP_KEYS ?= 1000
$(BUILD)/bench-text-prop: bench/text/textprop.c $(BUILD)/libarenadb.a
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libarenadb.a $(CORE_LIBS)

.PHONY: bench-text-prop
bench-text-prop: $(BUILD)/bench-text-prop
	@mkdir -p $(BUILD)/bench-text-prop.d
	$(BUILD)/bench-text-prop $(BUILD)/bench-text-prop.d $(BENCH_TEXT_PROP_KEYS)
