# graph.mk — `make bench-graph`: k-hop and two-hop pattern counts on LDBC SNB SF0.1 `knows`,
# wiki-Vote and a generated power-law graph of 1,000,000 edges, ArenaDB against SQLite (recursive
# query, self-join) and Kuzu (npm `kuzu`, installed into $(BUILD)/bench-graph when the registry
# answers; without it the Kuzu columns print "-"), and the same counts in Cypher.
# Then the scale rows (bench/graph/scale.py): one-off `arenadb` commands on a generated database
# of 1,000,000 nodes and 2,000,000 edges, kept in $(BUILD)/bench-graph/scale.adb.
# BENCH_GRAPH_ONLY=NAME (ldbc-knows, wiki-Vote, powerlaw-1M, scale) runs one graph.

GRAPH_DATA ?= ../shared/data/graphs
BENCH_GRAPH_DIR := $(BUILD)/bench-graph
BENCH_GRAPH_BIN := $(BENCH_GRAPH_DIR)/bench_graph

$(BENCH_GRAPH_BIN): bench/graph/bench_graph.c include/arenadb.h $(BUILD)/libarenadb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libarenadb.a $(CORE_LIBS)

.PHONY: bench-graph
bench-graph: $(BENCH_GRAPH_BIN) $(BUILD)/arenadb
ifneq ($(BENCH_GRAPH_ONLY),scale)
	$(BENCH_GRAPH_BIN) prepare $(GRAPH_DATA) $(BENCH_GRAPH_DIR)
	@cd $(BENCH_GRAPH_DIR) && if [ -d node_modules/kuzu ] || { npm view kuzu version >/dev/null 2>&1 && \
	  npm install --no-save --no-package-lock kuzu >npm.log 2>&1; }; then \
	  node $(CURDIR)/bench/graph/kuzu.mjs . || echo "kuzu run failed"; \
	else echo "npm kuzu unavailable: skipping Kuzu"; fi
	$(BENCH_GRAPH_BIN) run $(GRAPH_DATA) $(BENCH_GRAPH_DIR) $(BENCH_GRAPH_ONLY)
endif
ifeq ($(filter-out scale,$(BENCH_GRAPH_ONLY)),)
	python3 bench/graph/scale.py $(BUILD)/arenadb $(BENCH_GRAPH_DIR)
endif
