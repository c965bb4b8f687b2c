/* test_cypher.c — Cypher through the C API: parsing, results, writes that replicate, errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

static void small_graph(adb *db) {
  char *r = cypher_rows(db,
                 "CREATE (a:Person {name: 'Ada', age: 36}), (b:Person {name: 'Bob', age: 20}),"
                 " (c:City:Place {name: 'Paris'}), (a)-[:KNOWS {since: 2001}]->(b),"
                 " (a)-[:LIVES_IN]->(c), (b)-[:LIVES_IN]->(c)",
                 NULL, 0);
  free(r);
}

Test(cypher, expressions) {
  adb *db = open_tmp(0, NULL);
  ROWS(db, "RETURN 1 + 2 * 3, 7 / 2, 7 % 3, 2 ^ 3, -(-4), 1.5 + 1", "7|3|1|8.0|4|2.5\n");
  ROWS(db, "RETURN null = null, null OR true, null AND false, NOT null, 1 < 'a'",
       "null|true|false|null|null\n");
  ROWS(db, "RETURN 'abc' STARTS WITH 'a', 'abc' ENDS WITH 'bc', 'abc' CONTAINS 'x', 'abc' =~ 'a.*'",
       "true|true|false|true\n");
  ROWS(db, "RETURN [1, 2, 3][1], [1, 2, 3][-1], [1, 2, 3, 4][1..3], 2 IN [1, 2], null IN [1]",
       "2|3|[2, 3]|true|null\n");
  ROWS(db,
       "RETURN [x IN range(1, 5) WHERE x % 2 = 1 | x * 10], reduce(s = 0, x IN [1, 2, 3] | s + x)",
       "[10, 30, 50]|6\n");
  ROWS(db, "RETURN CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END, {a: 1, b: [true]}",
       "'two'|{a: 1, b: [true]}\n");
  ROWS(db,
       "RETURN toInteger('42'), toFloat('1.5'), toString(2.0), size('héllo'), substring('hello', "
       "1, 3)",
       "42|1.5|'2.0'|5|'ell'\n");
  ROWS(db,
       "RETURN split('a,b', ','), reverse('abc'), toUpper('x'), trim('  y '), coalesce(null, 3)",
       "['a', 'b']|'cba'|'X'|'y'|3\n");
  ROWS(db, "RETURN any(x IN [1, 2] WHERE x > 1), all(x IN [1, 2] WHERE x > 1), 'it\\'s'",
       "true|false|'it\\'s'\n");
  ROWS(
      db,
      "RETURN date({year: 1984, week: 10, dayOfWeek: 3}), localtime({hour: 12, minute: 31}),"
      " datetime({year: 1984, month: 10, day: 11, hour: 12, millisecond: 645, timezone: '+01:00'})",
      "'1984-03-07'|'12:31'|'1984-10-11T12:00:00.645+01:00'\n");
  adb_close(db);
}

Test(cypher, match_and_aggregate) {
  adb *db = open_tmp(0, NULL);
  small_graph(db);
  ROWS(db, "MATCH (p:Person) RETURN p.name ORDER BY p.age", "'Bob'\n'Ada'\n");
  ROWS(db, "MATCH (a)-[:KNOWS]->(b) RETURN a.name, b.name", "'Ada'|'Bob'\n");
  ROWS(db, "MATCH (b)<-[:KNOWS]-(a) RETURN a.name", "'Ada'\n");
  ROWS(db, "MATCH (c:Place) RETURN c, labels(c)",
       "(:City:Place {name: 'Paris'})|['City', 'Place']\n");
  ROWS(db,
       "MATCH (p:Person)-[:LIVES_IN]->(c) RETURN c.name, count(*), collect(p.name) ORDER BY c.name",
       "'Paris'|2|['Ada', 'Bob']\n");
  ROWS(db,
       "MATCH p = (:Person {name: 'Ada'})-[*1..2]->(x {name: 'Paris'}) RETURN length(p) ORDER BY "
       "length(p)",
       "1\n2\n");
  ROWS(db,
       "MATCH (a:Person) OPTIONAL MATCH (a)-[:KNOWS]->(b) RETURN a.name, b.name ORDER BY a.name",
       "'Ada'|'Bob'\n'Bob'|null\n");
  ROWS(db, "MATCH (a:Person) WITH a ORDER BY a.name DESC LIMIT 1 RETURN a.name", "'Bob'\n");
  ROWS(db, "UNWIND [3, 1, 2] AS x RETURN x ORDER BY x SKIP 1", "2\n3\n");
  ROWS(db, "RETURN 1 AS x UNION RETURN 1 AS x UNION RETURN 2 AS x", "1\n2\n");
  /* DISTINCT compares whole rows, every column, and lists element by element. */
  ROWS(db, "UNWIND [[1, 2], [1, 3], [1, 2]] AS p RETURN DISTINCT p[0] AS a, p[1] AS b",
       "1|2\n1|3\n");
  ROWS(db, "UNWIND [[1, 2], [1, 3], [1, 2]] AS p WITH DISTINCT p[0] AS a, p[1] AS b RETURN a, b",
       "1|2\n1|3\n");
  ROWS(db, "UNWIND [[1, [2]], [1, [3]], [1, [2]]] AS p RETURN DISTINCT p", "[1, [2]]\n[1, [3]]\n");
  ROWS(db, "MATCH (a:Person) WHERE (a)-[:KNOWS]->() RETURN a.name", "'Ada'\n");
  ROWS(db, "MATCH (a:Person {name: 'Ada'}) RETURN [(a)-->(x) | x.name] AS xs",
       "['Bob', 'Paris']\n");
  ROWS(db, "MATCH p = (a {name: 'Ada'})-[:KNOWS]->(b) RETURN p",
       "<(:Person {age: 36, name: 'Ada'})-[:KNOWS {since: 2001}]->(:Person {age: 20, name: "
       "'Bob'})>\n");
  adb_close(db);
}

