# tck.mk — the openCypher TCK (docs/tck.md): `make tck` runs every scenario through
# `arenadb cypher --format tck`, `make tck-check` also fails when fewer pass than
# tests/tck/floor.txt, `make tck-self` runs the runner's own tests. TCK_ARGS adds runner options
# (a filter such as clauses/match, -v, --timeout S); TCK_FEATURES picks another feature folder.
TCK_ARGS ?=
TCK_JOBS ?= 2

.PHONY: tck tck-check tck-self
tck: $(BUILD)/arenadb
	python3 tests/tck/tck.py --arenadb $(BUILD)/arenadb -j$(TCK_JOBS) $(TCK_ARGS)

tck-check: $(BUILD)/arenadb
	python3 tests/tck/tck.py --arenadb $(BUILD)/arenadb -j$(TCK_JOBS) --floor tests/tck/floor.txt $(TCK_ARGS)

tck-self:
	python3 tests/tck/selftest.py
