/* cmd_token.c — access tokens for arenadb serve: create one with a role, list them, revoke one. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

/* Parses a duration: a number followed by s, m, h or d (seconds without one). Returns 0 and the
 * milliseconds, or -1. */
static int parse_duration(const char *s, int64_t *ms) {
  char *end;
  double v = strtod(s, &end);
  static const struct {
    const char *suffix;
    double seconds;
  } units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  double unit = 0;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (!strcmp(end, units[i].suffix)) unit = units[i].seconds;
  if (end == s || unit == 0 || v <= 0 || v * unit > 1e10) return -1;
  *ms = (int64_t)(v * unit * 1000);
  return 0;
}

static int cmd_create(cli_ctx *cx) {
  const char *role_s = NULL, *name = NULL, *expires = NULL;
  cli_opt opts[] = {{"--role", NULL, &role_s, NULL},
                    {"--name", NULL, &name, NULL},
                    {"--expires", NULL, &expires, NULL},
                    {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  int role = adb_role_parse(role_s);
  if (!role) {
    fprintf(stderr, "arenadb token create: --role must be read, write or admin\n");
    return CLI_USAGE;
  }
  int64_t ttl = 0;
  if (expires && parse_duration(expires, &ttl)) {
    fprintf(stderr, "arenadb token create: --expires takes a duration such as 90d, 12h or 30m, "
                    "not '%s'\n", expires);
    return CLI_USAGE;
  }
  char fallback[32];
  if (!name) {
    unsigned char r[4];
    randombytes_buf(r, sizeof r);
    snprintf(fallback, sizeof fallback, "%s-%02x%02x%02x%02x", role_s, r[0], r[1], r[2], r[3]);
    name = fallback;
  }
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int64_t at = ttl ? (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + ttl : 0;
  char *token = NULL;
  rc = adb_token_create(db, name, role, at, &token);
  int status = rc ? cli_fail_db(db, rc, "token create") : CLI_OK;
  if (!rc) {
    printf("%s\n", token);
    fprintf(stderr, "token '%s' (%s) created; it is shown only this once\n", name, role_s);
    adb_free(token);
  }
  adb_close(db);
  return status;
}

/* Milliseconds since the epoch as UTC ISO 8601 text, or "never" for a null. */
static void iso(json_t *ms, char *out, size_t n) {
  if (!json_is_integer(ms)) {
    snprintf(out, n, "never");
    return;
  }
  time_t s = (time_t)(json_integer_value(ms) / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmd_list(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  char *text;
  if ((rc = adb_token_list(db, &text))) {
    int status = cli_fail_db(db, rc, "token list");
    adb_close(db);
    return status;
  }
  const char *f = cx->format ? cx->format : "table";
  if (!strcmp(f, "json")) {
    printf("%s\n", text);
  } else {
    json_t *a = json_loads(text, 0, NULL);
    size_t i;
    json_t *t;
    int csv = !strcmp(f, "csv");
    printf(csv ? "name,role,created,expires\n" : "%-24s %-6s %-21s %s\n", "name", "role",
           "created", "expires");
    json_array_foreach(a, i, t) {
      char created[32], expires[32];
      iso(json_object_get(t, "created_ms"), created, sizeof created);
      iso(json_object_get(t, "expires_ms"), expires, sizeof expires);
      const char *name = json_string_value(json_object_get(t, "name"));
      const char *role = json_string_value(json_object_get(t, "role"));
      if (csv) {
        cli_put_csv(stdout, name);
        printf(",%s,%s,%s\n", role, created, expires);
      } else {
        printf("%-24s %-6s %-21s %s\n", name, role, created, expires);
      }
    }
    json_decref(a);
  }
  adb_free(text);
  adb_close(db);
  return CLI_OK;
}

static int cmd_revoke(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  rc = adb_token_revoke(db, cx->argv[0]);
  int status = rc ? cli_fail_db(db, rc, "token revoke") : CLI_OK;
  adb_close(db);
  return status;
}

const cli_cmd cli_cmds_token[] = {
    {"token create", "--role read|write|admin [--name NAME] [--expires DURATION]",
     "create an access token for serve and print it (once); DURATION like 90d, 12h, 30m",
     cmd_create, 0, 0,
     .options = "--role R            required: read (reads and pulls), write (also writes and\n"
                "                    pushes) or admin (also manages tokens over HTTP)\n"
                "--name NAME         what 'token list' shows and 'token revoke' takes (default:\n"
                "                    the role and 8 random hex digits, e.g. write-1f2e3d4c)\n"
                "--expires DURATION  when it stops working: a number and s, m, h or d (seconds\n"
                "                    without one), e.g. 90d (default: never)",
     .example = "arenadb --db hub.db token create --role write --name laptop --expires 90d"
                " > token.txt"},
    {"token list", "", "list the tokens: name, role, created, expires (never their secrets)",
     cmd_list, 0, 0, .options = "--format F   table (default), json, jsonl or csv",
     .example = "arenadb --db hub.db token list --format json"},
    {"token revoke", "NAME", "delete a token: it stops working at once, even on a running server",
     cmd_revoke, 1, 1, .example = "arenadb --db hub.db token revoke laptop"},
    {0}};