Test(cypher, writes_replicate) {
  adb *a = open_tmp(0, NULL), *b = open_tmp(1, NULL);
  small_graph(a);
  free(cypher_rows(a, "MATCH (p:Person {name: 'Bob'}) SET p.age = 21, p:Student REMOVE p.name",
                   NULL, 0));
  free(cypher_rows(a, "MERGE (x:Person {name: 'Eve'}) ON CREATE SET x.new = true", NULL, 0));
  free(cypher_rows(a, "MERGE (x:Person {name: 'Eve'}) ON MATCH SET x.new = false", NULL, 0));
  free(cypher_rows(a, "MATCH (c:City) DETACH DELETE c", NULL, 0));
  ROWS(a, "MATCH (n) RETURN n ORDER BY n.age",
       "(:Person:Student {age: 21})\n(:Person {age: 36, name: 'Ada'})\n(:Person {name: 'Eve', new: "
       "false})\n");
  ROWS(a, "MATCH ()-[r]->() RETURN type(r)", "'KNOWS'\n");
  send_changes(a, b);
  char *sa = dump_state(a), *sb = dump_state(b);
  cr_assert_str_eq(sa, sb);
  cr_assert(strstr(sb, "Person:Student"), "labels are stored sorted and joined: %s", sb);
  ROWS(b, "MATCH (n:Student) RETURN n.age", "21\n");
  free(sa);
  free(sb);
  adb_close(a);
  adb_close(b);
}

Test(cypher, statistics) {
  adb *db = open_tmp(0, NULL);
  adb_cypher *r;
  OK(db, adb_cypher_run(db, "CREATE (:A {x: 1}), (:A)-[:T {y: 2}]->(:B)", NULL, &r));
  adb_cypher_stats s;
  adb_cypher_get_stats(r, &s);
  cr_assert_eq(s.nodes_created, 3);
  cr_assert_eq(s.relationships_created, 1);
  cr_assert_eq(s.properties_set, 2);
  cr_assert_eq(s.labels_added, 2, "distinct label names, as the TCK counts them");
  adb_cypher_free(r);
  OK(db, adb_cypher_run(db, "MATCH (n:A {x: 1}) SET n.x = 2", NULL, &r));
  adb_cypher_get_stats(r, &s);
  cr_assert_eq(s.properties_set, 1);
  cr_assert_eq(s.properties_removed, 1);
  adb_cypher_free(r);
  adb_close(db);
}

Test(cypher, values_and_columns) {
  adb *db = open_tmp(0, NULL);
  adb_cypher *r;
  OK(db, adb_cypher_run(db, "RETURN $i AS i, $f AS f, $s AS s, true AS b, null AS n",
                        "{\"i\": 7, \"f\": 2.0, \"s\": \"x\"}", &r));
  cr_assert_eq(adb_cypher_columns(r), 5);
  cr_assert_str_eq(adb_cypher_column_name(r, 2), "s");
  cr_assert_null(adb_cypher_column_name(r, 5));
  cr_assert_eq(adb_cypher_next(r), ADB_ROW);
  cr_assert_eq(adb_cypher_kind(r, 0), ADB_CV_INT);
  cr_assert_eq(adb_cypher_int(r, 0), 7);
  cr_assert_eq(adb_cypher_kind(r, 1), ADB_CV_FLOAT);
  cr_assert_float_eq(adb_cypher_float(r, 1), 2.0, 1e-12);
  cr_assert_str_eq(adb_cypher_string(r, 2), "x");
  cr_assert_eq(adb_cypher_bool(r, 3), 1);
  cr_assert_eq(adb_cypher_kind(r, 4), ADB_CV_NULL);
  cr_assert_str_eq(adb_cypher_text(r, 1, ADB_CYPHER_JSON), "2.0");
  cr_assert_eq(adb_cypher_next(r), ADB_DONE);
  adb_cypher_free(r);
  adb_close(db);
}

Test(cypher, errors_change_nothing) {
  adb *db = open_tmp(0, NULL);
  small_graph(db);
  char *before = dump_state(db);
  cypher_refused(db, "MATCH (n RETURN n", NULL, "SyntaxError", "UnexpectedSyntax", NULL);
  cypher_refused(db, "MATCH (n) RETURN m", NULL, "SyntaxError", "UndefinedVariable", NULL);
  cypher_refused(db, "RETURN nosuch(1)", NULL, "SyntaxError", "UnknownFunction", NULL);
  cypher_refused(db, "RETURN toUpper(1, 2)", NULL, "SyntaxError", "InvalidNumberOfArguments", NULL);
  cypher_refused(db, "MATCH (a)-[r]->(b) MATCH (r) RETURN r", NULL, "SyntaxError",
                 "VariableTypeConflict", NULL);
  cypher_refused(db, "CREATE (a:X) CREATE (a:Y)", NULL, "SyntaxError", "VariableAlreadyBound",
                 NULL);
  cypher_refused(db, "CREATE (a)-[:T|U]->(b)", NULL, "SyntaxError", "NoSingleRelationshipType",
                 NULL);
  cypher_refused(db, "RETURN 9223372036854775808", NULL, "SyntaxError", "IntegerOverflow", NULL);
  cypher_refused(db, "CREATE (:New) RETURN 1 / 0", NULL, "ArithmeticError", NULL, NULL);
  cypher_refused(db, "CREATE (:New) WITH 1 AS x RETURN 'a' - x", NULL, "TypeError", NULL, NULL);
  cypher_refused(db, "MATCH (p:Person {name: 'Ada'}) DELETE p", NULL,
                 "ConstraintVerificationFailed", "DeleteConnectedNode", NULL);
  cypher_refused(db, "MATCH (p:Person) SET p.bad = {a: 1}", NULL, "TypeError",
                 "InvalidPropertyType", NULL);
  /* Fails while the properties' text is half built (under ASan, a leak would show). */
  cypher_refused(db, "CREATE (:New {a: 'x', b: 2, c: {d: 1}})", NULL, "TypeError",
                 "InvalidPropertyType", NULL);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after, "a failed query changes nothing");
  free(before);
  free(after);
  adb_close(db);
}

