/* views.c — the nodes and edges views, and SQL writes through them as CRDT writes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/graph.h"
#include "query/sql/sqlbridge.h"
#include "store/store.h"

static const char *const views_sql =
    "CREATE TEMP VIEW nodes AS SELECT id, label, props AS properties FROM main.adb_node"
    "  WHERE cl & 1;"
    "CREATE TEMP VIEW edges AS SELECT e.id AS id, s.id AS source_node_id,"
    "  d.id AS target_node_id, e.label AS label, e.props AS properties FROM main.adb_edge e"
    "  JOIN main.adb_node s ON s.rid = e.src JOIN main.adb_node d ON d.rid = e.dst"
    "  WHERE e.cl & 1 AND s.cl & 1 AND d.cl & 1;"
    "CREATE TEMP TRIGGER nodes_insert INSTEAD OF INSERT ON nodes BEGIN"
    "  SELECT arenadb_create(1, NEW.id, NEW.label, NEW.properties, NULL, NULL); END;"
    "CREATE TEMP TRIGGER nodes_update INSTEAD OF UPDATE ON nodes BEGIN"
    "  SELECT arenadb_update(1, OLD.id, NEW.id, NEW.label, NEW.properties, NULL, NULL, NULL, NULL);"
    "  END;"
    "CREATE TEMP TRIGGER nodes_delete INSTEAD OF DELETE ON nodes BEGIN"
    "  SELECT arenadb_delete(1, OLD.id); END;"
    "CREATE TEMP TRIGGER edges_insert INSTEAD OF INSERT ON edges BEGIN"
    "  SELECT arenadb_create(2, NEW.id, NEW.label, NEW.properties, NEW.source_node_id,"
    "    NEW.target_node_id); END;"
    "CREATE TEMP TRIGGER edges_update INSTEAD OF UPDATE ON edges BEGIN"
    "  SELECT arenadb_update(2, OLD.id, NEW.id, NEW.label, NEW.properties, OLD.source_node_id,"
    "    NEW.source_node_id, OLD.target_node_id, NEW.target_node_id); END;"
    "CREATE TEMP TRIGGER edges_delete INSTEAD OF DELETE ON edges BEGIN"
    "  SELECT arenadb_delete(2, OLD.id); END;";

static const char *text_arg(sqlite3_value *v) { return (const char *)sqlite3_value_text(v); }

/* The handle's slot for the views: the id of the element last inserted through them. */
typedef struct views_state {
  char *last_id;
} views_state;

static void state_free(void *p) {
  free(((views_state *)p)->last_id);
  free(p);
}

/* Marks the start of a CRDT write for a view: the rows of ArenaDB's tables it changes are
 * its own, not the statement's (adb_stmt_changes). */
static void begin_write(adb *db) {
  db->in_sql_write++;
  db->view_rows_at = sqlite3_total_changes64(db->sql);
}

/* Reports the outcome of a write to SQL; the message carries up through sqlite3_step. */
static void finish(sqlite3_context *ctx, adb *db, int rc) {
  db->in_sql_write--;
  db->view_rows += sqlite3_total_changes64(db->sql) - db->view_rows_at;
  if (rc == ADB_OK) {
    db->view_writes++;
    sqlite3_result_null(ctx);
    return;
  }
  sqlite3_result_error(ctx, db->errmsg, -1);
  if (rc == ADB_NOMEM) sqlite3_result_error_nomem(ctx);
}

static int kind_arg(sqlite3_value *v) {
  int k = sqlite3_value_int(v);
  return k == ADB_EDGE ? ADB_EDGE : ADB_NODE;
}

