/* test_cypher_proc.c — procedures registered through the C API: signatures, arguments checked
 * and coerced, rows emitted, CALL's forms, and every way a registration or a call fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* What a test callback saw and what it answers with. */
typedef struct probe {
  int calls, destroyed;
  char last_args[256];
  const char *const *emit; /* rows to emit, NULL-terminated */
  int fail;                /* return this status (after adb_procedure_error) instead */
} probe;

static int probe_fn(void *ctx, const char *args, adb_procedure_rows *rows) {
  probe *p = ctx;
  p->calls++;
  snprintf(p->last_args, sizeof p->last_args, "%s", args);
  if (p->fail) {
    adb_procedure_error(rows, "the lookup service is down");
    return p->fail;
  }
  for (const char *const *r = p->emit; r && *r; r++)
    if (adb_procedure_emit(rows, *r)) return ADB_INVALID;
  return ADB_OK;
}

static void probe_destroy(void *ctx) { ((probe *)ctx)->destroyed++; }

#define TABLE(db, q, params, want)                                                               \
  do {                                                                                          \
    char *got_ = cypher_rows(db, q, params, 1);                                                 \
    cr_assert_str_eq(got_, want, "%s", q);                                                      \
    free(got_);                                                                                 \
  } while (0)

static const char *const city_rows[] = {"{\"city\": \"Berlin\", \"code\": 49}",
                                        "{\"city\": \"Malmö\", \"code\": 46}", NULL};

Test(cypher_proc, arguments_coerced_and_rows_returned) {
  adb *db = open_tmp(0, NULL);
  probe p = {.emit = city_rows};
  OK(db, adb_procedure_create(db,
                              "app.lookup(name :: STRING, w :: FLOAT?, tags = [\"x\"] :: LIST OF "
                              "STRING) :: (city :: STRING?, code :: INTEGER)",
                              probe_fn, &p, probe_destroy));
  /* standalone: every output, in signature order; the INTEGER became a FLOAT, the default
   * filled in */
  TABLE(db, "CALL app.lookup('Ada', 2)", NULL, "city|code\n'Berlin'|49\n'Malmö'|46\n");
  cr_assert_str_eq(p.last_args, "{\"name\":\"Ada\",\"w\":2.0,\"tags\":[\"x\"]}");
  TABLE(db, "CALL app.lookup('Ada', null, ['a', 'b']) YIELD *", NULL,
        "city|code\n'Berlin'|49\n'Malmö'|46\n");
  cr_assert_str_eq(p.last_args, "{\"name\":\"Ada\",\"w\":null,\"tags\":[\"a\",\"b\"]}");
  /* in a query: once per row, YIELD renames and WHERE filters */
  p.calls = 0;
  TABLE(db, "UNWIND ['a', 'b'] AS n CALL app.lookup(n, 1.5) YIELD code AS c, city "
            "WHERE c > 47 RETURN n, city, c",
        NULL, "n|city|c\n'a'|'Berlin'|49\n'b'|'Berlin'|49\n");
  cr_assert_eq(p.calls, 2);
  cr_assert_str_eq(p.last_args, "{\"name\":\"b\",\"w\":1.5,\"tags\":[\"x\"]}");
  /* without YIELD nothing is bound, and each row repeats once per result row */
  TABLE(db, "UNWIND [1, 2] AS x CALL app.lookup('a', 1) RETURN x", NULL, "x\n1\n1\n2\n2\n");
  /* implicit arguments: the parameters of the same names */
  TABLE(db, "CALL app.lookup", "{\"name\": \"Bo\", \"w\": 3}",
        "city|code\n'Berlin'|49\n'Malmö'|46\n");
  cr_assert_str_eq(p.last_args, "{\"name\":\"Bo\",\"w\":3.0,\"tags\":[\"x\"]}");
  cr_assert_eq(p.destroyed, 0);
  adb_close(db);
  cr_assert_eq(p.destroyed, 1, "closing the handle releases the procedure's context");
}

Test(cypher_proc, void_procedure_passes_rows_through) {
  adb *db = open_tmp(0, NULL);
  probe p = {0};
  OK(db, adb_procedure_create(db, "app.touch(x :: ANY?) :: VOID", probe_fn, &p, NULL));
  OK(db, adb_procedure_create(db, "app.ping()", probe_fn, &p, NULL));
  TABLE(db, "UNWIND [1, 2, 3] AS x CALL app.touch(x) RETURN x", NULL, "x\n1\n2\n3\n");
  cr_assert_eq(p.calls, 3);
  cr_assert_str_eq(p.last_args, "{\"x\":3}");
  TABLE(db, "CALL app.ping()", NULL, "\n");
  TABLE(db, "CALL app.ping", NULL, "\n");
  cr_assert_eq(p.calls, 5);
  cypher_refused(db, "CALL app.ping() YIELD x RETURN x", NULL, "SyntaxError", "UndefinedVariable",
                 "x");
  adb_close(db);
}

