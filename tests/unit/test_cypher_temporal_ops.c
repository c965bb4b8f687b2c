/* test_cypher_temporal_ops.c — Cypher temporal values: arithmetic, components, comparison,
 * ordering, and their round trip through stored node properties. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* The values of column 0 of every row, as TCK text joined with " ". */
static char *column(adb *db, const char *query) {
  adb_cypher *r;
  cr_assert_eq(adb_cypher_run(db, query, NULL, &r), ADB_OK, "%s: %s", query, adb_errmsg(db));
  char *out = calloc(1, 4096);
  while (adb_cypher_next(r) == ADB_ROW) {
    if (*out) strcat(out, " ");
    strcat(out, adb_cypher_text(r, 0, ADB_CYPHER_TCK));
  }
  adb_cypher_free(r);
  return out;
}

#define COLUMN(db, query, want)                                                                  \
  do {                                                                                          \
    char *got_ = column(db, query);                                                             \
    cr_assert_str_eq(got_, want, "%s", query);                                                  \
    free(got_);                                                                                 \
  } while (0)

Test(cypher_temporal_ops, adds_months_clamping_the_day) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "date('2015-01-31') + duration('P1M')", "'2015-02-28'");
  CYPHER_IS(db, "date('2016-01-31') + duration('P1M')", "'2016-02-29'");
  CYPHER_IS(db, "date('2016-02-29') + duration('P1Y')", "'2017-02-28'");
  CYPHER_IS(db, "date('2015-03-31') - duration('P1M')", "'2015-02-28'");
  CYPHER_IS(db, "duration('P1M') + date('2015-01-31')", "'2015-02-28'");
  /* Months first, then days: Jan 31 + 1 month is Feb 28, + 1 day is Mar 1. */
  CYPHER_IS(db, "date('2015-01-31') + duration('P1M1D')", "'2015-03-01'");
  adb_close(db);
}

Test(cypher_temporal_ops, negative_durations_and_wrapping) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "localtime('00:00:01') - duration('PT2S')", "'23:59:59'");
  CYPHER_IS(db, "localtime('23:00') + duration('P3DT2H')", "'01:00'");
  CYPHER_IS(db, "datetime('2015-12-31T23:59:59Z') + duration('PT1S')", "'2016-01-01T00:00Z'");
  CYPHER_IS(db, "localdatetime('2015-01-01T00:00') + duration('PT-0.5S')",
            "'2014-12-31T23:59:59.500'");
  /* A date takes only whole days of the seconds: -25 h is one day back. */
  CYPHER_IS(db, "date('2015-01-02') + duration('PT-25H')", "'2015-01-01'");
  CYPHER_IS(db, "date('2015-01-02') + duration('PT23H')", "'2015-01-02'");
  CYPHER_IS(db, "duration('P1M') - duration('P2M1D')", "'P-1M-1D'");
  CYPHER_IS(db, "-duration('PT1.5S')", "'PT-1.5S'");
  CYPHER_IS(db, "duration('PT1S') - duration('PT1.5S')", "'PT-0.5S'");
  adb_close(db);
}

Test(cypher_temporal_ops, multiplies_and_divides_durations) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "duration('PT1.5S') * 3", "'PT4.5S'");
  CYPHER_IS(db, "2 * duration('P1DT0.6S')", "'P2DT1.2S'");
  CYPHER_IS(db, "duration('P1M') / 2", "'P15DT5H14M33S'");
  CYPHER_IS(db, "duration('P1D') * 0.5", "'PT12H'");
  CYPHER_IS(db, "duration('P3D') / 2.0", "'P1DT12H'");
  CYPHER_IS(db, "duration('P1D') * null", "null");
  cypher_refused(db, "RETURN duration('P1D') / 0", NULL, "ArithmeticError", NULL, NULL);
  adb_close(db);
}

Test(cypher_temporal_ops, overflow_is_an_error) {
  adb *db = open_tmp(0, NULL);
  cypher_refused(db, "RETURN duration({months: 9223372036854775807}) * 2", NULL, "ArithmeticError",
                 NULL, NULL);
  cypher_refused(db, "RETURN duration({seconds: 9223372036854775807}) + duration({seconds: 1})",
                 NULL, "ArithmeticError", NULL, NULL);
  cypher_refused(db, "RETURN duration({months: -9223372036854775807}) - duration({months: 2})",
                 NULL, "ArithmeticError", NULL, NULL);
  cypher_refused(db, "RETURN duration({days: 9223372036854775807}) * 1.0e300", NULL,
                 "ArithmeticError", NULL, NULL);
  cypher_refused(db, "RETURN date('2015-01-01') + duration({days: 9223372036854775807})", NULL,
                 "ArithmeticError", NULL, NULL);
  cypher_refused(db, "RETURN date('2015-01-01') + duration({years: 2000000000})", NULL,
                 "ArgumentError", NULL, NULL);
  cypher_refused(db,
                 "RETURN datetime('2015-01-01T00:00Z') + duration({seconds: 9223372036854775807})",
                 NULL, "ArgumentError", NULL, NULL);
  cypher_refused(db, "RETURN duration({seconds: 9223372036854775807}).nanoseconds", NULL,
                 "ArithmeticError", NULL, NULL);
  cypher_refused(db,
                 "RETURN (duration({seconds: -9223372036854775807}) - duration({seconds: 1, "
                 "nanoseconds: 1})).seconds",
                 NULL, "ArithmeticError", NULL, NULL);
  adb_close(db);
}

