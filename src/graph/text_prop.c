/* text_prop.c — the public calls on text properties: edits as writes, and reading the string. */
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "crdt/textreg.h"
#include "graph/graph.h"
#include "store/store.h"
#include "util/json.h"

/* One edit in the caller's write scope: deletes del code points at pos, inserts s there. */
static int text_edit(adb *db, int kind, const char *id, const char *key, size_t pos, size_t del,
                     const char *s) {
  if (!s) return adb__err(db, ADB_INVALID, "no text given");
  int rc = ut_name_check(db, "property key", key);
  if (rc) return rc;
  crdt_elem e;
  crdt_tag tag;
  if ((rc = graph_load_live(db, kind, id, &e))) return rc;
  rc = graph_write_tag(db, &tag);
  if (rc == ADB_OK) rc = crdt_textreg_edit(db, &e, key, &tag, pos, del, s);
  if (rc == 1) rc = crdt_elem_save(db, &e);
  crdt_elem_free(&e);
  return rc;
}

static int text_write(adb *db, int kind, const char *id, const char *key, size_t pos, size_t del,
                      const char *s) {
  if (!db) return ADB_MISUSE;
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  return store_write_end(db, scope, text_edit(db, kind, id, key, pos, del, s));
}

/* Reads the string under key from the element's visible properties. */
static int text_get(adb *db, int kind, const char *id, const char *key, char **out) {
  if (!db || !out) return ADB_MISUSE;
  *out = NULL;
  if (!key) return adb__err(db, ADB_INVALID, "no property key given");
  adb_element el;
  int rc = kind == ADB_NODE ? adb_node_get(db, id, &el) : adb_edge_get(db, id, &el);
  if (rc) return rc;
  json_t *obj = NULL;
  char why[160];
  if (ut_json_parse(el.properties, strlen(el.properties), &obj, why, sizeof why))
    rc = adb__err(db, ADB_CORRUPT, "the properties of '%s' are damaged", id);
  json_t *v = obj ? json_object_get(obj, key) : NULL;
  if (rc == ADB_OK && !v)
    rc = adb__err(db, ADB_NOTFOUND, "%s '%s' has no property '%s'", graph_kind_name(kind), id, key);
  else if (rc == ADB_OK && !json_is_string(v))
    rc = adb__err(db, ADB_INVALID, "property '%s' of '%s' is not text", key, id);
  else if (rc == ADB_OK) {
    size_t n = json_string_length(v);
    if (!(*out = malloc(n + 1))) rc = adb__err(db, ADB_NOMEM, "out of memory");
    else {
      memcpy(*out, json_string_value(v), n);
      (*out)[n] = 0;
    }
  }
  json_decref(obj);
  adb_element_clear(&el);
  return rc;
}

int adb_text_insert(adb *db, const char *id, const char *key, size_t pos, const char *utf8) {
  return text_write(db, ADB_NODE, id, key, pos, 0, utf8);
}

int adb_text_delete(adb *db, const char *id, const char *key, size_t pos, size_t len) {
  return text_write(db, ADB_NODE, id, key, pos, len, "");
}

int adb_text_replace(adb *db, const char *id, const char *key, size_t pos, size_t len,
                     const char *utf8) {
  return text_write(db, ADB_NODE, id, key, pos, len, utf8);
}

int adb_text_get(adb *db, const char *id, const char *key, char **out) {
  return text_get(db, ADB_NODE, id, key, out);
}

int adb_edge_text_insert(adb *db, const char *id, const char *key, size_t pos, const char *utf8) {
  return text_write(db, ADB_EDGE, id, key, pos, 0, utf8);
}

int adb_edge_text_delete(adb *db, const char *id, const char *key, size_t pos, size_t len) {
  return text_write(db, ADB_EDGE, id, key, pos, len, "");
}

int adb_edge_text_replace(adb *db, const char *id, const char *key, size_t pos, size_t len,
                          const char *utf8) {
  return text_write(db, ADB_EDGE, id, key, pos, len, utf8);
}

int adb_edge_text_get(adb *db, const char *id, const char *key, char **out) {
  return text_get(db, ADB_EDGE, id, key, out);
}