Test(cypher, huge_and_deep_queries) {
  adb *db = open_tmp(0, NULL);
  /* A 1 MB query: a long string literal. */
  size_t n = 1 << 20;
  char *q = malloc(n + 64);
  strcpy(q, "RETURN size('");
  memset(q + 13, 'x', n);
  strcpy(q + 13 + n, "') AS n");
  ROWS(db, q, "1048576\n");
  /* Deep parentheses and long operator chains are refused with a clear error. */
  size_t depth = 100000;
  char *deep = malloc(2 * depth + 16);
  strcpy(deep, "RETURN ");
  memset(deep + 7, '(', depth);
  deep[7 + depth] = '1';
  memset(deep + 8 + depth, ')', depth);
  deep[8 + 2 * depth] = 0;
  cypher_refused(db, deep, NULL, "SyntaxError", "UnexpectedSyntax", NULL);
  char *chain = malloc(4 * depth + 16);
  strcpy(chain, "RETURN 1");
  char *end = chain + 8;
  for (size_t i = 0; i < depth; i++, end += 4) memcpy(end, " + 1", 4);
  *end = 0;
  cypher_refused(db, chain, NULL, "SyntaxError", "UnexpectedSyntax", NULL);
  cypher_refused(db,
                 "RETURN "
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                 NULL, "SyntaxError", NULL, NULL);
  cypher_refused(db, "RETURN 'unterminated", NULL, "SyntaxError", NULL, NULL);
  cypher_refused(db, "", NULL, "SyntaxError", NULL, NULL);
  cypher_refused(db, "RETURN \x01", NULL, "SyntaxError", NULL, NULL);
  free(q);
  free(deep);
  free(chain);
  adb_close(db);
}

/* Values at the ends of the integer and temporal ranges: a result or an ArgumentError, never
 * an overflow (this file runs under UBSan too, where an overflow aborts). */
Test(cypher, extreme_values) {
  adb *db = open_tmp(0, NULL);
  const char *min = "(-9223372036854775807 - 1)";
  char q[256];
  snprintf(q, sizeof q, "range(%s, 9223372036854775807, 9223372036854775807)", min);
  CYPHER_IS(db, q, "[-9223372036854775808, -1, 9223372036854775806]");
  snprintf(q, sizeof q, "range(9223372036854775807, %s, %s)", min, min);
  CYPHER_IS(db, q, "[9223372036854775807, -1]");
  snprintf(q, sizeof q, "range(1, 10, %s)", min);
  CYPHER_IS(db, q, "[]");
  cypher_refused(db, "RETURN range(-9223372036854775807, 10)", NULL, "ArgumentError",
                 "NumberOutOfRange", "too long");
  CYPHER_IS(db, "date({year: 999999999, month: 12, day: 31})", "'+999999999-12-31'");
  CYPHER_IS(db, "date({year: -999999999, month: 1, day: 1})", "'-999999999-01-01'");
  CYPHER_IS(db, "datetime({epochMillis: 1700000000000})", "'2023-11-14T22:13:20Z'");
  snprintf(q, sizeof q, "datetime.fromepochmillis(%s)", min);
  CYPHER_IS(db, q, "'-292275055-05-16T16:47:04.192Z'");
  const char *refused[] = {
      "RETURN date({year: 9223372036854775807, month: 1, day: 1})",
      "RETURN date({year: 1000000000})",
      "RETURN date({year: 2000, week: 1000000000})",
      "RETURN date({year: 2000, quarter: -9223372036854775807})",
      "RETURN localtime({hour: 1, millisecond: 9223372036854775807})",
      "RETURN localdatetime('-9223372036854775807-01-01')",
      "RETURN date('+1000000000-01-01')",
      "RETURN datetime({epochSeconds: 9223372036854775807})",
      "RETURN datetime({epochSeconds: -9223372036854775807 - 1})",
      "RETURN datetime.fromepoch(9223372036854775807, 0)",
      "RETURN datetime.fromepoch(0, -9223372036854775807 - 1)",
      "RETURN date('+999999999-12-31') + duration({days: 999999999})",
      "RETURN date('2000-01-01') + duration({months: 9223372036854775807})",
  };
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    cypher_refused(db, refused[i], NULL, "ArgumentError", "InvalidArgumentValue", NULL);
  adb_close(db);
}

/* shortestPath against adb_shortest_path on a random graph: the same length (or none) for
 * every pair, a path whose steps follow R edges forward; allShortestPaths gives only paths of
 * that length, shortestPath one. */
