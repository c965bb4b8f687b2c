/* test_cypher_tz.c — named time zones: cy_tz's offsets from the tz database, and Cypher
 * temporal values in a zone (construction, parsing, selection, truncation, durations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "query/cypher/cy.h"

/* Seconds since the epoch of a UTC (or wall-clock) date and time. */
static int64_t at(int y, int mo, int d, int h, int mi) {
  return cy_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int32_t utc_off(cy_tzc **k, const char *zone, int64_t s) {
  int32_t off = -1;
  cr_assert_eq(cy_tz_offset_at_utc(k, zone, s, &off), 0, "%s", zone);
  return off;
}

static int32_t local_off(cy_tzc **k, const char *zone, int64_t s) {
  int32_t off = -1;
  cr_assert_eq(cy_tz_offset_at_local(k, zone, s, &off), 0, "%s", zone);
  return off;
}

Test(cypher_tz, offsets_follow_dst_and_history) {
  cy_tzc *k = NULL;
  cr_assert_eq(utc_off(&k, "Europe/Stockholm", at(2017, 1, 15, 12, 0)), 3600);
  cr_assert_eq(utc_off(&k, "Europe/Stockholm", at(2017, 7, 1, 12, 0)), 7200);
  /* 1984: summer time ended on the last Sunday of September (30th), 01:00 UTC. */
  cr_assert_eq(utc_off(&k, "Europe/Stockholm", at(1984, 9, 30, 0, 59)), 7200);
  cr_assert_eq(utc_off(&k, "Europe/Stockholm", at(1984, 9, 30, 1, 0)), 3600);
  cr_assert_eq(utc_off(&k, "Europe/Stockholm", at(1818, 7, 21, 12, 0)), 3208); /* local mean time */
  cr_assert_eq(utc_off(&k, "America/New_York", at(2015, 7, 21, 12, 0)), -4 * 3600);
  cr_assert_eq(utc_off(&k, "Pacific/Honolulu", at(1984, 10, 28, 12, 0)), -10 * 3600);
  cr_assert_eq(utc_off(&k, "Australia/Eucla", at(2015, 7, 21, 12, 0)), 8 * 3600 + 45 * 60);
  cy_tz_free(k);
}

Test(cypher_tz, wall_clock_gap_and_overlap_take_the_earlier_offset) {
  cy_tzc *k = NULL;
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 7, 1, 12, 0)), 7200);
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 3, 26, 1, 59)), 3600);
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 3, 26, 2, 30)), 3600); /* gap */
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 3, 26, 3, 0)), 7200);
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 10, 29, 2, 30)), 7200); /* overlap */
  cr_assert_eq(local_off(&k, "Europe/Stockholm", at(2017, 10, 29, 3, 0)), 3600);
  cy_tz_free(k);
}

Test(cypher_tz, unknown_ids_are_refused) {
  cy_tzc *k = NULL;
  int32_t off = 7;
  cr_assert_eq(cy_tz_valid(&k, "Europe/Stockholm"), 0);
  cr_assert_eq(cy_tz_valid(&k, "Nowhere/Atlantis"), CY_TZ_UNKNOWN);
  cr_assert_eq(cy_tz_valid(&k, "europe/stockholm"), CY_TZ_UNKNOWN);
  cr_assert_eq(cy_tz_valid(&k, ""), CY_TZ_UNKNOWN);
  cr_assert_eq(cy_tz_valid(&k, "GMT+05:00"), CY_TZ_UNKNOWN); /* ICU's custom ids are not tz ids */
  cr_assert_eq(cy_tz_offset_at_utc(&k, "Nowhere/Atlantis", 0, &off), CY_TZ_UNKNOWN);
  cr_assert_eq(cy_tz_offset_at_local(&k, "Nowhere/Atlantis", 0, &off), CY_TZ_UNKNOWN);
  cr_assert_eq(off, 7);
  cy_tz_free(k);
}

/* More zones than the cache holds: the oldest are closed and reopened on demand. */
Test(cypher_tz, cache_recycles_its_slots) {
  static const char *const zones[] = {"Europe/Stockholm", "Europe/London", "America/New_York",
                                      "Asia/Tokyo", "Australia/Eucla", "Pacific/Honolulu",
                                      "Asia/Kolkata", "America/Sao_Paulo", "Africa/Cairo", "UTC"};
  static const int32_t summer[] = {7200,   3600,  -14400, 32400, 31500,
                                   -36000, 19800, -10800, 7200,  0};
  cy_tzc *k = NULL;
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 10; i++)
      cr_assert_eq(utc_off(&k, zones[i], at(2015, 7, 21, 12, 0)), summer[i], "%s", zones[i]);
  cy_tz_free(k);
}

