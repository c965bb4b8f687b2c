/* graph.h — nodes and edges as the application sees them, written as CRDT registers. */
#ifndef ADB_GRAPH_H
#define ADB_GRAPH_H

#include "adb_int.h"

/* Longest id, label or property key accepted, in bytes. */
#define GRAPH_MAX_NAME 1024

/* Writes a new 26-character time-ordered id (48-bit milliseconds, 80 random bits, Crockford
 * base 32) into out. Ids made by one handle increase strictly. */
void graph_id_new(adb *db, char out[27]);

/* Checks an id, label or key: non-empty UTF-8, no control characters, at most GRAPH_MAX_NAME
 * bytes. what names it in the error ("id", "label", "key"). */
int graph_name_check(adb *db, const char *what, const char *s);

/* The operations behind the public node and edge calls, for either kind. src and dst are used
 * for edges only. They run inside a write scope of their caller's (store_write_begin). */
int graph_create(adb *db, int kind, const char *id, const char *label, const char *props,
                 const char *src, const char *dst, char **id_out);
/* Sets the label (when not NULL) and the keys of patch. With replace, patch is the whole new
 * property object (missing keys are removed, null is a value); otherwise null removes a key. */
int graph_update(adb *db, int kind, const char *id, const char *label, const char *patch,
                 int replace);
/* Sets one key to a JSON value, or removes it when value is NULL. */
int graph_set(adb *db, int kind, const char *id, const char *key, const char *value);
int graph_delete(adb *db, int kind, const char *id);

/* Fills out from a row whose columns are id, label, properties[, source id, target id]. */
int graph_element_from_row(sqlite3_stmt *st, int kind, adb_element *out);

/* "node" or "edge". */
const char *graph_kind_name(int kind);

#endif
