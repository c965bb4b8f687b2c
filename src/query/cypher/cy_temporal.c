/* cy_temporal.c — date and time constructors and truncation: they make temporal values
 * (CV_TEMPORAL, a cy_tv) from maps of fields and ISO 8601 text, and print them back as text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t cy_days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void cy_civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d) {
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

/* The seconds since the epoch of a temporal value stay within this, as its years do. */
#define EPOCH_SECONDS_MAX ((int64_t)CY_YEAR_MAX * 366 * 86400)

/* Fails unless -max <= v <= max: a field or argument NAME out of range. */
static int64_t in_range(cy_ctx *c, const char *name, int64_t v, int64_t max) {
  if (v < -max || v > max)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "the temporal field '%s' is out of range (%lld)",
            name, (long long)v);
  return v;
}

/* The integer field KEY of map M, DEF when it is absent; sets *had when present. Every field
 * is within -max..max, so that no arithmetic on it overflows. */
static int64_t field_upto(cy_ctx *c, const cy_map *m, const char *key, int64_t def, int *had, int64_t max) {
  const cy_val *v = cy_map_get(m, key);
  if (!v || v->k == CV_NULL) return def;
  if (v->k != CV_INT)
    cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType",
            "the temporal field '%s' must be an integer", key);
  if (had) *had = 1;
  return in_range(c, key, v->i, max);
}

/* A field other than the epoch's: none is larger than the largest year. */
static int64_t field(cy_ctx *c, const cy_map *m, const char *key, int64_t def, int *had) {
  return field_upto(c, m, key, def, had, CY_YEAR_MAX);
}

/* The ISO week-based year of a day. */
static int64_t week_year(int64_t days) {
  int64_t y, m, d;
  cy_civil_from_days(days - weekday(days) + 4, &y, &m, &d);
  return y;
}

/* The date of a map (calendar, week, ordinal or quarter form), as days since the epoch; the
 * fields it lacks come from base (a date to select from, or NULL). */
static int64_t map_date(cy_ctx *c, const cy_map *m, const cy_tv *base) {
  int64_t by = 1970, bm = 1, bd = 1, bw = 1, bq = 1;
  if (base) {
    cy_civil_from_days(base->days, &by, &bm, &bd);
    bw = weekday(base->days);
    bq = base->days - cy_days_from_civil(by, (bm - 1) / 3 * 3 + 1, 1) + 1;
  }
  int hw = 0, ho = 0, hq = 0;
  int64_t week = field(c, m, "week", 1, &hw);
  int64_t ord = field(c, m, "ordinalDay", 1, &ho);
  int64_t q = field(c, m, "quarter", 1, &hq);
  if (hw) {
    int64_t y = field(c, m, "year", base ? week_year(base->days) : 1970, NULL);
    int64_t jan4 = cy_days_from_civil(y, 1, 4);
    int64_t monday = jan4 - (weekday(jan4) - 1);
    return monday + (week - 1) * 7 + field(c, m, "dayOfWeek", bw, NULL) - 1;
  }
  int64_t y = field(c, m, "year", by, NULL);
  if (ho) return cy_days_from_civil(y, 1, 1) + ord - 1;
  if (hq)
    return cy_days_from_civil(y, 3 * (q - 1) + 1, 1) + field(c, m, "dayOfQuarter", bq, NULL) - 1;
  int64_t mo = field(c, m, "month", bm, NULL), d = field(c, m, "day", bd, NULL);
  if (mo < 1 || mo > 12 || d < 1 || d > 31)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "invalid date");
  return cy_days_from_civil(y, mo, d);
}

/* Nanoseconds since midnight of a map; the fields it lacks come from base (or NULL), whose
 * fraction of a second is kept unless the map gives one. */
static int64_t map_time(cy_ctx *c, const cy_map *m, const cy_tv *base) {
  int64_t b = base ? base->ns : 0;
  int64_t h = field(c, m, "hour", b / 3600000000000LL, NULL);
  int64_t mi = field(c, m, "minute", b / 60000000000LL % 60, NULL);
  int64_t s = field(c, m, "second", b / 1000000000 % 60, NULL);
  int sub = 0;
  int64_t ns = field(c, m, "millisecond", 0, &sub) * 1000000 +
               field(c, m, "microsecond", 0, &sub) * 1000 + field(c, m, "nanosecond", 0, &sub);
  if (!sub) ns = b % 1000000000;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 || ns < 0 || ns > 999999999)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "invalid time");
  return ((h * 60 + mi) * 60 + s) * 1000000000 + ns;
}

