/* test_cypher_index.c — Cypher's indexes and uniqueness constraints: the same answers with an
 * index as without on random data of every kind of value, the plans that use them, constraints
 * kept by every kind of write, bad commands refused with nothing changed, and indexes local to
 * one replica. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static uint32_t next(uint32_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* A value of a random kind, as Cypher text: integers and floats that collide (1 and 1.0),
 * strings, booleans (true next to 1), lists, and null. */
static void value(uint32_t *s, char *out, size_t n) {
  int v = (int)(next(s) % 7);
  switch (next(s) % 7) {
  case 0: snprintf(out, n, "%d", v); break;
  case 1: snprintf(out, n, "%d.0", v); break;
  case 2: snprintf(out, n, "%d.5", v); break;
  case 3: snprintf(out, n, "'s%d'", v); break;
  case 4: snprintf(out, n, "%s", v & 1 ? "true" : "false"); break;
  case 5: snprintf(out, n, "[%d]", v); break;
  default: snprintf(out, n, "null"); break;
  }
}

/* Two files with the same random graph, the second with indexes on (:A).k and (:B).k. */
static void twin_graphs(adb *plain, adb *indexed, uint32_t seed) {
  char q[256], v[32];
  for (int i = 0; i < 300; i++) {
    value(&seed, v, sizeof v);
    const char *labels = (const char *[]){":A", ":B", ":A:B", ":C"}[next(&seed) % 4];
    snprintf(q, sizeof q, "CREATE (n%s {i: %d, k: %s})", labels, i, v);
    for (int d = 0; d < 2; d++) free(cypher_rows(d ? indexed : plain, q, NULL, 0));
  }
  free(cypher_rows(plain, "MATCH (a), (b) WHERE b.i = (a.i * 7) % 300 CREATE (a)-[:R]->(b)", NULL,
                   0));
  free(cypher_rows(indexed, "MATCH (a), (b) WHERE b.i = (a.i * 7) % 300 CREATE (a)-[:R]->(b)", NULL,
                   0));
  free(cypher_rows(indexed, "CREATE INDEX a_k FOR (n:A) ON (n.k)", NULL, 0));
  free(cypher_rows(indexed, "CREATE INDEX ON :B(k)", NULL, 0));
}

Test(cypher_index, same_answers_as_without_index_on_every_kind_of_value) {
  adb *plain = open_tmp(0, NULL), *indexed = open_tmp(1, NULL);
  twin_graphs(plain, indexed, 2026);
  static const char *const ops[] = {"=", "<", "<=", ">", ">="};
  uint32_t s = 7;
  int used = 0;
  for (int t = 0; t < 400; t++) {
    char v[32], q[512], params[64];
    value(&s, v, sizeof v);
    const char *label = next(&s) % 2 ? "A" : "B";
    const char *op = ops[next(&s) % 5];
    snprintf(params, sizeof params, "{\"p\": %s}",
             strcmp(v, "true") && strcmp(v, "false") && v[0] != '\'' ? v : "\"s3\"");
    switch (t % 6) {
    case 0:
      snprintf(q, sizeof q, "MATCH (n:%s) WHERE n.k %s %s RETURN n.i ORDER BY n.i", label, op, v);
      break;
    case 1: snprintf(q, sizeof q, "MATCH (n:%s {k: %s}) RETURN n.i ORDER BY n.i", label, v); break;
    case 2:
      snprintf(q, sizeof q, "MATCH (n:%s) WHERE %s %s n.k RETURN n.i ORDER BY n.i", label, v, op);
      break;
    case 3:
      snprintf(q, sizeof q, "MATCH (m)-[:R]->(n:%s) WHERE n.k %s $p RETURN m.i, n.i ORDER BY m.i",
               label, op);
      break;
    case 4: /* a value from each input row */
      snprintf(q, sizeof q, "UNWIND [%s, 3, 's4'] AS x MATCH (n:%s {k: x}) RETURN n.i ORDER BY n.i",
               v, label);
      break;
    default: /* a property of a bound variable */
      snprintf(q, sizeof q,
               "WITH {k: %s} AS row MATCH (n:%s) WHERE n.k %s row.k RETURN n.i ORDER BY n.i", v,
               label, op);
    }
    const char *pp = t % 6 == 3 ? params : NULL;
    char *want = cypher_rows(plain, q, pp, 0), *got = cypher_rows(indexed, q, pp, 0);
    cr_assert_str_eq(got, want, "%s (params %s)", q, pp ? pp : "none");
    free(want);
    free(got);
    char explain[600];
    snprintf(explain, sizeof explain, "EXPLAIN %s", q);
    char *plan = cypher_rows(indexed, explain, pp, 0);
    used += strstr(plan, "NodeIndexSeek") != NULL;
    free(plan);
  }
  cr_assert_gt(used, 250, "the index was used in %d of 400 plans", used);
  adb_close(plain);
  adb_close(indexed);
}

