/* element.c — creating, reading, updating and deleting nodes and edges. */
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "graph/graph.h"
#include "store/store.h"
#include "util/json.h"
#include "vector/vec.h"

const char *graph_kind_name(int kind) { return kind == ADB_NODE ? "node" : "edge"; }

/* Parses a properties object; returns it as a new reference or NULL with the error recorded. */
static json_t *props_parse(adb *db, const char *text, const char *what) {
  json_t *v;
  char why[200];
  if (ut_json_parse(text, strlen(text), &v, why, sizeof why)) {
    adb__err(db, ADB_INVALID, "%s: %s", what, why);
    return NULL;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    adb__err(db, ADB_INVALID, "%s must be a JSON object", what);
    return NULL;
  }
  return v;
}

/* A local write in progress: the element, and the clock every register of this write shares. */
typedef struct write {
  adb *db;
  crdt_elem e;
  crdt_tag tag;
} write;

int graph_write_tag(adb *db, crdt_tag *tag) {
  uint64_t seq;
  int rc = crdt_txn_seq(db, &seq);
  if (rc) return rc;
  if ((rc = crdt_hlc_tick(db, &tag->hlc))) return rc;
  tag->origin = db->self;
  tag->seq = seq;
  return ADB_OK;
}

static int write_start(write *w, adb *db) {
  w->db = db;
  return graph_write_tag(db, &w->tag);
}

static int write_reg(write *w, int type, uint64_t epoch, const char *key, const char *value,
                     const char *value2) {
  crdt_reg r = {.type = type, .epoch = epoch, .tag = w->tag, .key = (char *)key,
                .value = (char *)value, .value2 = (char *)value2};
  int rc = crdt_elem_merge(w->db, &w->e, &r);
  return rc < 0 ? adb__err(w->db, ADB_NOMEM, "out of memory") : ADB_OK;
}

/* Writes every key of obj: with replace, null is a value; otherwise it removes the key. */
static int write_props(write *w, json_t *obj, int null_removes) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    int rc = ut_name_check(w->db, "property key", key);
    if (rc) return rc;
    char *text = null_removes && json_is_null(v) ? NULL : ut_json_text(v);
    if (!text && !(null_removes && json_is_null(v)))
      return adb__err(w->db, ADB_NOMEM, "out of memory");
    crdt_reg *cur = crdt_elem_prop(&w->e, key);
    int same = cur && crdt_reg_visible(&w->e, cur) &&
               (cur->value && text ? strcmp(cur->value, text) == 0 : cur->value == text);
    rc = same ? ADB_OK : write_reg(w, REG_PROP, w->e.cl, key, text, NULL);
    free(text);
    if (rc) return rc;
  }
  return ADB_OK;
}

int graph_load_live(adb *db, int kind, const char *id, crdt_elem *e) {
  if (!id) return adb__err(db, ADB_INVALID, "no %s id given", graph_kind_name(kind));
  int rc = crdt_elem_load(db, kind, id, e);
  if (rc == ADB_OK && !crdt_elem_live(e)) rc = ADB_NOTFOUND;
  if (rc == ADB_OK && kind == ADB_EDGE) {
    /* An edge is hidden while an endpoint is deleted, and so cannot be written. */
    sqlite3_stmt *st = store_stmt(db, STMT_GET_E);
    if (!st) return db->errcode;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int src = store_step(db, st);
    sqlite3_reset(st);
    if (src != SQLITE_ROW) rc = src == SQLITE_DONE ? ADB_NOTFOUND : adb__sqlerr(db, src);
  }
  if (rc == ADB_NOTFOUND)
    adb__err(db, rc, "there is no %s with id '%s'", graph_kind_name(kind), id);
  if (rc) crdt_elem_free(e);
  return rc;
}

