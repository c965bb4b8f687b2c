# web.mk — the browser UI (web/, docs/ui.md): `make ui` bundles web/src with esbuild into
# web/dist, which `arenadb serve` serves at /. npm packages go into web/node_modules
# (git-ignored, reused once installed). `make` builds the UI too when npm is present and the
# packages can be installed; without them the server shows its status page instead.
UI_SRC := $(wildcard web/src/*.js web/src/*.css web/src/*.html)
UI_OUT := web/dist/index.html web/dist/app.js web/dist/app.css web/dist/fa2worker.js web/dist/sw.js
# The WebAssembly package, when built (`make wasm`), goes to web/dist/wasm/ for the page's
# replica (collaborative text, working offline). Its files are not prerequisites (that would make `make ui` build the package, and
# fail without emcc); a listing of them (names, sizes, times) is, rewritten only when it changes,
# so `make ui` after `make wasm` copies the package again. Without it the UI still builds.
UI_WASM_DIR = $(or $(WASM_OUT),build/wasm)
UI_WASM_LIST := web/node_modules/.arenadb-wasm-package

.PHONY: ui ui-optional clean-ui test-ui ui-wasm-check
all: ui-optional

# The server finds the bundle here unless told otherwise (serve --ui DIR, --no-ui).
$(BUILD)/obj/src/cli/cmd_net.o: CFLAGS_ALL += -DADB_UI_DIR='"$(CURDIR)/web/dist"'

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(UI_WASM_LIST): ui-wasm-check web/node_modules/.package-lock.json
	@ls -l --time-style=+%s $(UI_WASM_DIR)/*.mjs 2>/dev/null >$@.new || :
	@if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

$(UI_OUT) &: web/node_modules/.package-lock.json web/build.mjs $(UI_SRC) $(UI_WASM_LIST)
	cd web && WASM_OUT=$(abspath $(UI_WASM_DIR)) node build.mjs

ui: $(UI_OUT)
	@:

# A machine without npm (or without the registry) still builds everything else.
ui-optional:
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory ui || echo "note: the browser UI was not built (make ui says why); serve shows its status page"; \
	else echo "note: npm is missing, so the browser UI was not built; serve shows its status page"; fi

# Opens the UI in headless Chromium against a real server (tests/ui/).
test-ui: $(BUILD)/arenadb ui
	tests/ui/run.sh $(BUILD)/arenadb

clean: clean-ui
clean-ui:
	rm -rf web/dist