/* A map's timezone: a zone id (checked), or NULL with its offset in seconds in *off. */
static const char *map_tz(cy_ctx *c, const cy_map *m, int64_t *off) {
  const cy_val *tz = cy_map_get(m, "timezone");
  *off = 0;
  if (!tz || tz->k == CV_NULL) return NULL;
  if (tz->k != CV_STR) cy_type_err(c, "a timezone must be a string");
  const char *s = tz->s;
  if (!strcmp(s, "Z")) return NULL;
  int hh = 0, mm = 0, ss = 0;
  if ((s[0] == '+' || s[0] == '-') &&
      (sscanf(s + 1, "%2d:%2d:%2d", &hh, &mm, &ss) >= 2 || sscanf(s + 1, "%2d%2d", &hh, &mm) == 2 ||
       sscanf(s + 1, "%2d", &hh) == 1)) {
    *off = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
    return NULL;
  }
  cy_tz_check(c, s);
  return s;
}

static size_t put_date(char *o, size_t n, int64_t days) {
  int64_t y, m, d;
  cy_civil_from_days(days, &y, &m, &d);
  if (y >= 0 && y <= 9999)
    return (size_t)snprintf(o, n, "%04lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
  return (size_t)snprintf(o, n, "%+lld-%02lld-%02lld", (long long)y, (long long)m, (long long)d);
}

/* HH:MM[:SS[.fff[fff[fff]]]] */
static size_t put_time(char *o, size_t n, int64_t ns) {
  int64_t secs = ns / 1000000000, frac = ns % 1000000000;
  size_t k = (size_t)snprintf(o, n, "%02lld:%02lld", (long long)(secs / 3600),
                              (long long)(secs / 60 % 60));
  if (secs % 60 || frac) k += (size_t)snprintf(o + k, n - k, ":%02lld", (long long)(secs % 60));
  if (frac) {
    if (frac % 1000000 == 0)
      k += (size_t)snprintf(o + k, n - k, ".%03lld", (long long)(frac / 1000000));
    else if (frac % 1000 == 0)
      k += (size_t)snprintf(o + k, n - k, ".%06lld", (long long)(frac / 1000));
    else k += (size_t)snprintf(o + k, n - k, ".%09lld", (long long)frac);
  }
  return k;
}

static size_t put_offset(char *o, size_t n, int64_t off) {
  if (!off) return (size_t)snprintf(o, n, "Z");
  int64_t a = off < 0 ? -off : off;
  if (a % 60)
    return (size_t)snprintf(o, n, "%c%02lld:%02lld:%02lld", off < 0 ? '-' : '+',
                            (long long)(a / 3600), (long long)(a / 60 % 60), (long long)(a % 60));
  return (size_t)snprintf(o, n, "%c%02lld:%02lld", off < 0 ? '-' : '+', (long long)(a / 3600),
                          (long long)(a / 60 % 60));
}

typedef cy_tv tv;

/* Sets the parts a constructor named fn (date, localtime, time, ...) yields. */
static void kind_of(const char *fn, tv *t) {
  t->has_date = strncasecmp(fn, "localtime", 9) && strncasecmp(fn, "time", 4);
  t->has_time = strncasecmp(fn, "date", 4) || !strncasecmp(fn, "datetime", 8);
  t->has_zone = !strncasecmp(fn, "time", 4) || !strncasecmp(fn, "datetime", 8);
}

/* Reads exactly n digits at *s; returns -1 when they are not there. */
static int64_t digits(const char **s, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*s)[i])) return -1;
    v = v * 10 + ((*s)[i] - '0');
  }
  *s += n;
  return v;
}

/* Parses an ISO 8601 date (calendar, week, ordinal, year-month or year form) into days;
 * returns 0, or -1 when s is not one. Stops at 'T' or the end. */
