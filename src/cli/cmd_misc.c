/* cmd_misc.c — init, sql, check and shell. */
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"

static int cmd_init(cli_ctx *cx) {
  const char *db_id = NULL;
  cli_opt opts[] = {{"--db-id", NULL, &db_id, NULL}, {0}};
  int rc = cli_args(cx, opts);
  if (rc) return rc;
  int existed = access(cx->db_path, F_OK) == 0;
  adb_options opt = {.db_id = db_id};
  adb *db;
  rc = adb_open(cx->db_path, &opt, &db);
  int status = CLI_OK;
  if (rc) status = cli_fail("cannot initialize '%s': %s", cx->db_path, adb_errmsg(db));
  else
    printf("%s %s (database %s, replica %s)\n", existed ? "opened" : "created", cx->db_path,
           adb_db_id(db), adb_replica_id(db));
  adb_close(db);
  return status;
}

static int cmd_sql(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  /* All statements or none: a script that fails halfway leaves the database as it was. */
  rc = adb_exec(db, "BEGIN");
  int status =
      rc ? cli_fail_db(db, rc, "SQL") : cli_query(db, cx->argv[0], NULL, 0, cx->format, stdout);
  if (rc == ADB_OK) {
    if (status == CLI_OK && (rc = adb_exec(db, "COMMIT"))) status = cli_fail_db(db, rc, "SQL");
    if (status != CLI_OK) adb_exec(db, "ROLLBACK");
  }
  adb_close(db);
  return status;
}

static int cmd_check(cli_ctx *cx) {
  int rc = cli_args(cx, NULL);
  if (rc) return rc;
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  char *report = NULL;
  rc = adb_check(db, &report);
  int status = CLI_OK;
  if (rc == ADB_OK) printf("ok\n");
  else {
    if (report) fputs(report, stderr);
    status = cli_fail_db(db, rc, "check");
  }
  adb_free(report);
  adb_close(db);
  return status;
}

static int cmd_shell(cli_ctx *cx) {
  const char *import_dir = NULL;
  cli_opt opts[] = {{"--import-dir", NULL, &import_dir, NULL}, {0}};
  int rc = cli_args(cx, opts);
  return rc ? rc : cli_shell(cx, import_dir);
}

const cli_cmd cli_cmds_misc[] = {
    {"init", "[--db-id HEX]", "create the database (or open an existing one)", cmd_init, 0, 0,
     .options = "--db-id HEX   the database id a new file gets: 32 hex digits (default: a random\n"
                "              one); an existing file with another id is refused",
     .example = "arenadb --db hub.db init\n"
                "arenadb --db archive.db init --db-id 0123456789abcdef0123456789abcdef"},
    {"sql", "\"STATEMENTS\" [--format table|json|jsonl|csv]",
     "run SQL in one transaction; writes to nodes/edges replicate", cmd_sql, 1, 1,
     .arguments = "STATEMENTS   one or more statements separated by ';', all or none applied; the\n"
                  "             graph is the views nodes(id, label, properties) and\n"
                  "             edges(id, source_node_id, target_node_id, label, properties)",
     .options = "--format F   how rows print: table (default; a write says how many rows it\n"
                "             changed), json (an array of objects per statement) or csv",
     .example = "arenadb sql \"SELECT label, count(*) AS n FROM nodes GROUP BY label\""
                " --format json\n"
                "arenadb sql \"UPDATE nodes SET label = 'Person' WHERE label = 'person'\""},
    {"check", "", "verify the integrity of the database", cmd_check, 0, 0,
     .example = "arenadb --db hub.db check"},
    {"shell", "[--import-dir DIR]", "interactive SQL shell", cmd_shell, 0, 0,
     .options = "--import-dir DIR   Cypher's LOAD CSV may read the files under DIR\n"
                "                   ('file:///people.csv' is DIR/people.csv)",
     .example = "arenadb shell    # then SQL ending with ';', Cypher on a line; .help for more\n"
                "echo \"SELECT count(*) FROM nodes;\" | arenadb shell"},
    {0}};
