/* cy_api.c — the public Cypher calls: running a query in one write scope, reading its rows. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"
#include "query/cypher/cy_plan.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/json.h"

struct adb_cypher {
  cy_ctx *c;
  cy_table *t;
  int row; /* the current row; -1 before the first */
  int failed;
  ut_buf text;
};

static int error_code(const cy_ctx *c) {
  if (c->store_rc) return c->store_rc;
  if (!strcmp(c->err_type, "MemoryError")) return ADB_NOMEM;
  if (!strcmp(c->err_type, CY_CONSTRAINT)) return ADB_CONFLICT;
  return ADB_INVALID;
}

/* A leading EXPLAIN or PROFILE keyword: the length of it and the blank after it, with *mode 1
 * for EXPLAIN and 2 for PROFILE; 0 (and *mode 0) without. */
static size_t mode_prefix(const char *query, int *mode) {
  static const char *const words[] = {"EXPLAIN", "PROFILE"};
  const char *s = query;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  *mode = 0;
  for (int m = 0; m < 2; m++)
    if (!strncasecmp(s, words[m], 7) && (s[7] == ' ' || s[7] == '\t' || s[7] == '\n' || s[7] == '\r')) {
      *mode = m + 1;
      return (size_t)(s + 8 - query);
    }
  return 0;
}

/* Parses, checks and runs (EXPLAIN: plans only; PROFILE: runs and answers what each clause
 * did); returns ADB_OK or the failure (c->failed says it was a query error). */
static int run(adb_cypher *r, const char *query, const char *params) {
  cy_ctx *c = r->c;
  volatile int scope = -1, reading = 0;
  if (setjmp(c->jb)) {
    cy_buf_release(c);
    if (scope >= 0 && reading) store_read_end(c->db, scope);
    else if (scope >= 0) store_write_end(c->db, scope, ADB_ERROR);
    return error_code(c);
  }
  c->params = cy_map_new(c, 0);
  if (params) {
    json_t *j;
    char why[200];
    if (ut_json_parse(params, strlen(params), &j, why, sizeof why))
      cy_fail(c, "ArgumentError", "compile time", "", "the parameters are not JSON: %s", why);
    if (!json_is_object(j)) {
      json_decref(j);
      cy_fail(c, "ArgumentError", "compile time", "", "the parameters must be a JSON object");
    }
    cy_val v = cy_from_json(c, j);
    json_decref(j);
    c->params = v.m;
  }
  int mode;
  size_t skip = mode_prefix(query, &mode);
  cy_query *q = cy_parse(c, query + skip, strlen(query + skip));
  cy_check(c, q);
  if (c->db->query_only && cy_query_writes(q)) {
    c->store_rc = adb__err(c->db, ADB_READONLY, "this connection may only read: the query writes");
    cy_fail(c, "Forbidden", "compile time", "", "%s", c->db->errmsg);
  }
  if (mode == 1) {
    r->t = cy_explain(c, q);
    return ADB_OK;
  }
  /* A handle opened read-only runs a query that only reads in a read transaction. */
  reading = c->db->readonly && !cy_query_writes(q);
  int s;
  int rc = reading ? store_read_begin(c->db, &s) : store_write_begin(c->db, &s);
  if (rc) {
    c->store_rc = rc;
    cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
  }
  scope = s;
  r->t = mode == 2 ? cy_profile(c, q) : cy_exec(c, q);
  if (reading) store_read_end(c->db, s);
  else rc = store_write_end(c->db, s, ADB_OK);
  scope = -1;
  if (rc) {
    c->store_rc = rc;
    cy_fail(c, "StorageError", "runtime", "", "%s", adb_errmsg(c->db));
  }
  return ADB_OK;
}

