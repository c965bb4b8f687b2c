/* sync.h — the binary wire forms: version vectors and change sets (docs/changeset.md). */
#ifndef ADB_SYNC_H
#define ADB_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "adb_int.h"

#define SYNC_FORMAT 1       /* the wire format version this build writes and reads */
#define SYNC_CS_MAGIC "ADBC" /* the first 4 bytes of a change set */
#define SYNC_HASH_BYTES 16  /* BLAKE2b digest closing every message */

/* A decoded version vector: per replica id, the newest transaction covered. */
typedef struct sync_vv {
  unsigned char db_id[16];
  size_t n;
  struct sync_vv_entry {
    unsigned char rid[16];
    uint64_t seq;
  } *e;
} sync_vv;

/* Decodes and checks an encoded version vector (magic, version, digest, bounds). */
int sync_vv_decode(adb *db, const void *p, size_t len, sync_vv *vv);

/* Encodes a version vector (the form sync_vv_decode reads); malloc'd, NULL when out of memory. */
void *sync_vv_encode(const sync_vv *vv, size_t *len);
void sync_vv_free(sync_vv *vv);

/* The entry for rid, 0 when absent. */
uint64_t sync_vv_get(const sync_vv *vv, const unsigned char rid[16]);

/* How many of the transactions of want are missing from have: per replica, how far want's
 * entry is past have's, summed. */
uint64_t sync_vv_missing(const sync_vv *want, const sync_vv *have);

/* Every message starts with 4 magic bytes and a format byte, and ends with a digest. */
#define SYNC_HEADER_BYTES 5

/* Checks a message's magic, format version and closing digest; what names it in errors. */
int sync_check_frame(adb *db, const void *p, size_t len, const char magic[4], const char *what);

/* Checks a change set whole, as adb_apply would, without merging it: stats says how many elements
 * and registers it holds. Returns ADB_OK or why adb_apply would refuse it. */
struct adb_apply_stats;
int sync_changes_check(adb *db, const void *changes, size_t len, struct adb_apply_stats *stats);

/* Appends the closing digest of everything in b so far. */
struct ut_buf;
void sync_seal(struct ut_buf *b);

#endif
