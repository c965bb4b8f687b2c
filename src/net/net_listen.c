/* net_listen.c — the server's listening socket: bound to exactly the address given, IPv4 or
 * IPv6, refused when the port is taken, and every accepted connection handed to libwebsockets.
 * The library's own listener binds every interface for an address it cannot parse, and shares
 * a taken port, so the server listens here instead. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <uv.h>

#include "net/net.h"

/* An open connection: libwebsockets' handle of it, and the address it came from. */
typedef struct held {
  struct lws *wsi;
  struct sockaddr_storage from;
} held;

struct net_listener {
  uv_poll_t poll;
  int fd;
  struct lws_vhost *vh;
  int max_total, max_per_address;
  held *open; /* max_total of them; n in use */
  int n;
};

/* 1 when a and b are the same IP address (the port aside). */
static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                 &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

/* Takes a slot for a connection from addr, or returns 0 when a limit is reached. */
static int hold(net_listener *l, const struct sockaddr_storage *from) {
  if (l->n >= l->max_total) return 0;
  int same = 0;
  for (int i = 0; i < l->n; i++) same += same_address(&l->open[i].from, from);
  if (same >= l->max_per_address) return 0;
  l->open[l->n].wsi = NULL;
  l->open[l->n].from = *from;
  l->n++;
  return 1;
}

void net_listen_release(net_listener *l, struct lws *wsi) {
  for (int i = 0; l && i < l->n; i++)
    if (l->open[i].wsi == wsi) {
      l->open[i] = l->open[--l->n];
      return;
    }
}

/* Resolves host ("127.0.0.1", "::1", "[::1]", "localhost", a name) for binding; returns 0 or an
 * EAI_ code. "localhost" is 127.0.0.1: the address clients try first. */
static int resolve(const char *host, int port, struct sockaddr_storage *sa, socklen_t *len) {
  char name[256];
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']')
    snprintf(name, sizeof name, "%.*s", (int)n - 2, host + 1);
  else snprintf(name, sizeof name, "%s", strcmp(host, "localhost") ? host : "127.0.0.1");
  char service[8];
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo *ai;
  int rc = getaddrinfo(name, service, &hints, &ai);
  if (rc) return rc;
  memcpy(sa, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo(ai);
  return 0;
}

int net_listen_open(const char *host, int port, char *why, size_t whylen) {
  struct sockaddr_storage sa;
  socklen_t len;
  int rc = resolve(host, port, &sa, &len);
  if (rc) {
    snprintf(why, whylen, "cannot listen on %s: %s", host, gai_strerror(rc));
    return -1;
  }
  int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int on = 1;
  /* SO_REUSEADDR lets a restarted server bind while old connections linger in TIME_WAIT; it
   * does not let two servers share a port (SO_REUSEPORT would, and is not set). */
  if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) ||
                  (sa.ss_family == AF_INET6 &&
                   setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on)) ||
                  bind(fd, (struct sockaddr *)&sa, len) || listen(fd, 511))) {
    int e = errno;
    close(fd);
    fd = -1;
    errno = e;
  }
  if (fd < 0) {
    snprintf(why, whylen, "cannot listen on %s port %d: %s%s", host, port, strerror(errno),
             errno == EADDRINUSE ? " (another server runs there?)"
             : errno == EADDRNOTAVAIL ? " (not an address of this machine)" : "");
    return -1;
  }
  return fd;
}

int net_listen_port(int fd) {
  struct sockaddr_storage sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len)) return -1;
  return ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                        : ((struct sockaddr_in *)&sa)->sin_port);
}

/* Accepts every waiting connection and gives it to libwebsockets, which then serves it like
 * one its own listener accepted. */
static void on_readable(uv_poll_t *p, int status, int events) {
  net_listener *l = p->data;
  if (status < 0 || !(events & UV_READABLE)) return;
  for (;;) {
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    int c = accept4(l->fd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return; /* EAGAIN: no more; other errors are the client's, not the listener's */
    /* Past a limit the connection is closed at once: one address cannot take every slot. */
    if (!hold(l, &from)) {
      close(c);
      continue;
    }
    /* Answers and sync frames are small and wanted at once: no Nagle delay (libwebsockets sets
     * this on the sockets its own listener accepts). */
    int on = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    /* NULL when lws could not take it (and closed it): the slot is freed again. */
    l->open[l->n - 1].wsi = lws_adopt_socket_vhost(l->vh, c);
    if (!l->open[l->n - 1].wsi) l->n--;
  }
}

net_listener *net_listen_start(uv_loop_t *loop, int fd, struct lws_vhost *vh, int max_total,
                               int max_per_address) {
  net_listener *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->fd = fd;
  l->vh = vh;
  l->max_total = max_total;
  l->max_per_address = max_per_address;
  if (!(l->open = calloc((size_t)max_total, sizeof *l->open)) || uv_poll_init(loop, &l->poll, fd)) {
    free(l->open);
    free(l);
    return NULL;
  }
  l->poll.data = l;
  uv_poll_start(&l->poll, UV_READABLE, on_readable);
  return l;
}

static void on_closed(uv_handle_t *handle) {
  net_listener *l = handle->data;
  close(l->fd);
  free(l->open);
  free(l);
}

void net_listen_stop(net_listener *l) {
  if (l) uv_close((uv_handle_t *)&l->poll, on_closed);
}
