/* cmd_sync.c — replication by file: version vectors, change sets, and local two-way sync. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_vv(cli_ctx *cx) {
  const char *out = NULL;
  cli_opt opts[] = {{"--output", "-o", &out, NULL}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  void *vv = NULL;
  size_t len = 0;
  char *json = NULL;
  int status = CLI_OK;
  rc = adb_vv(db, &vv, &len);
  if (rc == ADB_OK && !out) rc = adb_vv_json(db, vv, len, &json);
  if (rc) status = cli_fail_db(db, rc, "vv");
  else if (out) status = cli_write_file(out, vv, len);
  else printf("%s\n", json);
  adb_free(vv);
  adb_free(json);
  adb_close(db);
  return status;
}

static int cmd_changes(cli_ctx *cx) {
  const char *out = NULL, *since = NULL;
  cli_opt opts[] = {{"--output", "-o", &out, NULL}, {"--since", NULL, &since, NULL}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  if (!out) {
    fprintf(stderr, "usage: arenadb changes [--since VV_FILE] -o FILE\n");
    return CLI_USAGE;
  }
  size_t vvlen = 0;
  void *vv = since ? cli_read_file(since, &vvlen) : NULL;
  if (since && !vv) return CLI_FAIL;
  adb *db = cli_open(cx, 0);
  int status = CLI_FAIL;
  if (db) {
    void *cs = NULL;
    size_t cslen = 0;
    rc = adb_changes(db, vv, vvlen, &cs, &cslen);
    status = rc ? cli_fail_db(db, rc, "changes") : cli_write_file(out, cs, cslen);
    if (status == CLI_OK && strcmp(out, "-"))
      fprintf(stderr, "wrote %zu bytes to %s\n", cslen, out);
    adb_free(cs);
    adb_close(db);
  }
  free(vv);
  return status;
}

static int cmd_apply(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  size_t len;
  void *cs = cli_read_file(cx->argv[0], &len);
  if (!cs) return CLI_FAIL;
  adb *db = cli_open(cx, 0);
  int status = CLI_FAIL;
  if (db) {
    adb_apply_stats st;
    rc = adb_apply(db, cs, len, &st);
    status = rc ? cli_fail_db(db, rc, "apply") : CLI_OK;
    if (!rc)
      printf("merged %llu elements, %llu registers (%llu changed this replica)\n",
             (unsigned long long)st.elements, (unsigned long long)st.registers,
             (unsigned long long)st.changed);
    adb_close(db);
  }
  free(cs);
  return status;
}

static int cmd_sync(cli_ctx *cx) {
  for (int i = 0; i < cx->argc; i++) /* a URL: sync over the network (cmd_net.c) */
    if (!strncmp(cx->argv[i], "ws://", 5) || !strncmp(cx->argv[i], "wss://", 6))
      return cli_sync_ws(cx);
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  cli_ctx other = *cx;
  other.db_path = cx->argv[0];
  adb *peer = cli_open(&other, 0);
  int status = CLI_FAIL;
  if (peer) {
    if (!strcmp(adb_replica_id(db), adb_replica_id(peer)))
      status = cli_fail("'%s' and '%s' are the same replica (a copied file?): sync needs two"
                        " replicas",
                        cx->db_path, other.db_path);
    else if ((rc = adb_sync_local(db, peer)))
      status = cli_fail_db(db, rc, "sync");
    else {
      printf("synced %s and %s\n", cx->db_path, other.db_path);
      status = CLI_OK;
    }
    adb_close(peer);
  }
  adb_close(db);
  return status;
}

const cli_cmd cli_cmds_sync[] = {
    {"vv", "[-o FILE]", "this replica's version vector (JSON, or binary to FILE)", cmd_vv, 0, 0,
     .options = "-o, --output FILE   write the binary form, which 'changes --since' reads, to\n"
                "                    FILE ('-': standard output) (default: print JSON)",
     .example = "arenadb vv\n"
                "arenadb --db laptop.db vv -o laptop.vv"},
    {"changes", "[--since VV_FILE] -o FILE",
     "write the changes a replica at VV lacks (all without)", cmd_changes, 0, 0,
     .options = "--since VV_FILE     the version vector of the replica to bring up to date, from\n"
                "                    'vv -o' (default: none, so every change)\n"
                "-o, --output FILE   where to write the change set ('-': standard output);\n"
                "                    required",
     .example = "arenadb changes --since laptop.vv -o for-laptop.cs"},
    {"apply", "FILE", "merge a change set", cmd_apply, 1, 1,
     .arguments = "FILE   a change set written by 'changes' ('-': standard input); applying one\n"
                  "       again changes nothing",
     .example = "arenadb --db laptop.db apply for-laptop.cs"},
    {"sync", "OTHER.db | ws[s]://HOST:PORT [--live] [--token T] [--ca FILE] [--insecure]",
     "two-way merge with another local database, or with a server (--live: stay connected)",
     cmd_sync, 1, 1,
     .arguments = "OTHER.db            another replica of this database (or a new one): each gets\n"
                  "                    the other's changes\n"
                  "ws[s]://HOST:PORT   an 'arenadb serve': the same, over the network (a missing\n"
                  "                    database is created, a replica of the server's)",
     .options = "With a URL only:\n"
                "--live              stay connected, streaming changes both ways and reconnecting\n"
                "                    (default: sync once and exit)\n"
                "--for SEC           stop after SEC seconds (default: when done; with --live, at\n"
                "                    Ctrl-C)\n"
                CLI_CLIENT_OPTIONS_HELP
                "--timeout MS        drop the server after MS milliseconds of silence (default:\n"
                "                    8000)\n"
                "--poll MS           look for other processes' commits every MS milliseconds\n"
                "                    (default: 10)",
     .example = "arenadb --db laptop.db sync arena.db\n"
                "arenadb --db laptop.db sync ws://127.0.0.1:7420 --live --token-file token.txt"},
    {0}};
