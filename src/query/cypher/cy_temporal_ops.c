/* cy_temporal_ops.c — what Cypher does with temporal and duration values once they exist:
 * component access (d.year, dur.days), arithmetic (date + duration, duration * 2), equality
 * and ordering (times with offsets by instant), hashing, and the JSON they are stored as. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"
#include "util/buf.h"
#include "util/json.h"

#define NS_PER_S 1000000000LL
#define S_PER_DAY 86400LL
#define NS_PER_DAY (S_PER_DAY * NS_PER_S)
/* The largest |days| since the epoch a value may have: years stay within +-999,999,999 as in
 * Java's LocalDate, which keeps every calendar computation far from int64 overflow. */
#define MAX_DAYS 365242500000LL

typedef enum { K_DATETIME, K_LOCALDATETIME, K_DATE, K_TIME, K_LOCALTIME, K_DURATION } tkind;

static const char *const kind_names[] = {"DateTime", "LocalDateTime", "Date",
                                         "Time",     "LocalTime",     "Duration"};
/* The tags of stored values, by kind: {"$datetime": "..."}; also the constructor names. */
static const char *const kind_tags[] = {"datetime", "localdatetime", "date",
                                        "time",     "localtime",     "duration"};

static tkind kind_of(cy_val v) {
  if (v.k == CV_DURATION) return K_DURATION;
  const cy_tv *t = v.tv;
  if (!t->has_time) return K_DATE;
  if (!t->has_date) return t->has_zone ? K_TIME : K_LOCALTIME;
  return t->has_zone ? K_DATETIME : K_LOCALDATETIME;
}

cy_val cy_temporal_val(cy_ctx *c, const cy_tv *t) {
  cy_tv *p = cy_alloc(c, sizeof *p);
  *p = *t;
  return (cy_val){.k = CV_TEMPORAL, .tv = p};
}

cy_val cy_duration_val(cy_ctx *c, const cy_dur *d) {
  cy_dur *p = cy_alloc(c, sizeof *p);
  *p = *d;
  return (cy_val){.k = CV_DURATION, .dur = p};
}

const char *cy_temporal_text(cy_ctx *c, cy_val v) {
  return v.k == CV_DURATION ? cy_dur_text(c, v.dur) : cy_tv_text(c, v.tv);
}

const char *cy_temporal_kind_name(cy_val v) { return kind_names[kind_of(v)]; }

int cy_temporal_rank(cy_val v) { return (int)kind_of(v); }

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - (a % b != 0 && (a < 0) != (b < 0));
}
static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

static void __attribute__((noreturn)) overflow(cy_ctx *c) {
  cy_fail(c, "ArithmeticError", "runtime", "IntegerOverflow", "temporal arithmetic overflow");
}

/* ---- Components ---- */

/* ISO day of week of a day since the epoch, 1 (Monday) to 7. */
static int64_t iso_weekday(int64_t days) { return floor_mod(days + 3, 7) + 1; }

/* The ISO week-based year and week number of a day. */
static void iso_week(int64_t days, int64_t *wyear, int64_t *week) {
  int64_t m, d;
  cy_civil_from_days(days - iso_weekday(days) + 4, wyear, &m, &d); /* that week's Thursday */
  int64_t jan4 = cy_days_from_civil(*wyear, 1, 4);
  int64_t week1 = jan4 - (iso_weekday(jan4) - 1);
  *week = (days - week1) / 7 + 1;
}

/* The text of an offset: Z, +HH:MM or +HH:MM:SS. */
static cy_val offset_text(cy_ctx *c, int64_t off) {
  char b[64];
  if (!off) return cy_str("Z");
  int64_t a = off < 0 ? -off : off;
  if (a % 60)
    snprintf(b, sizeof b, "%c%02lld:%02lld:%02lld", off < 0 ? '-' : '+', (long long)(a / 3600),
             (long long)(a / 60 % 60), (long long)(a % 60));
  else
    snprintf(b, sizeof b, "%c%02lld:%02lld", off < 0 ? '-' : '+', (long long)(a / 3600),
             (long long)(a / 60 % 60));
  return cy_str(cy_strdup(c, b));
}

