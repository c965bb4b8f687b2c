/* buf.h — growable byte buffers, and a bounds-checked reader, with LEB128 varints. */
#ifndef ADB_BUF_H
#define ADB_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. A failed allocation sets oom and turns later writes into no-ops, so
 * a writer checks once at the end instead of after every call. */
typedef struct ut_buf {
  unsigned char *p;
  size_t len, cap;
  int oom;
} ut_buf;

void ut_buf_init(ut_buf *b);
void ut_buf_free(ut_buf *b);
/* Gives up ownership of the bytes: returns them (NULL when empty or out of memory). */
unsigned char *ut_buf_take(ut_buf *b, size_t *len);
void ut_buf_put(ut_buf *b, const void *p, size_t n);
void ut_buf_put_u8(ut_buf *b, unsigned v);
void ut_buf_put_varint(ut_buf *b, uint64_t v);
/* A length-prefixed byte string. */
void ut_buf_put_str(ut_buf *b, const char *s, size_t n);
/* Appends a NUL-terminated string without prefix. */
void ut_buf_puts(ut_buf *b, const char *s);

/* A reader over borrowed bytes. Reading past the end or a malformed varint sets bad and makes
 * every later read return zeros, so a parser checks once per record. */
typedef struct ut_rbuf {
  const unsigned char *p;
  size_t len, pos;
  int bad;
} ut_rbuf;

void ut_rbuf_init(ut_rbuf *r, const void *p, size_t len);
unsigned ut_rbuf_u8(ut_rbuf *r);
uint64_t ut_rbuf_varint(ut_rbuf *r);
/* Returns a pointer to the next n bytes, or NULL (and sets bad) if fewer remain. */
const unsigned char *ut_rbuf_bytes(ut_rbuf *r, size_t n);
/* Reads a length-prefixed string of at most max bytes; returns NULL and sets bad otherwise. */
const char *ut_rbuf_str(ut_rbuf *r, size_t *n, size_t max);

/* Hex encoding of n bytes into out (2n+1 bytes, NUL-terminated). */
void ut_hex_encode(const unsigned char *in, size_t n, char *out);
/* Decodes exactly 2n hex digits into n bytes; returns 0 on success, -1 otherwise. */
int ut_hex_decode(const char *in, unsigned char *out, size_t n);

#endif
