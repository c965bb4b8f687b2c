# ui.mk — `make bench-ui`: the browser UI's graph view (sigma.js, WebGL) against the cytoscape
# view it replaced, in headless Chromium against a real `arenadb serve`, on 5,000 nodes and
# 20,000 edges of ../shared/data (bench/ui/run.mjs). cytoscape and playwright-core are installed
# from npm into $(BUILD)/bench-ui/node_modules at bench time, never committed; the UI's own
# packages come from web/node_modules (make ui). BENCH_UI_REPS sets the runs (medians printed).

BENCH_UI_DIR := $(BUILD)/bench-ui
BENCH_UI_PEERS := cytoscape@3.35.0 playwright-core@1.65.1
BENCH_UI_REPS ?= 3

$(BENCH_UI_DIR)/installed: bench/ui/ui.mk
	@mkdir -p $(BENCH_UI_DIR)
	cd $(BENCH_UI_DIR) && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
	  && npm install --no-audit --no-fund --silent --save-exact $(BENCH_UI_PEERS)
	touch $@

.PHONY: bench-ui
bench-ui: $(BUILD)/arenadb ui $(BENCH_UI_DIR)/installed
	BENCH_UI_MODULES=$(abspath $(BENCH_UI_DIR))/node_modules \
	  node bench/ui/run.mjs $(BUILD)/arenadb $(BENCH_UI_DIR) $(BENCH_UI_REPS)