static int parse_date(const char *s, const char **end, int64_t *days) {
  int neg = 0;
  int64_t y;
  if (*s == '+' || *s == '-') {
    neg = *s++ == '-';
    const char *b = s;
    while (isdigit((unsigned char)*s)) s++;
    if (s - b < 4 || s - b > 9) return -1; /* at most CY_YEAR_MAX */
    y = strtoll(b, NULL, 10);
  } else if ((y = digits(&s, 4)) < 0) {
    return -1;
  }
  if (neg) y = -y;
  int dash = *s == '-';
  if (dash) s++;
  int64_t a, b;
  if (*s == 'W') {
    s++;
    if ((a = digits(&s, 2)) < 1 || a > 53) return -1;
    b = 1;
    if (dash && *s == '-') {
      s++;
      if ((b = digits(&s, 1)) < 0) return -1;
    } else if (!dash && isdigit((unsigned char)*s)) {
      b = digits(&s, 1);
    }
    if (b < 1 || b > 7) return -1;
    int64_t jan4 = cy_days_from_civil(y, 1, 4);
    *days = jan4 - (weekday(jan4) - 1) + (a - 1) * 7 + b - 1;
  } else if (!isdigit((unsigned char)*s)) {
    if (dash) return -1;
    *days = cy_days_from_civil(y, 1, 1);
  } else {
    const char *p = s;
    while (isdigit((unsigned char)*p)) p++;
    int nd = (int)(p - s);
    if (nd == 3) {
      a = digits(&s, 3);
      if (a < 1 || a > 366) return -1;
      *days = cy_days_from_civil(y, 1, 1) + a - 1;
    } else {
      if (nd != 2 && !(nd == 4 && !dash)) return -1;
      a = digits(&s, 2);
      b = 1;
      if (nd == 4) b = digits(&s, 2);
      else if (dash && *s == '-') {
        s++;
        if ((b = digits(&s, 2)) < 0) return -1;
      }
      if (a < 1 || a > 12 || b < 1 || b > 31) return -1;
      *days = cy_days_from_civil(y, a, b);
      int64_t yy, mm, dd;
      cy_civil_from_days(*days, &yy, &mm, &dd);
      if (dd != b) return -1;
    }
  }
  *end = s;
  return 0;
}

/* Parses HH[[:]MM[[:]SS[.fffffffff]]] into nanoseconds since midnight; returns 0 or -1. */
static int parse_time(const char *s, const char **end, int64_t *ns) {
  int64_t h = digits(&s, 2), mi = 0, sec = 0, frac = 0;
  if (h < 0 || h > 23) return -1;
  int colon = *s == ':';
  if (colon || isdigit((unsigned char)*s)) {
    s += colon;
    if ((mi = digits(&s, 2)) < 0 || mi > 59) return -1;
    if ((colon && *s == ':') || (!colon && isdigit((unsigned char)*s))) {
      s += colon;
      if ((sec = digits(&s, 2)) < 0 || sec > 59) return -1;
      if (*s == '.' || *s == ',') {
        s++;
        int n = 0;
        for (; isdigit((unsigned char)*s); s++, n++)
          if (n < 9) frac = frac * 10 + (*s - '0');
        if (!n) return -1;
        for (; n < 9; n++) frac *= 10;
      }
    }
  }
  *ns = ((h * 60 + mi) * 60 + sec) * 1000000000 + frac;
  *end = s;
  return 0;
}

/* Parses Z, +HH, +HHMM, +HH:MM or +HH:MM:SS into seconds; returns 0 or -1. */
static int parse_offset(const char *s, const char **end, int64_t *off) {
  if (*s == 'Z') {
    *off = 0;
    *end = s + 1;
    return 0;
  }
  if (*s != '+' && *s != '-') return -1;
  int neg = *s++ == '-';
  int64_t h = digits(&s, 2), m = 0;
  if (h < 0 || h > 18) return -1;
  if (*s == ':') s++;
  if (isdigit((unsigned char)*s) && (m = digits(&s, 2)) < 0) return -1;
  int64_t sec = 0;
  if (s[0] == ':' && isdigit((unsigned char)s[1])) {
    s++;
    if ((sec = digits(&s, 2)) < 0) return -1;
  }
  if (m > 59 || sec > 59) return -1;
  *off = (neg ? -1 : 1) * (h * 3600 + m * 60 + sec);
  *end = s;
  return 0;
}

