/* text_wire.h — what the text CRDT's encoder (text_encode.c) and decoder (text_decode.c)
 * share: the layout of encoded bytes (docs/text.md) and the state both keep while walking them. */
#ifndef ADB_CRDT_TEXT_WIRE_H
#define ADB_CRDT_TEXT_WIRE_H

#include <stdint.h>

#include "crdt/text_int.h"

/* Headers: "TV" + format 1 for a version, "TX" + format 1 for operations (docs/text.md). */
static const unsigned char VERSION_MAGIC[3] = {'T', 'V', 1};
static const unsigned char OPS_MAGIC[3] = {'T', 'X', 1};

/* The flags byte that starts an encoded operation (docs/text.md). */
#define OP_BACK 1u    /* a delete of targets in descending order */
#define OP_DEL 2u     /* a delete, else an insert */
#define OP_POS 4u     /* positional: a visible index instead of ids */
#define OP_SAME 8u    /* by the agent of the operation before: no agent index */
#define OP_NEXT 16u   /* at the agent's next seq: no seq delta */
#define OP_CURSOR 32u /* positional, where the agent's last positional operation left off */
#define OP_GHOSTS 64u /* an insert with deleted characters: its segments follow */

/* A left origin: none, the previous seq of the same agent, or an explicit id. */
#define OL_NONE 0
#define OL_PREV 1
#define OL_ID 2

static inline uint64_t zigzag(int64_t v) {
  return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1;
}

static inline int64_t unzigzag(uint64_t v) {
  return v & 1 ? -(int64_t)(v >> 1) - 1 : (int64_t)(v >> 1);
}

/* The state an encoder and its decoder share while walking the operations. */
typedef struct codec {
  uint32_t *expect; /* per agent: the seq after its last operation so far */
  uint64_t *cursor; /* per agent: where its last positional operation left off */
  uint32_t last;    /* the agent of the operation before, or TXT_NONE */
  uint32_t *wire;   /* encoder: per agent, its index in the bytes' agent table */
  uint32_t nwire;   /* agents in that table */
} codec;

/* Whether the agent index is implied: with two agents, an operation not by the agent of the
 * one before is by the other. */
static inline int agent_implied(const codec *c) { return c->nwire == 2 && c->last != TXT_NONE; }

/* The part of log entry e past since: its first `skip` operations are dropped. */
static inline txt_op trim_op(const txt_op *e, uint32_t skip) {
  txt_op op = *e;
  if (!skip) return op;
  op.seq += skip;
  op.len -= skip;
  if (op.kind == TXT_INS)
    op.ol = (txt_id){op.agent, op.seq - 1};
  else
    op.target.seq += (uint32_t)((int64_t)op.dir * skip);
  return op;
}

#endif
