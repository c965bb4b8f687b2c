/* textreg.h — text registers: a property whose value is a collaborative text document
 * (docs/crdt.md, "Text properties"). */
#ifndef ADB_CRDT_TEXTREG_H
#define ADB_CRDT_TEXTREG_H

#include <stddef.h>
#include <stdint.h>

#include "crdt/crdt.h"
#include "crdt/text.h"
#include "util/buf.h"

/* After transaction seq of replica origin (a local replica index), the document held count
 * operations of that replica's agent. Origin 0, seq 0 is the seed: the operations of the
 * all-zero agent that hold the plain string a conversion started from. Export turns a peer's
 * version vector into a text version with these, to send only the operations it lacks. */
typedef struct crdt_text_edit {
  uint32_t origin;
  uint64_t seq;
  uint64_t count;
} crdt_text_edit;

typedef struct crdt_textreg {
  crdt_text_edit *edits; /* sorted by (origin, seq), unique */
  size_t nedits, capedits;
  crdt_text *doc;            /* NULL until needed: it is loaded from adb_text */
  int dirty;                 /* doc differs from its row in adb_text */
  const unsigned char *ops;  /* a change set register: its encoded operations (borrowed) */
  size_t nops;
} crdt_textreg;

/* Returned by crdt_textreg_merge (and so crdt_elem_merge) when the operations depend on some
 * this replica lacks: nothing was merged, and the change set must not claim its transactions. */
#define CRDT_TEXT_LACKS (-101)

/* The agent of a conversion's seed (all zero bytes: no replica has this id). */
extern const unsigned char crdt_text_seed_agent[16];

/* Frees t (NULL accepted). */
void crdt_textreg_free(crdt_textreg *t);

/* Merges a text register r (from a change set, with ops) into e: a larger (causal length,
 * clock, replica) tag replaces the slot's register, text beating a plain value of an equal tag;
 * an equal tag merges the two documents. Returns 1 when e changed, 0 when not, CRDT_TEXT_LACKS,
 * or ADB_PROTOCOL (operations malformed or contradicting this replica's) or ADB_NOMEM with the
 * error recorded. */
int crdt_textreg_merge(adb *db, crdt_elem *e, const crdt_reg *r);

/* A local edit of the text under key in live element e, made by the write tagged tag: deletes
 * del code points at pos and inserts the UTF-8 string s there. A key holding no value, a
 * removed value or a plain string becomes text first (the string is its start). Returns 1 when
 * e changed, 0 for an empty edit, or ADB_INVALID (position out of range, bad UTF-8, a non-string
 * value), ADB_CONFLICT, ADB_CORRUPT, ADB_NOMEM with the error recorded; e is unchanged then. */
int crdt_textreg_edit(adb *db, crdt_elem *e, const char *key, const crdt_tag *tag, size_t pos,
                      size_t del, const char *s);

/* Writes the documents of e that changed to adb_text and drops rows of keys that no longer
 * hold text. Returns ADB_OK or an error. */
int crdt_textreg_save(adb *db, crdt_elem *e);

/* Checks that every text document of e decodes and reads as the value e shows. Returns
 * ADB_OK, or ADB_CORRUPT (or another error) with the error recorded. */
int crdt_textreg_verify(adb *db, crdt_elem *e);

/* The edits in the element's meta encoding (crdt/elem.c), and back: crdt_textreg_meta_get
 * sets reg->text and returns 0, or -1 when the bytes are malformed or name an origin past
 * nreps. */
void crdt_textreg_meta_put(ut_buf *b, const crdt_textreg *t);
int crdt_textreg_meta_get(ut_rbuf *r, crdt_reg *reg, uint32_t nreps);

/* Loads the document of text register r of e from adb_text when it is not in memory yet.
 * Returns ADB_OK, or ADB_CORRUPT (missing or damaged) or another error, recorded. */
int crdt_textreg_doc(adb *db, const crdt_elem *e, crdt_reg *r);

/* Reads a count and that many edits (origin, seq, count) into t->edits; origins must be at
 * most max_origin, and 0 (with seq 0) only for the seed. Returns 0 or -1. */
int crdt_textreg_edits_get(ut_rbuf *r, crdt_textreg *t, uint64_t max_origin);

/* ---- Change sets (textreg_wire.c) ---- */

/* 1 when a replica whose version vector is from[] (by local index, nfrom entries) lacks a
 * transaction of this text register. */
int crdt_textreg_lacks(const crdt_reg *r, const uint64_t *from, uint32_t nfrom);

/* Appends what follows a text register's common fields in a change set (docs/changeset.md):
 * its key, the edits past from[], and the operations a replica at from[] lacks (all of them
 * when from[] covers none of its transactions). Returns ADB_OK or an error. */
int crdt_textreg_put(adb *db, ut_buf *b, const crdt_elem *e, crdt_reg *r, const uint64_t *from,
                     uint32_t nfrom);

/* Reads those fields into g (key, g->text with edits and borrowed ops) from a change set.
 * Returns 0, or -1 when malformed (r->bad may say so instead). */
int crdt_textreg_read(ut_rbuf *r, crdt_reg *g, size_t max_key, size_t max_ops);

/* Checks a text register read from a change set whose replica table has nrep entries: edit
 * origins and sequence numbers, and the operations' encoding. Returns ADB_OK or -1 with a
 * reason in why. */
int crdt_textreg_check(const crdt_reg *g, uint64_t nrep, char *why, size_t whylen);

/* Turns the edits' change-set replica indexes into local ones (idx[i] for entry i + 1). */
void crdt_textreg_map(crdt_reg *g, const uint32_t *idx);

#endif