Test(cypher, shortest_paths_agree_with_the_traversal_api) {
  adb *db = open_tmp(0, NULL);
  srand(7);
  char id[16], a[16], b[16], params[96];
  for (int i = 0; i < 60; i++) {
    snprintf(id, sizeof id, "n%02d", i);
    cr_assert_eq(adb_node_create(db, id, "N", NULL, NULL), ADB_OK);
  }
  for (int i = 0; i < 150; i++) {
    snprintf(a, sizeof a, "n%02d", rand() % 60);
    snprintf(b, sizeof b, "n%02d", rand() % 60);
    cr_assert_eq(adb_edge_create(db, NULL, a, i % 5 ? "R" : "S", b, NULL, NULL), ADB_OK);
  }
  const char *q = "MATCH (a), (b) WHERE elementId(a) = $a AND elementId(b) = $b "
                  "MATCH p = shortestPath((a)-[:R*]->(b)) "
                  "RETURN length(p), all(i IN range(0, length(p) - 1) WHERE "
                  "startNode(relationships(p)[i]) = nodes(p)[i] AND "
                  "endNode(relationships(p)[i]) = nodes(p)[i + 1] AND "
                  "type(relationships(p)[i]) = 'R')";
  const char *all = "MATCH (a), (b) WHERE elementId(a) = $a AND elementId(b) = $b "
                    "MATCH p = allShortestPaths((a)-[:R*]->(b)) "
                    "RETURN count(p), min(length(p)), max(length(p))";
  int found = 0;
  for (int k = 0; k < 300; k++) {
    snprintf(a, sizeof a, "n%02d", rand() % 60);
    snprintf(b, sizeof b, "n%02d", rand() % 60);
    if (!strcmp(a, b)) continue;
    snprintf(params, sizeof params, "{\"a\": \"%s\", \"b\": \"%s\"}", a, b);
    adb_path path = {0};
    int rc = adb_shortest_path(db, a, b, 1000, ADB_OUT, "R", &path);
    char *got = cypher_rows(db, q, params, 0);
    char *gotall = cypher_rows(db, all, params, 0);
    char want[64], wantall[64];
    if (rc == ADB_NOTFOUND) {
      strcpy(want, "");
      strcpy(wantall, "0|null|null\n");
    } else {
      cr_assert_eq(rc, ADB_OK);
      found++;
      snprintf(want, sizeof want, "%zu|true\n", path.length);
      snprintf(wantall, sizeof wantall, "|%zu|%zu\n", path.length, path.length);
      cr_assert_neq(atoi(gotall), 0, "%s -> %s: no path from allShortestPaths", a, b);
    }
    cr_assert_str_eq(got, want, "%s -> %s", a, b);
    cr_assert(strstr(gotall, wantall), "%s -> %s: allShortestPaths gave %s", a, b, gotall);
    free(got);
    free(gotall);
    adb_path_clear(&path);
  }
  cr_assert_gt(found, 100, "only %d pairs are connected", found);
  /* A pair with two shortest paths of two hops: one row, or both. */
  char *r = cypher_rows(db,
                        "CREATE (x:P {k: 'x'})-[:T]->(:P)-[:T]->(y:P {k: 'y'}), (x)-[:T]->(:P)-[:T]->(y),"
                        " (x)-[:T]->(:P)-[:T]->(:P)-[:T]->(y)",
                        NULL, 0);
  free(r);
  ROWS(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = shortestPath((x)-[:T*]->(y)) RETURN length(p)",
       "2\n");
  ROWS(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = allShortestPaths((x)-[:T*]->(y)) RETURN length(p)",
       "2\n2\n");
  ROWS(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = shortestPath((y)-[:T*]->(x)) RETURN length(p)", "");
  ROWS(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = shortestPath((y)-[:T*]-(x)) RETURN length(p)", "2\n");
  ROWS(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = shortestPath((x)-[:T*..1]->(y)) RETURN length(p)", "");
  cypher_refused(db, "MATCH (x:P {k: 'x'}), (y:P {k: 'y'}), p = shortestPath((x)-[:T*2..]->(y)) RETURN p",
                 NULL, "SyntaxError", NULL, "minimum length");
  adb_close(db);
}

/* A LIMIT right after a MATCH ends the search: on a complete graph of 12 nodes the trails of up
 * to 10 hops number in the billions, and the time limit would stop a search that listed them. */
Test(cypher, limit_ends_the_match) {
  adb *db = open_tmp(0, NULL);
  char *r = cypher_rows(db,
                        "UNWIND range(1, 12) AS i CREATE (:K {i: i}) WITH count(*) AS n "
                        "MATCH (a:K), (b:K) WHERE a <> b CREATE (a)-[:E]->(b)",
                        NULL, 0);
  free(r);
  cr_assert_eq(adb_set_time_limit(db, 5000), ADB_OK);
  const char *limited[][2] = {
      {"MATCH (a:K {i: 1})-[:E*1..10]->(b) RETURN b.i LIMIT 4", "4"},
      {"MATCH (a:K {i: 1})-[:E*1..10]->(b) RETURN b.i SKIP 3 LIMIT 2", "2"},
      {"OPTIONAL MATCH (a:K {i: 1})-[:E*1..10]->(b) RETURN b.i LIMIT 1", "1"},
      {"MATCH (a:K {i: 1})-[:E*1..10]->(b) WITH b LIMIT 2 RETURN b.i", "2"},
      {"MATCH (a:K), (b:K)-[:E*1..10]->(c) RETURN c.i LIMIT 3", "3"},
  };
  for (size_t i = 0; i < sizeof limited / sizeof *limited; i++) {
    char *got = cypher_rows(db, limited[i][0], NULL, 0);
    int lines = 0;
    for (const char *p = got; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, atoi(limited[i][1]), "%s: %s", limited[i][0], got);
    free(got);
  }
  /* Where the projection needs every row (ORDER BY, DISTINCT, aggregation), all are matched. */
  ROWS(db, "MATCH (a:K)-[:E]->(b:K {i: 1}) RETURN a.i ORDER BY a.i DESC LIMIT 2", "12\n11\n");
  ROWS(db, "MATCH (a:K)-[:E]->(b:K) RETURN DISTINCT a.i AS i LIMIT 3", "1\n2\n3\n");
  ROWS(db, "MATCH (a:K)-[:E]->(b:K) RETURN count(*) LIMIT 1", "132\n");
  adb_close(db);
}

/* Where only the distinct ends of a variable-length pattern matter, they are found breadth first
 * instead of by listing trails: on random multigraphs (loops, parallel edges, two types) the
 * ends must be those the listing gives (a count(*) in between forces the listing). */
Test(cypher, distinct_ends_agree_with_trails) {
  static const char *dirs[][2] = {{"-", "->"}, {"<-", "-"}, {"-", "-"}};
  static const char *ranges[] = {"*", "*1..1", "*1..2", "*..3", "*0..2", "*1..4", "*0..0"};
  static const char *types[] = {"", ":R", ":R|S"};
  srand(11);
  int compared = 0;
  for (int g = 0; g < 12; g++) {
    adb *db;
    cr_assert_eq(adb_open(":memory:", NULL, &db), ADB_OK); /* a new graph each time */
    int nodes = 4 + g % 5, edges = g % 2 ? 2 * nodes : nodes + 2;
    char q[512];
    snprintf(q, sizeof q, "UNWIND range(1, %d) AS i CREATE (:N {i: i})", nodes);
    free(cypher_rows(db, q, NULL, 0));
    for (int e = 0; e < edges; e++) {
      snprintf(q, sizeof q, "MATCH (a:N {i: %d}), (b:N {i: %d}) CREATE (a)-[:%s]->(b)",
               1 + rand() % nodes, 1 + rand() % nodes, rand() % 3 ? "R" : "S");
      free(cypher_rows(db, q, NULL, 0));
    }
    for (int k = 0; k < 40; k++) {
      const char **d = dirs[rand() % 3];
      /* Unbounded trails only on the smallest graphs: on the others there are too many to list. */
      int small = g % 2 == 0 && nodes <= 6;
      const char *range = ranges[small ? rand() % 7 : 1 + rand() % 6], *type = types[rand() % 3];
      int start = 1 + rand() % nodes;
      char pat[128];
      snprintf(pat, sizeof pat, "MATCH (a:N {i: %d})%s[%s%s]%s(b)", start, d[0], type, range, d[1]);
      char fast[256], slow[256];
      snprintf(fast, sizeof fast, "%s RETURN collect(DISTINCT b.i) AS ends", pat);
      snprintf(slow, sizeof slow, "%s WITH b, count(*) AS trails RETURN collect(DISTINCT b.i) AS ends",
               pat);
      char *got = cypher_rows(db, fast, NULL, 0), *want = cypher_rows(db, slow, NULL, 0);
      /* The same set: compare sorted. */
      char sorted[2][256];
      for (int w = 0; w < 2; w++) {
        char *list = w ? want : got;
        list[strcspn(list, "\n")] = 0;
        snprintf(q, sizeof q, "UNWIND %s AS x WITH x ORDER BY x RETURN collect(x)", list);
        char *r = cypher_rows(db, q, NULL, 0);
        snprintf(sorted[w], sizeof sorted[w], "%s", r);
        free(r);
      }
      cr_assert_str_eq(sorted[0], sorted[1], "%s (graph %d)", pat, g);
      snprintf(fast, sizeof fast, "%s RETURN DISTINCT b.i AS i ORDER BY i", pat);
      snprintf(slow, sizeof slow, "%s WITH b, count(*) AS trails RETURN DISTINCT b.i AS i ORDER BY i", pat);
      char *r1 = cypher_rows(db, fast, NULL, 0), *r2 = cypher_rows(db, slow, NULL, 0);
      cr_assert_str_eq(r1, r2, "%s (graph %d)", pat, g);
      free(r1);
      free(r2);
      free(got);
      free(want);
      compared++;
    }
    adb_close(db);
  }
  cr_assert_eq(compared, 480);
}

/* Four nodes with vectors: a, b near x; c (another label) on y; d on z, away from x. */
static void vector_graph(adb *db) {
  OK(db, adb_node_create(db, "a", "Doc", "{\"title\": \"a\"}", NULL));
  OK(db, adb_node_create(db, "b", "Doc:Old", "{\"title\": \"b\"}", NULL));
  OK(db, adb_node_create(db, "c", "Note", "{\"title\": \"c\"}", NULL));
  OK(db, adb_node_create(db, "d", "Doc", "{\"title\": \"d\"}", NULL));
  OK(db, adb_vector_set_json(db, "a", "[1, 0, 0]"));
  OK(db, adb_vector_set_json(db, "b", "[0.8, 0.6, 0]"));
  OK(db, adb_vector_set_json(db, "c", "[0, 1, 0]"));
  OK(db, adb_vector_set_json(db, "d", "[-0.5, 0, 1]"));
}

Test(cypher, call_vector_search) {
  adb *db = open_tmp(0, NULL);
  vector_graph(db);
  ROWS(db, "CALL db.vector.search([1, 0, 0], 3) YIELD node, distance "
           "RETURN node.title, round(distance * 100) / 100 ORDER BY distance",
       "'a'|0.0\n'b'|0.2\n'c'|1.0\n");
  /* standalone: the outputs are the columns */
  ROWS(db, "CALL db.vector.search([1, 0, 0], 1)", "(:Doc {title: 'a'})|0.0\n");
  ROWS(db, "CALL db.vector.search([2, 0, 0], 2) YIELD node AS n", "(:Doc {title: 'a'})\n"
                                                                   "(:Doc:Old {title: 'b'})\n");
  /* the label option filters before the k nearest are chosen; WHERE after YIELD filters them */
  ROWS(db, "CALL db.vector.search([0.1, 1, 0], 2, {label: 'Doc'}) YIELD node RETURN node.title",
       "'b'\n'a'\n");
  ROWS(db, "CALL db.vector.search([0, 1, 0], 2, {label: 'Old'}) YIELD node RETURN node.title",
       "'b'\n");
  ROWS(db, "CALL db.vector.search([1, 0, 0], 4) YIELD node, distance WHERE distance > 0.5 "
           "RETURN node.title ORDER BY node.title",
       "'c'\n'd'\n");
  ROWS(db, "CALL db.vector.search([1, 0, 0], 2, {metric: 'l2', exact: true}) YIELD node, distance "
           "RETURN node.title, round(distance * 1000) / 1000",
       "'a'|0.0\n'b'|0.632\n");
  /* once per input row, then more clauses; a write after it */
  ROWS(db, "UNWIND [[0, 1, 0], [0, 0, 1]] AS v CALL db.vector.search(v, 1) YIELD node "
           "WITH node SET node.seen = true RETURN node.title",
       "'c'\n'd'\n");
  ROWS(db, "MATCH (n {seen: true}) RETURN n.title ORDER BY n.title", "'c'\n'd'\n");
  /* a node deleted earlier in the query is not a hit */
  ROWS(db, "MATCH (n {title: 'a'}) DELETE n WITH count(*) AS x "
           "CALL db.vector.search([1, 0, 0], 1) YIELD node RETURN node.title",
       "'b'\n");
  adb_close(db);
}

Test(cypher, call_errors_change_nothing) {
  adb *db = open_tmp(0, NULL);
  vector_graph(db);
  char *before = dump_state(db);
  cypher_refused(db, "CALL db.nosuch(1) YIELD x RETURN x", NULL, "ProcedureError",
                 "ProcedureNotFound", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 0, 0]) YIELD node RETURN node", NULL, "SyntaxError",
        "InvalidNumberOfArguments", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 0, 0], 1) YIELD nope RETURN nope", NULL,
                 "SyntaxError", "UndefinedVariable", NULL);
  cypher_refused(db, "MATCH (node) CALL db.vector.search([1, 0, 0], 1) YIELD node RETURN node",
                 NULL, "SyntaxError", "VariableAlreadyBound", NULL);
  /* inside a query a CALL without YIELD binds none of the outputs */
  cypher_refused(db, "MATCH (n) CALL db.vector.search([1, 0, 0], 1) RETURN node", NULL,
                 "SyntaxError", "UndefinedVariable", NULL);
  cypher_refused(db, "MATCH (n) CALL db.vector.search([1, 0, 0], 1) YIELD * RETURN node", NULL,
                 "SyntaxError", "UnexpectedSyntax", NULL);
  cypher_refused(db, "CREATE (:X) WITH 1 AS one CALL db.vector.search([1, 0, 0], 1) YIELD node",
                 NULL, "SyntaxError", "InvalidClauseComposition", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 0, 0] 1) YIELD node RETURN node", NULL,
                 "SyntaxError", NULL, NULL);
  /* bad input: the vector layer's own checks, as Cypher errors */
  const char *bad[] = {
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([1, 0], 1) YIELD node RETURN node",
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([0.0 / 0.0, 0, 0], 1) YIELD node RETURN "
      "node",
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([1, 0, 0], 0) YIELD node RETURN node",
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([1, 0, 0], 10001) YIELD node RETURN node",
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([1, 0, 0], 9223372036854775807) YIELD node "
      "RETURN node",
      "CREATE (:X) WITH 1 AS one CALL db.vector.search([], 1) YIELD node RETURN node",
      "CALL db.vector.search([1, 0, 0], 1, {metric: 'hamming'}) YIELD node RETURN node",
      "CALL db.vector.search([1, 0, 0], 1, {colour: 'red'}) YIELD node RETURN node",
      "CALL db.vector.search([1, 0, 0], 1, {label: 'A:B'}) YIELD node RETURN node",
  };
  const char *why[] = {"the query has 2 components",
                       "not a finite number",
                       "k must be 1 to 10000, not 0",
                       "k must be 1 to 10000, not 10001",
                       "not 9223372036854775807",
                       "not 0",
                       "unknown metric",
                       "option 'colour'",
                       "label"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cypher_refused(db, bad[i], NULL, "ArgumentError", "InvalidArgumentValue", NULL);
    cr_assert(strstr(adb_errmsg(db), why[i]), "%s: %s", bad[i], adb_errmsg(db));
  }
  /* arguments of the wrong type: literals at compile time, other values when known */
  cypher_refused(db, "CALL db.vector.search('[1, 0, 0]', 1) YIELD node RETURN node", NULL,
                 "SyntaxError", "InvalidArgumentType", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 0, 0], 1.0) YIELD node RETURN node", NULL,
                 "SyntaxError", "InvalidArgumentType", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 0, 0], 1, 'Doc') YIELD node RETURN node", NULL,
                 "SyntaxError", "InvalidArgumentType", NULL);
  cypher_refused(db, "CALL db.vector.search([1, 'x', 0], 1) YIELD node RETURN node", NULL,
                 "TypeError", "InvalidArgumentType", NULL);
  cypher_refused(db, "WITH '[1, 0, 0]' AS v CALL db.vector.search(v, 1) YIELD node RETURN node",
                 NULL, "TypeError", "InvalidArgumentType", NULL);
  cypher_refused(db, "WITH 1.0 AS k CALL db.vector.search([1, 0, 0], k) YIELD node RETURN node",
                 NULL, "TypeError", "InvalidArgumentType", NULL);
  cypher_refused(db, "WITH [1] AS o CALL db.vector.search([1, 0, 0], 1, o) YIELD node RETURN node",
                 NULL, "TypeError", "InvalidArgumentType", NULL);
  char *after = dump_state(db);
  cr_assert_str_eq(before, after, "a failed query changes nothing");
  free(before);
  free(after);
  adb_close(db);
}

