/* cmd_net.c — the network commands: serve, sync over WebSocket (once or --live), presence. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "net/net.h"

static void log_line(void *ctx, const char *line) {
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  localtime_r(&ts.tv_sec, &tm);
  fprintf(stderr, "%02d:%02d:%02d.%03ld %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
          ts.tv_nsec / 1000000, line);
}

/* Takes every "NAME VALUE" / "NAME=VALUE" out of the arguments into list (of at most max, *n
 * so far): the options that may be given more than once. Returns CLI_OK or CLI_USAGE. */
static int take_repeated(cli_ctx *cx, const char *name, const char **list, int *n, int max) {
  size_t nl = strlen(name);
  int kept = 0;
  for (int i = 0; i < cx->argc; i++) {
    const char *a = cx->argv[i], *v = NULL;
    if (!strcmp(a, name)) {
      if (i + 1 >= cx->argc) {
        fprintf(stderr, "arenadb %s: option '%s' needs a value\n", cx->cmd, name);
        return CLI_USAGE;
      }
      v = cx->argv[++i];
    } else if (!strncmp(a, name, nl) && a[nl] == '=') {
      v = a + nl + 1;
    } else if (!strcmp(a, "--")) {
      while (i < cx->argc) cx->argv[kept++] = cx->argv[i++];
      break;
    } else {
      cx->argv[kept++] = cx->argv[i];
      continue;
    }
    if (*n == max) {
      fprintf(stderr, "arenadb %s: '%s' at most %d times\n", cx->cmd, name, max);
      return CLI_USAGE;
    }
    list[(*n)++] = v;
  }
  cx->argc = kept;
  return CLI_OK;
}

static int is_loopback(const char *host) {
  return !strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") || !strcmp(host, "::1") ||
         !strcmp(host, "[::1]") || !strncmp(host, "127.", 4);
}

/* Checks that a file named by an option can be read; prints why not and returns CLI_USAGE. */
static int check_readable(const char *path) {
  FILE *f = path ? fopen(path, "r") : NULL;
  if (f) fclose(f);
  if (!path || f) return CLI_OK;
  fprintf(stderr, "arenadb: cannot read '%s': %s\n", path, strerror(errno));
  return CLI_USAGE;
}

/* Settles the token: --token, else the first line of --token-file, else $ARENADB_TOKEN (the
 * command line is visible to every user in ps; a file or the environment is not). buf holds a
 * token read from the file. Prints why and returns CLI_USAGE when it is unusable. */
static int take_token(const char **token, const char *file, char *buf, size_t n) {
  if (*token && file) {
    fprintf(stderr, "arenadb: give --token or --token-file, not both\n");
    return CLI_USAGE;
  }
  if (file) {
    FILE *f = fopen(file, "r");
    if (!f || !fgets(buf, (int)n, f)) {
      fprintf(stderr, "arenadb: cannot read a token from '%s': %s\n", file,
              f ? "the file is empty" : strerror(errno));
      if (f) fclose(f);
      return CLI_USAGE;
    }
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    *token = buf;
  }
  if (!*token) *token = getenv("ARENADB_TOKEN");
  if (*token && (!**token || strlen(*token) > SYNC_MAX_TOKEN)) {
    fprintf(stderr, "arenadb: a token must be 1 to %d characters\n", SYNC_MAX_TOKEN);
    return CLI_USAGE;
  }
  return CLI_OK;
}

/* PREFIX/share/arenadb/ui for a command installed as PREFIX/bin/arenadb (`make install`), when
 * it holds an index.html; else NULL. */
static const char *installed_ui(void) {
  static char dir[PATH_MAX + 32];
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return NULL;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return NULL;
  *slash = 0;
  snprintf(dir, sizeof dir, "%s/../share/arenadb/ui", exe);
  return net_static_present(dir) ? dir : NULL;
}

