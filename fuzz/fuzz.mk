# fuzz.mk — `make fuzz`: libFuzzer (clang) with AddressSanitizer and UndefinedBehaviorSanitizer
# on the change-set parser, canonical JSON, a server's sync session fed a peer's bytes before
# and after its hello, running servers fed any bytes on their HTTP port, and Cypher queries
# (parser, checker, executor) on a small graph, FUZZ_SECONDS each (default 60). Included by the
# top-level Makefile. Seeds are change sets made by the real command, the requests in
# fuzz/seeds-http and the queries of the shared openCypher TCK; findings land in
# $(BUILD)/fuzz/crash-*.

FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC := clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Iinclude -Isrc

$(FUZZ_DIR)/%: fuzz/%.c fuzz/fuzz_state.h $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC) $(CORE_LIBS)

$(FUZZ_DIR)/fuzz_http: fuzz/fuzz_http.c $(CORE_SRC) $(CLI_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC) $(filter src/net/%,$(CLI_SRC)) $(CLI_LIBS) \
	  $(CORE_LIBS)

# Seeds: real change sets with their 16-byte digest cut off (the target adds it back).
$(FUZZ_DIR)/seeds/.made: $(BUILD)/arenadb
	@mkdir -p $(dir $@) && cd $(FUZZ_DIR) && rm -f s.db* && A=$(CURDIR)/$(BUILD)/arenadb && \
	$$A --db s.db init --db-id 0102030405060708090a0b0c0d0e0f10 >/dev/null && \
	$$A --db s.db node add P '{"k":[1,2.5,"x"],"n":null}' --id a >/dev/null && \
	$$A --db s.db node add Q --id b >/dev/null && $$A --db s.db edge add a R b '{"w":1}' --id e >/dev/null && \
	$$A --db s.db text insert a t 0 'héllo' && $$A --db s.db text replace a t 1 2 'ey' && \
	$$A --db s.db node del b >/dev/null && $$A --db s.db changes -o full.cs 2>/dev/null && \
	head -c -16 full.cs > seeds/full && rm -f s.db* full.cs && touch seeds/.made

# Seeds: every query of the TCK's scenarios (the text between a step's """ lines), one a file,
# and the lines of fuzz/cypher-seeds.txt (what the TCK does not have: FOREACH, subqueries, ...).
FUZZ_TCK := ../shared/data/opencypher-tck/features
$(FUZZ_DIR)/seeds-cypher/.made: fuzz/fuzz.mk fuzz/cypher-seeds.txt
	@mkdir -p $(dir $@)
	find $(FUZZ_TCK) -name '*.feature' | sort | xargs cat | awk -v dir=$(dir $@) \
	  '/^ *"""/ { if (q) { close(f); q = 0 } else { q = 1; f = sprintf("%s/q%05d", dir, ++n) } next } \
	   q { sub(/^ +/, ""); print > f }'
	awk -v dir=$(dir $@) '{ f = sprintf("%s/x%03d", dir, NR); print > f; close(f) }' fuzz/cypher-seeds.txt
	touch $@

.PHONY: fuzz
fuzz: $(FUZZ_DIR)/fuzz_apply $(FUZZ_DIR)/fuzz_json $(FUZZ_DIR)/fuzz_session $(FUZZ_DIR)/fuzz_http \
      $(FUZZ_DIR)/fuzz_cypher $(FUZZ_DIR)/seeds/.made $(FUZZ_DIR)/seeds-cypher/.made
	@mkdir -p $(FUZZ_DIR)/corpus-apply $(FUZZ_DIR)/corpus-json $(FUZZ_DIR)/corpus-session \
	  $(FUZZ_DIR)/corpus-http $(FUZZ_DIR)/corpus-cypher
	cd $(FUZZ_DIR) && ./fuzz_apply -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	  -artifact_prefix=crash-apply- corpus-apply seeds
	cd $(FUZZ_DIR) && ./fuzz_json -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=crash-json- \
	  corpus-json
	cd $(FUZZ_DIR) && ./fuzz_session -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -artifact_prefix=crash-session- corpus-session
	cd $(FUZZ_DIR) && ./fuzz_http -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -artifact_prefix=crash-http- corpus-http $(CURDIR)/fuzz/seeds-http
	cd $(FUZZ_DIR) && ./fuzz_cypher -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=10 \
	  -rss_limit_mb=4096 -artifact_prefix=crash-cypher- corpus-cypher seeds-cypher