/* FOREACH runs its update clauses once per element of a list, for each row, with the element
 * bound; each iteration sees the writes of the ones before; the rows go on unchanged and its
 * variables end with it. A failure inside changes nothing. */
Test(cypher, foreach) {
  adb *db = open_tmp(0, NULL);
  ROWS(db, "FOREACH (name IN ['a', 'b', 'c'] | CREATE (:P {name: name})) RETURN 1", "1\n");
  ROWS(db, "MATCH (p:P) RETURN p.name ORDER BY p.name", "'a'\n'b'\n'c'\n");
  ROWS(db, "MATCH (p:P) WITH collect(p) AS ps FOREACH (p IN ps | SET p.seen = size(ps)) "
           "RETURN size(ps)", "3\n");
  ROWS(db, "MATCH (p:P) RETURN p.name, p.seen ORDER BY p.name", "'a'|3\n'b'|3\n'c'|3\n");
  /* Rows pass through unchanged, one per input row, and each row runs its own loop. */
  ROWS(db, "MATCH (p:P) FOREACH (i IN range(1, 2) | CREATE (p)-[:HAS]->(:Q {i: i})) "
           "RETURN p.name ORDER BY p.name", "'a'\n'b'\n'c'\n");
  ROWS(db, "MATCH (:P)-[:HAS]->(q:Q) RETURN q.i, count(*) ORDER BY q.i", "1|3\n2|3\n");
  /* MERGE sees what earlier iterations made; nested loops see the outer element. */
  ROWS(db, "FOREACH (x IN [1, 1, 2, 1] | MERGE (:M {x: x})) RETURN 1", "1\n");
  ROWS(db, "MATCH (m:M) RETURN m.x ORDER BY m.x", "1\n2\n");
  ROWS(db, "FOREACH (i IN range(1, 3) | FOREACH (j IN range(1, i) | CREATE (:R {i: i, j: j}))) "
           "RETURN 1", "1\n");
  ROWS(db, "MATCH (r:R) RETURN r.i, count(*) ORDER BY r.i", "1|1\n2|2\n3|3\n");
  /* null runs nothing; DELETE and REMOVE inside. */
  ROWS(db, "FOREACH (x IN null | CREATE (:Never)) RETURN 1", "1\n");
  ROWS(db, "MATCH (m:M) WITH collect(m) AS ms FOREACH (m IN ms | REMOVE m.x) RETURN 1", "1\n");
  ROWS(db, "MATCH (m:M) RETURN count(m.x), count(*)", "0|2\n");
  ROWS(db, "MATCH (r:R) FOREACH (x IN [r] | DELETE x) RETURN count(*)", "6\n");
  ROWS(db, "MATCH (n) WHERE n:Never OR n:R RETURN count(*)", "0\n");
  ROWS(db, "EXPLAIN MATCH (a:P) FOREACH (i IN [1] | CREATE (:A) FOREACH (j IN [i] | SET a.y = j))",
       "'NodeByLabelScan(a:P) ~3 nodes'\n'Foreach(i)'\n'  Create'\n'  Foreach(j)'\n'    Set'\n");
  /* Refused: a non-list (at run time, after a CREATE of the same query: nothing stays), a clause
   * that reads, a variable already bound, and the loop's variables after it. */
  cypher_refused(db, "CREATE (:Z) FOREACH (x IN 1 | CREATE (:Z))", NULL, "TypeError",
                 "InvalidArgumentType", "FOREACH needs a list");
  ROWS(db, "MATCH (z:Z) RETURN count(*)", "0\n");
  cypher_refused(db, "FOREACH (x IN [1] | MATCH (n) RETURN n)", NULL, "SyntaxError",
                 "InvalidClauseComposition", "FOREACH holds only");
  cypher_refused(db, "FOREACH (x IN [1] | )", NULL, "SyntaxError", "InvalidClauseComposition", NULL);
  cypher_refused(db, "MATCH (p:P) FOREACH (p IN [1] | CREATE (:Z))", NULL, "SyntaxError",
                 "VariableAlreadyBound", NULL);
  cypher_refused(db, "FOREACH (x IN [1] | CREATE (n:T {x: x})) RETURN n", NULL, "SyntaxError",
                 "UndefinedVariable", NULL);
  cypher_refused(db, "FOREACH (x IN [1] | CREATE (:T)) RETURN x", NULL, "SyntaxError",
                 "UndefinedVariable", NULL);
  cypher_refused(db, "FOREACH (x IN [count(*)] | CREATE (:T))", NULL, "SyntaxError", NULL, NULL);
  adb_close(db);
}