/* A component of a date, time or datetime; returns 0 (leaving *out) when t has no such one. */
static int tv_component(cy_ctx *c, const cy_tv *t, const char *key, cy_val *out) {
  if (t->has_date) {
    int64_t y, m, d, wy, w;
    cy_civil_from_days(t->days, &y, &m, &d);
    iso_week(t->days, &wy, &w);
    int64_t q = (m - 1) / 3 + 1;
    const struct {
      const char *name;
      int64_t v;
    } f[] = {{"year", y},
             {"quarter", q},
             {"month", m},
             {"week", w},
             {"weekYear", wy},
             {"day", d},
             {"ordinalDay", t->days - cy_days_from_civil(y, 1, 1) + 1},
             {"weekDay", iso_weekday(t->days)},
             {"dayOfWeek", iso_weekday(t->days)},
             {"dayOfQuarter", t->days - cy_days_from_civil(y, 3 * (q - 1) + 1, 1) + 1}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
      if (!strcasecmp(key, f[i].name)) return *out = cy_int(f[i].v), 1;
  }
  if (t->has_time) {
    int64_t s = t->ns / NS_PER_S, frac = t->ns % NS_PER_S;
    const struct {
      const char *name;
      int64_t v;
    } f[] = {{"hour", s / 3600},           {"minute", s / 60 % 60},        {"second", s % 60},
             {"millisecond", frac / 1000000}, {"microsecond", frac / 1000}, {"nanosecond", frac}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
      if (!strcasecmp(key, f[i].name)) return *out = cy_int(f[i].v), 1;
  }
  if (t->has_zone) {
    if (!strcasecmp(key, "timezone") && t->zone) return *out = cy_str(t->zone), 1;
    if (!strcasecmp(key, "timezone") || !strcasecmp(key, "offset"))
      return *out = offset_text(c, t->off), 1;
    if (!strcasecmp(key, "offsetMinutes")) return *out = cy_int(t->off / 60), 1;
    if (!strcasecmp(key, "offsetSeconds")) return *out = cy_int(t->off), 1;
  }
  if (t->has_date && t->has_time && t->has_zone) {
    int64_t secs = t->days * S_PER_DAY + t->ns / NS_PER_S - t->off, ms;
    if (!strcasecmp(key, "epochSeconds")) return *out = cy_int(secs), 1;
    if (!strcasecmp(key, "epochMillis")) {
      if (__builtin_mul_overflow(secs, 1000, &ms)) overflow(c);
      return *out = cy_int(ms + t->ns % NS_PER_S / 1000000), 1;
    }
  }
  return 0;
}

/* d's seconds and nanoseconds as Java keeps them: nanoseconds in [0, 1e9), seconds floored;
 * fails the query when the seconds overflow. */
static void java_secs(cy_ctx *c, const cy_dur *d, int64_t *secs, int64_t *nanos) {
  *secs = d->secs;
  *nanos = d->nanos;
  if (*nanos < 0) {
    if (__builtin_sub_overflow(*secs, 1, secs)) overflow(c);
    *nanos += NS_PER_S;
  }
}

/* secs * mul + add, failing the query on overflow. */
static int64_t scaled(cy_ctx *c, int64_t secs, int64_t mul, int64_t add) {
  int64_t r;
  if (__builtin_mul_overflow(secs, mul, &r) || __builtin_add_overflow(r, add, &r)) overflow(c);
  return r;
}

/* A component of a duration (the Java/Neo4j set); returns 0 when there is no such one. */
static int dur_component(cy_ctx *c, const cy_dur *d, const char *key, cy_val *out) {
  int64_t s, n;
  java_secs(c, d, &s, &n);
  const struct {
    const char *name;
    int64_t v;
  } f[] = {{"years", d->months / 12},
           {"quarters", d->months / 3},
           {"months", d->months},
           {"weeks", d->days / 7},
           {"days", d->days},
           {"hours", s / 3600},
           {"minutes", s / 60},
           {"seconds", s},
           {"quartersOfYear", d->months / 3 % 4},
           {"monthsOfQuarter", d->months % 3},
           {"monthsOfYear", d->months % 12},
           {"daysOfWeek", d->days % 7},
           {"minutesOfHour", s / 60 % 60},
           {"secondsOfMinute", s % 60},
           {"millisecondsOfSecond", n / 1000000},
           {"microsecondsOfSecond", n / 1000},
           {"nanosecondsOfSecond", n}};
  for (size_t i = 0; i < sizeof f / sizeof *f; i++)
    if (!strcasecmp(key, f[i].name)) return *out = cy_int(f[i].v), 1;
  if (!strcasecmp(key, "milliseconds")) return *out = cy_int(scaled(c, s, 1000, n / 1000000)), 1;
  if (!strcasecmp(key, "microseconds")) return *out = cy_int(scaled(c, s, 1000000, n / 1000)), 1;
  if (!strcasecmp(key, "nanoseconds")) return *out = cy_int(scaled(c, s, NS_PER_S, n)), 1;
  return 0;
}

cy_val cy_temporal_prop(cy_ctx *c, cy_val v, const char *key) {
  cy_val out;
  int ok =
      v.k == CV_DURATION ? dur_component(c, v.dur, key, &out) : tv_component(c, v.tv, key, &out);
  if (!ok)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "a %s has no component '%s'",
            cy_temporal_kind_name(v), key);
  return out;
}

/* ---- Arithmetic ---- */

/* Fails the query when days is outside the supported range of dates. */
static void check_days(cy_ctx *c, int64_t days) {
  if (days > MAX_DAYS || days < -MAX_DAYS)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "the result is outside the supported range of dates");
}

