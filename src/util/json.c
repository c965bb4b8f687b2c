/* json.c — canonical JSON text over jansson's parser. */
#include "util/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ut_json_parse(const char *text, size_t len, json_t **out, char *why, size_t whylen) {
  json_error_t err;
  *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
  if (*out) return 0;
  if (err.line > 0)
    snprintf(why, whylen, "invalid JSON at line %d column %d: %s", err.line, err.column, err.text);
  else
    snprintf(why, whylen, "invalid JSON: %s", err.text);
  return -1;
}

void ut_json_put_string(ut_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  ut_buf_put_u8(b, '"');
  size_t run = 0; /* start of the pending run of bytes that need no escape */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    ut_buf_put(b, s + run, i - run);
    run = i + 1;
    char esc[7] = {'\\', 0};
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    default:
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
    }
    ut_buf_puts(b, esc);
  }
  ut_buf_put(b, s + run, n - run);
  ut_buf_put_u8(b, '"');
}

/* The shortest %g form that reads back as d, marked as a real so that it parses as one. */
static void put_real(ut_buf *b, double d) {
  char tmp[40];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (strtod(tmp, NULL) == d) break;
  }
  ut_buf_puts(b, tmp);
  if (!strpbrk(tmp, ".eE")) ut_buf_puts(b, ".0");
}

typedef struct keyref {
  const char *key;
  size_t len;
  json_t *value;
} keyref;

static int keyref_cmp(const void *a, const void *b) {
  const keyref *x = a, *y = b;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(x->key, y->key, n);
  return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void put_object(ut_buf *b, const json_t *v) {
  size_t n = json_object_size(v), i = 0;
  keyref stackrefs[16], *refs = n <= 16 ? stackrefs : malloc(n * sizeof *refs);
  if (!refs) {
    b->oom = 1;
    return;
  }
  const char *key;
  json_t *val;
  json_object_foreach((json_t *)v, key, val) {
    refs[i].key = key;
    refs[i].len = json_object_iter_key_len(json_object_key_to_iter(key));
    refs[i].value = val;
    i++;
  }
  qsort(refs, n, sizeof *refs, keyref_cmp);
  ut_buf_put_u8(b, '{');
  for (i = 0; i < n; i++) {
    if (i) ut_buf_put_u8(b, ',');
    ut_json_put_string(b, refs[i].key, refs[i].len);
    ut_buf_put_u8(b, ':');
    ut_json_write(b, refs[i].value);
  }
  ut_buf_put_u8(b, '}');
  if (refs != stackrefs) free(refs);
}

void ut_json_write(ut_buf *b, const json_t *v) {
  char tmp[32];
  switch (json_typeof(v)) {
  case JSON_OBJECT: put_object(b, v); break;
  case JSON_ARRAY:
    ut_buf_put_u8(b, '[');
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i) ut_buf_put_u8(b, ',');
      ut_json_write(b, json_array_get(v, i));
    }
    ut_buf_put_u8(b, ']');
    break;
  case JSON_STRING: ut_json_put_string(b, json_string_value(v), json_string_length(v)); break;
  case JSON_INTEGER:
    snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    ut_buf_puts(b, tmp);
    break;
  case JSON_REAL: put_real(b, json_real_value(v)); break;
  case JSON_TRUE: ut_buf_puts(b, "true"); break;
  case JSON_FALSE: ut_buf_puts(b, "false"); break;
  case JSON_NULL: ut_buf_puts(b, "null"); break;
  }
}

char *ut_json_canon(const char *text, size_t len, int want_object, char *why, size_t whylen) {
  json_t *v;
  if (ut_json_parse(text, len, &v, why, whylen)) return NULL;
  if (want_object && !json_is_object(v)) {
    snprintf(why, whylen, "properties must be a JSON object, not %s",
             json_is_array(v) ? "an array" : json_is_string(v) ? "a string" : "a scalar");
    json_decref(v);
    return NULL;
  }
  char *out = ut_json_text(v);
  json_decref(v);
  if (!out) snprintf(why, whylen, "out of memory");
  return out;
}

char *ut_json_text(const json_t *v) {
  ut_buf b;
  ut_buf_init(&b);
  ut_json_write(&b, v);
  ut_buf_put_u8(&b, 0);
  return (char *)ut_buf_take(&b, NULL);
}

int ut_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c == 0) return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t extra;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) extra = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) extra = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) extra = 3, cp = c & 0x07;
    else return 0;
    if (n - i <= extra) return 0;
    for (size_t k = 1; k <= extra; k++) {
      if ((p[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (p[i + k] & 0x3f);
    }
    /* Overlong forms, surrogates and code points past U+10FFFF. */
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += extra + 1;
  }
  return 1;
}
