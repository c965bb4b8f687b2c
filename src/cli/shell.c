/* shell.c — the interactive shell: SQL and Cypher, line editing and history (libedit), dot
 * commands. */
#include <editline/readline.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"

static const char shell_help[] =
    "Enter SQL ending with ';'. The graph is in the views nodes(id, label, properties) and\n"
    "edges(id, source_node_id, target_node_id, label, properties); writes to them replicate.\n"
    "A line starting with a Cypher clause (MATCH, CREATE, MERGE, RETURN, ...) runs as one\n"
    "Cypher query (docs/cypher.md).\n"
    ".format table|json|jsonl|csv   how rows are printed\n"
    ".tables                  the tables and views\n"
    ".help                    this text\n"
    ".quit                    leave (also Ctrl-D)\n";

/* Reads one line, with editing when interactive; NULL at end of input. */
static char *read_line(int tty, const char *prompt) {
  if (tty) return readline(prompt);
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, stdin);
  if (n < 0) {
    free(line);
    return NULL;
  }
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = 0;
  return line;
}

/* Runs a dot command; returns 1 to quit, 0 to go on. */
static int dot_command(adb *db, const char *line, const char **format, int *failed) {
  char word[16] = "", arg[16] = "";
  sscanf(line, ".%15s %15s", word, arg);
  if (!strcmp(word, "quit") || !strcmp(word, "exit")) return 1;
  if (!strcmp(word, "help")) fputs(shell_help, stdout);
  else if (!strcmp(word, "format")) {
    static const char *const formats[] = {"table", "json", "jsonl", "csv"};
    int known = 0;
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
      if (!strcmp(arg, formats[i])) {
        *format = formats[i];
        known = 1;
      }
    if (!known) {
      fprintf(stderr, "unknown format '%s': use table, json, jsonl or csv\n", arg);
      *failed = 1;
    }
  }
  else if (!strcmp(word, "tables"))
    *failed |= cli_query(db,
                         "SELECT name, type FROM sqlite_temp_schema WHERE type = 'view' UNION ALL"
                         " SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view')"
                         " AND name NOT LIKE 'adb\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%'"
                         " ESCAPE '\\' ORDER BY 1",
                         NULL, 0, "table", stdout) != CLI_OK;
  else {
    fprintf(stderr, "unknown command '%s': try .help\n", line);
    *failed = 1;
  }
  return 0;
}

/* Does line start with a word that begins a Cypher query (and never an SQL statement), after
 * an EXPLAIN or PROFILE? */
static int is_cypher(const char *line) {
  static const char *const words[] = {"MATCH", "OPTIONAL", "CREATE", "MERGE", "UNWIND",
                                      "RETURN", "WITH", "CALL", "DETACH", "DELETE", "SET",
                                      "REMOVE", "FOREACH", "LOAD", NULL};
  line += strspn(line, " \t");
  size_t n = strcspn(line, " \t(");
  /* EXPLAIN or PROFILE in front: the query after it decides (EXPLAIN QUERY PLAN is SQL's). */
  if (n == 7 && (!strncasecmp(line, "EXPLAIN", 7) || !strncasecmp(line, "PROFILE", 7))) {
    const char *rest = line + n + strspn(line + n, " \t");
    return strncasecmp(rest, "QUERY", 5) && is_cypher(rest);
  }
  for (int i = 0; words[i]; i++)
    if (n == strlen(words[i]) && !strncasecmp(line, words[i], n)) {
      /* CREATE TABLE, WITH RECURSIVE ... SELECT, DELETE FROM are SQL. */
      const char *next = line + n + strspn(line + n, " \t");
      if (!strncasecmp(line, "CREATE", 6) &&
          (!strncasecmp(next, "TABLE", 5) || !strncasecmp(next, "INDEX", 5) ||
           !strncasecmp(next, "VIEW", 4) || !strncasecmp(next, "TRIGGER", 7) ||
           !strncasecmp(next, "TEMP", 4) || !strncasecmp(next, "UNIQUE", 6) ||
           !strncasecmp(next, "VIRTUAL", 7)))
        return 0;
      if (!strncasecmp(line, "DELETE", 6) && !strncasecmp(next, "FROM", 4)) return 0;
      if (!strncasecmp(line, "WITH", 4) && strcasestr(line, "SELECT")) return 0;
      return 1;
    }
  return 0;
}

int cli_shell(cli_ctx *cx, const char *import_dir) {
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  if (import_dir && adb_set_import_dir(db, import_dir)) {
    fprintf(stderr, "arenadb shell: %s\n", adb_errmsg(db));
    adb_close(db);
    return CLI_USAGE;
  }
  int tty = isatty(0);
  const char *format = cx->format ? cx->format : "table";
  char history[4096] = "";
  const char *home = getenv("HOME");
  if (tty && home) {
    snprintf(history, sizeof history, "%s/.arenadb_history", home);
    read_history(history);
    printf("arenadb %s shell on %s. Enter .help for help.\n", ADB_VERSION, cx->db_path);
  }
  ut_buf stmt;
  ut_buf_init(&stmt);
  int failed = 0;
  char *line;
  while ((line = read_line(tty, stmt.len ? "   ...> " : "arenadb> "))) {
    if (stmt.len == 0 && line[strspn(line, " \t")] == '.') {
      if (tty) add_history(line);
      int quit = dot_command(db, line + strspn(line, " \t"), &format, &failed);
      free(line);
      if (quit) break;
      continue;
    }
    if (stmt.len == 0 && is_cypher(line)) {
      if (tty) add_history(line);
      failed |= cli_cypher_run(db, line, NULL, format) != CLI_OK;
      free(line);
      continue;
    }
    ut_buf_puts(&stmt, line);
    ut_buf_put_u8(&stmt, '\n');
    free(line);
    ut_buf_put_u8(&stmt, 0);
    stmt.len--; /* keep the text NUL-terminated without counting the NUL */
    if (!sqlite3_complete((const char *)stmt.p)) continue;
    if (tty) add_history((const char *)stmt.p);
    failed |= cli_query(db, (const char *)stmt.p, NULL, 0, format, stdout) != CLI_OK;
    stmt.len = 0;
  }
  /* Input that ends without ';' still runs its last statement. */
  if (stmt.len && strspn((const char *)stmt.p, " \t\r\n") < stmt.len) {
    ut_buf_put_u8(&stmt, 0);
    failed |= cli_query(db, (const char *)stmt.p, NULL, 0, format, stdout) != CLI_OK;
  }
  if (tty && *history) write_history(history);
  ut_buf_free(&stmt);
  adb_close(db);
  return failed && !tty ? CLI_FAIL : CLI_OK;
}
