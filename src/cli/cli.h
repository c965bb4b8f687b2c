/* cli.h — what the arenadb command's parts share: options, opening, errors, output. */
#ifndef ADB_CLI_H
#define ADB_CLI_H

#include <stdio.h>

#include "arenadb.h"

/* Exit statuses: 0 success, 1 the operation failed, 2 the command line was wrong. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* One option a command takes. Options may stand anywhere among the arguments; "--" ends them.
 * With a value, "--name VALUE" and "--name=VALUE" both work. */
typedef struct cli_opt {
  const char *name;  /* "--id" */
  const char *alias; /* "-o", or NULL */
  const char **value; /* set for options with a value */
  int *flag;          /* set to 1 for options without one */
} cli_opt;

/* Everything a command gets: the database path and output format (global options), its
 * positional arguments, and its own options already parsed. */
typedef struct cli_cmd cli_cmd;

typedef struct cli_ctx {
  const cli_cmd *self;
  const char *db_path;
  const char *format; /* table, json or csv; NULL for the command's default */
  const char *cmd;    /* "node add", for messages */
  int argc;
  char **argv;
} cli_ctx;

struct cli_cmd {
  const char *name; /* "node add" */
  const char *args; /* "LABEL [PROPS_JSON] [--id ID]" */
  const char *help; /* one sentence */
  int (*run)(cli_ctx *cx);
  int min_args, max_args; /* positional arguments; max -1 for no limit */
  /* The rest of `arenadb NAME --help`: lines separated by '\n', printed indented. */
  const char *arguments; /* the positional arguments that need explaining; NULL when none do */
  const char *options;   /* every option, what it does and its default; NULL when none */
  const char *example;   /* one or two command lines that work */
};

/* The options of the commands that reach a server (sync URL, presence), for their help. */
#define CLI_CLIENT_OPTIONS_HELP                                                                  \
  "--token T           the token the server asks for (default: $ARENADB_TOKEN)\n"                \
  "--token-file FILE   read the token from FILE's first line (out of sight of ps)\n"            \
  "--ca FILE           trust the CA certificates in FILE (PEM) for wss:// (default: the\n"      \
  "                    system's)\n"                                                              \
  "--insecure          accept any certificate for wss:// (tests only)\n"

/* Parses the arguments against opts; positionals are left in cx->argv. An unknown option is an
 * error, or with keep_unknown is left among the positionals for a later parse. Returns CLI_OK
 * or CLI_USAGE after printing why. */
int cli_parse(cli_ctx *cx, const cli_opt *opts, int keep_unknown);

/* Parses a command's options (opts may be NULL) and checks its number of positionals. */
int cli_args(cli_ctx *cx, const cli_opt *opts);

/* Parses a positive number of units (seconds with scale 1000, milliseconds with 1) into
 * milliseconds; returns 0, or -1 when s is not one or exceeds 10^12 ms. */
int cli_ms(const char *s, double scale, int64_t *out);

/* Parses the value s of integer option name into *out (nothing when s is NULL); prints why and
 * returns CLI_USAGE when it is not a whole decimal number. */
int cli_int_opt(const char *name, const char *s, int *out);

/* The command table (commands.c): cli_cmd_at returns the i-th command in help's order, NULL
 * past the last; cli_cmd_find the command named by one or two words of argv (*used: how many),
 * or NULL. */
const cli_cmd *cli_cmd_at(size_t i);
const cli_cmd *cli_cmd_find(int argc, char **argv, int *used);

/* Help (help.c): a command's usage, sentence, arguments, options and example; the list of
 * every command and the global options; a group's commands (returns how many, 0 when word is
 * no group). */
void cli_help(const cli_cmd *c, FILE *out);
void cli_usage(FILE *out);
int cli_group_usage(const char *word, FILE *out);

/* Prints "arenadb: MESSAGE" to stderr; returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints the library's explanation of rc; returns CLI_FAIL. */
int cli_fail_db(adb *db, int rc, const char *doing);

/* Opens the context's database; prints the error and returns NULL on failure. */
adb *cli_open(cli_ctx *cx, int create);

/* Runs a statement, printing its rows in format (table, json, csv); returns CLI_OK or
 * CLI_FAIL. bind (may be NULL) holds nbind texts for ?1..?n. */
int cli_query(adb *db, const char *sql, const char *const *bind, int nbind, const char *format,
              FILE *out);

/* Writes one CSV field, quoted when it holds a comma, quote or line break; NULL writes
 * nothing (an empty field). */
void cli_put_csv(FILE *out, const char *s);

/* Checks a --format value; prints the error and returns CLI_USAGE when unknown. */
int cli_format_check(const char *format);

/* The most cli_read_file reads: more is refused rather than read into memory. */
#define CLI_MAX_FILE ((size_t)4 << 30)

/* Reads a whole file ("-": standard input) into memory, refusing a device and anything past
 * CLI_MAX_FILE; returns NULL after printing why. */
void *cli_read_file(const char *path, size_t *len);

/* Writes len bytes to a file, atomically (a temporary file renamed over it). */
int cli_write_file(const char *path, const void *p, size_t len);

/* The commands, each in its own file. */
extern const cli_cmd cli_cmds_element[];
extern const cli_cmd cli_cmds_sync[];
extern const cli_cmd cli_cmds_io[];
extern const cli_cmd cli_cmds_misc[];
extern const cli_cmd cli_cmds_graph[];
extern const cli_cmd cli_cmds_text[];
extern const cli_cmd cli_cmds_net[];
extern const cli_cmd cli_cmds_vector[];
extern const cli_cmd cli_cmds_cypher[];
extern const cli_cmd cli_cmds_token[];
extern const cli_cmd cli_cmds_help[];

/* Runs a Cypher query and prints its rows in format (table, json, csv, tck); CLI_OK or
 * CLI_FAIL after printing the error (cmd_cypher.c). params may be NULL. */
int cli_cypher_run(adb *db, const char *query, const char *params, const char *format);

/* Takes every `--procedure SIGNATURE ROWS_JSON` out of cx's arguments (before "--"): *specs
 * (malloc'd, free it) gets the pairs' texts, *nspecs their count. Returns CLI_OK, or after
 * printing why CLI_USAGE (an option without its two values) or CLI_FAIL (out of memory)
 * (cypher_proc.c). */
int cli_procedure_options(cli_ctx *cx, const char ***specs, int *nspecs);

/* Registers the fixed-table procedures taken by cli_procedure_options on db: each call returns
 * the outputs of the rows whose argument columns equal the arguments. Returns CLI_OK, or
 * CLI_FAIL after printing why (a malformed signature, a row that does not fit it). */
int cli_procedures_add(adb *db, const char **specs, int nspecs);

/* `sync ws://…`: sync with a server, once or live (cmd_net.c). */
int cli_sync_ws(cli_ctx *cx);

/* The interactive shell (shell.c); import_dir (or NULL) is where LOAD CSV may read. */
int cli_shell(cli_ctx *cx, const char *import_dir);

#endif
