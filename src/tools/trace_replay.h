/* trace_replay.h — replaying an editing trace (../shared/data/editing-traces format) into the
 * text CRDT; shared by build/arenadb-trace and the unit tests. */
#ifndef ADB_TRACE_REPLAY_H
#define ADB_TRACE_REPLAY_H

#include <jansson.h>
#include <stddef.h>

#include "crdt/text.h"

/* Replays a parsed trace: a sequential one ({startContent, txns:[{patches}]}) on one
 * document, a concurrent one ({kind:"concurrent", txns:[{parents, agent, patches}]}) with one
 * document per agent that merges exactly the history each transaction was typed on. *out is a
 * document holding every operation. Returns ADB_OK, ADB_INVALID with a message in err when the
 * trace is malformed (a patch out of range, a parent that is not an earlier transaction), or
 * another status from the CRDT. */
int trace_replay(json_t *root, crdt_text **out, char *err, size_t errlen);

/* Compares the document's text with the trace's endContent. Returns -1 when equal, else the
 * code point index of the first difference, and describes it in msg. */
long trace_compare(const crdt_text *doc, json_t *root, char *msg, size_t msglen);

#endif
