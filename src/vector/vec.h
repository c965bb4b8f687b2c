/* vec.h — a node's vector as a replicated register, and the database's persistent HNSW index. */
#ifndef ADB_VEC_H
#define ADB_VEC_H

#include <stddef.h>

#include "adb_int.h"
#include "crdt/crdt.h"

/* The node's vector is the property register with the reserved key (crdt.h). */
#define VEC_KEY CRDT_KEY_RESERVED

/* The vector index as the elements' layer sees it (adb_index): kept up to date with every node
 * saved (vec_node_saved), forgotten when stale (vec_forget). */
extern const adb_index vec_index;

#define VEC_MAX_DIM 16384
#define VEC_MAX_K 10000

/* Parses a vector given as JSON text (an array of finite numbers that fit a float32). On
 * success *out is a new array of *dim floats; on failure ADB_INVALID with why written. */
int vec_parse(const char *text, float **out, int *dim, char *why, size_t whylen);

/* Checks n floats: finite, and n within 1..VEC_MAX_DIM; ADB_OK or ADB_INVALID with why. */
int vec_check(const float *v, size_t n, char *why, size_t whylen);

/* Checks a vector register arriving in a change set: only nodes have one, and its value is
 * absent (cleared) or a canonical JSON vector. Returns NULL when good, else why it is not
 * (pointing into why or at a constant). */
const char *vec_wire_check(int kind, const char *value, char *why, size_t whylen);

/* Brings the index up to date with a node just saved (every node, local write or merge, in the
 * same transaction, through vec_index): adds, moves or removes its vector. */
int vec_node_saved(adb *db, crdt_elem *e);

/* The vector of live node id as its JSON text (a new string), without a read scope of its own;
 * ADB_NOTFOUND when the node does not exist or has none. */
int vec_get_text(adb *db, const char *id, char **out);

/* adb_vector_search inside a read transaction the caller holds (an SQL statement's). */
int vec_search(adb *db, const adb_vector_query *q, adb_vector_hit **hits, size_t *n);

/* Drops the in-memory copy of the index: a rollback undid rows, or another connection wrote. */
void vec_forget(adb *db);

#endif
