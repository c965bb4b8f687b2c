/* text_int.h — the text CRDT's internal structures, shared by src/crdt/text*.c. */
#ifndef ADB_CRDT_TEXT_INT_H
#define ADB_CRDT_TEXT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crdt/text.h"

#define TXT_NONE UINT32_MAX /* agent of an absent origin: the start or the end of the text */
#define TXT_LEAF_CAP 32     /* runs per leaf: big enough to scan fast, small to split fast */
#define TXT_MAP_CAP 128     /* entries per chunk of an agent's id map */

/* One character id: the seq-th operation of a (local) agent index. */
typedef struct txt_id {
  uint32_t agent, seq;
} txt_id;

/* Flags of a run. */
#define TXT_DELETED 1u /* every character of the run is deleted */
/* Deleted before it was sent, so its bytes never were (off, blen 0). Until its delete is
 * applied (in the same merge) it is a visible "ghost", so that positions stay right. */
#define TXT_NOCONTENT 2u

/* A run: consecutive characters in document order with consecutive ids (agent, seq ..
 * seq+len-1), inserted one after the other, with one right origin. The first character's left
 * origin is ol; every other's is its predecessor in the run. */
typedef struct txt_run {
  uint32_t agent, seq, len, flags;
  txt_id ol, orr;
  uint32_t off, blen; /* the UTF-8 bytes, in doc->text */
} txt_run;

/* A leaf holds up to TXT_LEAF_CAP runs; doc->leaves lists the leaves in document order. */
typedef struct txt_leaf {
  uint32_t idx; /* index in doc->leaves */
  uint32_t n;
  uint64_t vis; /* visible (not deleted) code points */
  txt_run r[TXT_LEAF_CAP];
} txt_leaf;

/* A place in the document: code point off of run `run` of leaf `leaf`. run == n of the leaf
 * (off 0) is the end of that leaf; leaf == nleaves is the end of the document. Positions
 * compare in document order. */
typedef struct txt_pos {
  uint32_t leaf, run, off;
} txt_pos;

/* An agent's id map: for each stretch of seqs, the leaf that held those characters when last
 * looked at; they are there or in a leaf after it (see txt_locate). Entry (seq, leaf) covers
 * seqs from seq up to the next entry's seq. Entries live in sorted chunks so that an update
 * costs a short memmove. */
typedef struct txt_ment {
  uint32_t seq;
  txt_leaf *leaf;
} txt_ment;
typedef struct txt_mchunk {
  uint32_t n;
  txt_ment e[TXT_MAP_CAP];
} txt_mchunk;
typedef struct txt_map {
  txt_mchunk **c;
  uint32_t nc, capc;
} txt_map;

/* An operation run in the log, which keeps every operation in an order where each follows
 * its dependencies. An insert is a txt_run's worth of fields; a delete removes targets t0,
 * t0 + dir, t0 + 2 dir, ... (dir is +1 for forward deletes, -1 for backspacing) of agent
 * target.agent, one per seq. A positional entry could also have been made by a local edit at
 * visible index pos of the document as the log before it leaves it: an insert there by the
 * local rule, or a delete of the visible characters [pos, pos + len). The full encoding sends
 * those as positions, which are smaller and faster to apply than ids (docs/text.md). */
#define TXT_INS 0
#define TXT_DEL 1
#define TXT_POSITIONAL 1u
typedef struct txt_op {
  uint8_t kind, flags; /* TXT_INS or TXT_DEL; TXT_POSITIONAL */
  uint32_t agent, seq, len;
  union {
    struct {
      txt_id ol, orr; /* TXT_INS (its bytes are read from the document's runs) */
    };
    struct {
      txt_id target; /* TXT_DEL: the first target */
      int32_t dir;
    };
  };
  uint64_t pos; /* when TXT_POSITIONAL */
} txt_op;

/* A cached lookup: leaf `leaf` starts at visible index `start`. A few are kept, so that
 * agents editing at different places each find one near. */
#define TXT_CURSORS 4
typedef struct txt_cursor {
  uint32_t leaf;
  uint64_t start;
} txt_cursor;

/* What a document knows of one agent. */
typedef struct txt_agent {
  unsigned char id[16];
  uint32_t next; /* operations held: the agent's next seq */
  txt_map map;   /* where its characters are */
  uint32_t *ops; /* indexes of its entries in the log, in seq order */
  uint32_t nops, capops;
} txt_agent;

