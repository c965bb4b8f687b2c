/* cy_index.c — Cypher's indexes and uniqueness constraints: CREATE, DROP and SHOW, the lookups
 * the planner makes with them, and the check of a query's writes against the constraints. */
/*
 * An index on (:Label).prop is an SQLite expression index of the node table on
 * arenadb_prop(props, 'prop') (query/sql/prop.c), partial to the live nodes that have the
 * label. It is derived from replicated data and local to this file, like the vector index: it
 * is not synced, and each replica creates its own (docs/cypher.md). Its definition is a row of
 * adb_index, made when the first index is. A lookup is an SQL query whose WHERE holds the
 * index's own terms word for word, so that SQLite's planner takes the partial index; it gives a
 * superset of the answer (SQL compares 1 = true, and numbers below text), which matching then
 * checks as always. A label scan that tests a property runs the same query for an index
 * without a name, which SQL has not: it reads every row and tests it as the rows go by.
 *
 * A uniqueness constraint is an index that also refuses, when a query ends, a node the query
 * created or changed whose value another live node of the label has. Merged changes are not
 * refused: two replicas may each create the same value before they meet, and a merge cannot
 * fail, so the constraint holds for the writes made here, not across replicas.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "adb_int.h"
#include "query/cypher/cy_plan.h"
#include "store/store.h"

struct cy_ixset {
  cy_index *v;
  int n;
};

static const char define_sql[] =
    "CREATE TABLE IF NOT EXISTS main.adb_index(name TEXT PRIMARY KEY, label TEXT NOT NULL,"
    " prop TEXT NOT NULL, is_unique INTEGER NOT NULL) WITHOUT ROWID";

static void __attribute__((noreturn)) sql_fail(cy_ctx *c, int src) {
  c->store_rc = adb__sqlerr(c->db, src);
  cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
}

static sqlite3_stmt *prepare(cy_ctx *c, const char *sql) {
  sqlite3_stmt *st;
  int src = store_prepare(c->db, sql, &st);
  if (src != SQLITE_OK) sql_fail(c, src);
  return st;
}

/* Runs sql as ArenaDB's own statement. */
static void exec(cy_ctx *c, const char *sql) {
  int rc = store_exec(c->db, sql);
  if (rc) {
    c->store_rc = rc;
    cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
  }
}

/* The text sqlite3_mprintf makes of format (%Q, %q and %w quote for SQL), in the query's arena. */
static const char *fmt(cy_ctx *c, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char *s = sqlite3_vmprintf(format, ap);
  va_end(ap);
  if (!s) cy_fail(c, "MemoryError", "runtime", "", "out of memory");
  ut_buf *b = cy_buf_hold(c); /* s is freed even when copying it fails the query */
  ut_buf_puts(b, s);
  sqlite3_free(s);
  return cy_buf_take(c, b);
}

/* The definitions, read once per query; none while adb_index does not exist. */
static const struct cy_ixset *indexes(cy_ctx *c) {
  if (c->ix) return c->ix;
  struct cy_ixset *s = cy_alloc(c, sizeof *s);
  sqlite3_stmt *st = prepare(c, "SELECT count(*) FROM main.sqlite_schema WHERE name='adb_index'");
  int src = store_step(c->db, st);
  int exists = src == SQLITE_ROW && sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (src != SQLITE_ROW) sql_fail(c, src);
  if (exists) {
    st = prepare(c, "SELECT name, label, prop, is_unique FROM main.adb_index ORDER BY name");
    int cap = 0;
    while ((src = store_step(c->db, st)) == SQLITE_ROW) {
      if (s->n == cap) {
        cap = cap ? cap * 2 : 8;
        cy_index *v = cy_alloc(c, (size_t)cap * sizeof *v);
        if (s->n) memcpy(v, s->v, (size_t)s->n * sizeof *v);
        s->v = v;
      }
      cy_index *x = &s->v[s->n++];
      x->name = cy_strdup(c, (const char *)sqlite3_column_text(st, 0));
      x->label = cy_strdup(c, (const char *)sqlite3_column_text(st, 1));
      x->prop = cy_strdup(c, (const char *)sqlite3_column_text(st, 2));
      x->unique = sqlite3_column_int(st, 3);
    }
    sqlite3_finalize(st);
    if (src != SQLITE_DONE) sql_fail(c, src);
  }
  c->ix = s;
  return s;
}

int cy_indexes(cy_ctx *c, const cy_index **out) {
  const struct cy_ixset *s = indexes(c);
  *out = s->v;
  return s->n;
}

/* The indexed expression, and the partial index's condition, as the index and every lookup
 * spell them: SQLite takes a partial index only for a WHERE that holds its terms as written. */
