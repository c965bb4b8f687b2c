/* net_guard.c — which web pages may drive the server: Host and Origin on every HTTP request and
 * WebSocket upgrade, writes only as JSON, and the headers that go with it (docs/security.md). */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/net.h"

/* Copies header tok of wsi into out; returns its length, or -1 when absent or too long. */
static int header(struct lws *wsi, enum lws_token_indexes tok, char *out, int n) {
  out[0] = 0;
  if (lws_hdr_total_length(wsi, tok) <= 0 || lws_hdr_total_length(wsi, tok) >= n) return -1;
  return lws_hdr_copy(wsi, out, n, tok);
}

/* 1 when host (a Host header's value) names this machine's loopback, or the address the server
 * listens on: the only names a server without authentication answers to. A page on another site
 * that points its own name at 127.0.0.1 (DNS rebinding) sends that name, and is refused. The
 * port is not the page's to choose, so only the name counts. */
static int loopback_host(const net_guard *g, const char *host) {
  static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
  const char *colon = strrchr(host, ':');
  size_t n = colon && colon > strrchr(host, ']') ? (size_t)(colon - host) : strlen(host);
  for (size_t i = 0; i <= sizeof names / sizeof *names; i++) {
    const char *name = i < sizeof names / sizeof *names ? names[i] : g->listen_host;
    if (strlen(name) == n && !strncasecmp(host, name, n)) return 1;
  }
  return 0;
}

int net_guard_cors(const net_guard *g, const char *origin) {
  for (int i = 0; i < g->ncors; i++)
    if (!strcmp(g->cors[i], origin)) return 1;
  return 0;
}

int net_guard_check(const net_guard *g, struct lws *wsi, int write, const char **why) {
  char host[300], origin[300], ctype[128];
  *why = NULL;
  /* HTTP/2 (over TLS) names the host in :authority instead. */
  if (header(wsi, WSI_TOKEN_HOST, host, sizeof host) < 0 &&
      header(wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY, host, sizeof host) < 0)
    *why = "the request has no Host header";
  else if (!g->authenticates && !loopback_host(g, host))
    *why = "without a token this server answers only to its loopback address (localhost)";
  else if (header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin) >= 0) {
    char same[320];
    snprintf(same, sizeof same, "%s://%s", g->tls ? "https" : "http", host);
    if (strcmp(origin, same) != 0 && !net_guard_cors(g, origin))
      *why = "requests from another site's page are refused (serve --cors ORIGIN allows one)";
  }
  if (*why) return 403;
  /* A form or a script on any page may POST text/plain without asking first; JSON it may not. */
  if (write) {
    int n = header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, ctype, sizeof ctype);
    size_t j = strlen("application/json");
    if (n < 0 || strncasecmp(ctype, "application/json", j) || (ctype[j] && ctype[j] != ';')) {
      *why = "a request that writes must send Content-Type: application/json";
      return 415;
    }
  }
  return 0;
}