/* days moved by months, the day clamped to the end of a shorter month (Jan 31 + 1 month is
 * Feb 28 or 29), as Java's plusMonths does. */
static int64_t plus_months(cy_ctx *c, int64_t days, int64_t months) {
  int64_t y, m, d, total;
  cy_civil_from_days(days, &y, &m, &d);
  if (__builtin_add_overflow(y * 12 + (m - 1), months, &total) || total / 12 > 1000000000 ||
      total / 12 < -1000000000)
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
            "the result is outside the supported range of dates");
  int64_t ny = floor_div(total, 12), nm = floor_mod(total, 12) + 1;
  int64_t first = cy_days_from_civil(ny, nm, 1);
  int64_t len = cy_days_from_civil(nm == 12 ? ny + 1 : ny, nm == 12 ? 1 : nm + 1, 1) - first;
  return first + (d < len ? d : len) - 1;
}

/* t + d, the way Java adds a duration: months and days to a value with a date (on the wall
 * clock: a named zone then gives the offset of the new date), then the seconds and nanoseconds
 * to a value with a time (on the time line: a named zone gives the wall clock of the new
 * instant); a date takes only their whole days. */
static cy_val plus_dur(cy_ctx *c, cy_tv t, const cy_dur *d) {
  int64_t s, n;
  java_secs(c, d, &s, &n);
  if (t.has_date) {
    if (d->months) t.days = plus_months(c, t.days, d->months);
    if (__builtin_add_overflow(t.days, d->days, &t.days)) overflow(c);
    check_days(c, t.days);
    if (t.zone && (d->months || d->days)) cy_tz_keep(c, &t);
  }
  if (!t.has_time) {
    t.days += s / S_PER_DAY;
  } else {
    int64_t ns = t.ns + s % S_PER_DAY * NS_PER_S + n; /* within three days: no overflow */
    t.ns = floor_mod(ns, NS_PER_DAY);
    if (t.has_date &&
        __builtin_add_overflow(t.days, s / S_PER_DAY + floor_div(ns, NS_PER_DAY), &t.days))
      overflow(c);
  }
  if (t.has_date) check_days(c, t.days);
  if (t.zone && t.has_time && (s || n)) cy_tz_move(c, &t, t.zone, 0);
  return cy_temporal_val(c, &t);
}

