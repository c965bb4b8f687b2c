/* cy_duration.c — duration values (CV_DURATION): duration() from a map or ISO 8601 text
 * ('P1Y2M3DT4H5M6.5S'), duration.between / inMonths / inDays / inSeconds of two temporal values,
 * and the text a duration prints as. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

#define NS_PER_S 1000000000LL
#define NS_PER_DAY 86400000000000LL

/* A duration: months, days and seconds + nanoseconds (both of one sign), kept apart as Cypher
 * does; the fractions of fields given as floats wait in fm, fd and fns until the end. */
typedef struct dur {
  int64_t months, days, secs, nanos;
  double fm, fd, fns;
} dur;

/* How a field counts: into months, days or nanoseconds, times mul. */
typedef struct unit {
  const char *name;
  int into; /* 0 months, 1 days, 2 nanoseconds */
  int64_t mul;
} unit;

static const unit units[] = {{"years", 0, 12},
                             {"quarters", 0, 3},
                             {"months", 0, 1},
                             {"weeks", 1, 7},
                             {"days", 1, 1},
                             {"hours", 2, 3600 * NS_PER_S},
                             {"minutes", 2, 60 * NS_PER_S},
                             {"seconds", 2, NS_PER_S},
                             {"milliseconds", 2, 1000000},
                             {"microseconds", 2, 1000},
                             {"nanoseconds", 2, 1},
                             {NULL, 0, 0}};

/* Adds n of unit u (an integer when !is_f, else f) to d; returns 0, or -1 when it overflows. */
static int add(dur *d, const unit *u, int is_f, int64_t i, double f) {
  double frac = 0;
  if (is_f) {
    if (!(fabs(f) < 9e18)) return -1;
    i = (int64_t)trunc(f);
    frac = f - (double)i;
  }
  int64_t *into = u->into == 0         ? &d->months
                  : u->into == 1       ? &d->days
                  : u->mul >= NS_PER_S ? &d->secs
                                       : &d->nanos;
  int64_t mul = u->into == 2 && u->mul >= NS_PER_S ? u->mul / NS_PER_S : u->mul, v;
  if (__builtin_mul_overflow(i, mul, &v) || __builtin_add_overflow(*into, v, into)) return -1;
  if (u->into == 0) d->fm += frac * (double)u->mul;
  else if (u->into == 1) d->fd += frac * (double)u->mul;
  else d->fns += frac * (double)u->mul;
  return 0;
}

/* Settles the fractions: whole months of them become months, as 12.5 years are 150 months; a
 * fraction of a month is 2629746 s, the mean Gregorian month; whole days of fractions become
 * days. */
static void settle(dur *d) {
  double wm = trunc(d->fm);
  d->months += (int64_t)wm;
  d->fm -= wm;
  double fs = d->fm * 2629746.0 + d->fd * 86400.0;
  double whole = trunc(fs / 86400.0);
  d->days += (int64_t)whole;
  fs -= whole * 86400.0;
  double ns = fs * 1e9 + d->fns;
  double s = trunc(ns / 1e9);
  d->secs += (int64_t)s;
  d->nanos += (int64_t)llround(ns - s * 1e9);
  d->fm = d->fd = d->fns = 0;
}

int cy_dur_normalise(cy_dur *d) {
  if (__builtin_add_overflow(d->secs, d->nanos / NS_PER_S, &d->secs)) return -1;
  d->nanos %= NS_PER_S;
  if (d->secs > 0 && d->nanos < 0) {
    d->secs--;
    d->nanos += NS_PER_S;
  } else if (d->secs < 0 && d->nanos > 0) {
    d->secs++;
    d->nanos -= NS_PER_S;
  }
  return 0;
}

/* The Cypher text of d: P[nY][nM][nD][T[nH][nM][n.fS]], or PT0S, in the query's arena. */
const char *cy_dur_text(cy_ctx *c, const cy_dur *d) {
  char b[160];
  size_t k = (size_t)snprintf(b, sizeof b, "P");
  if (d->months / 12)
    k += (size_t)snprintf(b + k, sizeof b - k, "%lldY", (long long)(d->months / 12));
  if (d->months % 12)
    k += (size_t)snprintf(b + k, sizeof b - k, "%lldM", (long long)(d->months % 12));
  if (d->days) k += (size_t)snprintf(b + k, sizeof b - k, "%lldD", (long long)d->days);
  if (d->secs || d->nanos) {
    k += (size_t)snprintf(b + k, sizeof b - k, "T");
    int64_t h = d->secs / 3600, m = d->secs % 3600 / 60, s = d->secs % 60;
    if (h) k += (size_t)snprintf(b + k, sizeof b - k, "%lldH", (long long)h);
    if (m) k += (size_t)snprintf(b + k, sizeof b - k, "%lldM", (long long)m);
    if (s || d->nanos) {
      int neg = s < 0 || d->nanos < 0;
      k += (size_t)snprintf(b + k, sizeof b - k, "%s%lld", neg ? "-" : "", (long long)llabs(s));
      if (d->nanos) {
        char f[24];
        snprintf(f, sizeof f, "%09lld", (long long)llabs(d->nanos));
        for (int i = 8; i > 0 && f[i] == '0'; i--) f[i] = 0;
        k += (size_t)snprintf(b + k, sizeof b - k, ".%s", f);
      }
      k += (size_t)snprintf(b + k, sizeof b - k, "S");
    }
  }
  if (k == 1) snprintf(b, sizeof b, "PT0S");
  return cy_strdup(c, b);
}