Test(cypher_proc, bad_registrations) {
  adb *db = open_tmp(0, NULL);
  probe p = {0};
  const char *bad[] = {
      "",
      "app.x",
      "app.(a :: INTEGER)",
      "app.x(a INTEGER)",
      "app.x(a :: INTEGR)",
      "app.x(a :: LIST INTEGER)",
      "app.x(a :: INTEGER, a :: STRING)",
      "app.x(a = 1 :: INTEGER, b :: INTEGER)",
      "app.x(a = nope :: INTEGER)",
      "app.x() :: (o = 1 :: INTEGER)",
      "app.x() :: (o :: INTEGER",
      "app.x() :: (o :: INTEGER) trailing",
      "app.x() :: (n :: NODE)",
      "app.x() :: (ps :: LIST OF PATH)",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(adb_procedure_create(db, bad[i], probe_fn, &p, probe_destroy), ADB_INVALID,
                 "%s", bad[i]);
    cr_assert(strlen(adb_errmsg(db)) > 10, "%s", bad[i]);
  }
  cr_assert(strstr(adb_errmsg(db), "cannot be a node"), "%s", adb_errmsg(db));
  cr_assert_eq(p.destroyed, (int)(sizeof bad / sizeof *bad), "a refused context is released");
  OK(db, adb_procedure_create(db, "app.x(a :: INTEGER) :: (o :: INTEGER)", probe_fn, &p, NULL));
  cr_assert_eq(adb_procedure_create(db, "app.x() :: ()", probe_fn, &p, NULL), ADB_CONFLICT);
  cr_assert_eq(adb_procedure_create(db, "db.vector.search() :: ()", probe_fn, &p, NULL),
               ADB_CONFLICT);
  cr_assert_eq(adb_procedure_create(db, NULL, probe_fn, &p, NULL), ADB_MISUSE);
  cr_assert_eq(adb_procedure_create(db, "app.y()", NULL, &p, NULL), ADB_MISUSE);
  /* the failed registrations left the procedure that succeeded alone */
  p.emit = (const char *const[]){"{\"o\": 7}", NULL};
  TABLE(db, "CALL app.x(1)", NULL, "o\n7\n");
  adb_close(db);
}

Test(cypher_proc, call_errors_change_nothing) {
  adb *db = open_tmp(0, NULL);
  probe p = {.emit = city_rows};
  OK(db, adb_procedure_create(db, "app.lookup(name :: STRING, w :: FLOAT?) :: (city :: STRING?, "
                                  "code :: INTEGER)",
                              probe_fn, &p, NULL));
  free(cypher_rows(db, "CREATE (:Seed {k: 1})", NULL, 1));
  char *before = dump_state(db);
  cypher_refused(db, "CALL app.nope()", NULL, "ProcedureError", "ProcedureNotFound", "app.nope");
  cypher_refused(db, "CALL app.lookup('a')", NULL, "SyntaxError", "InvalidNumberOfArguments", NULL);
  cypher_refused(db, "CALL app.lookup('a', 1, 2) YIELD city RETURN city", NULL, "SyntaxError",
          "InvalidNumberOfArguments", NULL);
  cypher_refused(db, "CALL app.lookup(1, 1)", NULL, "SyntaxError", "InvalidArgumentType", "'name'");
  cypher_refused(db, "CALL app.lookup('a', [1])", NULL, "SyntaxError", "InvalidArgumentType",
                 "FLOAT?");
  cypher_refused(db, "CREATE (:X) WITH 1 AS n CALL app.lookup(n, 1) YIELD city RETURN city", NULL,
          "TypeError", "InvalidArgumentType", "must be STRING, not");
  cypher_refused(db, "CREATE (:X) WITH null AS n CALL app.lookup(n, 1) YIELD city RETURN city",
                 NULL, "TypeError", "InvalidArgumentType", "STRING");
  cypher_refused(db, "CALL app.lookup", "{\"name\": \"a\"}", "ParameterMissing", "MissingParameter",
                 "$w");
  cypher_refused(db, "MATCH (n) CALL app.lookup YIELD city RETURN city",
                 "{\"name\": \"a\", \"w\": 1}", "SyntaxError", "InvalidArgumentPassingMode", NULL);
  cypher_refused(db, "MATCH (n) CALL app.lookup('a', 1) YIELD * RETURN city", NULL, "SyntaxError",
          "UnexpectedSyntax", NULL);
  cypher_refused(db, "WITH 1 AS city CALL app.lookup('a', 1) YIELD city RETURN city", NULL,
          "SyntaxError", "VariableAlreadyBound", NULL);
  cypher_refused(db, "CALL app.lookup('a', 1) YIELD city, code AS city RETURN city", NULL,
          "SyntaxError", "VariableAlreadyBound", NULL);
  cypher_refused(db, "MATCH (n) CALL app.lookup(count(n), 1) YIELD city RETURN city", NULL,
          "SyntaxError", "InvalidAggregation", NULL);
  /* the callback fails, or emits rows that do not fit the outputs: the whole query fails */
  p.fail = ADB_NOTFOUND;
  cypher_refused(db, "CREATE (:X) WITH 1 AS one CALL app.lookup('a', 1) YIELD city RETURN city",
                 NULL, "ProcedureError", "ProcedureCallFailed", "the lookup service is down");
  p.fail = 0;
  const char *const *bad_rows[] = {
      (const char *const[]){"{\"city\": \"x\", \"code\": \"49\"}", NULL},
      (const char *const[]){"{\"city\": \"x\"}", NULL},
      (const char *const[]){"{\"city\": \"x\", \"code\": 1, \"extra\": 2}", NULL},
      (const char *const[]){"[\"x\", 1]", NULL},
      (const char *const[]){"{\"city\": ", NULL},
  };
  const char *why[] = {"'code'", "'code'", "'extra'", "object", "not JSON"};
  for (size_t i = 0; i < sizeof bad_rows / sizeof *bad_rows; i++) {
    p.emit = bad_rows[i];
    cypher_refused(db, "CREATE (:X) WITH 1 AS one CALL app.lookup('a', 1) YIELD city RETURN city",
                   NULL, "ProcedureError", "ProcedureCallFailed", why[i]);
  }
  char *after = dump_state(db);
  cr_assert_str_eq(before, after, "a failed query changes nothing");
  free(before);
  free(after);
  adb_close(db);
}