/* a + sign * b, field by field. */
static cy_val dur_add(cy_ctx *c, const cy_dur *a, const cy_dur *b, int sign) {
  cy_dur r;
  int64_t bm = b->months, bd = b->days, bs = b->secs;
  if (sign < 0 && (__builtin_sub_overflow(0, bm, &bm) || __builtin_sub_overflow(0, bd, &bd) ||
                   __builtin_sub_overflow(0, bs, &bs)))
    overflow(c);
  if (__builtin_add_overflow(a->months, bm, &r.months) ||
      __builtin_add_overflow(a->days, bd, &r.days) || __builtin_add_overflow(a->secs, bs, &r.secs))
    overflow(c);
  r.nanos = a->nanos + sign * b->nanos;
  if (cy_dur_normalise(&r)) overflow(c);
  return cy_duration_val(c, &r);
}

/* A double that must fit an int64 (truncated), or the query fails. */
static int64_t to_i64(cy_ctx *c, double f) {
  if (!(f > -9223372036854775808.0 && f < 9223372036854775808.0)) overflow(c);
  return (int64_t)f;
}

/* A duration from fractional fields: the fraction of a month becomes days (a mean Gregorian
 * month, 2,629,746 s), that of a day seconds, that of a second nanoseconds (Neo4j's rule). */
static cy_val approximate(cy_ctx *c, double months, double days, double secs, double nanos) {
  cy_dur r;
  r.months = to_i64(c, months);
  days += (months - (double)r.months) * 2629746.0 / (double)S_PER_DAY;
  r.days = to_i64(c, days);
  secs += (days - (double)r.days) * (double)S_PER_DAY;
  r.secs = to_i64(c, secs);
  nanos += (secs - (double)r.secs) * (double)NS_PER_S;
  r.nanos = 0;
  int64_t n = to_i64(c, nanos);
  if (__builtin_add_overflow(r.secs, n / NS_PER_S, &r.secs)) overflow(c);
  r.nanos = n % NS_PER_S;
  if (cy_dur_normalise(&r)) overflow(c);
  return cy_duration_val(c, &r);
}

/* d * k for an integer k, exactly. */
static cy_val dur_mul_int(cy_ctx *c, const cy_dur *d, int64_t k) {
  cy_dur r;
  /* nanos * k in two parts, so it cannot overflow: k = kq * 1e9 + kr. */
  int64_t kq = k / NS_PER_S, kr = k % NS_PER_S, carry;
  if (__builtin_mul_overflow(d->months, k, &r.months) ||
      __builtin_mul_overflow(d->days, k, &r.days) || __builtin_mul_overflow(d->secs, k, &r.secs) ||
      __builtin_mul_overflow(d->nanos, kq, &carry) ||
      __builtin_add_overflow(r.secs, carry, &r.secs))
    overflow(c);
  r.nanos = d->nanos * kr;
  if (cy_dur_normalise(&r)) overflow(c);
  return cy_duration_val(c, &r);
}

static int is_num(cy_val v) { return v.k == CV_INT || v.k == CV_FLOAT; }

static void __attribute__((noreturn)) bad_types(cy_ctx *c, cy_eop op, cy_val a, cy_val b) {
  const char *na =
      a.k == CV_TEMPORAL || a.k == CV_DURATION ? cy_temporal_kind_name(a) : cy_kind_name(a.k);
  const char *nb =
      b.k == CV_TEMPORAL || b.k == CV_DURATION ? cy_temporal_kind_name(b) : cy_kind_name(b.k);
  const char *ops = op == E_ADD   ? "+"
                    : op == E_SUB ? "-"
                    : op == E_MUL ? "*"
                    : op == E_DIV ? "/"
                    : op == E_MOD ? "%"
                                  : "^";
  cy_type_err(c, "cannot compute %s %s %s", na, ops, nb);
}