Test(cypher_temporal_ops, type_errors) {
  adb *db = open_tmp(0, NULL);
  cypher_refused(db, "RETURN date('2015-01-01') + date('2015-01-01')", NULL, "TypeError", NULL,
                 NULL);
  cypher_refused(db, "RETURN date('2015-01-01') * 2", NULL, "TypeError", NULL, NULL);
  cypher_refused(db, "RETURN duration('P1D') - date('2015-01-01')", NULL, "TypeError", NULL, NULL);
  cypher_refused(db, "RETURN duration('P1D') + 1", NULL, "TypeError", NULL, NULL);
  cypher_refused(db, "RETURN date('2015-01-01').hour", NULL, "ArgumentError", NULL, NULL);
  cypher_refused(db, "RETURN localtime('12:00').timezone", NULL, "ArgumentError", NULL, NULL);
  cypher_refused(db, "RETURN duration('P1D').year", NULL, "ArgumentError", NULL, NULL);
  adb_close(db);
}

Test(cypher_temporal_ops, components) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db,
            "[d IN [date('1984-01-01')] | [d.year, d.weekYear, d.week, d.weekDay, d.dayOfWeek]]",
            "[[1984, 1983, 52, 7, 7]]");
  CYPHER_IS(db, "[d IN [date('1984-11-11')] | [d.quarter, d.ordinalDay, d.dayOfQuarter]]",
            "[[4, 316, 42]]");
  CYPHER_IS(
      db,
      "[t IN [time('12:31:14.645876123-01:30')] | [t.hour, t.millisecond, t.microsecond, t.offset, "
      "t.offsetMinutes, t.offsetSeconds]]",
      "[[12, 645, 645876, '-01:30', -90, -5400]]");
  CYPHER_IS(db, "time('12:00Z').timezone", "'Z'");
  CYPHER_IS(db,
            "[d IN [datetime('1970-01-01T01:00:01.5+01:00')] | [d.epochSeconds, d.epochMillis]]",
            "[[1, 1500]]");
  CYPHER_IS(db,
            "[d IN [duration('PT-23H-59M-59.9S')] | [d.seconds, d.nanosecondsOfSecond, d.hours, "
            "d.milliseconds]]",
            "[[-86400, 100000000, -24, -86399900]]");
  CYPHER_IS(
      db,
      "[d IN [duration('P1Y4M10DT1H1M1.111111111S')] | [d.years, d.quarters, d.months, d.weeks, "
      "d.monthsOfQuarter, d.quartersOfYear, d.minutes, d.secondsOfMinute]]",
      "[[1, 5, 16, 1, 1, 1, 61, 1]]");
  CYPHER_IS(db, "date(null).year", "null");
  adb_close(db);
}

Test(cypher_temporal_ops, compares_by_instant) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "time('12:00+01:00') < time('11:30Z')", "true");
  CYPHER_IS(db, "datetime('2015-07-21T23:00-02:00') > datetime('2015-07-22T00:30Z')", "true");
  CYPHER_IS(db, "time('12:00+01:00') = time('11:00Z')", "false");
  CYPHER_IS(db, "date('2015-07-21') = date('2015-07-21')", "true");
  CYPHER_IS(db, "date('2015-07-21') = '2015-07-21'", "false");
  CYPHER_IS(db, "date('2015-07-21') < localdatetime('2015-07-22T00:00')", "null");
  CYPHER_IS(db, "duration('P1D') < duration('P2D')", "null");
  CYPHER_IS(db, "duration('P1D') = duration('PT24H')", "false");
  CYPHER_IS(db, "duration('PT1.5S') = duration('PT1S') + duration('PT0.5S')", "true");
  COLUMN(db,
         "UNWIND [time('10:35-08:00'), time('12:35:15+05:00'), time('12:30+01:01')] AS t RETURN t "
         "ORDER BY t",
         "'12:35:15+05:00' '12:30+01:01' '10:35-08:00'");
  COLUMN(
      db,
      "UNWIND [duration('P1M'), duration('P40D'), duration('PT1S'), 'x', date('2015-01-01')] AS d "
      "RETURN d ORDER BY d",
      "'2015-01-01' 'PT1S' 'P1M' 'P40D' 'x'");
  COLUMN(db, "UNWIND [time('12:00+01:00'), time('12:00+01:00'), time('11:00Z'), duration('P1D'), "
             "duration('P1D')] AS t RETURN count(DISTINCT t)",
         "3");
  COLUMN(db, "UNWIND [date('2015-01-02'), date('2015-01-01'), date('2015-01-01')] AS d "
             "WITH d, count(*) AS n ORDER BY d RETURN [d, n]",
         "['2015-01-01', 2] ['2015-01-02', 1]");
  adb_close(db);
}

