/* buf.h — growable byte buffers, and a bounds-checked reader, with LEB128 varints. */
#ifndef ADB_BUF_H
#define ADB_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer. A failed allocation sets oom and turns later writes into no-ops, so
 * a writer checks once at the end instead of after every call. */
typedef struct buf {
  unsigned char *p;
  size_t len, cap;
  int oom;
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
/* Gives up ownership of the bytes: returns them (NULL when empty or out of memory). */
unsigned char *buf_take(buf *b, size_t *len);
void buf_put(buf *b, const void *p, size_t n);
void buf_put_u8(buf *b, unsigned v);
void buf_put_varint(buf *b, uint64_t v);
/* A length-prefixed byte string. */
void buf_put_str(buf *b, const char *s, size_t n);
/* Appends a NUL-terminated string without prefix. */
void buf_puts(buf *b, const char *s);

/* A reader over borrowed bytes. Reading past the end or a malformed varint sets bad and makes
 * every later read return zeros, so a parser checks once per record. */
typedef struct rbuf {
  const unsigned char *p;
  size_t len, pos;
  int bad;
} rbuf;

void rbuf_init(rbuf *r, const void *p, size_t len);
unsigned rbuf_u8(rbuf *r);
uint64_t rbuf_varint(rbuf *r);
/* Returns a pointer to the next n bytes, or NULL (and sets bad) if fewer remain. */
const unsigned char *rbuf_bytes(rbuf *r, size_t n);
/* Reads a length-prefixed string of at most max bytes; returns NULL and sets bad otherwise. */
const char *rbuf_str(rbuf *r, size_t *n, size_t max);

/* Hex encoding of n bytes into out (2n+1 bytes, NUL-terminated). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* Decodes exactly 2n hex digits into n bytes; returns 0 on success, -1 otherwise. */
int hex_decode(const char *in, unsigned char *out, size_t n);

#endif