/* EXISTS, COUNT and COLLECT { } subqueries see the variables around them and may bind their
 * own (short form: a pattern and WHERE; full form: a query, UNION included); CALL { } runs a
 * query per row, importing only what a WITH at its start names. */
Test(cypher, subqueries) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db,
                   "CREATE (a:A {n: 1})-[:R]->(:B {x: 1}), (a)-[:R]->(:B {x: 5}), "
                   "(:A {n: 2})-[:R]->(:B {x: 2}), (:A {n: 3})",
                   NULL, 0));
  ROWS(db, "MATCH (a:A) WHERE EXISTS { MATCH (a)-->(b) WHERE b.x = 2 } RETURN a.n", "2\n");
  ROWS(db, "MATCH (a:A) WHERE EXISTS { (a)-->(b:B) WHERE b.x > 1 } RETURN a.n ORDER BY a.n",
       "1\n2\n");
  ROWS(db, "MATCH (a:A) WHERE NOT EXISTS { (a)-->() } RETURN a.n", "3\n");
  ROWS(db, "MATCH (a:A) RETURN a.n, COUNT { (a)-->() } ORDER BY a.n", "1|2\n2|1\n3|0\n");
  ROWS(db, "MATCH (a:A) RETURN a.n, COUNT { MATCH (a)-->(b) RETURN b.x UNION "
           "MATCH (a)-->(b) RETURN b.x } ORDER BY a.n", "1|2\n2|1\n3|0\n");
  ROWS(db, "MATCH (a:A) RETURN a.n, COLLECT { MATCH (a)-->(b) RETURN b.x ORDER BY b.x DESC } "
           "ORDER BY a.n", "1|[5, 1]\n2|[2]\n3|[]\n");
  /* Inside a list comprehension the comprehension's variable is seen too. */
  ROWS(db, "MATCH (a:A {n: 1}) RETURN [x IN [0, 1, 4] | COUNT { MATCH (a)-->(b) WHERE b.x > x }]",
       "[2, 1, 1]\n");
  /* CALL { }: correlated through its WITH, or not at all. */
  ROWS(db, "MATCH (a:A) CALL { WITH a MATCH (a)-->(b) RETURN b.x AS x } RETURN a.n, x "
           "ORDER BY a.n, x", "1|1\n1|5\n2|2\n");
  ROWS(db, "MATCH (a:A) CALL { MATCH (a)-->(b) RETURN b } RETURN count(*)", "9\n");
  ROWS(db, "MATCH (a:A) CALL { WITH a MATCH (a)-->(b) RETURN count(b) AS c } RETURN a.n, c "
           "ORDER BY a.n", "1|2\n2|1\n3|0\n");
  ROWS(db, "UNWIND [1, 2] AS i CALL { WITH i RETURN i * 10 AS j UNION RETURN 0 AS j } "
           "RETURN i, j ORDER BY i, j", "1|0\n1|10\n2|0\n2|20\n");
  /* A CALL { } that returns nothing passes each row on once, after its writes. */
  ROWS(db, "MATCH (a:A) CALL { WITH a CREATE (:Log {n: a.n}) } RETURN count(*)", "3\n");
  ROWS(db, "MATCH (l:Log) RETURN l.n ORDER BY l.n", "1\n2\n3\n");
  ROWS(db, "EXPLAIN CALL { MATCH (b:B) RETURN b.x AS x } RETURN x",
       "'CallSubquery'\n'  NodeByLabelScan(b:B) ~3 nodes'\n'  Return(x)'\n'Return(x)'\n");
  cypher_refused(db, "RETURN EXISTS { MATCH (a:A) CREATE (:X) }", NULL, "SyntaxError",
                 "InvalidClauseComposition", "may only read");
  cypher_refused(db, "RETURN COLLECT { MATCH (a:A) RETURN a.n, a.n AS m }", NULL, "SyntaxError",
                 "InvalidClauseComposition", "one column");
  cypher_refused(db, "MATCH (a:A) CALL { WITH a RETURN a } RETURN a", NULL, "SyntaxError",
                 "VariableAlreadyBound", NULL);
  cypher_refused(db, "MATCH (a:A) CALL { RETURN a.n AS n } RETURN n", NULL, "SyntaxError",
                 "UndefinedVariable", NULL);
  /* What is not there says so, by name, and is no syntax error. */
  static const char *missing[][2] = {
      {"CALL { RETURN 1 AS x } IN TRANSACTIONS RETURN x", "IN TRANSACTIONS"},
      {"CREATE FULLTEXT INDEX a_n FOR (n:A) ON EACH [n.n]", "FULLTEXT"},
      {"SHOW FUNCTIONS", "SHOW"},
      {"USE other MATCH (n) RETURN n", "USE"},
  };
  for (size_t i = 0; i < sizeof missing / sizeof *missing; i++)
    cypher_refused(db, missing[i][0], NULL, "NotSupported", "UnsupportedFeature", missing[i][1]);
  ROWS(db, "MATCH (n) RETURN count(*)", "9\n");
  adb_close(db);
}