int adb_cypher_run(adb *db, const char *query, const char *params, adb_cypher **out) {
  if (out) *out = NULL;
  if (!db || !query || !out) return ADB_MISUSE;
  adb_cypher *r = calloc(1, sizeof *r);
  cy_ctx *c = r ? calloc(1, sizeof *c) : NULL;
  if (!c) {
    free(r);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  r->c = c;
  r->row = -1;
  ut_buf_init(&r->text);
  c->db = db;
  c->now_ms = adb__now_ms(db);
  c->rng = (uint64_t)c->now_ms | 1;
  *out = r;
  int timed = adb__deadline_start(db);
  int rc = run(r, query, params);
  adb__deadline_end(db, timed);
  if (rc) {
    r->failed = 1;
    r->t = NULL;
    if (c->failed && !c->store_rc)
      adb__err(db, rc, "%s%s%s (%s): %s", c->err_type, *c->err_detail ? " " : "", c->err_detail,
               c->err_phase, c->err_msg);
  }
  return rc;
}

int adb_cypher_error(const adb_cypher *r, const char **type, const char **phase,
                     const char **detail, const char **message) {
  if (!r || !r->failed) return ADB_MISUSE;
  const cy_ctx *c = r->c;
  if (type) *type = c->err_type ? c->err_type : "Error";
  if (phase) *phase = c->err_phase ? c->err_phase : "runtime";
  if (detail) *detail = c->err_detail ? c->err_detail : "";
  if (message) *message = c->err_msg;
  return ADB_OK;
}

int adb_cypher_columns(const adb_cypher *r) { return r && r->t ? r->t->ncols : 0; }

const char *adb_cypher_column_name(const adb_cypher *r, int i) {
  return r && r->t && i >= 0 && i < r->t->ncols ? r->t->cols[i] : NULL;
}

int adb_cypher_next(adb_cypher *r) {
  if (!r || !r->t) return ADB_MISUSE;
  if (r->row + 1 >= r->t->nrows) {
    r->row = r->t->nrows;
    return ADB_DONE;
  }
  r->row++;
  return ADB_ROW;
}

/* The value at column i of the current row, or NULL. */
static const cy_val *cell(const adb_cypher *r, int i) {
  if (!r || !r->t || r->row < 0 || r->row >= r->t->nrows || i < 0 || i >= r->t->ncols) return NULL;
  return &r->t->rows[r->row][i];
}

int adb_cypher_kind(const adb_cypher *r, int i) {
  const cy_val *v = cell(r, i);
  return v ? (int)v->k : ADB_CV_NULL;
}

int adb_cypher_bool(const adb_cypher *r, int i) {
  const cy_val *v = cell(r, i);
  return v && v->k == CV_BOOL ? v->b : 0;
}

int64_t adb_cypher_int(const adb_cypher *r, int i) {
  const cy_val *v = cell(r, i);
  return v && v->k == CV_INT ? v->i : 0;
}

double adb_cypher_float(const adb_cypher *r, int i) {
  const cy_val *v = cell(r, i);
  return v && v->k == CV_FLOAT ? v->f : 0.0;
}

const char *adb_cypher_string(const adb_cypher *r, int i) {
  const cy_val *v = cell(r, i);
  if (!v || (v->k != CV_STR && v->k != CV_TEMPORAL && v->k != CV_DURATION)) return NULL;
  if (v->k == CV_STR) return v->s;
  /* The text of a temporal is made in the result's arena; running out of memory there jumps. */
  if (setjmp(r->c->jb)) return NULL;
  return cy_temporal_text(r->c, *v);
}

const char *adb_cypher_text(adb_cypher *r, int i, int form) {
  const cy_val *v = cell(r, i);
  if (!v) return NULL;
  if (setjmp(r->c->jb)) return NULL; /* out of memory printing a temporal */
  r->text.len = 0;
  if (form == ADB_CYPHER_TCK) cy_format(r->c, &r->text, *v);
  else cy_format_json(r->c, &r->text, *v);
  ut_buf_put_u8(&r->text, 0);
  return r->text.oom ? NULL : (const char *)r->text.p;
}

void adb_cypher_get_stats(const adb_cypher *r, adb_cypher_stats *out) {
  memset(out, 0, sizeof *out);
  if (!r || r->failed) return;
  const cy_stats *s = &r->c->stats;
  out->nodes_created = s->nodes_created;
  out->nodes_deleted = s->nodes_deleted;
  out->relationships_created = s->rels_created;
  out->relationships_deleted = s->rels_deleted;
  out->properties_set = s->props_set;
  out->properties_removed = s->props_removed;
  out->labels_added = s->labels_added;
  out->labels_removed = s->labels_removed;
}

void adb_cypher_free(adb_cypher *r) {
  if (!r) return;
  cy_arena_free(&r->c->arena);
  cy_tz_free(r->c->tz);
  free(r->c);
  ut_buf_free(&r->text);
  free(r);
}
