/* net_query.c — the HTTP API's queries: POST /sql (one statement) and POST /cypher, their rows
 * as JSON and capped at "max_rows" (docs/http.md). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/net_api.h"
#include "util/buf.h"

/* POST /sql and /cypher: the rows an answer holds unless "max_rows" asks for another number,
 * up to HTTP_MAX_ROWS_CAP; past them the answer says "truncated". */
#define HTTP_MAX_ROWS 10000
#define HTTP_MAX_ROWS_CAP 1000000

/* A text or blob column as JSON: a string when it is UTF-8 text, else {"$base64": "..."}, so that
 * no value is dropped and every row keeps its columns. */
static json_t *text_json(adb_stmt *st, int c) {
  const char *p = adb_column_type(st, c) == ADB_TYPE_BLOB ? adb_column_blob(st, c)
                                                           : adb_column_text(st, c);
  size_t n = (size_t)adb_column_bytes(st, c);
  json_t *v = adb_column_type(st, c) == ADB_TYPE_BLOB ? NULL : json_stringn(p ? p : "", n);
  if (v) return v;
  size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
  char *b64 = malloc(len);
  if (!b64) return json_null();
  sodium_bin2base64(b64, len, (const unsigned char *)p, n, sodium_base64_VARIANT_ORIGINAL);
  v = json_pack("{s:s}", "$base64", b64);
  free(b64);
  return v;
}

/* A properties column (adb_column_is_json) as the object it holds; as text should it not parse. */
static json_t *object_json(adb_stmt *st, int c) {
  json_t *v = json_loadb(adb_column_text(st, c), (size_t)adb_column_bytes(st, c), 0, NULL);
  return v ? v : text_json(st, c);
}

/* The body's "max_rows": HTTP_MAX_ROWS when absent; -1 after answering 400 when not a whole
 * number from 1 to HTTP_MAX_ROWS_CAP. */
static long long max_rows_of(net_reply *r, json_t *body) {
  json_t *v = json_object_get(body, "max_rows");
  if (!v) return HTTP_MAX_ROWS;
  if (json_is_integer(v) && json_integer_value(v) >= 1 &&
      json_integer_value(v) <= HTTP_MAX_ROWS_CAP)
    return json_integer_value(v);
  net_reply_err(r, 400, "invalid argument",
            "\"max_rows\" must be a whole number from 1 to 1000000 (default 10000)");
  return -1;
}

/* Binds a JSON array of parameters to ?1.. (objects and arrays as their JSON text, booleans as
 * 1 and 0); returns an ADB status. */
static int bind_params(adb_stmt *st, json_t *params) {
  size_t i;
  json_t *v;
  int rc = ADB_OK;
  json_array_foreach(params, i, v) {
    int k = (int)i + 1;
    if (json_is_integer(v)) rc = adb_bind_int(st, k, json_integer_value(v));
    else if (json_is_real(v)) rc = adb_bind_double(st, k, json_real_value(v));
    else if (json_is_string(v)) rc = adb_bind_text(st, k, json_string_value(v));
    else if (json_is_null(v)) rc = adb_bind_null(st, k);
    else if (json_is_boolean(v)) rc = adb_bind_int(st, k, json_is_true(v));
    else {
      char *t = json_dumps(v, JSON_COMPACT);
      rc = adb_bind_text(st, k, t);
      free(t);
    }
    if (rc) return rc;
  }
  return rc;
}

/* The current row of st (n columns) as a JSON array, adding its values' bytes to *size. */
static json_t *row_json(adb_stmt *st, int n, size_t *size) {
  json_t *row = json_array();
  for (int c = 0; c < n; c++) {
    *size += 8 + (size_t)adb_column_bytes(st, c);
    switch (adb_column_type(st, c)) {
    case ADB_TYPE_INTEGER: json_array_append_new(row, json_integer(adb_column_int(st, c))); break;
    case ADB_TYPE_FLOAT: json_array_append_new(row, json_real(adb_column_double(st, c))); break;
    case ADB_TYPE_NULL: json_array_append_new(row, json_null()); break;
    default:
      json_array_append_new(row, adb_column_is_json(st, c) ? object_json(st, c) : text_json(st, c));
    }
  }
  return row;
}

/* An SQL answer on its way: to the sink when it streams, else into buf. */
typedef struct answer {
  const net_sink *sink;
  ut_buf buf;
} answer;

static void answer_puts(answer *a, const char *s) {
  if (a->sink) a->sink->put(a->sink->ctx, s, strlen(s));
  else ut_buf_puts(&a->buf, s);
}