/* PROFILE runs the query (its writes stay) and answers one row per clause, UNION parts
 * included: the clause's text on one line, the rows it passed on, its milliseconds; then the
 * query's own row count. */
Test(cypher, profile) {
  adb *db = open_tmp(0, NULL);
  free(cypher_rows(db, "UNWIND range(1, 20) AS i CREATE (:N {i: i})", NULL, 0));
  adb_cypher *r;
  cr_assert_eq(adb_cypher_run(db,
                              "PROFILE MATCH (a:N) WHERE a.i % 2 = 0\n  WITH a ORDER BY a.i LIMIT 3 "
                              "RETURN a.i UNION ALL UNWIND [1, 2] AS x CREATE (:P {x: x}) RETURN x "
                              "AS `a.i`;",
                              NULL, &r),
               ADB_OK, "%s", adb_errmsg(db));
  cr_assert_eq(adb_cypher_columns(r), 3);
  static const char *clauses[] = {"MATCH (a:N) WHERE a.i % 2 = 0", "WITH a ORDER BY a.i LIMIT 3",
                                  "RETURN a.i", "UNWIND [1, 2] AS x", "CREATE (:P {x: x})",
                                  "RETURN x AS `a.i`", "(result)"};
  static const int rows[] = {10, 3, 3, 2, 2, 2, 5};
  int n = 0;
  while (adb_cypher_next(r) == ADB_ROW) {
    cr_assert_lt(n, 7);
    cr_assert_str_eq(adb_cypher_string(r, 0), clauses[n]);
    cr_assert_eq(adb_cypher_int(r, 1), rows[n], "%s: %lld", clauses[n],
                 (long long)adb_cypher_int(r, 1));
    cr_assert_geq(adb_cypher_float(r, 2), 0.0);
    n++;
  }
  cr_assert_eq(n, 7);
  adb_cypher_free(r);
  ROWS(db, "MATCH (p:P) RETURN count(*)", "2\n");
  cypher_refused(db, "PROFILE", NULL, "SyntaxError", NULL, NULL);
  adb_close(db);
}