/* d as a duration value (its fractions settled), seconds and nanoseconds of one sign; fails
 * the query when the seconds overflow. */
static cy_val format_dur(cy_ctx *c, const dur *d) {
  cy_dur v = {d->months, d->days, d->secs, d->nanos};
  if (cy_dur_normalise(&v))
    cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "the duration is too large");
  return cy_duration_val(c, &v);
}

/* Reads a signed decimal number at *s into d as unit u; returns 0, or -1 when none is there
 * (or it overflows). */
static int read_num(const char **s, dur *d, const unit *u) {
  char *e;
  const char *p = *s;
  if (*p == '-' || *p == '+') p++;
  if (!isdigit((unsigned char)*p)) return -1;
  while (isdigit((unsigned char)*p)) p++;
  if (*p == '.' || *p == ',') {
    double f = strtod(*s, &e);
    if (*e == ',' || add(d, u, 1, 0, f) < 0) return -1;
  } else {
    errno = 0;
    int64_t i = strtoll(*s, &e, 10);
    if (errno || add(d, u, 0, i, 0) < 0) return -1;
  }
  *s = e;
  return 0;
}

static const unit *unit_named(const char *name) {
  for (const unit *u = units; u->name; u++)
    if (!strcasecmp(u->name, name)) return u;
  return NULL;
}

/* Parses PnYnMnWnDTnHnMnS (any part may be a decimal) or PYYYY-MM-DDThh:mm:ss[.f] into d;
 * returns 0, or -1 when s is neither. */
static int parse_dur(const char *s, dur *d) {
  if (*s++ != 'P' || !*s) return -1;
  const char *q = s;
  while (isdigit((unsigned char)*q)) q++;
  if (*q == '-' && q - s == 4) {
    const char *names[] = {"years", "months", "days", "hours", "minutes", "seconds"};
    for (int i = 0; i < 6; i++) {
      if (!isdigit((unsigned char)*s) || read_num(&s, d, unit_named(names[i])) < 0) return -1;
      if (i < 5 && *s++ != "--T::"[i]) return -1;
    }
    return *s ? -1 : 0;
  }
  int in_time = 0;
  while (*s) {
    if (*s == 'T') {
      if (in_time || !s[1]) return -1;
      in_time = 1;
      s++;
      continue;
    }
    dur one = {0};
    const char *start = s;
    if (read_num(&s, &one, &units[0]) < 0) return -1;
    const char *name = NULL;
    switch (*s) {
    case 'Y': name = in_time ? NULL : "years"; break;
    case 'M': name = in_time ? "minutes" : "months"; break;
    case 'W': name = in_time ? NULL : "weeks"; break;
    case 'D': name = in_time ? NULL : "days"; break;
    case 'H': name = in_time ? "hours" : NULL; break;
    case 'S': name = in_time ? "seconds" : NULL; break;
    default: break;
    }
    if (!name) return -1;
    if (read_num(&start, d, unit_named(name)) < 0) return -1;
    s++;
  }
  return 0;
}

/* duration(map or string). */
static cy_val construct(cy_ctx *c, cy_val v) {
  dur d = {0};
  if (v.k == CV_NULL) return cy_null;
  if (v.k == CV_STR) {
    if (parse_dur(v.s, &d) < 0)
      cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "'%s' is not an ISO 8601 duration",
              v.s);
  } else if (v.k == CV_MAP) {
    for (int i = 0; i < v.m->n; i++) {
      const unit *u = unit_named(v.m->k[i]);
      const cy_val *x = &v.m->v[i];
      if (!u)
        cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue", "'%s' is not a duration field",
                v.m->k[i]);
      if (x->k != CV_INT && x->k != CV_FLOAT && x->k != CV_NULL)
        cy_type_err(c, "the duration field '%s' must be a number", v.m->k[i]);
      if (x->k != CV_NULL &&
          (x->k == CV_FLOAT ? add(&d, u, 1, 0, x->f) : add(&d, u, 0, x->i, 0)) < 0)
        cy_fail(c, CY_ARG, "runtime", "InvalidArgumentValue",
                "the duration field '%s' is too large", v.m->k[i]);
    }
  } else {
    cy_type_err(c, "duration() takes a map or a string, not a %s", cy_kind_name(v.k));
  }
  settle(&d);
  return format_dur(c, &d);
}

