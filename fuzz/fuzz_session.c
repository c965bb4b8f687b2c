/* fuzz_session.c — libFuzzer target: any bytes from a peer, fed to a server's sync session
 * before authentication (the first input byte even) or after a valid hello (odd). It must never
 * crash; before authentication the server must say nothing about itself (no hello of its own)
 * and change nothing. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "sync/session.h"

static adb *server, *client;
static unsigned char *hello;
static size_t hello_len;
static char secret[65]; /* the token of the sessions fed before a hello: never guessed */

static int64_t version(void) {
  int64_t v;
  if (adb_data_version(server, &v)) abort();
  return v;
}

static void setup(void) {
  adb_options o = {.db_id = "0102030405060708090a0b0c0d0e0f10"};
  if (adb_open(":memory:", &o, &server) || adb_open(":memory:", &o, &client)) abort();
  adb_node_create(server, "a", "P", "{\"k\":1}", NULL);
  /* A real client's hello, with the right token. */
  sync_config c = {.token = "t"};
  sync_session *s;
  if (sync_session_new(client, &c, &s) || sync_session_start(s, 1)) abort();
  unsigned char *p;
  if (!sync_session_out(s, &p, &hello_len)) abort();
  hello = malloc(hello_len);
  memcpy(hello, p, hello_len);
  sync_session_free(s);
  unsigned char r[32];
  randombytes_buf(r, sizeof r);
  sodium_bin2hex(secret, sizeof secret, r, sizeof r);
}

/* 1 when the session queued a frame of type t. */
static int sent(sync_session *s, int t) {
  unsigned char *p;
  size_t n;
  int seen = 0;
  while (sync_session_out(s, &p, &n)) {
    seen |= n > 4 && p[4] == t;
    sync_session_out_pop(s);
  }
  return seen;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  if (!server) setup();
  if (size == 0) return 0;
  int after_hello = data[0] & 1;
  sync_config c = {.server = 1, .token = after_hello ? "t" : secret, .live = 1};
  sync_session *s;
  if (sync_session_new(server, &c, &s)) abort();
  sync_session_start(s, 1);
  int64_t before = version();
  if (after_hello) sync_session_feed(s, hello, hello_len, 2);
  sync_session_feed(s, data + 1, size - 1, 3);
  sync_session_tick(s, 4);
  if (!after_hello && (sent(s, SYNC_F_HELLO) || version() != before)) abort();
  sync_session_free(s);
  return 0;
}
