/* cy_tz.c — named time zones (IANA ids such as 'Europe/Stockholm') for Cypher's temporal values,
 * read from ICU's copy of the tz database; a build without ICU (the WebAssembly one) has only
 * fixed offsets and says so. */
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"

#ifdef ADB_HAVE_ICU
#include <unicode/ucal.h>
#include <unicode/ustring.h>

/* The zones one query has opened: an ICU calendar is costly to open, a query reuses few. */
#define CY_TZ_SLOTS 8
#define CY_TZ_IDMAX 64
struct cy_tzc {
  int n, next;
  struct {
    char id[CY_TZ_IDMAX];
    UCalendar *cal;
  } z[CY_TZ_SLOTS];
};

/* The calendar of zone from the cache (opening it, and the cache, when needed); returns 0,
 * CY_TZ_UNKNOWN when zone is not a tz database id, or ADB_NOMEM. */
static int zone_cal(cy_tzc **cache, const char *zone, UCalendar **out) {
  cy_tzc *k = *cache;
  for (int i = 0; k && i < k->n; i++)
    if (!strcmp(k->z[i].id, zone)) return *out = k->z[i].cal, 0;
  size_t len = strlen(zone);
  if (!len || len >= CY_TZ_IDMAX) return CY_TZ_UNKNOWN;
  UChar id[CY_TZ_IDMAX], canon[CY_TZ_IDMAX];
  u_uastrncpy(id, zone, CY_TZ_IDMAX);
  UBool system = 0;
  UErrorCode e = U_ZERO_ERROR;
  /* ICU silently opens GMT for an id it does not know: ask whether it is a real one first. */
  ucal_getCanonicalTimeZoneID(id, (int32_t)len, canon, CY_TZ_IDMAX, &system, &e);
  if (U_FAILURE(e) || !system) return CY_TZ_UNKNOWN;
  UCalendar *cal = ucal_open(id, (int32_t)len, "en_US@calendar=gregorian", UCAL_GREGORIAN, &e);
  if (U_FAILURE(e)) return e == U_MEMORY_ALLOCATION_ERROR ? ADB_NOMEM : CY_TZ_UNKNOWN;
  if (!k && !(k = *cache = calloc(1, sizeof *k))) {
    ucal_close(cal);
    return ADB_NOMEM;
  }
  int slot = k->n;
  if (k->n < CY_TZ_SLOTS) {
    k->n++;
  } else { /* full: replace the zones in turn */
    slot = k->next;
    k->next = (k->next + 1) % CY_TZ_SLOTS;
    ucal_close(k->z[slot].cal);
  }
  memcpy(k->z[slot].id, zone, len + 1);
  k->z[slot].cal = cal;
  *out = cal;
  return 0;
}

int cy_tz_valid(cy_tzc **cache, const char *zone) {
  UCalendar *cal;
  return zone_cal(cache, zone, &cal);
}

int cy_tz_offset_at_utc(cy_tzc **cache, const char *zone, int64_t utc_s, int32_t *off) {
  UCalendar *cal;
  int rc = zone_cal(cache, zone, &cal);
  if (rc) return rc;
  UErrorCode e = U_ZERO_ERROR;
  ucal_setMillis(cal, (UDate)utc_s * 1000.0, &e);
  int32_t raw = ucal_get(cal, UCAL_ZONE_OFFSET, &e), dst = ucal_get(cal, UCAL_DST_OFFSET, &e);
  if (U_FAILURE(e)) return CY_TZ_RANGE;
  *off = (raw + dst) / 1000;
  return 0;
}

int cy_tz_offset_at_local(cy_tzc **cache, const char *zone, int64_t local_s, int32_t *off) {
  UCalendar *cal;
  int rc = zone_cal(cache, zone, &cal);
  if (rc) return rc;
  UErrorCode e = U_ZERO_ERROR;
  int32_t raw = 0, dst = 0;
  /* The calendar's time read as a wall-clock time. Java's rules: a time in a gap takes the
   * offset before it (so it moves forward by the gap), one in an overlap the earlier offset;
   * in both cases that is the offset in force before the transition. */
  ucal_setMillis(cal, (UDate)local_s * 1000.0, &e);
  ucal_getTimeZoneOffsetFromLocal(cal, UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER, &raw, &dst, &e);
  if (U_FAILURE(e)) return CY_TZ_RANGE;
  *off = (raw + dst) / 1000;
  return 0;
}