Test(cypher_index, plans_show_the_index_and_sqlite_searches_it) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db, "UNWIND range(1, 500) AS i CREATE (:P {name: 'p' + i, age: i % 50})", NULL,
                   0));
  free(cypher_rows(db, "CREATE INDEX p_name IF NOT EXISTS FOR (p:P) ON (p.name)", NULL, 0));
  free(cypher_rows(db, "CREATE INDEX p_name IF NOT EXISTS FOR (p:P) ON (p.name)", NULL, 0));
  ROWS(db, "EXPLAIN MATCH (p:P {name: 'p7'}) RETURN p.age",
       "'NodeIndexSeek(p:P.name =) index p_name ~6 nodes'\n'Filter(p:P {...})'\n'Return(p.age)'\n");
  ROWS(db, "MATCH (p:P {name: 'p7'}) RETURN p.age", "7\n");
  /* Values the input rows give are looked up too, each row its own. */
  ROWS(db, "EXPLAIN UNWIND ['p7', 'p8'] AS x MATCH (p:P {name: x}) RETURN p.age",
       "'Unwind(x)'\n'NodeIndexSeek(p:P.name =) index p_name ~6 nodes'\n'Filter(p:P {...})'\n"
       "'Return(p.age)'\n");
  ROWS(db, "EXPLAIN WITH {n: 'p7'} AS row MATCH (p:P) WHERE p.name = row.n RETURN p.age",
       "'Projection(row)'\n'NodeIndexSeek(p:P.name =) index p_name ~6 nodes'\n"
       "'Filter(WHERE)'\n'Return(p.age)'\n");
  ROWS(db, "UNWIND ['p7', 'p8', 'none'] AS x MATCH (p:P {name: x}) RETURN p.age", "7\n8\n");
  /* MERGE into a label that is empty when the query starts still looks each value up, and
   * finds the nodes the query made: 150 values, each twice; the second run, shifted by one,
   * finds 149 of them and makes one. */
  free(cypher_rows(db, "CREATE INDEX m_id FOR (m:M) ON (m.id)", NULL, 0));
  for (int run = 0; run < 2; run++)
    free(cypher_rows(db, "UNWIND range(1, 300) AS i MERGE (:M {id: i % 150 + $run})",
                     run ? "{\"run\": 1}" : "{\"run\": 0}", 0));
  ROWS(db, "MATCH (m:M) RETURN count(*), count(DISTINCT m.id), min(m.id), max(m.id)",
       "151|151|0|150\n");
  ROWS(db, "EXPLAIN UNWIND range(1, 3) AS i MATCH (m:M {id: i}) RETURN m",
       "'Unwind(i)'\n'NodeIndexSeek(m:M.id =) index m_id ~2 nodes'\n'Filter(m:M {...})'\n"
       "'Return(m)'\n");
  free(cypher_rows(db, "DROP INDEX m_id", NULL, 0));
  char *got = cypher_rows(db, "MATCH (p:P) WHERE p.name = $n RETURN p.age", "{\"n\": \"p9\"}", 0);
  cr_assert_str_eq(got, "9\n");
  free(got);
  ROWS(db, "SHOW INDEXES", "'p_name'|'RANGE'|'NODE'|['P']|['name']|null|'ONLINE'\n");
  /* A label without an index scans, SQL testing the property; a value no index holds (a list)
   * scans as before. */
  ROWS(db, "EXPLAIN MATCH (p:Q {name: 'x'}) RETURN p",
       "'NodeByLabelScan(p:Q) with p.name = in SQL ~0 nodes'\n'Filter(p:Q {...})'\n'Return(p)'\n");
  ROWS(db, "MATCH (p:P {name: ['p7']}) RETURN count(p)", "0\n");
  long long searched = sql_int(db, "SELECT count(*) FROM pragma_index_list('adb_node')"
                                   " WHERE name = 'adb_ix:p_name' AND partial = 1");
  cr_assert_eq(searched, 1);
  /* The index follows the writes of the same query and of later ones. */
  ROWS(db,
       "MATCH (p:P {name: 'p8'}) SET p.name = 'eight' WITH p MATCH (q:P {name: 'eight'}) RETURN "
       "q.age",
       "8\n");
  ROWS(db, "MATCH (p:P {name: 'p8'}) RETURN count(p)", "0\n");
  free(cypher_rows(db, "DROP INDEX p_name", NULL, 0));
  ROWS(db, "SHOW INDEXES", "");
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'adb_ix:p_name'"), 0);
  ROWS(db, "MATCH (p:P {name: 'eight'}) RETURN p.age", "8\n");
  adb_close(db);
}

