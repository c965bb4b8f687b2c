/* test_cypher_temporal.c — Cypher dates and times: ISO 8601 parsing, normalising, truncation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Asserts `RETURN expr` fails with an ArgumentError. */
static void bad(adb *db, const char *expr) {
  char q[512];
  snprintf(q, sizeof q, "RETURN %s", expr);
  cypher_refused(db, q, NULL, "ArgumentError", NULL, NULL);
}

Test(cypher_temporal, parses_iso_strings) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "date('2015W302')", "'2015-07-21'");
  CYPHER_IS(db, "date('2015-202')", "'2015-07-21'");
  CYPHER_IS(db, "date('201507')", "'2015-07-01'");
  CYPHER_IS(db, "date('2015')", "'2015-01-01'");
  CYPHER_IS(db, "localtime('214032.142')", "'21:40:32.142'");
  CYPHER_IS(db, "localtime('21')", "'21:00'");
  CYPHER_IS(db, "time('2140-00:00')", "'21:40Z'");
  CYPHER_IS(db, "time('22+18:00')", "'22:00+18:00'");
  CYPHER_IS(db, "localdatetime('2015-W30T2140')", "'2015-07-20T21:40'");
  CYPHER_IS(db, "datetime('2015T214032-0100')", "'2015-01-01T21:40:32-01:00'");
  CYPHER_IS(db, "datetime('2015-07-21')", "'2015-07-21T00:00Z'");
  CYPHER_IS(db, "date(null)", "null");
  CYPHER_IS(db, "time({hour: 12, minute: 34, second: 56, timezone: '-02:05:07'})",
            "'12:34:56-02:05:07'");
  CYPHER_IS(db, "time('12:00+02:05:59')", "'12:00+02:05:59'");
  CYPHER_IS(db, "datetime.fromepoch(416779, 999999999)", "'1970-01-05T19:46:19.999999999Z'");
  CYPHER_IS(db, "datetime.fromepochmillis(-1)", "'1969-12-31T23:59:59.999Z'");
  CYPHER_IS(db, "datetime({epochSeconds: -1, nanosecond: 5})", "'1969-12-31T23:59:59.000000005Z'");
  bad(db, "date('2015-13-01')");
  bad(db, "date('2015-02-30')");
  bad(db, "localtime('25:00')");
  bad(db, "datetime('2015-07-21T21:40[Nowhere/Atlantis]')");
  adb_close(db);
}

Test(cypher_temporal, truncates) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "date.truncate('millennium', date({year: 2017, month: 10, day: 11}), {day: 2})",
            "'2000-01-02'");
  CYPHER_IS(db, "date.truncate('weekYear', date({year: 1984, month: 1, day: 1}))", "'1983-01-03'");
  CYPHER_IS(db, "date.truncate('quarter', date('1984-11-11'))", "'1984-10-01'");
  CYPHER_IS(db, "date.truncate('week', date('1984-10-11'), {dayOfWeek: 2})", "'1984-10-09'");
  CYPHER_IS(db,
            "datetime.truncate('millisecond', datetime('1984-10-11T12:31:14.645876123+01:00'), "
            "{nanosecond: 2})",
            "'1984-10-11T12:31:14.645000002+01:00'");
  CYPHER_IS(db, "datetime.truncate('day', date('1984-10-11'), {timezone: '+01:00'})",
            "'1984-10-11T00:00+01:00'");
  CYPHER_IS(db, "localtime.truncate('minute', time('12:31:14+01:00'))", "'12:31'");
  CYPHER_IS(db, "time.truncate('day', localtime('12:31:14'))", "'00:00Z'");
  bad(db, "date.truncate('hour2', date('1984-10-11'))");
  bad(db, "date.truncate('year', localtime('12:00'))");
  adb_close(db);
}

