# net.mk — network benchmarks (bench/net/net_bench.py): initial sync over loopback, live
# propagation latency through a hub, /status while slow queries run, idle connections per
# server, and the same workloads through Yjs over WebSocket (npm packages installed into
# $(BUILD)/bench-net at first run).
# BENCH_NET_N, BENCH_NET_EDITS, BENCH_NET_CONNS, BENCH_NET_STATUS size them;
# BENCH_NET_ONLY=sync|live|status|conns|yjs.
BENCH_NET_NPM := $(BUILD)/bench-net
.PHONY: bench-net
bench-net: $(BUILD)/arenadb
	@[ -d $(BENCH_NET_NPM)/node_modules/yjs ] || npm install --prefix $(BENCH_NET_NPM) \
	  --no-audit --no-fund --silent yjs y-protocols lib0 ws || echo "npm install failed: yjs skipped"
	BENCH_NET_MODULES=$(abspath $(BENCH_NET_NPM))/node_modules python3 bench/net/net_bench.py $(BUILD)/arenadb