Test(cypher_index, uniqueness_constraints_hold_for_every_write_here) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db, "CREATE (:U {e: 'a'}), (:U {e: 'a'}), (:U {e: 'b'}), (:V {e: 'a'})", NULL,
                   0));
  char *before = dump_state(db);
  cypher_refused(db, "CREATE CONSTRAINT u_e FOR (u:U) REQUIRE u.e IS UNIQUE", NULL,
                 "ConstraintVerificationFailed", "ConstraintCreationFailed", "e = 'a'");
  ROWS(db, "SHOW CONSTRAINTS", "");
  free(cypher_rows(db, "MATCH (u:U {e: 'a'}) WITH u LIMIT 1 SET u.e = 'c'", NULL, 0));
  free(cypher_rows(db, "CREATE CONSTRAINT u_e FOR (u:U) REQUIRE u.e IS UNIQUE", NULL, 0));
  ROWS(db, "SHOW CONSTRAINTS", "'u_e'|'UNIQUENESS'|'NODE'|['U']|['e']|'u_e'\n");
  free(before);
  before = dump_state(db);
  /* Each kind of write that would make a second 'a' fails whole, changing nothing. */
  static const char *const bad[] = {
      "CREATE (:U {e: 'a'})",
      "CREATE (:U {e: 'z'}), (:U {e: 'z'})",
      "MATCH (u:U {e: 'b'}) SET u.e = 'a'",
      "MATCH (u:U {e: 'b'}) SET u += {e: 'a'}",
      "MATCH (v:V) SET v:U",
      "MERGE (x:U {e: 'q'}) WITH x CREATE (:U {e: 'q'})",
      "UNWIND ['m', 'n', 'm'] AS e CREATE (:U {e: e})",
      "CREATE (:U {e: 1}), (:U {e: 1.0})",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cypher_refused(db, bad[i], NULL, "ConstraintVerificationFailed", "ConstraintValidationFailed",
                   "u_e");
    char *now = dump_state(db);
    cr_assert_str_eq(now, before, "%s changed the graph", bad[i]);
    free(now);
  }
  /* What stays allowed: another label, another value, true beside 1, a delete then a create. */
  free(
      cypher_rows(db, "CREATE (:W {e: 'a'}), (:U {e: 'd'}), (:U {e: true}), (:U {e: 1})", NULL, 0));
  free(cypher_rows(db, "MATCH (u:U {e: 'a'}) DETACH DELETE u CREATE (:U {e: 'a'})", NULL, 0));
  free(cypher_rows(db, "MERGE (u:U {e: 'a'}) ON MATCH SET u.seen = true", NULL, 0));
  ROWS(db, "MATCH (u:U {e: 'a'}) RETURN count(u), u.seen", "1|true\n");
  cypher_refused(db, "DROP INDEX u_e", NULL, "SemanticError", "IndexDropFailed", "DROP CONSTRAINT");
  /* IF EXISTS forgives an absent name, not a constraint named in DROP INDEX. */
  cypher_refused(db, "DROP INDEX u_e IF EXISTS", NULL, "SemanticError", "IndexDropFailed",
                 "DROP CONSTRAINT");
  free(cypher_rows(db, "DROP CONSTRAINT u_e", NULL, 0));
  free(cypher_rows(db, "CREATE (:U {e: 'a'})", NULL, 0));
  free(before);
  adb_close(db);
}