/* Parses ISO 8601 text into t; which parts the text holds is read from its shape, and a
 * text without 'T' is a date when want_date and a time otherwise. A zone id in brackets after
 * the time ('...+01:00[Europe/Stockholm]') sets the offset: the one in force at the instant
 * the text's offset gives, else at its wall-clock time. Returns 0, or -1 when the text is not
 * ISO 8601; fails the query for an unknown zone. */
static int parse_iso(cy_ctx *c, const char *s, int want_date, tv *t) {
  memset(t, 0, sizeof *t);
  const char *e = s;
  if (strchr(s, 'T') || want_date) {
    if (parse_date(s, &e, &t->days) < 0) return -1;
    t->has_date = 1;
    if (*e == 'T') e++;
    else if (*e) return -1;
  }
  if (*e || !t->has_date) {
    if (parse_time(e, &e, &t->ns) < 0) return -1;
    t->has_time = 1;
    int has_off = *e && *e != '[';
    if (has_off && parse_offset(e, &e, &t->off) < 0) return -1;
    t->has_zone = has_off;
    if (*e == '[') {
      const char *close = strchr(e, ']');
      if (!close || close[1] || close == e + 1) return -1;
      const char *zone = cy_strndup(c, e + 1, (size_t)(close - e - 1));
      e = close + 1;
      t->has_zone = 1;
      if (has_off) {
        cy_tz_move(c, t, zone, 0);
      } else {
        t->zone = zone;
        cy_tz_local(c, t);
      }
    }
  }
  return *e ? -1 : 0;
}

/* Converts t to the parts of want (the time of a date is midnight, the offset of a local
 * value is UTC, as Cypher does). */
static void convert(tv *t, const tv *want) {
  if (!t->has_time) t->ns = 0;
  if (!t->has_zone) t->off = 0;
  if (!want->has_date) t->days = 0;
  t->has_date = want->has_date;
  t->has_time = want->has_time;
  t->has_zone = want->has_zone;
  if (!t->has_zone) t->off = 0;
  if (!t->has_zone || !t->has_date) t->zone = NULL;
}

/* The ISO 8601 text of t, in the query's arena. */
const char *cy_tv_text(cy_ctx *c, const tv *t) {
  char buf[192];
  size_t k = 0;
  if (t->has_date) k += put_date(buf + k, sizeof buf - k, t->days);
  if (t->has_date && t->has_time) buf[k++] = 'T';
  if (t->has_time) k += put_time(buf + k, sizeof buf - k, t->ns);
  if (t->has_zone) k += put_offset(buf + k, sizeof buf - k, t->off);
  if (t->has_zone && t->zone) k += (size_t)snprintf(buf + k, sizeof buf - k, "[%s]", t->zone);
  buf[k] = 0;
  return cy_strdup(c, buf);
}

/* t as a temporal value. */
static cy_val format_tv(cy_ctx *c, const tv *t) { return cy_temporal_val(c, t); }

tv cy_tv_arg(cy_ctx *c, const char *fn, cy_val v) {
  if (v.k != CV_TEMPORAL)
    cy_type_err(c, "%s() needs a temporal value, not a %s", fn, cy_kind_name(v.k));
  return *v.tv;
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}
/* a modulo b with the sign of b; from a % b, since floor_div(a, b) * b can overflow. */
static int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/* Sets t's day and time to secs seconds and nanos nanoseconds after the epoch (UTC). */
static void at_epoch(int64_t secs, int64_t nanos, tv *t) {
  secs += floor_div(nanos, 1000000000);
  nanos = floor_mod(nanos, 1000000000);
  t->days = floor_div(secs, 86400);
  t->ns = floor_mod(secs, 86400) * 1000000000 + nanos;
}

/* date.truncate(unit, value[, map]) and its kin: value cut down to unit, then the map's
 * fields set (day, dayOfWeek and timezone replace, finer fields are added to the cut value). */