/* The browser UI's directory: --ui DIR (which must hold an index.html), none with --no-ui,
 * else the installed UI beside the command, else the build's web/dist when `make` built it
 * there (docs/ui.md). Returns CLI_OK or CLI_USAGE. */
static int pick_ui(const char *ui, int no_ui, net_opts *o) {
  if (ui && no_ui) {
    fprintf(stderr, "arenadb serve: --ui and --no-ui exclude each other\n");
    return CLI_USAGE;
  }
  if (ui && !net_static_present(ui)) {
    fprintf(stderr, "arenadb serve: --ui %s: no index.html there (build the UI with `make ui`)\n",
            ui);
    return CLI_USAGE;
  }
  if (!ui && !no_ui) ui = installed_ui();
#ifdef ADB_UI_DIR
  if (!ui && !no_ui && net_static_present(ADB_UI_DIR)) ui = ADB_UI_DIR;
#endif
  o->ui_dir = ui;
  return CLI_OK;
}

static int cmd_serve(cli_ctx *cx) {
  net_opts o = {.log = log_line};
  const char *token_file = NULL;
  char token_buf[SYNC_MAX_TOKEN + 2];
  const char *listen = "127.0.0.1:7420", *timeout = NULL, *poll = NULL, *ui = NULL;
  const char *query_timeout = NULL, *max_conns = NULL, *max_per = NULL;
  int64_t query_ms = 10000;
  int no_ui = 0;
  int rc = take_repeated(cx, "--peer", o.peers, &o.npeers, NET_MAX_PEERS);
  if (rc || (rc = take_repeated(cx, "--cors", o.cors, &o.ncors, NET_MAX_CORS))) return rc;
  cli_opt opts[] = {{"--listen", NULL, &listen, NULL},
                    {"--token", NULL, &o.token, NULL},
                    {"--token-file", NULL, &token_file, NULL},
                    {"--timeout", NULL, &timeout, NULL},
                    {"--poll", NULL, &poll, NULL},
                    {"--query-timeout", NULL, &query_timeout, NULL},
                    {"--max-connections", NULL, &max_conns, NULL},
                    {"--tls-cert", NULL, &o.tls_cert, NULL},
                    {"--tls-key", NULL, &o.tls_key, NULL},
                    {"--ca", NULL, &o.ca_file, NULL},
                    {"--insecure", NULL, NULL, &o.insecure},
                    {"--max-per-address", NULL, &max_per, NULL},
                    {"--ui", NULL, &ui, NULL},
                    {"--no-ui", NULL, NULL, &no_ui},
                    {0}};
  if ((rc = cli_args(cx, opts)) ||
      (rc = take_token(&o.token, token_file, token_buf, sizeof token_buf)) ||
      (rc = pick_ui(ui, no_ui, &o)))
    return rc;
  char host[256];
  int port;
  if (net_split_hostport(listen, host, sizeof host, &port)) {
    fprintf(stderr, "arenadb serve: --listen wants HOST:PORT, not '%s'\n", listen);
    return CLI_USAGE;
  }

  if ((timeout && cli_ms(timeout, 1, &o.timeout_ms)) || (poll && cli_ms(poll, 1, &o.poll_ms))) {
    fprintf(stderr, "arenadb serve: --timeout and --poll take milliseconds\n");
    return CLI_USAGE;
  }
  if (query_timeout && strcmp(query_timeout, "0") && cli_ms(query_timeout, 1000, &query_ms)) {
    fprintf(stderr, "arenadb serve: --query-timeout takes seconds (0: no limit), not '%s'\n",
            query_timeout);
    return CLI_USAGE;
  }
  if (query_timeout && !strcmp(query_timeout, "0")) query_ms = 0;
  int64_t nconns = NET_MAX_CONNECTIONS, nper = NET_MAX_PER_ADDRESS;
  if ((max_conns && cli_ms(max_conns, 1, &nconns)) || (max_per && cli_ms(max_per, 1, &nper)) ||
      nconns > 1000000 || nper > nconns) {
    fprintf(stderr, "arenadb serve: --max-connections and --max-per-address take whole numbers, "
                    "the second at most the first\n");
    return CLI_USAGE;
  }
  o.max_connections = (int)nconns;
  o.max_per_address = (int)nper;
  if (!o.tls_cert != !o.tls_key || check_readable(o.tls_cert) || check_readable(o.tls_key) ||
      check_readable(o.ca_file)) {
    if (!o.tls_cert != !o.tls_key)
      fprintf(stderr, "arenadb serve: --tls-cert and --tls-key go together\n");
    return CLI_USAGE;
  }
  for (int i = 0; i < o.npeers; i++)
    if (strncmp(o.peers[i], "ws://", 5) && strncmp(o.peers[i], "wss://", 6)) {
      fprintf(stderr, "arenadb serve: --peer wants a ws:// or wss:// URL, not '%s'\n", o.peers[i]);
      return CLI_USAGE;
    }
  o.listen = listen;
  o.http = &net_http_api;
  o.events = &net_events_api;
  o.live = 1;
  adb *db = cli_open(cx, 1);
  if (!db) return CLI_FAIL;
  int64_t ntokens = 0;
  if (!is_loopback(host) && !o.token && (adb_token_count(db, &ntokens) || ntokens == 0)) {
    fprintf(stderr, "arenadb serve: listening on %s (not this machine only) requires tokens "
                    "(arenadb token create) or --token\n", host);
    adb_close(db);
    return CLI_USAGE;
  }
  o.query_timeout_ms = query_ms; /* each SQL statement and Cypher query of the HTTP API */
  o.db_path = cx->db_path;
  char line[PATH_MAX + 64];
  snprintf(line, sizeof line, "browser UI: %s", o.ui_dir ? o.ui_dir : "none (status page at /)");
  log_line(NULL, line);
  net_result res;
  rc = net_run(db, &o, &res);
  adb_close(db);
  if (rc) return cli_fail("serve failed: %s", res.reason);
  log_line(NULL, "stopped");
  return CLI_OK;
}