Test(cypher_tz, datetimes_in_named_zones) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db,
            "datetime({year: 1984, month: 10, day: 11, hour: 12, timezone: 'Europe/Stockholm'})",
            "'1984-10-11T12:00+01:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime({year: 1984, month: 7, day: 11, hour: 12, timezone: 'Europe/Stockholm'})",
     "'1984-07-11T12:00+02:00[Europe/Stockholm]'");
  /* A gap moves the wall clock forward by its length; an overlap takes the earlier offset
   * unless the text names the later one. */
  CYPHER_IS(db,
            "datetime({year: 2017, month: 3, day: 26, hour: 2, minute: 30, timezone: "
            "'Europe/Stockholm'})",
            "'2017-03-26T03:30+02:00[Europe/Stockholm]'");
  CYPHER_IS(db,
            "datetime({year: 2017, month: 10, day: 29, hour: 2, minute: 30, timezone: "
            "'Europe/Stockholm'})",
            "'2017-10-29T02:30+02:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime('2017-10-29T02:30+01:00[Europe/Stockholm]')",
            "'2017-10-29T02:30+01:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime('2015-07-21T21:40:32.142[Europe/London]')",
            "'2015-07-21T21:40:32.142+01:00[Europe/London]'");
  CYPHER_IS(db, "datetime('2015-07-21T21:40:32.142-04[America/New_York]')",
     "'2015-07-21T21:40:32.142-04:00[America/New_York]'");
  /* A wrong offset in the text is taken as the instant, shown at the zone's offset. */
  CYPHER_IS(db, "datetime('2015-07-21T21:40+00:00[Europe/Stockholm]')",
            "'2015-07-21T23:40+02:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime({epochSeconds: 0, timezone: 'Europe/Stockholm'})",
            "'1970-01-01T01:00+01:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime({epochSeconds: 0, timezone: '+05:00'})", "'1970-01-01T05:00+05:00'");
  CYPHER_IS(db, "localdatetime('2015-07-21T21:40[Europe/London]')", "'2015-07-21T21:40'");
  adb_close(db);
}

Test(cypher_tz, selecting_and_truncating_keep_or_move_the_zone) {
  adb *db = open_tmp(0, NULL);
  const char *st =
      "datetime({year: 1984, month: 10, day: 11, hour: 12, timezone: 'Europe/Stockholm'})";
  char e[400];
  snprintf(e, sizeof e, "time(%s)", st); /* a time keeps the offset only */
  CYPHER_IS(db, e, "'12:00+01:00'");
  snprintf(e, sizeof e, "datetime({datetime: %s, month: 7})", st); /* same zone, summer offset */
  CYPHER_IS(db, e, "'1984-07-11T12:00+02:00[Europe/Stockholm]'");
  snprintf(e, sizeof e, "datetime({datetime: %s, timezone: 'Pacific/Honolulu'})",
           st); /* same instant */
  CYPHER_IS(db, e, "'1984-10-11T01:00-10:00[Pacific/Honolulu]'");
  snprintf(e, sizeof e, "datetime({datetime: %s, timezone: '+05:00'})", st);
  CYPHER_IS(db, e, "'1984-10-11T16:00+05:00'");
  CYPHER_IS(db,
            "datetime.truncate('month', datetime({year: 2017, month: 10, day: 30, hour: 12, "
            "timezone: 'Europe/Stockholm'}))",
            "'2017-10-01T00:00+02:00[Europe/Stockholm]'");
  CYPHER_IS(db,
            "datetime.truncate('hour', localdatetime('1984-10-11T12:31'), {timezone: "
            "'Europe/Stockholm'})",
            "'1984-10-11T12:00+01:00[Europe/Stockholm]'");
  /* Within an overlap a changed value keeps its offset while the zone allows it (as Java). */
  CYPHER_IS(db,
            "datetime({datetime: datetime('2017-10-29T02:30+01:00[Europe/Stockholm]'), second: 5})",
            "'2017-10-29T02:30:05+01:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime.truncate('hour', datetime('2017-10-29T02:30+01:00[Europe/Stockholm]'))",
     "'2017-10-29T02:00+01:00[Europe/Stockholm]'");
  CYPHER_IS(db, "datetime.truncate('day', datetime('2017-10-29T02:30+01:00[Europe/Stockholm]'))",
     "'2017-10-29T00:00+02:00[Europe/Stockholm]'");
  adb_close(db);
}