static cy_val truncate(cy_ctx *c, const char *fn, cy_val *a, int n) {
  if (a[0].k == CV_NULL || a[1].k == CV_NULL) return cy_null;
  if (a[0].k != CV_STR) cy_type_err(c, "%s() needs a unit string", fn);
  tv want, t = cy_tv_arg(c, fn, a[1]);
  kind_of(fn, &want);
  const char *u = a[0].s;
  int64_t y, m, d;
  cy_civil_from_days(t.days, &y, &m, &d);
  static const char *const date_units[] = {"millennium", "century", "decade", "year", "weekYear",
                                            "quarter", "month", "week", "day", NULL};
  static const char *const time_units[] = {"hour",        "minute",      "second",
                                           "millisecond", "microsecond", NULL};
  static const int64_t time_ns[] = {3600000000000LL, 60000000000LL, 1000000000LL, 1000000LL,
                                    1000LL};
  int ui = -1, is_date = 0;
  for (int i = 0; date_units[i]; i++)
    if (!strcmp(u, date_units[i])) ui = i, is_date = 1;
  for (int i = 0; ui < 0 && time_units[i]; i++)
    if (!strcmp(u, time_units[i])) ui = i;
  if (ui < 0 || (is_date && ui != 8 && (!t.has_date || !want.has_date)))
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "cannot truncate to '%s' in %s()", u, fn);
  if (is_date) {
    t.ns = 0;
    switch (ui) {
    case 0: t.days = cy_days_from_civil(floor_div(y, 1000) * 1000, 1, 1); break;
    case 1: t.days = cy_days_from_civil(floor_div(y, 100) * 100, 1, 1); break;
    case 2: t.days = cy_days_from_civil(floor_div(y, 10) * 10, 1, 1); break;
    case 3: t.days = cy_days_from_civil(y, 1, 1); break;
    case 4: {
      int64_t thursday = t.days - weekday(t.days) + 4, wy, wm, wd;
      cy_civil_from_days(thursday, &wy, &wm, &wd);
      int64_t jan4 = cy_days_from_civil(wy, 1, 4);
      t.days = jan4 - (weekday(jan4) - 1);
      break;
    }
    case 5: t.days = cy_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1); break;
    case 6: t.days = cy_days_from_civil(y, m, 1); break;
    case 7: t.days -= weekday(t.days) - 1; break;
    default: break;
    }
  } else {
    t.ns -= t.ns % time_ns[ui];
  }
  if (!t.has_zone) t.off = 0;
  convert(&t, &want);
  if (n > 2 && a[2].k == CV_MAP) {
    const cy_map *mp = a[2].m;
    int had = 0;
    int64_t v = field(c, mp, "day", 0, &had);
    if (had) {
      cy_civil_from_days(t.days, &y, &m, &d);
      t.days = cy_days_from_civil(y, m, v);
    }
    had = 0;
    v = field(c, mp, "dayOfWeek", 0, &had);
    if (had) t.days += v - weekday(t.days);
    t.ns += field(c, mp, "hour", 0, NULL) * 3600000000000LL +
            field(c, mp, "minute", 0, NULL) * 60000000000LL +
            field(c, mp, "second", 0, NULL) * 1000000000LL +
            field(c, mp, "millisecond", 0, NULL) * 1000000LL +
            field(c, mp, "microsecond", 0, NULL) * 1000LL + field(c, mp, "nanosecond", 0, NULL);
    if (t.has_zone && cy_map_get(mp, "timezone")) {
      t.zone = map_tz(c, mp, &t.off);
      if (t.zone) cy_tz_local(c, &t);
      return format_tv(c, &t);
    }
  }
  if (t.zone) cy_tz_keep(c, &t); /* the zone's offset at the truncated time */
  return format_tv(c, &t);
}

/* A value of the parts of want from a map of fields, which may select a base value's date
 * (`date`), time (`time`) or both (`datetime`); a new timezone moves a zoned base's instant. */