Test(cypher_temporal_ops, converts_and_prints) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "toString(date('2015-07-21')) + '|' + toString(duration('P1DT1S'))",
            "'2015-07-21|P1DT1S'");
  CYPHER_IS(db, "date(datetime('2015-07-21T21:40+01:00'))", "'2015-07-21'");
  CYPHER_IS(db, "localtime(datetime('2015-07-21T21:40+01:00'))", "'21:40'");
  CYPHER_IS(db, "datetime(localdatetime('2015-07-21T21:40'))", "'2015-07-21T21:40Z'");
  CYPHER_IS(db, "duration({years: 1.5, months: 0.5})", "'P1Y6M15DT5H14M33S'");
  cypher_refused(db, "RETURN date(localtime('12:00'))", NULL, "ArgumentError", NULL, NULL);
  cypher_refused(db, "RETURN date.truncate('day', '2015-07-21')", NULL, "TypeError", NULL, NULL);
  adb_close(db);
}

Test(cypher_temporal_ops, round_trips_through_the_store) {
  adb *db = open_tmp(0, NULL);
  adb_cypher *r;
  OK(db, adb_cypher_run(
             db,
             "UNWIND [datetime('2015-07-21T21:40:32.142+01:00'), datetime('2015-07-21T21:00Z'), "
             "datetime('2015-07-21T20:00Z')] AS at CREATE (:E {at: at, d: duration('P1DT2.5S'), "
             "s: '2015-07-21', l: [date('2015-01-01'), localtime('12:00')]})",
             NULL, &r));
  adb_cypher_free(r);
  COLUMN(db, "MATCH (e:E) RETURN e.at AS at ORDER BY at",
         "'2015-07-21T20:00Z' '2015-07-21T21:40:32.142+01:00' '2015-07-21T21:00Z'");
  COLUMN(db, "MATCH (e:E) RETURN e.at + e.d AS at ORDER BY at DESC LIMIT 1",
         "'2015-07-22T21:00:02.500Z'");
  COLUMN(db, "MATCH (e:E) RETURN DISTINCT e.l AS l", "['2015-01-01', '12:00']");
  COLUMN(
      db,
      "MATCH (e:E) WHERE e.l[0] = date('2015-01-01') AND e.s <> date('2015-07-21') RETURN count(*)",
      "3");

  OK(db, adb_cypher_run(db, "MATCH (e:E) RETURN e.at, e.d, e.s, e.l[1] ORDER BY e.at LIMIT 1", NULL,
                        &r));
  cr_assert_eq(adb_cypher_next(r), ADB_ROW);
  cr_assert_eq(adb_cypher_kind(r, 0), ADB_CV_TEMPORAL);
  cr_assert_str_eq(adb_cypher_string(r, 0), "2015-07-21T20:00Z");
  cr_assert_str_eq(adb_cypher_text(r, 0, ADB_CYPHER_JSON), "\"2015-07-21T20:00Z\"");
  cr_assert_eq(adb_cypher_kind(r, 1), ADB_CV_DURATION);
  cr_assert_str_eq(adb_cypher_string(r, 1), "P1DT2.5S");
  cr_assert_eq(adb_cypher_kind(r, 2), ADB_CV_STRING);
  cr_assert_str_eq(adb_cypher_string(r, 2), "2015-07-21");
  cr_assert_eq(adb_cypher_kind(r, 3), ADB_CV_TEMPORAL);
  cr_assert_str_eq(adb_cypher_string(r, 3), "12:00");
  adb_cypher_free(r);

  /* SQL reads the stored text under the kind's key; plain strings stay strings. */
  cr_assert_eq(
      sql_int(db,
              "SELECT count(*) FROM nodes WHERE json_extract(properties, '$.at.\"$datetime\"') = "
              "'2015-07-21T21:40:32.142+01:00' AND json_extract(properties, '$.d.\"$duration\"') = "
              "'P1DT2.5S' AND json_extract(properties, '$.s') = '2015-07-21' AND "
              "json_extract(properties, '$.l[0].\"$date\"') = '2015-01-01'"),
      1);
  adb_close(db);
}

Test(cypher_temporal_ops, stored_objects_that_are_not_temporals_stay_maps) {
  adb *db = open_tmp(0, NULL);
  adb_cypher *r;
  OK(db, adb_cypher_run(db, "RETURN $a AS a, $b AS b, $c AS c",
                        "{\"a\": {\"$date\": \"2015-02-30\"}, \"b\": {\"$date\": \"2015-02-03\"}, "
                        "\"c\": {\"$nosuch\": \"x\"}}",
                        &r));
  cr_assert_eq(adb_cypher_next(r), ADB_ROW);
  cr_assert_eq(adb_cypher_kind(r, 0), ADB_CV_MAP);
  cr_assert_eq(adb_cypher_kind(r, 1), ADB_CV_TEMPORAL);
  cr_assert_str_eq(adb_cypher_string(r, 1), "2015-02-03");
  cr_assert_eq(adb_cypher_kind(r, 2), ADB_CV_MAP);
  adb_cypher_free(r);
  adb_close(db);
}
