/* vec_int.h — the vector index's state on a handle, shared by vec.c and the public calls. */
#ifndef ADB_VEC_INT_H
#define ADB_VEC_INT_H

#include "adb_int.h"
#include "vector/hnsw.h"

/* The index's parameters as stored in adb_vec_conf; dim 0: the first vector decides. */
typedef struct vec_params {
  int dim, metric, m, efc, efs;
} vec_params;

struct vec_state {
  int loaded;     /* the fields below mirror the tables */
  int configured; /* adb_vec_conf has its row */
  int ready;      /* h is set up (the dimension is known) */
  int node_index; /* adb_vec and its index on node exist (checked once per handle) */
  int dim, metric, m, efc, efs;
  hnsw h;
  sqlite3_stmt *ins, *upd;
};
typedef struct vec_state vec_state;

/* Makes the in-memory copy current (reading the tables once per handle, and again after a
 * rollback or another connection's commit); *out is the state. */
int vec_load(adb *db, vec_state **out);

/* Creates the tables if needed and resets the index to p, empty. */
int vec_configure(adb *db, vec_state *vs, const vec_params *p);

#endif