/* 1 when a streamed answer has nobody to go to: making more rows is waste. */
static int answer_gone(const answer *a) { return a->sink && a->sink->gone(a->sink->ctx); }

/* Ends a 200 answer: streamed already (r->streamed), or r's text. The text ends with its
 * newline, which send_reply writes in place of the NUL. */
static void answer_finish(net_reply *r, answer *a) {
  if (a->sink) {
    r->streamed = 1;
    return;
  }
  if (a->buf.len && a->buf.p[a->buf.len - 1] == '\n') a->buf.len--;
  ut_buf_put_u8(&a->buf, 0);
  r->status = 200;
  r->ctype = "application/json";
  r->text = (char *)ut_buf_take(&a->buf, NULL);
}

void net_query_sql(net_reply *r, adb *db, json_t *body, int *wrote, const net_sink *sink) {
  const char *sql = net_member_str(body, "sql");
  if (!sql) return net_reply_err(r, 400, "invalid argument", "the body needs \"sql\": a string");
  long long max_rows = max_rows_of(r, body);
  if (max_rows < 0) return;
  adb_stmt *st, *more = NULL;
  const char *tail = NULL;
  int rc = adb_prepare(db, sql, &st, &tail);
  if (rc) return net_reply_db(r, db, rc);
  /* One answer holds one statement's rows: a second statement is refused before any runs, not
   * dropped after the first. (Only whitespace and comments may follow.) */
  if (tail && *tail && (adb_prepare(db, tail, &more, NULL) != ADB_OK || more)) {
    adb_finalize(more);
    adb_finalize(st);
    return net_reply_err(r, 400, "invalid argument",
                     "the body holds more than one SQL statement: send one per request");
  }
  if ((rc = bind_params(st, json_object_get(body, "params")))) {
    adb_finalize(st);
    return net_reply_db(r, db, rc);
  }
  int n = adb_column_count(st);
  json_t *cols = json_array();
  for (int c = 0; c < n; c++) json_array_append_new(cols, json_string(adb_column_name(st, c)));
  /* The status is known at the first step: an error there answers as any other. */
  rc = adb_step(st);
  if (rc != ADB_ROW && rc != ADB_DONE) {
    json_decref(cols);
    adb_finalize(st);
    *wrote = 1;
    return net_reply_db(r, db, rc);
  }
  answer out = {.sink = sink};
  ut_buf_init(&out.buf);
  if (sink) sink->begin(sink->ctx);
  char *t = json_dumps(cols, JSON_COMPACT);
  json_decref(cols);
  answer_puts(&out, "{\"columns\":");
  answer_puts(&out, t ? t : "[]");
  answer_puts(&out, ",\"rows\":[");
  free(t);
  size_t size = 0;
  long long nrows = 0;
  int truncated = 0;
  for (; rc == ADB_ROW && size <= HTTP_MAX_ANSWER && !answer_gone(&out); rc = adb_step(st)) {
    if (nrows == max_rows) {
      truncated = 1;
      /* A read stops here; a write (RETURNING) runs to its end, its rows past the cap dropped. */
      if (adb_stmt_readonly(st)) {
        rc = ADB_DONE;
        break;
      }
      continue;
    }
    json_t *row = row_json(st, n, &size);
    t = json_dumps(row, JSON_COMPACT);
    json_decref(row);
    if (nrows++) answer_puts(&out, ",");
    answer_puts(&out, t ? t : "null");
    free(t);
  }
  int64_t changes = adb_stmt_changes(st);
  adb_finalize(st);
  *wrote = 1;
  const char *why = size > HTTP_MAX_ANSWER
                        ? "the answer would exceed 256 MiB: ask for less (max_rows, LIMIT)"
                        : adb_errmsg(db);
  if (rc != ADB_DONE && !sink) { /* nothing sent yet: an error answer instead */
    ut_buf_free(&out.buf);
    if (size > HTTP_MAX_ANSWER) return net_reply_err(r, 413, "invalid argument", why);
    return net_reply_db(r, db, rc);
  }
  /* Past the first row a streamed answer is 200 already: an error ends it, in its last member. */
  json_t *end = rc == ADB_DONE
                    ? json_pack("{s:b, s:I}", "truncated", truncated, "changes", (json_int_t)changes)
                    : json_pack("{s:b, s:s, s:s, s:I}", "truncated", 1, "error", why, "code",
                                size > HTTP_MAX_ANSWER ? "invalid argument" : adb_strerror(rc),
                                "changes", (json_int_t)changes);
  t = json_dumps(end, JSON_COMPACT);
  json_decref(end);
  answer_puts(&out, "],");
  answer_puts(&out, t ? t + 1 : "\"error\":\"out of memory\"}"); /* its members and "}" */
  free(t);
  answer_puts(&out, "\n"); /* as every answer ends */
  answer_finish(r, &out);
}