static const char *ix_expr(cy_ctx *c, const cy_index *x) {
  /* A scan that no index serves (no name) reads with json_extract, twice as fast; it reads the
   * same values. */
  return x->name ? fmt(c, "arenadb_prop(props, %Q)", x->prop)
                 : fmt(c, "json_extract(props, '$.' || json_quote(%Q))", x->prop);
}

static const char *ix_where(cy_ctx *c, const cy_index *x) {
  return fmt(c, "cl&1 AND (label=%Q OR instr(':'||label||':', ':%q:')>0)", x->label, x->label);
}

const char *cy_cmp_text(int op) {
  static const char *const ops[] = {
      [E_EQ] = "=", [E_LT] = "<", [E_LE] = "<=", [E_GT] = ">", [E_GE] = ">="};
  return ops[op];
}

int cy_index_scan(cy_ctx *c, const cy_index *x, int op, cy_val v, int **out) {
  if (v.k == CV_NULL) return 0; /* nothing equals or compares with null */
  if (v.k != CV_STR && v.k != CV_INT && v.k != CV_FLOAT && !(v.k == CV_BOOL && op == E_EQ))
    return -1;
  sqlite3_stmt *st = prepare(c, fmt(c,
                                    "SELECT rid, id, label, props FROM main.adb_node WHERE %s AND"
                                    " %s %s ?1 ORDER BY rid",
                                    ix_where(c, x), ix_expr(c, x), cy_cmp_text(op)));
  if (v.k == CV_STR)
    sqlite3_bind_text(st, 1, v.s, -1, SQLITE_STATIC);
  else if (v.k == CV_INT)
    sqlite3_bind_int64(st, 1, v.i);
  else if (v.k == CV_FLOAT)
    sqlite3_bind_double(st, 1, v.f);
  else
    sqlite3_bind_int(st, 1, v.b); /* JSON true and false read as 1 and 0 */
  return cy_scan_rows(c, st, out);
}

/* ---- CREATE, DROP, SHOW ---- */

static const cy_index *by_name(cy_ctx *c, const char *name) {
  const struct cy_ixset *s = indexes(c);
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->v[i].name, name)) return &s->v[i];
  return NULL;
}

static const cy_index *by_schema(cy_ctx *c, const char *label, const char *prop) {
  const struct cy_ixset *s = indexes(c);
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->v[i].label, label) && !strcmp(s->v[i].prop, prop)) return &s->v[i];
  return NULL;
}

