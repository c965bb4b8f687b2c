/* cy_temporal.c — date and time constructors. There is no temporal type: like SQLite's date
 * functions, they return ISO 8601 text in Cypher's format, which sorts chronologically within
 * one kind (and one offset). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* ISO day of week, 1 (Monday) to 7. */
static int64_t weekday(int64_t days) {
  int64_t w = (days + 3) % 7;
  return (w < 0 ? w + 7 : w) + 1;
}

static int64_t field(cy_ctx *c, const cy_map *m, const char *key, int64_t def, int *had) {
  const cy_val *v = cy_map_get(m, key);
  if (!v || v->k == CV_NULL) return def;
  if (v->k != CV_INT)
    cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", "the temporal field '%s' must be an integer", key);
  if (had) *had = 1;
  return v->i;
}

/* The date of a map (calendar, week, ordinal or quarter form), as days since the epoch. */
static int64_t map_date(cy_ctx *c, const cy_map *m) {
  int64_t y = field(c, m, "year", 1970, NULL);
  int hw = 0, ho = 0, hq = 0;
  int64_t week = field(c, m, "week", 1, &hw);
  int64_t ord = field(c, m, "ordinalDay", 1, &ho);
  int64_t q = field(c, m, "quarter", 1, &hq);
  if (hw) {
    int64_t jan4 = days_from_civil(y, 1, 4);
    int64_t monday = jan4 - (weekday(jan4) - 1);
    return monday + (week - 1) * 7 + field(c, m, "dayOfWeek", 1, NULL) - 1;
  }
  if (ho) return days_from_civil(y, 1, 1) + ord - 1;
  if (hq) return days_from_civil(y, 3 * (q - 1) + 1, 1) + field(c, m, "dayOfQuarter", 1, NULL) - 1;
  int64_t mo = field(c, m, "month", 1, NULL), d = field(c, m, "day", 1, NULL);
  if (mo < 1 || mo > 12 || d < 1 || d > 31)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "invalid date");
  return days_from_civil(y, mo, d);
}

/* Nanoseconds since midnight of a map. */
static int64_t map_time(cy_ctx *c, const cy_map *m) {
  int64_t h = field(c, m, "hour", 0, NULL), mi = field(c, m, "minute", 0, NULL);
  int64_t s = field(c, m, "second", 0, NULL);
  int64_t ns = field(c, m, "millisecond", 0, NULL) * 1000000 +
               field(c, m, "microsecond", 0, NULL) * 1000 + field(c, m, "nanosecond", 0, NULL);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ns < 0 || ns > 999999999)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "invalid time");
  return ((h * 60 + mi) * 60 + s) * 1000000000 + ns;
}

/* The offset of a map's timezone in seconds; named zones are not supported. */
static int64_t map_offset(cy_ctx *c, const cy_map *m) {
  const cy_val *tz = cy_map_get(m, "timezone");
  if (!tz || tz->k == CV_NULL) return 0;
  if (tz->k != CV_STR) cy_type_err(c, "a timezone must be a string");
  const char *s = tz->s;
  if (!strcmp(s, "Z")) return 0;
  int hh = 0, mm = 0;
  if ((s[0] == '+' || s[0] == '-') && (sscanf(s + 1, "%2d:%2d", &hh, &mm) == 2 || sscanf(s + 1, "%2d%2d", &hh, &mm) == 2 ||
                                       sscanf(s + 1, "%2d", &hh) == 1))
    return (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
  cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "time zone '%s' is not supported", s);
}

static size_t put_date(char *o, size_t n, int64_t days) {
  int64_t y, m, d;
  civil_from_days(days, &y, &m, &d);
  if (y >= 0 && y <= 9999) return (size_t)snprintf(o, n, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
  return (size_t)snprintf(o, n, "%+lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

/* HH:MM[:SS[.fff[fff[fff]]]] */
static size_t put_time(char *o, size_t n, int64_t ns) {
  int64_t secs = ns / 1000000000, frac = ns % 1000000000;
  size_t k = (size_t)snprintf(o, n, "%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60));
  if (secs % 60 || frac) k += (size_t)snprintf(o + k, n - k, ":%02lld", (long long)(secs % 60));
  if (frac) {
    if (frac % 1000000 == 0) k += (size_t)snprintf(o + k, n - k, ".%03lld", (long long)(frac / 1000000));
    else if (frac % 1000 == 0) k += (size_t)snprintf(o + k, n - k, ".%06lld", (long long)(frac / 1000));
    else k += (size_t)snprintf(o + k, n - k, ".%09lld", (long long)frac);
  }
  return k;
}

static size_t put_offset(char *o, size_t n, int64_t off) {
  if (!off) return (size_t)snprintf(o, n, "Z");
  int64_t a = off < 0 ? -off : off;
  return (size_t)snprintf(o, n, "%c%02lld:%02lld", off < 0 ? '-' : '+', (long long)(a / 3600), (long long)(a / 60 % 60));
}

cy_val cy_temporal(cy_ctx *c, const char *fn, cy_val *a, int n) {
  int has_date = strcasecmp(fn, "localtime") && strcasecmp(fn, "time");
  int has_time = strcasecmp(fn, "date") != 0;
  int has_zone = !strcasecmp(fn, "time") || !strcasecmp(fn, "datetime");
  int64_t days, ns, off = 0;
  if (n == 0) {
    int64_t ms = adb__now_ms(c->db);
    days = ms / 86400000;
    ns = ms % 86400000 * 1000000;
  } else if (a[0].k == CV_NULL) {
    return cy_null;
  } else if (a[0].k == CV_STR) {
    return a[0]; /* ISO 8601 text is kept as written */
  } else if (a[0].k == CV_MAP) {
    const cy_map *m = a[0].m;
    int epoch = 0;
    int64_t es = field(c, m, "epochSeconds", 0, &epoch), em = field(c, m, "epochMillis", 0, &epoch);
    if (epoch) {
      int64_t total = es * 1000000000 + em * 1000000 + field(c, m, "nanosecond", 0, NULL);
      days = total / 86400000000000LL;
      ns = total % 86400000000000LL;
      if (ns < 0) {
        ns += 86400000000000LL;
        days--;
      }
    } else {
      days = has_date ? map_date(c, m) : 0;
      ns = has_time ? map_time(c, m) : 0;
    }
    off = has_zone ? map_offset(c, m) : 0;
  } else {
    cy_type_err(c, "%s() takes a map or a string, not a %s", fn, cy_kind_name(a[0].k));
  }
  char buf[96];
  size_t k = 0;
  if (has_date) k += put_date(buf + k, sizeof buf - k, days);
  if (has_date && has_time) buf[k++] = 'T';
  if (has_time) k += put_time(buf + k, sizeof buf - k, ns);
  if (has_zone) k += put_offset(buf + k, sizeof buf - k, off);
  buf[k] = 0;
  return cy_str(cy_strdup(c, buf));
}