/* arenadb sync ws://HOST:PORT [--live] [--token T]: called by cmd_sync.c for URLs. */
int cli_sync_ws(cli_ctx *cx) {
  net_opts o = {.log = log_line};
  const char *token_file = NULL;
  char token_buf[SYNC_MAX_TOKEN + 2];
  int live = 0;
  const char *timeout = NULL, *for_s = NULL, *poll = NULL;
  cli_opt opts[] = {{"--live", NULL, NULL, &live},
                    {"--token", NULL, &o.token, NULL},
                    {"--token-file", NULL, &token_file, NULL},
                    {"--ca", NULL, &o.ca_file, NULL},
                    {"--insecure", NULL, NULL, &o.insecure},
                    {"--timeout", NULL, &timeout, NULL},
                    {"--poll", NULL, &poll, NULL},
                    {"--for", NULL, &for_s, NULL},
                    {0}};
  int rc = cli_parse(cx, opts, 0);
  if (rc || (rc = take_token(&o.token, token_file, token_buf, sizeof token_buf)) ||
      (rc = check_readable(o.ca_file)))
    return rc;
  if (cx->argc != 1) {
    fprintf(
        stderr,
        "usage: arenadb sync ws[s]://HOST:PORT [--live] [--token T] [--ca FILE] [--insecure]\n");
    return CLI_USAGE;
  }
  if ((timeout && cli_ms(timeout, 1, &o.timeout_ms)) || (poll && cli_ms(poll, 1, &o.poll_ms)) ||
      (for_s && cli_ms(for_s, 1000, &o.run_for_ms))) {
    fprintf(stderr, "arenadb sync: --timeout and --poll take milliseconds, --for seconds\n");
    return CLI_USAGE;
  }
  o.peers[0] = cx->argv[0];
  o.npeers = 1;
  o.live = live;
  if (!live) o.log = NULL;
  adb *db = cli_open(cx, 1);
  if (!db) return CLI_FAIL;
  net_result res;
  int64_t t0 = net_now_ms();
  rc = net_run(db, &o, &res);
  adb_close(db);
  if (rc) return cli_fail("sync with %s failed: %s", cx->argv[0], res.reason);
  if (!live) {
    const sync_stats *s = &res.stats;
    printf("synced with %s in %lld ms: sent %llu elements in %llu batches (%llu bytes), received "
           "%llu elements, %llu registers, %llu changed here, in %llu batches (%llu bytes)\n",
           cx->argv[0], (long long)(net_now_ms() - t0), (unsigned long long)s->elements_out,
           (unsigned long long)s->batches_out, (unsigned long long)s->bytes_out,
           (unsigned long long)s->elements_in, (unsigned long long)s->registers_in,
           (unsigned long long)s->changed_in, (unsigned long long)s->batches_in,
           (unsigned long long)s->bytes_in);
  }
  return CLI_OK;
}