cy_val cy_duration_neg(cy_ctx *c, cy_val d) {
  cy_dur r;
  if (__builtin_sub_overflow(0, d.dur->months, &r.months) ||
      __builtin_sub_overflow(0, d.dur->days, &r.days) ||
      __builtin_sub_overflow(0, d.dur->secs, &r.secs))
    overflow(c);
  r.nanos = -d.dur->nanos;
  return cy_duration_val(c, &r);
}

cy_val cy_temporal_arith(cy_ctx *c, cy_eop op, cy_val a, cy_val b) {
  if (a.k == CV_NULL || b.k == CV_NULL) return cy_null;
  if (a.k == CV_TEMPORAL && b.k == CV_DURATION && (op == E_ADD || op == E_SUB))
    return plus_dur(c, *a.tv, op == E_ADD ? b.dur : cy_duration_neg(c, b).dur);
  if (a.k == CV_DURATION && b.k == CV_TEMPORAL && op == E_ADD) return plus_dur(c, *b.tv, a.dur);
  if (a.k == CV_DURATION && b.k == CV_DURATION && (op == E_ADD || op == E_SUB))
    return dur_add(c, a.dur, b.dur, op == E_ADD ? 1 : -1);
  if (op == E_MUL && is_num(a) && b.k == CV_DURATION) return cy_temporal_arith(c, op, b, a);
  if (a.k == CV_DURATION && is_num(b) && (op == E_MUL || op == E_DIV)) {
    const cy_dur *d = a.dur;
    if (op == E_MUL && b.k == CV_INT) return dur_mul_int(c, d, b.i);
    double f = b.k == CV_INT ? (double)b.i : b.f;
    if (op == E_MUL)
      return approximate(c, (double)d->months * f, (double)d->days * f, (double)d->secs * f,
                         (double)d->nanos * f);
    if (f == 0)
      cy_fail(c, "ArithmeticError", "runtime", "DivisionByZero", "a duration divided by zero");
    return approximate(c, (double)d->months / f, (double)d->days / f, (double)d->secs / f,
                       (double)d->nanos / f);
  }
  bad_types(c, op, a, b);
}

/* ---- Equality and order ---- */

/* The instant of t (local values as if at UTC; a time as on the epoch's day), as seconds and
 * nanoseconds, compared lexicographically. */
static void instant(const cy_tv *t, int64_t *secs, int64_t *nanos) {
  *secs = (t->has_date ? t->days * S_PER_DAY : 0) + t->ns / NS_PER_S - t->off;
  *nanos = t->ns % NS_PER_S;
}

static int cmp64(int64_t a, int64_t b) { return (a > b) - (a < b); }

/* Two values of one temporal kind by instant, then by offset (the larger local time last). */
static int tv_cmp(const cy_tv *a, const cy_tv *b) {
  int64_t as, an, bs, bn;
  instant(a, &as, &an);
  instant(b, &bs, &bn);
  int r = cmp64(as, bs);
  if (!r) r = cmp64(an, bn);
  if (!r) r = cmp64(a->off, b->off);
  if (!r) r = strcmp(a->zone ? a->zone : "", b->zone ? b->zone : "");
  return r;
}

int cy_temporal_equal(cy_val a, cy_val b) {
  if (a.k != b.k) return 0;
  if (a.k == CV_DURATION)
    return a.dur->months == b.dur->months && a.dur->days == b.dur->days &&
           a.dur->secs == b.dur->secs && a.dur->nanos == b.dur->nanos;
  return kind_of(a) == kind_of(b) && !tv_cmp(a.tv, b.tv);
}

int cy_temporal_compare(cy_val a, cy_val b, int *out) {
  if (a.k != CV_TEMPORAL || b.k != CV_TEMPORAL || kind_of(a) != kind_of(b)) return 0;
  *out = tv_cmp(a.tv, b.tv);
  return 1;
}