struct crdt_text {
  uint32_t self; /* the local agent's index */
  txt_agent *ag;
  uint32_t nagents, capagents;

  txt_leaf **leaves;
  uint32_t nleaves, capleaves;
  uint64_t vis, vis_bytes; /* visible code points and bytes */
  uint64_t ghosts;         /* visible characters whose bytes were not sent: they await a delete */

  char *text; /* every inserted byte, in arrival order */
  size_t textlen, textcap;

  txt_op *log;
  size_t nlog, caplog;

  const txt_leaf *hint;        /* the leaf of the last insert */
  txt_cursor cur[TXT_CURSORS]; /* recent lookups by position */
};

/* ---- text.c: the document structure ---- */
int txt_agent_index(crdt_text *t, const unsigned char id[16], uint32_t *idx);
int txt_text_append(crdt_text *t, const char *s, size_t n, uint32_t *off);
/* Drops the bytes of deleted characters when they are most of doc->text. */
void txt_compact(crdt_text *t);
/* Appends an operation to the log, extending the last entry when it continues it. */
int txt_log_append(crdt_text *t, const txt_op *op);
/* Finds the character with this id; returns 0, or -1 when no inserted character has it. */
int txt_locate(const crdt_text *t, txt_id id, txt_pos *out);
/* How many inserted characters from (agent, seq) on one log entry holds; 0 when seq is not
 * an inserted character this document has. */
int txt_inserted(const crdt_text *t, uint32_t agent, uint32_t seq);
/* The id of the character at p, or {TXT_NONE, 0} at the end of the document. */
txt_id txt_id_at(const crdt_text *t, txt_pos p);
/* The first character of the document, or its end when it has none. */
txt_pos txt_first(const crdt_text *t);
/* The position just after the character at p. */
txt_pos txt_pos_next(const crdt_text *t, txt_pos p);
int txt_pos_cmp(txt_pos a, txt_pos b);
/* Inserts run nr so that it starts at `at`; nr.off/blen already point into doc->text. */
int txt_insert_run(crdt_text *t, txt_pos at, const txt_run *nr);
/* Deletes n characters of one run starting at p (n <= the run's length - p.off). */
int txt_delete_in_run(crdt_text *t, txt_pos p, uint32_t n);
/* Inserts nr at visible index pos (<= t->vis) by the local rule: right after the visible
 * character before pos, whose id becomes nr->ol; nr->orr becomes the id after it. */
int txt_insert_at(crdt_text *t, uint64_t pos, txt_run *nr);
/* Deletes up to max visible characters from index pos (< t->vis), as many as one run holds:
 * sets *first to the first one's id and *k to their number. */
int txt_delete_at(crdt_text *t, uint64_t pos, uint32_t max, txt_id *first, uint32_t *k);
/* The number of visible characters before p. */
uint64_t txt_vis_before(crdt_text *t, txt_pos p);
/* Byte length of the first k code points of s. */
uint32_t txt_utf8_prefix(const char *s, uint32_t blen, uint32_t k);
/* Code points in n bytes of well-formed UTF-8, or -1 when malformed. */
int64_t txt_utf8_count(const char *s, size_t n);

/* ---- text_map.c: id maps ---- */
txt_leaf *txt_map_get(const txt_map *m, uint32_t seq);
/* Makes seqs [lo, hi) map to leaf, keeping what seqs from hi on map to. */
int txt_map_set(txt_map *m, uint32_t lo, uint32_t hi, txt_leaf *leaf);
/* Makes seqs from lo on map to leaf, lo being past every seq inserted so far. */
int txt_map_append(txt_map *m, uint32_t lo, txt_leaf *leaf);
void txt_map_free(txt_map *m);
size_t txt_map_mem(const txt_map *m);

/* ---- text_merge.c: remote operations ---- */
/* Integrates an insert run whose origins are present; its bytes are doc->text[off, off+blen)
 * (flags TXT_NOCONTENT for one deleted before it was sent: a ghost until its delete comes).
 * *vpos is the visible index it went to when a local insert there would have made the same
 * run, else -1. */
int txt_integrate_insert(crdt_text *t, const txt_op *op, uint32_t flags, uint32_t off,
                         uint32_t blen, int64_t *vpos);
/* Applies a delete run whose targets are present. *vpos is the visible index of its targets
 * when they were visible and adjacent, else -1. */
int txt_apply_delete(crdt_text *t, const txt_op *op, int64_t *vpos);

#endif