static void print_presence(void *ctx, net_hub *h, const sync_presence_entry *e) {
  (void)ctx, (void)e;
  char *js = net_hub_presence_json(h);
  if (js) {
    printf("%s\n", js);
    fflush(stdout);
  }
  free(js);
}

static int cmd_presence(cli_ctx *cx) {
  net_opts o = {.log = NULL};
  const char *token_file = NULL;
  char token_buf[SYNC_MAX_TOKEN + 2];
  int watch = 0;
  const char *ttl = "30", *for_s = NULL;
  cli_opt opts[] = {{"--token", NULL, &o.token, NULL},
                    {"--token-file", NULL, &token_file, NULL},
                    {"--ca", NULL, &o.ca_file, NULL},
                    {"--insecure", NULL, NULL, &o.insecure},
                    {"--ttl", NULL, &ttl, NULL},
                    {"--watch", NULL, NULL, &watch},
                    {"--for", NULL, &for_s, NULL},
                    {0}};
  int rc = cli_args(cx, opts);
  if (rc || (rc = take_token(&o.token, token_file, token_buf, sizeof token_buf))) return rc;
  if (cx->argc == 2 || (cx->argc == 1 && !watch)) {
    fprintf(stderr, "usage: arenadb presence %s\n", cx->self->args);
    return CLI_USAGE;
  }
  int64_t ttl_ms;
  if (cli_ms(ttl, 1000, &ttl_ms) || ttl_ms > (int64_t)SYNC_MAX_PRESENCE_TTL_MS ||
      (for_s && cli_ms(for_s, 1000, &o.run_for_ms))) {
    fprintf(stderr, "arenadb presence: --ttl and --for take seconds (--ttl at most 3600)\n");
    return CLI_USAGE;
  }
  if (strncmp(cx->argv[0], "ws://", 5) && strncmp(cx->argv[0], "wss://", 6)) {
    fprintf(stderr, "arenadb presence: '%s' is not a ws:// URL\n", cx->argv[0]);
    return CLI_USAGE;
  }
  o.peers[0] = cx->argv[0];
  o.npeers = 1;
  o.nodata = 1;
  o.live = watch;
  if (cx->argc == 3) {
    json_error_t jerr;
    json_t *v = json_loads(cx->argv[2], JSON_DECODE_ANY, &jerr);
    if (!v) {
      fprintf(stderr,
              "arenadb presence: the value must be JSON (%s), e.g. '{\"x\":1}' or '\"online\"'\n",
              jerr.text);
      return CLI_USAGE;
    }
    json_decref(v);
    o.presence_key = cx->argv[1];
    o.presence_value = cx->argv[2];
    o.presence_ttl_ms = (uint64_t)ttl_ms;
  }
  if (watch) o.on_presence = print_presence;
  adb *db = cli_open(cx, 1);
  if (!db) return CLI_FAIL;
  net_result res;
  rc = net_run(db, &o, &res);
  adb_close(db);
  if (rc) return cli_fail("presence via %s failed: %s", cx->argv[0], res.reason);
  return CLI_OK;
}