/* id() is the element's row id in this file: the same in every query, and a new element's is
 * new; elementId() is the id every replica shares. */
Test(cypher, id_is_stable_across_queries) {
  adb *db = open_tmp(0, NULL);
  char *made = cypher_rows(db, "CREATE (a:A {k: 1})-[r:R]->(b:B) RETURN id(a), id(r), id(b)", NULL, 0);
  char *again = cypher_rows(db, "MATCH (b:B) MATCH (a:A)-[r:R]->(b) RETURN id(a), id(r), id(b)",
                            NULL, 0);
  cr_assert_str_eq(made, again);
  free(made);
  free(again);
  ROWS(db, "MATCH (a:A) CREATE (c:C) RETURN id(c) > id(a), id(c) <> id(a)", "true|true\n");
  ROWS(db, "MATCH (a:A) WITH id(a) AS i MATCH (n) WHERE id(n) = i RETURN n.k", "1\n");
  ROWS(db, "MATCH (a:A) DETACH DELETE a", "");
  ROWS(db, "CREATE (d:D) WITH d MATCH (n) RETURN count(DISTINCT id(n))", "3\n");
  adb_close(db);
}

/* Writes text to dir/name. */
static void put_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

/* LOAD CSV reads a file under the import directory only: records as lists, or maps under the
 * header; quoted fields with the delimiter, empty fields null unless quoted; FIELDTERMINATOR;
 * and every way to fail named, with nothing written. */
Test(cypher, load_csv) {
  adb *db = open_tmp(0, NULL);
  char dir[] = "/tmp/adb-csv-XXXXXX", sub[64];
  cr_assert(mkdtemp(dir));
  snprintf(sub, sizeof sub, "%s/in", dir);
  cr_assert_eq(mkdir(sub, 0700), 0);
  put_file(sub, "people.csv", "\xEF\xBB\xBFname,age\r\nAda,36\r\n\"Bob, Jr.\",\r\n\"\",7\r\n");
  put_file(sub, "semi.csv", "a;b\n1;2\n3;4\n");
  put_file(sub, "bad.csv", "x\n\"open quote\n");
  put_file(dir, "secret.csv", "s\n1\n");
  cypher_refused(db, "LOAD CSV FROM 'file:///people.csv' AS r RETURN r", NULL,
                 "ExternalResourceError", "ExternalResourceFailed", "no import directory");
  cr_assert_eq(adb_set_import_dir(db, "/nonexistent/dir"), ADB_NOTFOUND);
  cr_assert_eq(adb_set_import_dir(db, sub), ADB_OK);
  ROWS(db, "LOAD CSV FROM 'file:///people.csv' AS r RETURN r",
       "['name', 'age']\n['Ada', '36']\n['Bob, Jr.', null]\n['', '7']\n");
  ROWS(db, "LOAD CSV WITH HEADERS FROM 'file:///people.csv' AS r RETURN r.name, r.age",
       "'Ada'|'36'\n'Bob, Jr.'|null\n''|'7'\n");
  ROWS(db, "UNWIND ['semi.csv', 'semi.csv'] AS f LOAD CSV WITH HEADERS FROM 'file:///' + f AS r "
           "FIELDTERMINATOR ';' CREATE (:S {a: toInteger(r.a), b: r.b}) RETURN count(*)", "4\n");
  ROWS(db, "MATCH (s:S) RETURN sum(s.a)", "8\n");
  static const char *bad[][2] = {
      {"LOAD CSV FROM 'file:///bad.csv' AS r RETURN r", "is not CSV"},
      {"LOAD CSV FROM 'file:///../secret.csv' AS r RETURN r", "outside the import directory"},
      {"LOAD CSV FROM 'file:///nope.csv' AS r RETURN r", "no such file"},
      {"LOAD CSV FROM 'https://example.com/x.csv' AS r RETURN r", "file:/// URLs only"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cypher_refused(db, bad[i][0], NULL, "ExternalResourceError", "ExternalResourceFailed", bad[i][1]);
  cypher_refused(db, "CREATE (:T) WITH 1 AS one LOAD CSV FROM 'file:///nope.csv' AS r RETURN r",
                 NULL, "ExternalResourceError", NULL, NULL);
  cypher_refused(db, "LOAD CSV FROM 7 AS r RETURN r", NULL, "TypeError", NULL, "URL");
  cypher_refused(db, "LOAD CSV FROM 'file:///semi.csv' AS r FIELDTERMINATOR ';;' RETURN r", NULL,
                 "SyntaxError", NULL, "one character");
  cypher_refused(db, "WITH 1 AS r LOAD CSV FROM 'file:///semi.csv' AS r RETURN r", NULL,
                 "SyntaxError", "VariableAlreadyBound", NULL);
  ROWS(db, "MATCH (t:T) RETURN count(*)", "0\n");
  cr_assert_eq(adb_set_import_dir(db, NULL), ADB_OK);
  cypher_refused(db, "LOAD CSV FROM 'file:///semi.csv' AS r RETURN r", NULL,
                 "ExternalResourceError", NULL, "no import directory");
  adb_close(db);
}