static int node_live_rid(adb *db, const char *id, const char *role, int64_t *rid) {
  int rc = ut_name_check(db, role, id);
  if (rc) return rc;
  sqlite3_stmt *st = store_stmt(db, STMT_NODE_LIVE);
  if (!st) return db->errcode;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  rc = store_step(db, st);
  *rid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_reset(st);
  if (rc == SQLITE_DONE)
    return adb__err(db, ADB_NOTFOUND, "the %s node '%s' does not exist", role, id);
  return rc == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, rc);
}

/* Writes the registers of a new life of w->e: existence, label, endpoints, properties. */
static int create_registers(write *w, const char *label, const char *src, const char *dst,
                           int64_t src_rid, int64_t dst_rid, json_t *obj) {
  uint64_t life = w->e.cl + 1; /* the element was never created (0) or is deleted (even) */
  int rc = write_reg(w, REG_EXIST, life, NULL, NULL, NULL);
  if (rc == ADB_OK) rc = write_reg(w, REG_LABEL, life, NULL, label, NULL);
  if (rc == ADB_OK && src) {
    rc = write_reg(w, REG_ENDS, life, NULL, src, dst);
    w->e.src = src_rid;
    w->e.dst = dst_rid;
  }
  if (rc == ADB_OK) rc = write_props(w, obj, 0);
  return rc == ADB_OK ? crdt_elem_save(w->db, &w->e) : rc;
}

int graph_create(adb *db, int kind, const char *id, const char *label, const char *props,
                 const char *src, const char *dst, char **id_out) {
  char fresh[27];
  int generated = !id;
  if (generated) {
    graph_id_new(db, fresh);
    id = fresh;
  }
  int rc = ut_name_check(db, "id", id);
  if (rc == ADB_OK) rc = ut_name_check(db, "label", label);
  if (rc) return rc;
  int64_t src_rid = 0, dst_rid = 0;
  if (kind == ADB_EDGE) {
    rc = node_live_rid(db, src, "source", &src_rid);
    if (rc == ADB_OK) rc = node_live_rid(db, dst, "target", &dst_rid);
    if (rc) return rc;
  }
  json_t *obj = props ? props_parse(db, props, "properties") : json_object();
  if (!obj) return db->errcode ? db->errcode : ADB_NOMEM;

  /* A generated id is new: skip looking it up, unless it turns out to exist. */
  write w;
  rc = generated ? crdt_elem_new(db, kind, id, &w.e) : crdt_elem_load(db, kind, id, &w.e);
  for (int attempt = 0; attempt < 2; attempt++) {
    if (rc == ADB_OK && crdt_elem_live(&w.e))
      rc =
          adb__err(db, ADB_CONFLICT, "a %s with id '%s' exists already", graph_kind_name(kind), id);
    else if (rc == ADB_NOTFOUND || rc == ADB_OK)
      rc = write_start(&w, db);
    if (rc == ADB_OK)
      rc = create_registers(&w, label, kind == ADB_EDGE ? src : NULL, dst, src_rid, dst_rid, obj);
    if (rc != CRDT_EXISTS) break;
    crdt_elem_free(&w.e);
    rc = crdt_elem_load(db, kind, id, &w.e);
  }
  crdt_elem_free(&w.e);
  json_decref(obj);
  if (rc == ADB_OK && id_out && !(*id_out = strdup(id)))
    rc = adb__err(db, ADB_NOMEM, "out of memory");
  return rc;
}