Test(cypher_temporal, selects_from_other_values) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "date({date: date('1984-11-11'), week: 1})", "'1984-01-08'");
  CYPHER_IS(db, "date({date: date('1984-11-11'), quarter: 3})", "'1984-08-11'");
  CYPHER_IS(db, "date({date: localdatetime('1984-11-11T12:00'), year: 28})", "'0028-11-11'");
  CYPHER_IS(db, "datetime({date: date('1984-10-11'), time: localtime('12:31:14.645876123')})",
     "'1984-10-11T12:31:14.645876123Z'");
  CYPHER_IS(db, "datetime({datetime: datetime('1984-10-11T12:00+01:00'), timezone: '+05:00'})",
            "'1984-10-11T16:00+05:00'");
  CYPHER_IS(db, "localtime({time: time('12:31:14.5+01:00'), second: 42})", "'12:31:42.500'");
  bad(db, "date({date: localtime('12:00')})");
  CYPHER_IS(db, "datetime.statement(null)", "null");
  bad(db, "date.transaction('+01:00')");
  adb_close(db);
}

Test(cypher_temporal, durations) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "duration({months: 0.75})", "'P22DT19H51M49.5S'");
  CYPHER_IS(db, "duration({weeks: 2.5})", "'P17DT12H'");
  CYPHER_IS(db, "duration({years: 12, months: 5, days: 14, hours: 16, minutes: 12, seconds: 70})",
            "'P12Y5M14DT16H13M10S'");
  CYPHER_IS(db, "duration({days: 14, seconds: 70, nanoseconds: 1})", "'P14DT1M10.000000001S'");
  CYPHER_IS(db, "duration('P5M1.5D')", "'P5M1DT12H'");
  CYPHER_IS(db, "duration('PT0.75M')", "'PT45S'");
  CYPHER_IS(db, "duration('P2012-02-02T14:37:21.545')", "'P2012Y2M2DT14H37M21.545S'");
  CYPHER_IS(db, "duration({})", "'PT0S'");
  CYPHER_IS(db, "duration(null)", "null");
  bad(db, "duration('P1Q')");
  bad(db, "duration('1D')");
  bad(db, "duration({fortnights: 1})");
  bad(db, "duration({hours: 9223372036854775807})");
  bad(db, "duration('PT99999999999999999999S')");
  adb_close(db);
}

Test(cypher_temporal, between) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db, "duration.between(date('1984-10-11'), date('2015-06-24'))", "'P30Y8M13D'");
  CYPHER_IS(db, "duration.between(localdatetime('2015-07-21T21:40:32.142'), date('2015-06-24'))",
            "'P-27DT-21H-40M-32.142S'");
  CYPHER_IS(db,
            "duration.between(datetime('2014-07-21T21:40:36.143+0200'), "
            "datetime('2015-07-21T21:40:32.142+0100'))",
            "'P1YT59M55.999S'");
  CYPHER_IS(db, "duration.between(time('14:30'), time('16:30+0100'))", "'PT1H'");
  CYPHER_IS(db, "duration.inMonths(date('1984-10-11'), date('2015-06-24'))", "'P30Y8M'");
  CYPHER_IS(db, "duration.inDays(date('1984-10-11'), date('2015-06-24'))", "'P11213D'");
  CYPHER_IS(db, "duration.inSeconds(date('1984-10-11'), date('2015-06-24'))", "'PT269112H'");
  CYPHER_IS(db, "duration.inDays(date('1984-10-11'), localtime('16:30'))", "'PT0S'");
  CYPHER_IS(db, "duration.between(null, date('2015-06-24'))", "null");
  adb_close(db);
}

/* The current time is read once per statement: every call in one query sees the same instant,
 * however long the query runs between them. */
Test(cypher_temporal, now_is_fixed_per_statement) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db,
            "reduce(s = true, t IN [x IN range(1, 300000) | localdatetime()] | s AND t = "
            "localdatetime())",
            "true");
  CYPHER_IS(db, "duration.inSeconds(localtime(), localtime())", "'PT0S'");
  adb_close(db);
}