Test(cypher_tz, durations_across_a_dst_change) {
  adb *db = open_tmp(0, NULL);
  CYPHER_IS(db,
            "duration.between(datetime('2017-10-28T23:00+02:00[Europe/Stockholm]'), "
            "datetime('2017-10-29T04:00+01:00[Europe/Stockholm]'))",
            "'PT6H'");
  /* A local value beside a zoned one is read in that zone. */
  CYPHER_IS(db,
            "duration.inSeconds(datetime({year: 2017, month: 10, day: 29, timezone: "
            "'Europe/Stockholm'}), localdatetime('2017-10-29T04:00'))",
            "'PT5H'");
  CYPHER_IS(db,
            "duration.inSeconds(datetime({year: 2017, month: 10, day: 29, timezone: "
            "'Europe/Stockholm'}), date('2017-10-30'))",
            "'PT25H'");
  adb_close(db);
}

/* An unknown zone is an ArgumentError naming it, and a write that meets one changes nothing. */
Test(cypher_tz, unknown_zone_fails_the_query_and_changes_nothing) {
  adb *db = open_tmp(0, NULL);
  static const char *const queries[] = {
      "CREATE (:E {at: datetime({year: 2020, timezone: 'Nowhere/Atlantis'})})",
      "CREATE (:E {at: datetime('2020-01-01T00:00[Nowhere/Atlantis]')})",
      "CREATE (:E {at: datetime.truncate('day', date('2020-01-01'), {timezone: "
      "'Nowhere/Atlantis'})})",
      "CREATE (:E {at: time({hour: 1, timezone: 'Nowhere/Atlantis'})})",
  };
  for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
    adb_cypher *r;
    cr_assert_lt(adb_cypher_run(db, queries[i], NULL, &r), 0, "%s", queries[i]);
    const char *t, *ph, *d, *m;
    cr_assert_eq(adb_cypher_error(r, &t, &ph, &d, &m), ADB_OK);
    cr_assert_str_eq(t, "ArgumentError", "%s", queries[i]);
    cr_assert(strstr(m, "'Nowhere/Atlantis' is not a known time zone"), "%s: %s", queries[i], m);
    adb_cypher_free(r);
  }
  cr_assert_eq(sql_int(db, "SELECT count(*) FROM nodes"), 0);
  adb_close(db);
}

/* A zoned datetime's components, arithmetic and equality keep its zone: months and days move
 * the wall clock (then the zone gives the offset), hours move the instant. */
Test(cypher_tz, zoned_values_in_arithmetic_and_comparison) {
  adb *db = open_tmp(0, NULL);
  const char *d =
      "datetime({year: 1984, month: 10, day: 11, hour: 12, timezone: 'Europe/Stockholm'})";
  char e[256];
  snprintf(e, sizeof e, "%s.timezone", d);
  CYPHER_IS(db, e, "'Europe/Stockholm'");
  snprintf(e, sizeof e, "%s.offset", d);
  CYPHER_IS(db, e, "'+01:00'");
  snprintf(e, sizeof e, "%s + duration('P6M')", d);
  CYPHER_IS(db, e, "'1985-04-11T12:00+02:00[Europe/Stockholm]'");
  snprintf(e, sizeof e, "%s + duration('PT4380H')", d);
  CYPHER_IS(db, e, "'1985-04-12T01:00+02:00[Europe/Stockholm]'");
  snprintf(e, sizeof e, "%s - duration('P6M')", d);
  CYPHER_IS(db, e, "'1984-04-11T12:00+02:00[Europe/Stockholm]'");
  snprintf(e, sizeof e, "%s = datetime('1984-10-11T12:00+01:00')", d);
  CYPHER_IS(db, e, "false");
  snprintf(e, sizeof e, "%s = datetime('1984-10-11T12:00+01:00[Europe/Stockholm]')", d);
  CYPHER_IS(db, e, "true");
  CYPHER_IS(db,
            "size(collect(DISTINCT datetime('2020-01-01T00:00Z')) + collect(DISTINCT "
            "datetime('2020-01-01T00:00[UTC]')))",
            "2");
  adb_close(db);
}