void cy_tz_free(cy_tzc *cache) {
  if (!cache) return;
  for (int i = 0; i < cache->n; i++) ucal_close(cache->z[i].cal);
  free(cache);
}

#else /* no tz database in this build */

int cy_tz_valid(cy_tzc **cache, const char *zone) { return CY_TZ_UNAVAILABLE; }

int cy_tz_offset_at_utc(cy_tzc **cache, const char *zone, int64_t utc_s, int32_t *off) {
  return CY_TZ_UNAVAILABLE;
}

int cy_tz_offset_at_local(cy_tzc **cache, const char *zone, int64_t local_s, int32_t *off) {
  return CY_TZ_UNAVAILABLE;
}

void cy_tz_free(cy_tzc *cache) {}

#endif

/* Fails the query for a status rc of the functions above about zone. */
static void tz_fail(cy_ctx *c, int rc, const char *zone) __attribute__((noreturn));
static void tz_fail(cy_ctx *c, int rc, const char *zone) {
  if (rc == ADB_NOMEM) cy_fail(c, "MemoryError", "runtime", "", "out of memory");
  if (rc == CY_TZ_UNAVAILABLE)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "time zone '%s': named time zones are not available in this build", zone);
  if (rc == CY_TZ_RANGE)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "the date is out of range for time zone '%s'", zone);
  cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "'%s' is not a known time zone", zone);
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Seconds since the epoch of t's date and time read as UTC (whole seconds, rounded down). */
static int64_t local_secs(const cy_tv *t) { return t->days * 86400 + floor_div(t->ns, 1000000000); }

/* The offset of zone now. */
static int64_t offset_now(cy_ctx *c, const char *zone) {
  int32_t off = 0;
  int rc = cy_tz_offset_at_utc(&c->tz, zone, floor_div(adb__now_ms(c->db), 1000), &off);
  if (rc) tz_fail(c, rc, zone);
  return off;
}

void cy_tz_check(cy_ctx *c, const char *zone) {
  int rc = cy_tz_valid(&c->tz, zone);
  if (rc) tz_fail(c, rc, zone);
}

void cy_tz_local(cy_ctx *c, cy_tv *t) {
  const char *zone = t->zone;
  if (!t->has_date) { /* a time of day has no date to pick a rule: the offset in force now */
    t->off = offset_now(c, zone);
    t->zone = NULL;
    return;
  }
  int32_t off = 0;
  int rc = cy_tz_offset_at_local(&c->tz, zone, local_secs(t), &off);
  if (rc) tz_fail(c, rc, zone);
  /* In a gap the offset is the one before it, so the wall clock moves forward by the gap. */
  int32_t after = 0;
  rc = cy_tz_offset_at_utc(&c->tz, zone, local_secs(t) - off, &after);
  if (rc) tz_fail(c, rc, zone);
  t->ns += (int64_t)(after - off) * 1000000000LL;
  t->off = after;
  while (t->ns < 0) t->ns += 86400000000000LL, t->days--;
  while (t->ns >= 86400000000000LL) t->ns -= 86400000000000LL, t->days++;
}

void cy_tz_keep(cy_ctx *c, cy_tv *t) {
  if (t->has_date) {
    int32_t off = 0;
    int rc = cy_tz_offset_at_utc(&c->tz, t->zone, local_secs(t) - t->off, &off);
    if (rc) tz_fail(c, rc, t->zone);
    if (off == t->off) return; /* still valid at the new time, as in an overlap */
  }
  cy_tz_local(c, t);
}

void cy_tz_move(cy_ctx *c, cy_tv *t, const char *zone, int64_t off) {
  if (zone && t->has_date) {
    int32_t o = 0;
    int rc = cy_tz_offset_at_utc(&c->tz, zone, local_secs(t) - t->off, &o);
    if (rc) tz_fail(c, rc, zone);
    off = o;
  } else if (zone) {
    off = offset_now(c, zone);
  }
  t->ns += (off - t->off) * 1000000000LL;
  while (t->ns < 0) t->ns += 86400000000000LL, t->days--;
  while (t->ns >= 86400000000000LL) t->ns -= 86400000000000LL, t->days++;
  if (!t->has_date) t->days = 0;
  t->off = off;
  t->zone = t->has_date ? zone : NULL;
}
