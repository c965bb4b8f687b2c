/* shell.c — the interactive SQL shell: line editing and history (libedit), dot commands. */
#include <editline/readline.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/buf.h"

static const char shell_help[] =
    "Enter SQL ending with ';'. The graph is in the views nodes(id, label, properties) and\n"
    "edges(id, source_node_id, target_node_id, label, properties); writes to them replicate.\n"
    ".format table|json|csv   how rows are printed\n"
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
    static const char *const formats[] = {"table", "json", "csv"};
    int known = 0;
    for (int i = 0; i < 3; i++)
      if (!strcmp(arg, formats[i])) {
        *format = formats[i];
        known = 1;
      }
    if (!known) {
      fprintf(stderr, "unknown format '%s': use table, json or csv\n", arg);
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

int cli_shell(cli_ctx *cx) {
  adb *db = cli_open(cx, 0);
  if (!db) return CLI_FAIL;
  int tty = isatty(0);
  const char *format = cx->format ? cx->format : "table";
  char history[4096] = "";
  const char *home = getenv("HOME");
  if (tty && home) {
    snprintf(history, sizeof history, "%s/.arenadb_history", home);
    read_history(history);
    printf("arenadb %s shell on %s. Enter .help for help.\n", ADB_VERSION, cx->db_path);
  }
  buf stmt;
  buf_init(&stmt);
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
    buf_puts(&stmt, line);
    buf_put_u8(&stmt, '\n');
    free(line);
    buf_put_u8(&stmt, 0);
    stmt.len--; /* keep the text NUL-terminated without counting the NUL */
    if (!sqlite3_complete((const char *)stmt.p)) continue;
    if (tty) add_history((const char *)stmt.p);
    failed |= cli_query(db, (const char *)stmt.p, NULL, 0, format, stdout) != CLI_OK;
    stmt.len = 0;
  }
  /* Input that ends without ';' still runs its last statement. */
  if (stmt.len && strspn((const char *)stmt.p, " \t\r\n") < stmt.len) {
    buf_put_u8(&stmt, 0);
    failed |= cli_query(db, (const char *)stmt.p, NULL, 0, format, stdout) != CLI_OK;
  }
  if (tty && *history) write_history(history);
  buf_free(&stmt);
  adb_close(db);
  return failed && !tty ? CLI_FAIL : CLI_OK;
}