Test(cypher_proc, check_row) {
  adb *db = open_tmp(0, NULL);
  probe p = {0};
  OK(db, adb_procedure_create(db, "app.t(in :: FLOAT?) :: (out :: STRING)", probe_fn, &p, NULL));
  OK(db, adb_procedure_check_row(db, "app.t", "{\"in\": 1, \"out\": \"a\"}"));
  OK(db, adb_procedure_check_row(db, "app.t", "{\"in\": null, \"out\": \"a\"}"));
  const char *bad[] = {"{\"in\": 1}",
                       "{\"in\": 1, \"out\": null}",
                       "{\"in\": \"1\", \"out\": \"a\"}",
                       "{\"in\": 1, \"out\": \"a\", \"more\": 1}",
                       "[1, \"a\"]",
                       "{"};
  const char *why[] = {"no column 'out'", "'out'", "'in'", "'more'", "object", "not JSON"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(adb_procedure_check_row(db, "app.t", bad[i]), ADB_INVALID, "%s", bad[i]);
    cr_assert(strstr(adb_errmsg(db), why[i]), "%s: %s", bad[i], adb_errmsg(db));
  }
  cr_assert_eq(adb_procedure_check_row(db, "app.none", "{}"), ADB_NOTFOUND);
  adb_close(db);
}

Test(cypher_proc, signature_forms) {
  adb *db = open_tmp(0, NULL);
  probe p = {.emit = (const char *const[]){"{\"out\": [[1.5, null]]}", NULL}};
  /* keywords in any case, nested and nullable lists, JSON defaults, VOID spelled three ways */
  OK(db, adb_procedure_create(db, "  a.b.c ( x :: number, y = {\"k\": [1]} :: Map?, z = \"s\" :: "
                                  "String ) :: ( out :: list? of LIST OF float? )",
                              probe_fn, &p, NULL));
  OK(db, adb_procedure_create(db, "v.one(n :: NODE) :: VOID", probe_fn, &p, NULL));
  OK(db, adb_procedure_create(db, "v.two() :: ()", probe_fn, &p, NULL));
  OK(db, adb_procedure_create(db, "v.three(any :: ANY?)", probe_fn, &p, NULL));
  /* NUMBER keeps an integer an integer; emitted integers become the FLOATs declared */
  TABLE(db, "CALL a.b.c(3)", NULL, "out\n[[1.5, null]]\n");
  cr_assert_str_eq(p.last_args, "{\"x\":3,\"y\":{\"k\":[1]},\"z\":\"s\"}");
  p.emit = (const char *const[]){"{\"out\": [[2]]}", NULL};
  TABLE(db, "CALL a.b.c(0.5, null)", NULL, "out\n[[2.0]]\n");
  cr_assert_str_eq(p.last_args, "{\"x\":0.5,\"y\":null,\"z\":\"s\"}");
  /* a node argument arrives as the JSON of ADB_CYPHER_JSON */
  p.emit = NULL;
  free(cypher_rows(db, "CREATE (:P {name: 'Ada'})", NULL, 1));
  TABLE(db, "MATCH (n:P) CALL v.one(n) RETURN n.name", NULL, "n.name\n'Ada'\n");
  cr_assert(strstr(p.last_args, "\"labels\":[\"P\"]"), "%s", p.last_args);
  cr_assert(strstr(p.last_args, "\"properties\":{\"name\":\"Ada\"}"), "%s", p.last_args);
  cypher_refused(db, "WITH 1 AS n CALL v.one(n) RETURN n", NULL, "TypeError", "InvalidArgumentType",
          "NODE");
  TABLE(db, "CALL v.three(null)", NULL, "\n");
  TABLE(db, "CALL v.two", NULL, "\n");
  adb_close(db);
}