Test(cypher_index, bad_commands_name_the_problem_and_change_nothing) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db, "CREATE (:P {a: 1, b: 2}), (:P {a: 1, b: 2})", NULL, 0));
  free(cypher_rows(db, "CREATE INDEX p_a FOR (p:P) ON (p.a)", NULL, 0));
  char *before = dump_state(db);
  static const struct {
    const char *q, *type, *detail, *part;
  } bad[] = {
      {"CREATE (:P) CREATE INDEX x FOR (p:P) ON (p.b)", "SyntaxError", "InvalidClauseComposition",
       "of its own"},
      {"MATCH (n) RETURN 1 AS x UNION SHOW INDEXES", "SyntaxError", "InvalidClauseComposition",
       "SHOW INDEX"},
      {"CALL { CREATE INDEX x FOR (p:P) ON (p.b) } RETURN 1", "SyntaxError",
       "InvalidClauseComposition", NULL},
      {"CREATE INDEX p_a FOR (p:P) ON (p.b)", "SemanticError", "IndexAlreadyExists", "p_a"},
      {"CREATE INDEX other FOR (p:P) ON (p.a)", "SemanticError", "IndexAlreadyExists",
       "covers :P(a)"},
      {"CREATE INDEX x FOR (p:P) ON (p.a, p.b)", "NotSupported", "UnsupportedFeature",
       "more than one"},
      {"CREATE TEXT INDEX x FOR (p:P) ON (p.a)", "NotSupported", "UnsupportedFeature", "TEXT"},
      {"CREATE INDEX x FOR ()-[r:R]-() ON (r.a)", "NotSupported", "UnsupportedFeature",
       "relationship"},
      {"CREATE INDEX x FOR (p:P) ON (q.a)", "SyntaxError", "UnexpectedSyntax", "variable"},
      {"CREATE INDEX x FOR (p:P) ON (p.a) OPTIONS {}", "NotSupported", "UnsupportedFeature",
       "OPTIONS"},
      {"CREATE CONSTRAINT c FOR (p:P) REQUIRE p.b IS NOT NULL", "NotSupported",
       "UnsupportedFeature", "IS UNIQUE"},
      {"CREATE CONSTRAINT c FOR (p:P) REQUIRE p.b IS UNIQUE", "ConstraintVerificationFailed",
       "ConstraintCreationFailed", "b = '2'"},
      {"DROP INDEX nope", "SemanticError", "IndexDropFailed", "nope"},
      {"DROP CONSTRAINT p_a", "SemanticError", "ConstraintDropFailed", "DROP INDEX"},
      {"DROP INDEX", "SyntaxError", "UnexpectedSyntax", "name"},
      {"SHOW PROCEDURES", "NotSupported", "UnsupportedFeature", "SHOW"},
      {"SHOW INDEXES YIELD name", "NotSupported", "UnsupportedFeature", "YIELD"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cypher_refused(db, bad[i].q, NULL, bad[i].type, bad[i].detail, bad[i].part);
    char *now = dump_state(db);
    cr_assert_str_eq(now, before, "%s changed the graph", bad[i].q);
    free(now);
    ROWS(db, "SHOW INDEXES", "'p_a'|'RANGE'|'NODE'|['P']|['a']|null|'ONLINE'\n");
  }
  free(cypher_rows(db, "DROP INDEX nope IF EXISTS", NULL, 0));
  /* SQL may read the definitions but not drop or change the index behind Cypher's back. */
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM adb_index"), 1);
  adb_stmt *st;
  int rc = adb_prepare(db, "DROP INDEX \"adb_ix:p_a\"", &st, NULL);
  if (rc == ADB_OK) {
    rc = adb_step(st);
    adb_finalize(st);
  }
  cr_assert_lt(rc, 0, "SQL dropped the index");
  ROWS(db, "EXPLAIN MATCH (p:P {a: 1}) RETURN p",
       "'NodeIndexSeek(p:P.a =) index p_a ~1 nodes'\n'Filter(p:P {...})'\n'Return(p)'\n");
  free(before);
  adb_close(db);
}

/* Indexes are each replica's own: they survive a reopening, and changes synced from a replica
 * with indexes into one without leave it without; both answer alike. */
Test(cypher_index, indexes_are_local_to_a_replica) {
  adb_options opt = {.db_id = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"};
  adb *a = open_tmp(0, &opt), *b = open_tmp(1, &opt);
  free(cypher_rows(a, "CREATE CONSTRAINT k_u FOR (n:K) REQUIRE n.u IS UNIQUE", NULL, 0));
  free(cypher_rows(a, "UNWIND range(1, 50) AS i CREATE (:K {u: i})", NULL, 0));
  send_changes(a, b);
  ROWS(b, "SHOW CONSTRAINTS", "");
  ROWS(b, "MATCH (n:K {u: 7}) RETURN count(n)", "1\n");
  /* b may write a value a has: a merge cannot refuse it, and a keeps both. */
  free(cypher_rows(b, "CREATE (:K {u: 7})", NULL, 0));
  send_changes(b, a);
  ROWS(a, "MATCH (n:K {u: 7}) RETURN count(n)", "2\n");
  adb_close(a);
  OK(NULL, adb_open(tmp_db_path(0), NULL, &a));
  ROWS(a, "SHOW CONSTRAINTS", "'k_u'|'UNIQUENESS'|'NODE'|['K']|['u']|'k_u'\n");
  cypher_refused(a, "CREATE (:K {u: 8})", NULL, "ConstraintVerificationFailed",
                 "ConstraintValidationFailed", "k_u");
  adb_close(a);
  adb_close(b);
}