int cy_temporal_order(cy_val a, cy_val b) {
  int r = cmp64(kind_of(a), kind_of(b));
  if (r) return r;
  if (a.k == CV_TEMPORAL) return tv_cmp(a.tv, b.tv);
  /* Durations: by their approximate length, then field by field so the order is total. */
  const cy_dur *x = a.dur, *y = b.dur;
  double lx = (double)x->months * 2629746.0 + (double)x->days * 86400.0 + (double)x->secs +
              (double)x->nanos * 1e-9;
  double ly = (double)y->months * 2629746.0 + (double)y->days * 86400.0 + (double)y->secs +
              (double)y->nanos * 1e-9;
  r = (lx > ly) - (lx < ly);
  if (!r) r = cmp64(x->months, y->months);
  if (!r) r = cmp64(x->days, y->days);
  if (!r) r = cmp64(x->secs, y->secs);
  if (!r) r = cmp64(x->nanos, y->nanos);
  return r;
}

uint64_t cy_temporal_hash(cy_val v) {
  int64_t f[4];
  if (v.k == CV_DURATION) {
    f[0] = v.dur->months, f[1] = v.dur->days, f[2] = v.dur->secs, f[3] = v.dur->nanos;
  } else {
    f[0] = kind_of(v), f[1] = v.tv->days, f[2] = v.tv->ns, f[3] = v.tv->off;
  }
  uint64_t h = 1469598103934665603ull + (uint64_t)v.k;
  for (int i = 0; i < 4; i++) h = (h ^ (uint64_t)f[i]) * 0x100000001b3ull + (h >> 29);
  for (const char *z = v.k == CV_TEMPORAL && v.tv->zone ? v.tv->zone : ""; *z; z++)
    h = (h ^ (unsigned char)*z) * 0x100000001b3ull;
  return h;
}

/* ---- Storage ---- */

void cy_format_stored(cy_ctx *c, ut_buf *b, cy_val v) {
  if (v.k == CV_LIST) {
    ut_buf_put_u8(b, '[');
    for (int i = 0; i < v.l->n; i++) {
      if (i) ut_buf_put_u8(b, ',');
      cy_format_stored(c, b, v.l->v[i]);
    }
    ut_buf_put_u8(b, ']');
    return;
  }
  if (v.k != CV_TEMPORAL && v.k != CV_DURATION) {
    cy_format_json(c, b, v);
    return;
  }
  char tag[24];
  snprintf(tag, sizeof tag, "$%s", kind_tags[kind_of(v)]);
  const char *text = cy_temporal_text(c, v);
  ut_buf_put_u8(b, '{');
  ut_json_put_string(b, tag, strlen(tag));
  ut_buf_put_u8(b, ':');
  ut_json_put_string(b, text, strlen(text));
  ut_buf_put_u8(b, '}');
}

/* The value the constructor for kind makes of text, in *out; returns 0 when it rejects the
 * text (the query goes on: the failure is undone). */
static int construct(cy_ctx *c, int kind, cy_val text, cy_val *out) {
  jmp_buf saved;
  memcpy(saved, c->jb, sizeof saved);
  int failed = c->failed;
  volatile int ok = 0;
  if (!setjmp(c->jb)) {
    *out = kind == K_DURATION ? cy_duration(c, "duration", &text, 1)
                              : cy_temporal(c, kind_tags[kind], &text, 1);
    ok = 1;
  }
  memcpy(c->jb, saved, sizeof saved);
  c->failed = failed;
  return ok;
}

int cy_temporal_from_stored(cy_ctx *c, const cy_map *obj, cy_val *out) {
  if (obj->n != 1 || obj->k[0][0] != '$' || obj->v[0].k != CV_STR) return 0;
  for (int i = 0; i <= K_DURATION; i++)
    if (!strcmp(obj->k[0] + 1, kind_tags[i])) return construct(c, i, obj->v[0], out);
  return 0;
}