static cy_val from_map(cy_ctx *c, const char *fn, const cy_map *m, tv *want) {
  const cy_val *dv = cy_map_get(m, "date"), *tmv = cy_map_get(m, "time"),
               *dtv = cy_map_get(m, "datetime");
  tv base = {0}, p;
  int has_bd = 0, has_bt = 0, has_bz = 0;
  if (dtv && dtv->k != CV_NULL) {
    base = cy_tv_arg(c, fn, *dtv);
    has_bd = base.has_date;
    has_bt = 1;
    has_bz = base.has_zone;
  }
  if (dv && dv->k != CV_NULL) {
    p = cy_tv_arg(c, fn, *dv);
    if (!p.has_date)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "'date' must have a date");
    base.days = p.days;
    has_bd = 1;
  }
  if (tmv && tmv->k != CV_NULL) {
    p = cy_tv_arg(c, fn, *tmv);
    base.ns = p.has_time ? p.ns : 0;
    has_bt = 1;
    has_bz = p.has_zone;
    base.off = p.off;
    base.zone = p.zone;
  }
  want->days = want->has_date ? map_date(c, m, has_bd ? &base : NULL) : 0;
  want->ns = want->has_time ? map_time(c, m, has_bt ? &base : NULL) : 0;
  want->off = has_bz ? base.off : 0;
  /* A base in a named zone keeps it, at the zone's offset for the new date and time. */
  want->zone = has_bz && want->has_date && want->has_zone ? base.zone : NULL;
  if (want->zone) cy_tz_keep(c, want);
  if (want->has_zone && cy_map_get(m, "timezone")) {
    int64_t off;
    const char *zone = map_tz(c, m, &off);
    if (has_bz) {
      cy_tz_move(c, want, zone, off);
    } else {
      want->off = off;
      want->zone = zone;
      if (zone) cy_tz_local(c, want);
    }
  }
  if (!want->has_zone) want->off = 0;
  return format_tv(c, want);
}

cy_val cy_temporal(cy_ctx *c, const char *fn, cy_val *a, int n) {
  const char *dot = strchr(fn, '.');
  if (dot && !strcasecmp(dot, ".truncate")) return truncate(c, fn, a, n);
  tv t = {0};
  kind_of(fn, &t);
  if (dot &&
      !strncasecmp(dot, ".fromepoch", 10)) { /* datetime.fromepoch(s, ns), .fromepochmillis(ms) */
    for (int i = 0; i < n; i++) {
      if (a[i].k == CV_NULL) return cy_null;
      if (a[i].k != CV_INT)
        cy_type_err(c, "%s() needs integers, not a %s", fn, cy_kind_name(a[i].k));
    }
    if (n == 2)
      at_epoch(in_range(c, "epochSeconds", a[0].i, EPOCH_SECONDS_MAX),
               in_range(c, "nanosecond", a[1].i, INT64_MAX), &t);
    else
      at_epoch(in_range(c, "epochSeconds", floor_div(a[0].i, 1000), EPOCH_SECONDS_MAX),
               floor_mod(a[0].i, 1000) * 1000000, &t);
    t.off = 0;
    return format_tv(c, &t);
  }
  int64_t days, ns, off = 0;
  if (dot && n == 1) { /* .transaction/.statement/.realtime(timezone): only null is accepted */
    if (a[0].k == CV_NULL) return cy_null;
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "%s() takes no time zone here", fn);
  }
  if (n == 0) {
    int64_t ms = c->now_ms;
    days = ms / 86400000;
    ns = ms % 86400000 * 1000000;
  } else if (a[0].k == CV_NULL) {
    return cy_null;
  } else if (a[0].k == CV_STR) {
    tv p;
    if (parse_iso(c, a[0].s, t.has_date, &p) < 0)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "'%s' is not an ISO 8601 %s", a[0].s,
              fn);
    convert(&p, &t);
    return format_tv(c, &p);
  } else if (a[0].k == CV_TEMPORAL) { /* date(datetime) and the like: the parts fn keeps */
    tv p = *a[0].tv;
    if (t.has_date && !p.has_date)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "%s() needs a value with a date", fn);
    convert(&p, &t);
    return format_tv(c, &p);
  } else if (a[0].k == CV_MAP) {
    const cy_map *m = a[0].m;
    int epoch = 0;
    int64_t es = field_upto(c, m, "epochSeconds", 0, &epoch, EPOCH_SECONDS_MAX);
    int64_t em = field_upto(c, m, "epochMillis", 0, &epoch, INT64_MAX); /* its seconds fit */
    if (!epoch) return from_map(c, fn, m, &t);
    at_epoch(es + floor_div(em, 1000),
             floor_mod(em, 1000) * 1000000 + field(c, m, "nanosecond", 0, NULL), &t);
    if (t.has_zone) { /* the epoch is an instant: shown in the map's timezone */
      const char *zone = map_tz(c, m, &off);
      cy_tz_move(c, &t, zone, off);
    }
    return format_tv(c, &t);
  } else {
    cy_type_err(c, "%s() takes a map or a string, not a %s", fn, cy_kind_name(a[0].k));
  }
  t.days = days;
  t.ns = ns;
  t.off = off;
  return format_tv(c, &t);
}
