/* buf.c — growable byte buffers and a bounds-checked reader, with LEB128 varints. */
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

void ut_buf_init(ut_buf *b) { memset(b, 0, sizeof *b); }

void ut_buf_free(ut_buf *b) {
  free(b->p);
  ut_buf_init(b);
}

unsigned char *ut_buf_take(ut_buf *b, size_t *len) {
  unsigned char *p = b->oom ? NULL : b->p;
  if (len) *len = b->oom ? 0 : b->len;
  if (b->oom) free(b->p);
  ut_buf_init(b);
  return p;
}

static int buf_reserve(ut_buf *b, size_t n) {
  if (b->oom) return -1;
  if (b->len + n <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + n) cap *= 2;
  unsigned char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void ut_buf_put(ut_buf *b, const void *p, size_t n) {
  if (n == 0 || buf_reserve(b, n)) return;
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void ut_buf_put_u8(ut_buf *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  ut_buf_put(b, &c, 1);
}

void ut_buf_put_varint(ut_buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  do {
    unsigned char c = v & 0x7f;
    v >>= 7;
    tmp[n++] = c | (v ? 0x80 : 0);
  } while (v);
  ut_buf_put(b, tmp, n);
}

void ut_buf_put_str(ut_buf *b, const char *s, size_t n) {
  ut_buf_put_varint(b, n);
  ut_buf_put(b, s, n);
}

void ut_buf_puts(ut_buf *b, const char *s) { ut_buf_put(b, s, strlen(s)); }

void ut_rbuf_init(ut_rbuf *r, const void *p, size_t len) {
  r->p = p;
  r->len = len;
  r->pos = 0;
  r->bad = 0;
}

unsigned ut_rbuf_u8(ut_rbuf *r) {
  if (r->bad || r->pos >= r->len) {
    r->bad = 1;
    return 0;
  }
  return r->p[r->pos++];
}

uint64_t ut_rbuf_varint(ut_rbuf *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    unsigned c = ut_rbuf_u8(r);
    if (r->bad) return 0;
    /* The tenth byte may only carry the top bit of a 64-bit value. */
    if (shift == 63 && (c & 0x7e)) break;
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

const unsigned char *ut_rbuf_bytes(ut_rbuf *r, size_t n) {
  if (r->bad || n > r->len - r->pos) {
    r->bad = 1;
    return NULL;
  }
  const unsigned char *p = r->p + r->pos;
  r->pos += n;
  return p;
}

const char *ut_rbuf_str(ut_rbuf *r, size_t *n, size_t max) {
  uint64_t len = ut_rbuf_varint(r);
  if (r->bad || len > max) {
    r->bad = 1;
    return NULL;
  }
  *n = (size_t)len;
  return (const char *)ut_rbuf_bytes(r, (size_t)len);
}

void ut_hex_encode(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int ut_hex_decode(const char *in, unsigned char *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int hi = hex_digit(in[2 * i]);
    int lo = hi < 0 ? -1 : hex_digit(in[2 * i + 1]);
    if (lo < 0) return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return in[2 * n] == 0 ? 0 : -1;
}
