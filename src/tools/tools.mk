# tools.mk — developer tools built beside the library; included by the top-level Makefile.
# build/arenadb-trace replays an editing trace through the text CRDT (docs/text.md).

TOOLS_TRACE_SRC := src/tools/trace.c src/tools/trace_replay.c
TOOLS_TRACE_OBJ := $(TOOLS_TRACE_SRC:%.c=$(BUILD)/obj/%.o)

$(BUILD)/arenadb-trace: $(TOOLS_TRACE_OBJ) $(BUILD)/libarenadb.a
	$(CC) $(LDFLAGS_ALL) -o $@ $(TOOLS_TRACE_OBJ) $(BUILD)/libarenadb.a $(CORE_LIBS) -lz

.PHONY: trace
trace: $(BUILD)/arenadb-trace

-include $(TOOLS_TRACE_OBJ:.o=.d)