/* arenadb_create(kind, id, label, properties, source, target) */
static void fn_create(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  adb *db = sqlite3_user_data(ctx);
  int kind = kind_arg(argv[0]);
  begin_write(db);
  int rc = ADB_OK;
  if (sqlite3_value_type(argv[2]) == SQLITE_NULL)
    rc = adb__err(db, ADB_INVALID, "a %s needs a label", graph_kind_name(kind));
  else if (kind == ADB_EDGE && (sqlite3_value_type(argv[4]) == SQLITE_NULL ||
                                sqlite3_value_type(argv[5]) == SQLITE_NULL))
    rc = adb__err(db, ADB_INVALID, "an edge needs source_node_id and target_node_id");
  char *id = NULL;
  if (rc == ADB_OK)
    rc = graph_create(db, kind, text_arg(argv[1]), text_arg(argv[2]), text_arg(argv[3]),
                      text_arg(argv[4]), text_arg(argv[5]), &id);
  views_state *vs = rc == ADB_OK ? adb__slot(db, ADB_SLOT_SQL, sizeof *vs, state_free) : NULL;
  if (rc == ADB_OK && !vs) rc = ADB_NOMEM;
  if (vs) {
    free(vs->last_id);
    vs->last_id = id;
  } else {
    free(id);
  }
  finish(ctx, db, rc);
}

/* last_insert_id(): the id of the node or edge this handle last inserted through the views,
 * given or generated; NULL before any. RETURNING on a view reports the values the statement
 * gave (SQLite's rule for INSTEAD OF triggers), so a generated id is
 * RETURNING last_insert_id(), which SQLite evaluates after each row's insert. */
static void fn_last_insert_id(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  views_state *vs = adb__slot_peek(sqlite3_user_data(ctx), ADB_SLOT_SQL);
  if (vs && vs->last_id) sqlite3_result_text(ctx, vs->last_id, -1, SQLITE_TRANSIENT);
  else sqlite3_result_null(ctx);
}

static int same_text(sqlite3_value *a, sqlite3_value *b) {
  const char *x = text_arg(a), *y = text_arg(b);
  return x && y ? strcmp(x, y) == 0 : x == y;
}

/* arenadb_update(kind, old id, new id, label, properties, old source, new source, old target,
 * new target): the new row replaces the old; only what differs is written. */
static void fn_update(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  adb *db = sqlite3_user_data(ctx);
  int kind = kind_arg(argv[0]);
  begin_write(db);
  int rc;
  if (!same_text(argv[1], argv[2]))
    rc = adb__err(db, ADB_INVALID, "the id of a %s cannot change", graph_kind_name(kind));
  else if (!same_text(argv[5], argv[6]) || !same_text(argv[7], argv[8]))
    rc = adb__err(db, ADB_INVALID, "the endpoints of an edge cannot change");
  else if (sqlite3_value_type(argv[3]) == SQLITE_NULL)
    rc = adb__err(db, ADB_INVALID, "a %s needs a label", graph_kind_name(kind));
  else
    rc = graph_update(db, kind, text_arg(argv[1]), text_arg(argv[3]),
                      sqlite3_value_type(argv[4]) == SQLITE_NULL ? "{}" : text_arg(argv[4]), 1);
  finish(ctx, db, rc);
}

/* arenadb_delete(kind, id) */
static void fn_delete(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  adb *db = sqlite3_user_data(ctx);
  begin_write(db);
  finish(ctx, db, graph_delete(db, kind_arg(argv[0]), text_arg(argv[1])));
}

static int internal_name(const char *name) { return name && strncasecmp(name, "adb_", 4) == 0; }

/* 1 when list holds name (case-insensitive). */
static int named(const char *const *list, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!strcasecmp(list[i], name)) return 1;
  return 0;
}

/* Which pragmas SQL may run: only those that report. Anything that sets something changes the
 * file (its identity, journal, page layout), the connection every later statement shares
 * (locking, query_only, limits), or the process, and is ArenaDB's alone. An allowlist, so that a
 * pragma SQLite adds later is refused until it is known to be harmless. */
