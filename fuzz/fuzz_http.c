/* fuzz_http.c — libFuzzer target: any bytes sent to a running server's HTTP port (requests,
 * WebSocket upgrades, the frames after them), through libwebsockets' parser and the server's
 * handling, over a real loopback socket. Two servers run in threads: an open one (loopback, no
 * token: anything may happen but a crash) when the first byte is even, and a locked one (odd)
 * whose only usable token has the read role, for which nothing may change the database, and
 * nothing may be read without that token. The bytes "@R" in an input stand for the read token. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "arenadb.h"
#include "net/net.h"

#define SECRET "s3cret-value-never-shown" /* in the locked database: unreadable without a token */

typedef struct server {
  adb *db;
  char path[64];
  net_opts o;
  volatile int port;
} server;

static server open_srv, locked_srv;
static adb *observer; /* the locked database from outside the server: did it change? */
static char read_token[128];

/* Learns the port from the server's first log line ("... on http://127.0.0.1:PORT and ..."). */
static void on_log(void *ctx, const char *line) {
  server *s = ctx;
  const char *p = strstr(line, "http://127.0.0.1:");
  if (!s->port && p) s->port = atoi(p + strlen("http://127.0.0.1:"));
}

static void *serve(void *arg) {
  server *s = arg;
  net_result res;
  net_run(s->db, &s->o, &res);
  fprintf(stderr, "a server stopped: %s\n", res.reason);
  abort(); /* a server never stops on its own: stopping is a finding */
}

static void start(server *s, const char *dir, const char *name, const char *token) {
  snprintf(s->path, sizeof s->path, "%s/%s", dir, name);
  adb_options opts = {0};
  if (adb_open(s->path, &opts, &s->db)) abort();
  adb_node_create(s->db, "a", "P", "{\"k\":\"" SECRET "\"}", NULL);
  adb_node_create(s->db, "b", "Q", "{\"n\":2}", NULL);
  adb_edge_create(s->db, "e", "a", "R", "b", "{\"w\":1}", NULL);
  adb_text_insert(s->db, "a", "t", 0, "hello");
  s->o = (net_opts){.listen = "127.0.0.1:0", .http = &net_http_api, .token = token, .db_path = s->path,
                    .query_timeout_ms = 200, .live = 1, .log = on_log, .ctx = s};
  pthread_t t;
  if (pthread_create(&t, NULL, serve, s)) abort();
  while (!s->port) usleep(1000);
}

static void setup(void) {
  static char dir[] = "/tmp/fuzz_http.XXXXXX";
  if (!mkdtemp(dir)) abort();
  char admin[65], *tok;
  unsigned char r[32];
  randombytes_buf(r, sizeof r);
  sodium_bin2hex(admin, sizeof admin, r, sizeof r);
  start(&open_srv, dir, "open.db", NULL);
  start(&locked_srv, dir, "locked.db", strdup(admin));
  if (adb_token_create(locked_srv.db, "reader", ADB_ROLE_READ, 0, &tok)) abort();
  snprintf(read_token, sizeof read_token, "%s", tok);
  adb_free(tok);
  adb_options opts = {0};
  if (adb_open(locked_srv.path, &opts, &observer)) abort();
}

/* The input with every "@R" replaced by the read token; *has says whether there was one. */
static char *expand(const unsigned char *d, size_t n, size_t *out_len, int *has) {
  size_t tl = strlen(read_token), m = 0;
  char *o = malloc(n * tl / 2 + n + 1);
  *has = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && d[i] == '@' && d[i + 1] == 'R') {
      memcpy(o + m, read_token, tl);
      m += tl;
      i++;
      *has = 1;
    } else {
      o[m++] = (char)d[i];
    }
  }
  *out_len = m;
  return o;
}

/* A socket connected to the server on port. Each comes from a random address of 127/8: the
 * server closes every connection, and the TIME_WAIT of hundreds a second would use up the
 * ports of one address. A server that accepts nothing for 30 s is a finding. */
static int connect_to(int port) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0; attempt < 300; attempt++) {
    struct sockaddr_in from = {.sin_family = AF_INET};
    from.sin_addr.s_addr = htonl(0x7f000000u | (randombytes_uniform(0xfffffe) + 1));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && !bind(fd, (struct sockaddr *)&from, sizeof from) &&
        !connect(fd, (struct sockaddr *)&to, sizeof to))
      return fd;
    if (fd >= 0) close(fd);
    usleep(100000);
  }
  perror("the server accepted no connection for 30 s");
  abort();
}

/* 1 when buf holds a whole HTTP answer: its headers, and as many body bytes as they announce
 * (a 101 switching to WebSocket has none). */
static int answered(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head = (size_t)(end - buf) + 4, body = 0;
  for (const char *line = buf; line < end;) {
    if (!strncasecmp(line, "content-length:", 15)) body = strtoull(line + 15, NULL, 10);
    const char *next = memmem(line, (size_t)(end - line), "\r\n", 2);
    line = next ? next + 2 : end;
  }
  return len >= head + body;
}

/* Sends req to port and returns what came back (*got bytes, malloc'd) until the server closed.
 * The client closes its side once an answer is whole or after 30 ms of silence (a request not
 * yet complete), and gives up 2 s after that: a slow query may still run. */
static char *exchange(int port, const char *req, size_t n, size_t *got) {
  int fd = connect_to(port);
  size_t off = 0;
  while (off < n) {
    ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
    if (w <= 0) break; /* the server closed early: it may */
    off += (size_t)w;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int shut = 0;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  for (;;) {
    if (!shut && answered(buf, len)) shutdown(fd, SHUT_WR), shut = 1;
    if (poll(&p, 1, shut ? 2000 : 30) <= 0) {
      if (shut) break;
      shutdown(fd, SHUT_WR), shut = 1;
      continue;
    }
    if (len + 2048 > cap) buf = realloc(buf, cap *= 2);
    ssize_t r = recv(fd, buf + len, cap - len, 0);
    if (r <= 0) break;
    len += (size_t)r;
  }
  close(fd);
  *got = len;
  return buf;
}

static int64_t version(void) {
  int64_t v;
  if (adb_data_version(observer, &v)) abort();
  return v;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  if (!observer) setup();
  if (size < 2) return 0;
  int locked = data[0] & 1, has_token;
  size_t n, got;
  char *req = expand(data + 1, size - 1, &n, &has_token);
  int64_t before = locked ? version() : 0;
  char *reply = exchange(locked ? locked_srv.port : open_srv.port, req, n, &got);
  if (locked && version() != before) {
    fprintf(stderr, "the locked database changed\n");
    abort();
  }
  if (locked && !has_token && memmem(reply, got, SECRET, strlen(SECRET))) {
    fprintf(stderr, "the locked database was read without a token\n");
    abort();
  }
  free(reply);
  free(req);
  return 0;
}