/* Reads local value t in the named zone of z: at t's date (or z's, for a time of day), with
 * the offset the zone has then. */
static void in_zone_of(cy_ctx *c, cy_tv *t, const cy_tv *z) {
  cy_tv u = *t;
  if (!u.has_date) u.days = z->days;
  if (!u.has_time) u.ns = 0;
  u.has_date = 1;
  u.zone = z->zone;
  cy_tz_local(c, &u);
  t->has_zone = 1;
  t->off = u.off;
}

/* duration.between(a, b) and its inMonths / inDays / inSeconds forms (which = 0..3). Values
 * with zones are compared at a's offset, and a local value beside one in a named zone is read
 * in that zone; a value without a date compares times only. */
static cy_val between(cy_ctx *c, const char *fn, cy_val a, cy_val b, int which) {
  if (a.k == CV_NULL || b.k == CV_NULL) return cy_null;
  cy_tv x = cy_tv_arg(c, fn, a), y = cy_tv_arg(c, fn, b);
  if (x.zone && !y.has_zone) in_zone_of(c, &y, &x);
  if (y.zone && !x.has_zone) in_zone_of(c, &x, &y);
  dur d = {0};
  int64_t xns = x.ns, yns = y.ns;
  if (x.has_zone && y.has_zone) yns += (x.off - y.off) * NS_PER_S;
  if (!x.has_date || !y.has_date) {
    if (which == 1 || which == 2) return format_dur(c, &d);
    int64_t t = yns - xns;
    d.secs = t / NS_PER_S;
    d.nanos = t % NS_PER_S;
    return format_dur(c, &d);
  }
  int64_t yd = y.days;
  while (yns < 0) yns += NS_PER_DAY, yd--;
  while (yns >= NS_PER_DAY) yns -= NS_PER_DAY, yd++;
  int64_t xdays = x.days;
  if (which <= 1) {
    int64_t y1, m1, d1, y2, m2, d2;
    cy_civil_from_days(x.days, &y1, &m1, &d1);
    cy_civil_from_days(yd, &y2, &m2, &d2);
    int64_t months = (y2 * 12 + m2) - (y1 * 12 + m1);
    if (months > 0 && (d2 < d1 || (d2 == d1 && yns < xns))) months--;
    if (months < 0 && (d2 > d1 || (d2 == d1 && yns > xns))) months++;
    d.months = months;
    if (which == 1) return format_dur(c, &d);
    int64_t ty = (y1 * 12 + (m1 - 1) + months), ny = ty >= 0 ? ty / 12 : -((-ty + 11) / 12),
            nm = ty - ny * 12 + 1;
    int64_t last = cy_days_from_civil(nm == 12 ? ny + 1 : ny, nm == 12 ? 1 : nm + 1, 1) -
                   cy_days_from_civil(ny, nm, 1);
    xdays = cy_days_from_civil(ny, nm, d1 < last ? d1 : last);
  }
  int64_t days = yd - xdays, t = yns - xns;
  if (days > 0 && t < 0) days--, t += NS_PER_DAY;
  if (days < 0 && t > 0) days++, t -= NS_PER_DAY;
  if (which == 3) {
    d.secs = days * 86400 + t / NS_PER_S;
    d.nanos = t % NS_PER_S;
  } else {
    d.days = days;
    if (which == 0) {
      d.secs = t / NS_PER_S;
      d.nanos = t % NS_PER_S;
    }
  }
  return format_dur(c, &d);
}

cy_val cy_duration(cy_ctx *c, const char *fn, cy_val *a, int n) {
  if (!strcasecmp(fn, "duration")) return construct(c, a[0]);
  static const char *const forms[] = {"duration.between", "duration.inMonths", "duration.inDays",
                                      "duration.inSeconds"};
  for (int i = 0; i < 4; i++)
    if (!strcasecmp(fn, forms[i])) return between(c, fn, a[0], a[1], i);
  cy_fail(c, CY_SYNTAX, "compile time", "UnknownFunction", "unknown function '%s'", fn);
}