static int pragma_allowed(const char *name, const char *arg) {
  /* Reports whose argument names what to report on. */
  static const char *const inspect[] = {
      "table_info",  "table_xinfo",   "table_list",    "index_list",       "index_info",
      "index_xinfo", "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check",
      "function_list", "module_list", "pragma_list",   "collation_list",   "database_list",
      "compile_options"};
  /* Settings that may be read, with no argument, and never set. */
  static const char *const readable[] = {
      "application_id", "user_version",   "schema_version", "data_version",   "journal_mode",
      "page_size",      "page_count",     "freelist_count", "encoding",       "foreign_keys",
      "synchronous",    "cache_size",     "auto_vacuum",    "busy_timeout",   "max_page_count",
      "mmap_size",      "locking_mode",   "query_only",     "temp_store",     "secure_delete",
      "recursive_triggers", "wal_autocheckpoint", "soft_heap_limit", "hard_heap_limit",
      "automatic_index", "cell_size_check", "trusted_schema"};
  if (!name) return 0;
  if (named(inspect, sizeof inspect / sizeof *inspect, name)) return 1;
  return !arg && named(readable, sizeof readable / sizeof *readable, name);
}

/* SQL may read everything but write only its own tables and the views; the internal tables are
 * written by ArenaDB alone, so that every change is a CRDT change. */
static int authorize(void *p, int action, const char *a, const char *b, const char *dbname,
                     const char *trigger) {
  (void)dbname;
  (void)trigger;
  adb *db = p;
  if (db->internal) return SQLITE_OK;
  /* The table is the first argument for writes, the second for triggers and indexes. */
  switch (action) {
  case SQLITE_INSERT:
  case SQLITE_UPDATE:
  case SQLITE_DELETE:
  case SQLITE_DROP_TABLE:
  case SQLITE_CREATE_TRIGGER:
  case SQLITE_DROP_TRIGGER:
  case SQLITE_CREATE_INDEX:
  case SQLITE_DROP_INDEX:
  case SQLITE_ALTER_TABLE:
    return internal_name(a) || internal_name(b) ? SQLITE_DENY : SQLITE_OK;
  case SQLITE_DROP_TEMP_VIEW:
  case SQLITE_DROP_TEMP_TRIGGER:
    return SQLITE_DENY; /* the views and their triggers are ArenaDB's */
  /* The temp schema is the connection's, shared by every later statement and, in a server, by
   * every later request: a temp table would shadow an internal one (writes acknowledged, then
   * gone), a temp trigger on a view would rewrite other clients' writes. Other files stay
   * out of reach. */
  case SQLITE_CREATE_TEMP_TABLE:
  case SQLITE_CREATE_TEMP_VIEW:
  case SQLITE_CREATE_TEMP_INDEX:
  case SQLITE_CREATE_TEMP_TRIGGER:
  case SQLITE_DROP_TEMP_TABLE:
  case SQLITE_DROP_TEMP_INDEX:
  case SQLITE_ATTACH:
  case SQLITE_DETACH:
    return SQLITE_DENY;
  case SQLITE_FUNCTION: /* b is the function's name */
    return b && (!strcasecmp(b, "fts3_tokenizer") || !strcasecmp(b, "load_extension"))
               ? SQLITE_DENY
               : SQLITE_OK;
  case SQLITE_PRAGMA: return pragma_allowed(a, b) ? SQLITE_OK : SQLITE_DENY;
  case SQLITE_READ: /* a is the table: the access tokens' hashes and roles are the server's */
    return a && !strcasecmp(a, "adb_token") ? SQLITE_DENY : SQLITE_OK;
  default: return SQLITE_OK;
  }
}

int sqlb_install(adb *db) {
  struct {
    const char *name;
    int nargs;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
  } fns[] = {{"arenadb_create", 6, fn_create},
             {"arenadb_update", 9, fn_update},
             {"arenadb_delete", 2, fn_delete},
             {"last_insert_id", 0, fn_last_insert_id}};
  for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
    int src = sqlite3_create_function_v2(db->sql, fns[i].name, fns[i].nargs, SQLITE_UTF8, db,
                                         fns[i].fn, NULL, NULL, NULL);
    if (src != SQLITE_OK) return adb__sqlerr(db, src);
  }
  int rc = store_exec(db, views_sql);
  if (rc == ADB_OK) sqlite3_set_authorizer(db->sql, authorize, db);
  if (rc == ADB_OK) rc = sqlb_traverse_install(db);
  if (rc == ADB_OK) rc = sqlb_vector_install(db);
  if (rc == ADB_OK) rc = sqlb_vector_view_install(db);
  if (rc == ADB_OK) rc = sqlb_prop_install(db);
  return rc;
}
