/* vv.c — version vectors: encoding, decoding, and the framing shared with change sets. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crdt/crdt.h"
#include "store/store.h"
#include "sync/sync.h"
#include "util/buf.h"

static const char VV_MAGIC[4] = {'A', 'D', 'B', 'V'};

void sync_seal(ut_buf *b) {
  unsigned char h[SYNC_HASH_BYTES];
  if (b->oom) return;
  crypto_generichash(h, sizeof h, b->p, b->len, NULL, 0);
  ut_buf_put(b, h, sizeof h);
}

int sync_check_frame(adb *db, const void *p, size_t len, const char magic[4], const char *what) {
  const unsigned char *u = p;
  if (!p || len < SYNC_HEADER_BYTES + SYNC_HASH_BYTES)
    return adb__err(db, ADB_CORRUPT, "the %s is truncated (%zu bytes)", what, len);
  if (memcmp(u, magic, 4) != 0)
    return adb__err(db, ADB_PROTOCOL, "the data is not a %s (wrong magic bytes)", what);
  if (u[4] != SYNC_FORMAT)
    return adb__err(db, u[4] > SYNC_FORMAT ? ADB_FORMAT : ADB_PROTOCOL,
                    "the %s has format version %u; this ArenaDB reads version %d", what, u[4],
                    SYNC_FORMAT);
  unsigned char h[SYNC_HASH_BYTES];
  crypto_generichash(h, sizeof h, u, len - SYNC_HASH_BYTES, NULL, 0);
  if (sodium_memcmp(h, u + len - SYNC_HASH_BYTES, SYNC_HASH_BYTES) != 0)
    return adb__err(db, ADB_CORRUPT, "the %s is truncated or damaged (checksum mismatch)", what);
  return ADB_OK;
}

int sync_vv_decode(adb *db, const void *p, size_t len, sync_vv *vv) {
  memset(vv, 0, sizeof *vv);
  int rc = sync_check_frame(db, p, len, VV_MAGIC, "version vector");
  if (rc) return rc;
  ut_rbuf r;
  ut_rbuf_init(&r, (const unsigned char *)p + SYNC_HEADER_BYTES,
            len - SYNC_HEADER_BYTES - SYNC_HASH_BYTES);
  const unsigned char *id = ut_rbuf_bytes(&r, 16);
  uint64_t n = ut_rbuf_varint(&r);
  if (r.bad || n > r.len / 17)
    return adb__err(db, ADB_PROTOCOL, "the version vector's header is malformed");
  memcpy(vv->db_id, id, 16);
  vv->e = calloc(n ? n : 1, sizeof *vv->e);
  if (!vv->e) return adb__err(db, ADB_NOMEM, "out of memory");
  vv->n = n;
  for (uint64_t i = 0; i < n; i++) {
    const unsigned char *rid = ut_rbuf_bytes(&r, 16);
    vv->e[i].seq = ut_rbuf_varint(&r);
    if (r.bad) break;
    memcpy(vv->e[i].rid, rid, 16);
  }
  if (r.bad || r.pos != r.len) {
    sync_vv_free(vv);
    return adb__err(db, ADB_PROTOCOL, "the version vector's entries are malformed");
  }
  return ADB_OK;
}

void sync_vv_free(sync_vv *vv) {
  free(vv->e);
  memset(vv, 0, sizeof *vv);
}

uint64_t sync_vv_get(const sync_vv *vv, const unsigned char rid[16]) {
  for (size_t i = 0; vv && i < vv->n; i++)
    if (memcmp(vv->e[i].rid, rid, 16) == 0) return vv->e[i].seq;
  return 0;
}

uint64_t sync_vv_missing(const sync_vv *want, const sync_vv *have) {
  uint64_t n = 0;
  for (size_t i = 0; i < want->n; i++) {
    uint64_t had = sync_vv_get(have, want->e[i].rid);
    if (want->e[i].seq > had) n += want->e[i].seq - had;
  }
  return n;
}

void *sync_vv_encode(const sync_vv *vv, size_t *len) {
  ut_buf b;
  ut_buf_init(&b);
  ut_buf_put(&b, VV_MAGIC, 4);
  ut_buf_put_u8(&b, SYNC_FORMAT);
  ut_buf_put(&b, vv->db_id, 16);
  ut_buf_put_varint(&b, vv->n);
  for (size_t i = 0; i < vv->n; i++) {
    ut_buf_put(&b, vv->e[i].rid, 16);
    ut_buf_put_varint(&b, vv->e[i].seq);
  }
  sync_seal(&b);
  return ut_buf_take(&b, len);
}

int adb_vv(adb *db, void **out, size_t *out_len) {
  if (!db || !out || !out_len) return ADB_MISUSE;
  *out = NULL;
  int own, rc = store_read_begin(db, &own);
  if (rc) return rc;
  sync_vv vv = {.n = db->nreps, .e = malloc((db->nreps + 1) * sizeof *vv.e)};
  memcpy(vv.db_id, db->db_id, 16);
  for (size_t i = 0; vv.e && i < vv.n; i++) {
    memcpy(vv.e[i].rid, db->reps[i].rid, 16);
    vv.e[i].seq = db->reps[i].seq;
  }
  store_read_end(db, own);
  *out = vv.e ? sync_vv_encode(&vv, out_len) : NULL;
  free(vv.e);
  return *out ? ADB_OK : adb__err(db, ADB_NOMEM, "out of memory");
}

int adb_vv_json(adb *db, const void *p, size_t len, char **out) {
  if (!db || !out) return ADB_MISUSE;
  *out = NULL;
  sync_vv vv;
  int rc = sync_vv_decode(db, p, len, &vv);
  if (rc) return rc;
  ut_buf b;
  ut_buf_init(&b);
  char hex[33];
  ut_hex_encode(vv.db_id, 16, hex);
  ut_buf_puts(&b, "{\"db\":\"");
  ut_buf_puts(&b, hex);
  ut_buf_puts(&b, "\",\"vv\":{");
  for (size_t i = 0; i < vv.n; i++) {
    char entry[64];
    ut_hex_encode(vv.e[i].rid, 16, hex);
    snprintf(entry, sizeof entry, "%s\"%s\":%llu", i ? "," : "", hex,
             (unsigned long long)vv.e[i].seq);
    ut_buf_puts(&b, entry);
  }
  ut_buf_puts(&b, "}}");
  ut_buf_put_u8(&b, 0);
  sync_vv_free(&vv);
  *out = (char *)ut_buf_take(&b, NULL);
  return *out ? ADB_OK : adb__err(db, ADB_NOMEM, "out of memory");
}