/* Fails the query when a live node of the index's label shares a value with another. */
static void no_duplicates(cy_ctx *c, const cy_index *x) {
  /* true and 1 read alike in SQL: the JSON type tells them apart; 1 and 1.0 are equal. */
  const char *e = ix_expr(c, x);
  sqlite3_stmt *st = prepare(
      c, fmt(c,
             "SELECT %s AS v FROM main.adb_node WHERE %s AND %s IS NOT NULL GROUP BY v,"
             " json_type(props, '$.' || json_quote(%Q)) IN ('true', 'false') HAVING count(*) > 1"
             " LIMIT 1",
             e, ix_where(c, x), e, x->prop));
  int src = store_step(c->db, st);
  char dup[120] = "";
  if (src == SQLITE_ROW) snprintf(dup, sizeof dup, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (src == SQLITE_ROW)
    cy_fail(c, CY_CONSTRAINT, "runtime", "ConstraintCreationFailed",
            "cannot create the constraint: two or more :%s nodes have %s = '%s'", x->label, x->prop,
            dup);
  if (src != SQLITE_DONE) sql_fail(c, src);
}

static void create(cy_ctx *c, const cy_schema *s) {
  char made[300];
  const char *name = s->name;
  if (!name) {
    snprintf(made, sizeof made, "%s_%s_%s", s->constraint ? "constraint" : "index", s->label,
             s->prop);
    name = made;
  }
  const cy_index *same = by_schema(c, s->label, s->prop), *named = by_name(c, name);
  if ((same || named) && s->if_exists) return;
  if (named)
    cy_fail(c, CY_SEMANTIC, "runtime", "IndexAlreadyExists",
            "an index or constraint named '%s' already exists", name);
  if (same)
    cy_fail(c, CY_SEMANTIC, "runtime", "IndexAlreadyExists", "%s '%s' already covers :%s(%s)",
            same->unique ? "constraint" : "index", same->name, s->label, s->prop);
  cy_index x = {.name = name, .label = s->label, .prop = s->prop, .unique = s->constraint};
  if (x.unique) no_duplicates(c, &x);
  exec(c, define_sql);
  exec(c, fmt(c, "CREATE INDEX main.\"adb_ix:%w\" ON adb_node(%s) WHERE %s", name, ix_expr(c, &x),
              ix_where(c, &x)));
  exec(c, fmt(c, "INSERT INTO main.adb_index VALUES(%Q, %Q, %Q, %d)", name, s->label, s->prop,
              x.unique));
  c->ix = NULL;
  c->writes = 1;
}

static void drop(cy_ctx *c, const cy_schema *s) {
  const char *kind = s->constraint ? "constraint" : "index";
  const cy_index *x = by_name(c, s->name);
  if (!x && s->if_exists) return;
  if (!x)
    cy_fail(c, CY_SEMANTIC, "runtime", s->constraint ? "ConstraintDropFailed" : "IndexDropFailed",
            "there is no %s named '%s'", kind, s->name);
  if (x->unique != s->constraint)
    cy_fail(c, CY_SEMANTIC, "runtime", s->constraint ? "ConstraintDropFailed" : "IndexDropFailed",
            "'%s' is a%s: drop it with DROP %s", s->name, x->unique ? " constraint" : "n index",
            x->unique ? "CONSTRAINT" : "INDEX");
  exec(c, fmt(c, "DROP INDEX main.\"adb_ix:%w\"", x->name));
  exec(c, fmt(c, "DELETE FROM main.adb_index WHERE name=%Q", x->name));
  c->ix = NULL;
  c->writes = 1;
}

static const char *const index_cols[] = {
    "name", "type", "entityType", "labelsOrTypes", "properties", "owningConstraint", "state"};
static const char *const constraint_cols[] = {"name",          "type",       "entityType",
                                              "labelsOrTypes", "properties", "ownedIndex"};

int cy_schema_columns(const cy_schema *s, const char ***cols) {
  if (s->op != CS_SHOW) return 0;
  *cols = (const char **)(s->constraint ? constraint_cols : index_cols);
  return s->constraint ? 6 : 7;
}

static cy_val one(cy_ctx *c, const char *s) {
  cy_list *l = cy_list_new(c, 1);
  l->v[0] = cy_str(s);
  return (cy_val){.k = CV_LIST, .l = l};
}

static cy_table *show(cy_ctx *c, const cy_schema *s) {
  cy_table *t = cy_alloc(c, sizeof *t);
  t->ncols = cy_schema_columns(s, &t->cols);
  const struct cy_ixset *set = indexes(c);
  for (int i = 0; i < set->n; i++) {
    const cy_index *x = &set->v[i];
    if (s->constraint && !x->unique) continue;
    cy_val *row = cy_alloc(c, (size_t)t->ncols * sizeof *row);
    row[0] = cy_str(x->name);
    row[1] = cy_str(s->constraint ? "UNIQUENESS" : "RANGE");
    row[2] = cy_str("NODE");
    row[3] = one(c, x->label);
    row[4] = one(c, x->prop);
    row[5] = x->unique ? cy_str(x->name) : (cy_val){.k = CV_NULL};
    if (!s->constraint) row[6] = cy_str("ONLINE");
    cy_table_add(c, t, row);
  }
  return t;
}

cy_table *cy_schema_run(cy_ctx *c, const cy_schema *s) {
  switch (s->op) {
  case CS_CREATE: create(c, s); break;
  case CS_DROP: drop(c, s); break;
  case CS_SHOW: return show(c, s);
  }
  cy_table *t = cy_alloc(c, sizeof *t);
  return t;
}

/* ---- Uniqueness of what a query wrote ---- */

void cy_index_enforce(cy_ctx *c) {
  if (!c->writes) return;
  const struct cy_ixset *set = indexes(c);
  for (int k = 0; k < set->n; k++) {
    const cy_index *x = &set->v[k];
    if (!x->unique) continue;
    for (int i = 0; i < c->g.nnodes; i++) {
      const cy_node *n = &c->g.nodes[i];
      int written = !n->loaded || n->props != n->orig || n->labels != n->orig_labels;
      if (n->stub || n->deleted || !written || !cy_node_has_label(n, x->label)) continue;
      const cy_val *v = cy_map_get(n->props, x->prop);
      if (!v) continue;
      /* The scan is a superset (1 = true): count the nodes whose value is equal in Cypher. */
      int *found, same = 0;
      int nfound = cy_index_scan(c, x, E_EQ, *v, &found);
      for (int f = 0; f < nfound && same < 2; f++) {
        const cy_val *w = cy_map_get(cy_node_get(c, found[f])->props, x->prop);
        same += w && cy_equal(c, *w, *v) == 1;
      }
      if (same > 1) {
        ut_buf *b = cy_buf_hold(c);
        cy_format(c, b, *v);
        cy_fail(c, CY_CONSTRAINT, "runtime", "ConstraintValidationFailed",
                "constraint '%s': another :%s node already has %s = %s", x->name, x->label, x->prop,
                cy_buf_take(c, b));
      }
    }
  }
}