const cli_cmd cli_cmds_net[] = {
    {"serve",
     "[--listen HOST:PORT] [--peer ws://HOST:PORT]... [--token T] [--cors ORIGIN]... "
     "[--query-timeout SEC] [--max-connections N] [--max-per-address N] "
     "[--tls-cert FILE --tls-key FILE] [--ca FILE] [--insecure] [--ui DIR | --no-ui]",
     "serve the database: WebSocket sync, HTTP JSON API, browser UI (Ctrl-C stops)", cmd_serve,
     0, 0,
     .options =
         "--listen HOST:PORT         the address to serve on (default: 127.0.0.1:7420; port 0:\n"
         "                           any free one); beyond loopback only with tokens ('arenadb\n"
         "                           token create') or --token\n"
         "--peer ws[s]://HOST:PORT   also sync live with that server, reconnecting (repeatable,\n"
         "                           up to 32)\n"
         "--token T                  a token with the admin role, besides those of 'token\n"
         "                           create', also sent to each --peer (default: $ARENADB_TOKEN)\n"
         "--token-file FILE          read --token from FILE's first line (out of sight of ps)\n"
         "--cors ORIGIN              let the pages of ORIGIN, e.g. https://ui.example.org, use\n"
         "                           the API (repeatable, up to 16; default: only this server's)\n"
         "--query-timeout SEC        stop each SQL statement and Cypher query of the HTTP API\n"
         "                           after SEC seconds, undoing it (default: 10; 0: no limit)\n"
         "--max-connections N        open connections at most (default: 4096)\n"
         "--max-per-address N        open connections from one IP address at most (default:\n"
         "                           1024)\n"
         "--tls-cert FILE            serve https:// and wss:// with this PEM certificate...\n"
         "--tls-key FILE             ... and its PEM key (default: plain http:// and ws://)\n"
         "--ca FILE                  trust the CA certificates in FILE for wss:// peers\n"
         "                           (default: the system's)\n"
         "--insecure                 accept any certificate from wss:// peers (tests only)\n"
         "--timeout MS               drop a peer after MS milliseconds of silence (default:\n"
         "                           8000)\n"
         "--poll MS                  look for other processes' commits every MS milliseconds\n"
         "                           (default: 10)\n"
         "--ui DIR                   serve the browser UI from DIR, which holds an index.html\n"
         "                           (default: the installed UI, else the build's web/dist)\n"
         "--no-ui                    serve a plain status page at / instead",
     .example = "arenadb --db hub.db serve --listen 0.0.0.0:7420 --token-file token.txt\n"
                "arenadb serve --listen 127.0.0.1:7421 --peer ws://127.0.0.1:7420"
                " --token-file token.txt"},
    {"presence",
     "ws[s]://HOST:PORT [KEY JSON] [--ttl SEC] [--watch] [--for SEC] [--ca FILE] [--insecure]",
     "set an ephemeral presence entry, and/or watch everyone's", cmd_presence, 1, 3,
     .arguments = "ws[s]://HOST:PORT   an 'arenadb serve'\n"
                  "KEY JSON            the entry to set, e.g. cursor '{\"node\": \"ada\"}': kept\n"
                  "                    in memory by servers and watchers, never in a database\n"
                  "                    (without one, --watch is needed)",
     .options = "--ttl SEC           how long the entry lives (default: 30; at most 3600)\n"
                "--watch             stay connected and print everyone's entries as JSON after\n"
                "                    each change\n"
                "--for SEC           stop after SEC seconds (default: once the entry is sent;\n"
                "                    with --watch, at Ctrl-C)\n" CLI_CLIENT_OPTIONS_HELP,
     .example = "arenadb presence ws://127.0.0.1:7420 cursor '{\"node\": \"ada\"}' --ttl 60\n"
                "arenadb presence ws://127.0.0.1:7420 --watch --for 30"},
    {0}};
