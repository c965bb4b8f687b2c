# vector.mk — `make bench-vector`: HNSW against usearch (npm, installed into
# $(BUILD)/bench-vector/node_modules at bench time, never committed) and brute force, on the
# shared ANN sets and a generated set of BENCH_VEC_N x 128 vectors, with the same M and
# efConstruction on both sides, L2, one thread. Rows from both sides are printed together, per set.

BENCH_VEC_DIR := $(BUILD)/bench-vector
BENCH_VEC_BIN := $(BENCH_VEC_DIR)/bench_vector
BENCH_VEC_DATA ?= ../shared/data/vectors
BENCH_VEC_N ?= 100000
BENCH_VEC_M ?= 16
BENCH_VEC_EFC ?= 128
BENCH_VEC_PEER := usearch@2.26.2

$(BENCH_VEC_BIN): bench/vector/bench_vector.c include/arenadb.h src/vector/hnsw.h $(BUILD)/libarenadb.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(BUILD)/libarenadb.a $(CORE_LIBS)

$(BENCH_VEC_DIR)/installed: bench/vector/vector.mk
	@mkdir -p $(BENCH_VEC_DIR)
	cd $(BENCH_VEC_DIR) && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
	  && npm install --no-audit --no-fund --silent $(BENCH_VEC_PEER)
	touch $@

.PHONY: bench-vector
bench-vector: $(BENCH_VEC_BIN) $(BENCH_VEC_DIR)/installed
	$(BENCH_VEC_BIN) prepare $(BENCH_VEC_DIR) $(BENCH_VEC_N)
	$(BENCH_VEC_BIN) run $(BENCH_VEC_DATA) $(BENCH_VEC_DIR) $(BENCH_VEC_M) $(BENCH_VEC_EFC) \
	  > $(BENCH_VEC_DIR)/ours.txt
	node bench/vector/usearch.mjs $(BENCH_VEC_DIR) $(BENCH_VEC_DATA) $(BENCH_VEC_DIR) \
	  $(BENCH_VEC_M) $(BENCH_VEC_EFC) > $(BENCH_VEC_DIR)/usearch.txt
	@echo "vector search: M=$(BENCH_VEC_M) efConstruction=$(BENCH_VEC_EFC), L2, k=10, one thread"
	@echo "| set              | engine       |    ef | rec@10 | queries/s |  build s | bytes/v |"
	@echo "|------------------|--------------|-------|--------|-----------|----------|---------|"
	@sort -s -t'|' -k2,2 $(BENCH_VEC_DIR)/ours.txt $(BENCH_VEC_DIR)/usearch.txt