int graph_update(adb *db, int kind, const char *id, const char *label, const char *patch,
                 int replace) {
  if (label && ut_name_check(db, "label", label)) return db->errcode;
  json_t *obj = NULL;
  if (patch && !(obj = props_parse(db, patch, replace ? "properties" : "the patch")))
    return db->errcode;
  write w;
  int rc = graph_load_live(db, kind, id, &w.e);
  if (rc == ADB_OK) rc = write_start(&w, db);
  if (rc == ADB_OK && label && (!w.e.has_label || !crdt_reg_visible(&w.e, &w.e.label) ||
                                strcmp(w.e.label.value, label) != 0))
    rc = write_reg(&w, REG_LABEL, w.e.cl, NULL, label, NULL);
  if (rc == ADB_OK && obj) rc = write_props(&w, obj, !replace);
  if (rc == ADB_OK && obj && replace) {
    /* Keys the new object leaves out are removed. Collect them first: merging reorders. */
    size_t n = 0;
    char **gone = calloc(w.e.nprops + 1, sizeof *gone);
    if (!gone) rc = adb__err(db, ADB_NOMEM, "out of memory");
    for (size_t i = 0; rc == ADB_OK && i < w.e.nprops; i++) {
      crdt_reg *r = &w.e.props[i];
      if (r->value && crdt_reg_visible(&w.e, r) && !crdt_key_reserved(r->key) &&
          !json_object_get(obj, r->key))
        if (!(gone[n++] = strdup(r->key))) rc = adb__err(db, ADB_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
      if (rc == ADB_OK) rc = write_reg(&w, REG_PROP, w.e.cl, gone[i], NULL, NULL);
      free(gone[i]);
    }
    free(gone);
  }
  if (rc == ADB_OK) rc = crdt_elem_save(db, &w.e);
  crdt_elem_free(&w.e);
  json_decref(obj);
  return rc;
}

int graph_set(adb *db, int kind, const char *id, const char *key, const char *value) {
  int rc = ut_name_check(db, "property key", key);
  if (rc) return rc;
  char *text = NULL;
  if (value) {
    char why[200];
    if (!(text = ut_json_canon(value, strlen(value), 0, why, sizeof why)))
      return adb__err(db, ADB_INVALID, "the value of '%s': %s", key, why);
  }
  write w;
  rc = graph_load_live(db, kind, id, &w.e);
  if (rc == ADB_OK) rc = write_start(&w, db);
  if (rc == ADB_OK) rc = write_reg(&w, REG_PROP, w.e.cl, key, text, NULL);
  if (rc == ADB_OK) rc = crdt_elem_save(db, &w.e);
  crdt_elem_free(&w.e);
  free(text);
  return rc;
}

int graph_delete(adb *db, int kind, const char *id) {
  write w;
  int rc = graph_load_live(db, kind, id, &w.e);
  if (rc == ADB_OK) rc = write_start(&w, db);
  if (rc == ADB_OK) rc = write_reg(&w, REG_EXIST, w.e.cl + 1, NULL, NULL, NULL);
  if (rc == ADB_OK) rc = crdt_elem_save(db, &w.e);
  crdt_elem_free(&w.e);
  return rc;
}

/* ---- The public calls: each write is its own scope ---- */

#define WRITE_SCOPE(db, call)                                                                    \
  do {                                                                                          \
    if (!(db)) return ADB_MISUSE;                                                               \
    int scope_, rc_ = store_write_begin((db), &scope_);                                         \
    if (rc_) return rc_;                                                                        \
    return store_write_end((db), scope_, (call));                                               \
  } while (0)

/* graph_create in a write scope of its own; *id_out is set only when the write committed, so
 * nobody is told an id that does not exist. */
static int create_committed(adb *db, int kind, const char *id, const char *label,
                            const char *properties, const char *src, const char *dst,
                            char **id_out) {
  if (!db) return ADB_MISUSE;
  if (id_out) *id_out = NULL;
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  rc = store_write_end(db, scope, graph_create(db, kind, id, label, properties, src, dst, id_out));
  if (rc && id_out) {
    free(*id_out);
    *id_out = NULL;
  }
  return rc;
}

int adb_node_create(adb *db, const char *id, const char *label, const char *properties,
                    char **id_out) {
  return create_committed(db, ADB_NODE, id, label, properties, NULL, NULL, id_out);
}

int adb_edge_create(adb *db, const char *id, const char *source, const char *label,
                    const char *target, const char *properties, char **id_out) {
  return create_committed(db, ADB_EDGE, id, label, properties, source, target, id_out);
}

int adb_node_update(adb *db, const char *id, const char *label, const char *patch) {
  WRITE_SCOPE(db, graph_update(db, ADB_NODE, id, label, patch, 0));
}

int adb_edge_update(adb *db, const char *id, const char *label, const char *patch) {
  WRITE_SCOPE(db, graph_update(db, ADB_EDGE, id, label, patch, 0));
}

int adb_node_set(adb *db, const char *id, const char *key, const char *value_json) {
  if (!value_json) return adb__err(db, ADB_INVALID, "no value given for '%s'", key ? key : "");
  WRITE_SCOPE(db, graph_set(db, ADB_NODE, id, key, value_json));
}

int adb_edge_set(adb *db, const char *id, const char *key, const char *value_json) {
  if (!value_json) return adb__err(db, ADB_INVALID, "no value given for '%s'", key ? key : "");
  WRITE_SCOPE(db, graph_set(db, ADB_EDGE, id, key, value_json));
}

int adb_node_unset(adb *db, const char *id, const char *key) {
  WRITE_SCOPE(db, graph_set(db, ADB_NODE, id, key, NULL));
}

int adb_edge_unset(adb *db, const char *id, const char *key) {
  WRITE_SCOPE(db, graph_set(db, ADB_EDGE, id, key, NULL));
}

int adb_node_delete(adb *db, const char *id) { WRITE_SCOPE(db, graph_delete(db, ADB_NODE, id)); }

int adb_edge_delete(adb *db, const char *id) { WRITE_SCOPE(db, graph_delete(db, ADB_EDGE, id)); }

/* ---- Reading ---- */

static int dup_col(sqlite3_stmt *st, int col, char **out) {
  const char *s = (const char *)sqlite3_column_text(st, col);
  *out = s ? strdup(s) : NULL;
  return s && !*out ? ADB_NOMEM : ADB_OK;
}

int graph_element_from_row(sqlite3_stmt *st, int kind, adb_element *out) {
  memset(out, 0, sizeof *out);
  int rc = dup_col(st, 0, &out->id);
  if (rc == ADB_OK) rc = dup_col(st, 1, &out->label);
  if (rc == ADB_OK) rc = dup_col(st, 2, &out->properties);
  if (rc == ADB_OK && kind == ADB_EDGE) rc = dup_col(st, 3, &out->source_id);
  if (rc == ADB_OK && kind == ADB_EDGE) rc = dup_col(st, 4, &out->target_id);
  if (rc) adb_element_clear(out);
  return rc;
}

static int element_get(adb *db, int kind, const char *id, adb_element *out) {
  if (!db || !out) return ADB_MISUSE;
  memset(out, 0, sizeof *out);
  if (!id) return adb__err(db, ADB_INVALID, "no %s id given", graph_kind_name(kind));
  sqlite3_stmt *st = store_stmt(db, STMT_GET + kind - 1);
  if (!st) return db->errcode;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int rc = store_step(db, st);
  if (rc == SQLITE_ROW) rc = graph_element_from_row(st, kind, out);
  else if (rc == SQLITE_DONE)
    rc = adb__err(db, ADB_NOTFOUND, "there is no %s with id '%s'", graph_kind_name(kind), id);
  else rc = adb__sqlerr(db, rc);
  sqlite3_reset(st);
  if (rc == ADB_NOMEM) adb__err(db, rc, "out of memory");
  return rc;
}

int adb_node_get(adb *db, const char *id, adb_element *out) {
  return element_get(db, ADB_NODE, id, out);
}

int adb_edge_get(adb *db, const char *id, adb_element *out) {
  return element_get(db, ADB_EDGE, id, out);
}

void adb_element_clear(adb_element *e) {
  if (!e) return;
  free(e->id);
  free(e->label);
  free(e->properties);
  free(e->source_id);
  free(e->target_id);
  memset(e, 0, sizeof *e);
}
