/* http.c — the HTTP API's data routes (src/net/net_route.c) answered by a replica in the page,
 * so that a page written against `arenadb serve` keeps working with the server out of reach.
 * Part of the WebAssembly build only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_api.h"
#include "util/buf.h"
#include "util/json.h"

char *adb_wasm_http(adb *db, const char *method, const char *target, const char *body);

static int method_of(const char *m) {
  static const char *const names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (int i = 0; i < 6; i++)
    if (!strcmp(m, names[i])) return NET_GET + i;
  return NET_OTHER;
}

/* Answers one request, as the server would for the same method, target (path and query) and
 * body (JSON text, or NULL): {"status": S, "body": ANSWER} plus "link" for a list with a next
 * page, as malloc'd JSON text. Returns NULL only when memory runs out. The server's own
 * endpoints (/status, /tokens, /presence) answer 404 here. */
char *adb_wasm_http(adb *db, const char *method, const char *target, const char *body) {
  net_reply r = {0};
  json_t *doc = NULL;
  /* The path is decoded as lws decodes the server's: percent-escapes only. */
  size_t tlen = strcspn(target, "?");
  char *path = malloc(tlen + 1);
  if (!path) return NULL;
  size_t plen = net_url_decode(target, tlen, path, tlen + 1, 0);
  while (plen > 1 && path[plen - 1] == '/') path[--plen] = 0;
  net_args args = {net_args_query, target[tlen] == '?' ? (void *)(target + tlen + 1) : NULL};
  json_error_t err;
  if (body && *body && !(doc = json_loads(body, JSON_DECODE_ANY, &err))) {
    char msg[300];
    snprintf(msg, sizeof msg, "the body is not JSON: %s (line %d, column %d)", err.text, err.line,
             err.column);
    net_reply_err(&r, 400, "invalid argument", msg);
  } else {
    int wrote = 0;
    if (!net_route_data(&r, db, method_of(method), path, &args, doc, &wrote))
      net_reply_err(&r, 404, "not found",
                    "no such endpoint on a replica in the page (docs/http.md; /status, /tokens "
                    "and /presence are the server's)");
  }
  json_decref(doc);
  free(path);
  ut_buf out;
  ut_buf_init(&out);
  char head[40];
  snprintf(head, sizeof head, "{\"status\":%d,\"body\":", r.status);
  ut_buf_puts(&out, head);
  ut_buf_puts(&out, r.text ? r.text : "null");
  if (r.link) {
    ut_buf_puts(&out, ",\"link\":");
    ut_json_put_string(&out, r.link, strlen(r.link));
  }
  ut_buf_put(&out, "}", 2);
  free(r.text);
  free(r.link);
  return (char *)ut_buf_take(&out, NULL);
}