/* Writes the rows of a Cypher run as {"columns", "rows", "truncated", "stats"}: at most
 * max_rows rows, "truncated" when more followed; each value in the JSON form of
 * adb_cypher_text (the one `arenadb cypher --format json` prints). A value that cannot be made
 * (out of memory) ends the answer with "error" and "code" instead of "stats". */
static void cypher_answer(answer *out, adb_cypher *q, long long max_rows) {
  int n = adb_cypher_columns(q);
  json_t *cols = json_array();
  for (int c = 0; c < n; c++)
    json_array_append_new(cols, json_string(adb_cypher_column_name(q, c)));
  char *t = json_dumps(cols, JSON_COMPACT);
  json_decref(cols);
  answer_puts(out, "{\"columns\":");
  answer_puts(out, t ? t : "[]");
  answer_puts(out, ",\"rows\":[");
  free(t);
  int truncated = 0, failed = 0;
  for (long long nrows = 0; !failed && !answer_gone(out) && adb_cypher_next(q) == ADB_ROW;
       nrows++) {
    if (nrows == max_rows) {
      truncated = 1; /* the query ran whole already: its writes are done */
      break;
    }
    answer_puts(out, nrows ? ",[" : "[");
    for (int c = 0; c < n && !failed; c++) {
      const char *v = adb_cypher_text(q, c, ADB_CYPHER_JSON);
      if (c) answer_puts(out, ",");
      if (v) answer_puts(out, v);
      failed = !v;
    }
    answer_puts(out, "]");
  }
  if (failed) {
    answer_puts(out, "],\"truncated\":true,\"error\":\"out of memory: a value could not be made\","
                     "\"code\":\"out of memory\"}\n");
    return;
  }
  adb_cypher_stats s;
  adb_cypher_get_stats(q, &s);
  json_t *end = json_pack(
      "{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "truncated", truncated, "stats",
      "nodes_created", (json_int_t)s.nodes_created, "nodes_deleted",
      (json_int_t)s.nodes_deleted, "relationships_created", (json_int_t)s.relationships_created,
      "relationships_deleted", (json_int_t)s.relationships_deleted, "properties_set",
      (json_int_t)s.properties_set, "properties_removed", (json_int_t)s.properties_removed,
      "labels_added", (json_int_t)s.labels_added, "labels_removed", (json_int_t)s.labels_removed);
  t = json_dumps(end, JSON_COMPACT);
  json_decref(end);
  answer_puts(out, "],");
  answer_puts(out, t ? t + 1 : "\"error\":\"out of memory\"}"); /* its members and "}" */
  answer_puts(out, "\n");
  free(t);
}

/* POST /cypher: one query inside the request's transaction. A failed query answers with its
 * openCypher kind, phase and detail besides the message, and the rollback keeps it unchanged.
 * The executor makes every row before the first is read; with a sink, their JSON streams. */
void net_query_cypher(net_reply *r, adb *db, json_t *body, int *wrote, const net_sink *sink) {
  const char *query = net_member_str(body, "query");
  if (!query) return net_reply_err(r, 400, "invalid argument", "the body needs \"query\": a string");
  long long max_rows = max_rows_of(r, body);
  if (max_rows < 0) return;
  json_t *pj = json_object_get(body, "params");
  if (pj && !json_is_object(pj) && !json_is_null(pj))
    return net_reply_err(r, 400, "invalid argument", "\"params\" must be a JSON object");
  char *params = pj && json_is_object(pj) ? json_dumps(pj, JSON_COMPACT) : NULL;
  adb_cypher *q;
  int rc = adb_cypher_run(db, query, params, &q);
  free(params);
  const char *kind, *phase, *detail, *msg;
  if (rc && q && adb_cypher_error(q, &kind, &phase, &detail, &msg) == ADB_OK && msg) {
    net_reply_json(r, net_http_status(rc),
                   json_pack("{s:s, s:s, s:s, s:s, s:s}", "error", msg, "code", adb_strerror(rc),
                             "kind", kind, "phase", phase, "detail", detail));
  } else if (rc) {
    net_reply_db(r, db, rc);
  } else {
    answer out = {.sink = sink};
    ut_buf_init(&out.buf);
    if (sink) sink->begin(sink->ctx);
    cypher_answer(&out, q, max_rows);
    *wrote = 1;
    answer_finish(r, &out);
  }
  adb_cypher_free(q);
}
