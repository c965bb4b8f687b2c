/* presence.c — the ephemeral presence table a replica shares with its peers: entries keyed by
 * (origin replica, key), last version wins, each expiring on its own; never stored. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adb_int.h"
#include "sync/session.h"
#include "util/json.h"

void sync_presence_init(sync_presence *p) { memset(p, 0, sizeof *p); }

static void entry_clear(sync_presence_entry *e) {
  free(e->key);
  free(e->value);
  e->key = e->value = NULL;
}

void sync_presence_free(sync_presence *p) {
  for (size_t i = 0; i < p->n; i++) entry_clear(&p->e[i]);
  free(p->e);
  memset(p, 0, sizeof *p);
}

static int presence_valid(const char *key, const char *value) {
  size_t kl = key ? strlen(key) : 0;
  if (kl == 0 || kl > SYNC_MAX_PRESENCE_KEY || !ut_utf8_valid(key, kl)) return 0;
  for (size_t i = 0; i < kl; i++)
    if ((unsigned char)key[i] < 0x20) return 0;
  if (!value) return 1;
  size_t vl = strlen(value);
  if (vl == 0 || vl > SYNC_MAX_PRESENCE_VALUE) return 0;
  char why[128];
  char *c = ut_json_canon(value, vl, 0, why, sizeof why);
  free(c);
  return c != NULL;
}

int sync_presence_merge(sync_presence *p, const sync_presence_entry *in, int64_t now) {
  if (!presence_valid(in->key, in->value)) return ADB_INVALID;
  sync_presence_entry *hit = NULL;
  for (size_t i = 0; i < p->n; i++)
    if (!memcmp(p->e[i].origin, in->origin, 16) && !strcmp(p->e[i].key, in->key)) {
      hit = &p->e[i];
      break;
    }
  if (hit && hit->version >= in->version) return 0;
  if (in->expires <= now) return 0;
  char *k = strdup(in->key), *v = in->value ? strdup(in->value) : NULL;
  if (!k || (in->value && !v)) {
    free(k);
    free(v);
    return ADB_NOMEM;
  }
  if (!hit) {
    if (p->n >= SYNC_MAX_PRESENCE_ENTRIES) {
      free(k);
      free(v);
      return ADB_NOMEM;
    }
    if (p->n == p->cap) {
      size_t cap = p->cap ? p->cap * 2 : 16;
      sync_presence_entry *e = realloc(p->e, cap * sizeof *e);
      if (!e) {
        free(k);
        free(v);
        return ADB_NOMEM;
      }
      p->e = e;
      p->cap = cap;
    }
    hit = &p->e[p->n++];
    memset(hit, 0, sizeof *hit);
  }
  entry_clear(hit);
  memcpy(hit->origin, in->origin, 16);
  hit->key = k;
  hit->value = v;
  hit->version = in->version;
  hit->expires = in->expires;
  return 1;
}

size_t sync_presence_expire(sync_presence *p, int64_t now) {
  size_t gone = 0, u = 0;
  for (size_t i = 0; i < p->n; i++) {
    if (p->e[i].expires <= now) {
      gone += p->e[i].value != NULL;
      entry_clear(&p->e[i]);
    } else {
      p->e[u++] = p->e[i];
    }
  }
  p->n = u;
  return gone;
}

int sync_presence_set(sync_presence *p, const unsigned char origin[16], const char *key,
                      const char *value, uint64_t ttl_ms, int64_t now,
                      const sync_presence_entry **made) {
  if (ttl_ms == 0 || ttl_ms > SYNC_MAX_PRESENCE_TTL_MS) return ADB_INVALID;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t v = ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000) << 10;
  if (v <= p->last_version) v = p->last_version + 1;
  p->last_version = v;
  sync_presence_entry e = {.key = (char *)key, .value = (char *)value, .version = v,
                           .expires = now + (int64_t)ttl_ms};
  memcpy(e.origin, origin, 16);
  int rc = sync_presence_merge(p, &e, now);
  if (rc < 0) return rc;
  for (size_t i = 0; made && i < p->n; i++)
    if (!memcmp(p->e[i].origin, origin, 16) && !strcmp(p->e[i].key, key)) *made = &p->e[i];
  return ADB_OK;
}
