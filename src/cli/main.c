/* main.c — the arenadb command: global options, the command table, and dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("arenadb: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return CLI_FAIL;
}

int cli_fail_db(adb *db, int rc, const char *doing) {
  return cli_fail("%s failed: %s (%s)", doing, adb_errmsg(db), adb_strerror(rc));
}

adb *cli_open(cli_ctx *cx, int create) {
  adb_options opt = {.no_create = !create};
  adb *db;
  int rc = adb_open(cx->db_path, &opt, &db);
  if (rc == ADB_OK) return db;
  if (rc == ADB_NOTFOUND)
    cli_fail("no database at '%s': create one with 'arenadb --db %s init'", cx->db_path,
             cx->db_path);
  else
    cli_fail("cannot open '%s': %s", cx->db_path, adb_errmsg(db));
  adb_close(db);
  return NULL;
}

void *cli_read_file(const char *path, size_t *len) {
  FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) {
    cli_fail("cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  /* A device such as /dev/zero never ends; a pipe may be read, but only up to the limit. */
  struct stat st;
  if (f != stdin && fstat(fileno(f), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
    fclose(f);
    cli_fail("'%s' is a device, not a file", path);
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *p = malloc(cap);
  size_t got;
  while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n > CLI_MAX_FILE) {
      free(p);
      if (f != stdin) fclose(f);
      cli_fail("'%s' is larger than %d GiB, the most a command reads", path,
               (int)(CLI_MAX_FILE >> 30));
      return NULL;
    }
    if (n == cap) {
      char *q = realloc(p, cap *= 2);
      if (!q) free(p);
      p = q;
    }
  }
  int err = ferror(f);
  if (f != stdin) fclose(f);
  if (!p || err) {
    free(p);
    cli_fail("cannot read '%s': %s", path, p ? "read error" : "out of memory");
    return NULL;
  }
  *len = n;
  return p;
}

int cli_write_file(const char *path, const void *p, size_t len) {
  if (!strcmp(path, "-")) {
    return fwrite(p, 1, len, stdout) == len && fflush(stdout) == 0
               ? CLI_OK
               : cli_fail("cannot write to standard output");
  }
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp) return cli_fail("out of memory");
  snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int ok = f != NULL;
  if (f) {
    ok = fwrite(p, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
  }
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return cli_fail("cannot write '%s': %s", path, strerror(e));
  }
  free(tmp);
  return CLI_OK;
}

int cli_parse(cli_ctx *cx, const cli_opt *opts, int keep_unknown) {
  int npos = 0, only_pos = 0;
  for (int i = 0; i < cx->argc; i++) {
    char *a = cx->argv[i];
    if (only_pos || a[0] != '-' || a[1] == 0) {
      cx->argv[npos++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      only_pos = 1;
      continue;
    }
    const cli_opt *o = NULL;
    const char *inl = NULL;
    for (const cli_opt *k = opts; k && k->name; k++) {
      size_t n = strlen(k->name);
      if (!strncmp(a, k->name, n) && (a[n] == 0 || (a[n] == '=' && k->value))) {
        o = k;
        inl = a[n] == '=' ? a + n + 1 : NULL;
      } else if (k->alias && !strcmp(a, k->alias)) {
        o = k;
      }
      if (o) break;
    }
    if (!o) {
      /* "-5" and similar are values, not options. */
      if (keep_unknown || (a[1] != '-' && (a[1] < 'a' || a[1] > 'z'))) {
        cx->argv[npos++] = a;
        continue;
      }
      fprintf(stderr, "arenadb%s%s: unknown option '%s' (see 'arenadb%s%s --help')\n",
              *cx->cmd ? " " : "", cx->cmd, a, *cx->cmd ? " " : "", cx->cmd);
      return CLI_USAGE;
    }
    if (o->flag) {
      *o->flag = 1;
    } else if (inl) {
      *o->value = inl;
    } else if (i + 1 < cx->argc) {
      *o->value = cx->argv[++i];
    } else {
      fprintf(stderr, "arenadb%s%s: option '%s' needs a value\n", *cx->cmd ? " " : "", cx->cmd,
              a);
      return CLI_USAGE;
    }
  }
  cx->argc = npos;
  return CLI_OK;
}

int cli_args(cli_ctx *cx, const cli_opt *opts) {
  if (cli_parse(cx, opts, 0)) return CLI_USAGE;
  const cli_cmd *c = cx->self;
  if (cx->argc < c->min_args || (c->max_args >= 0 && cx->argc > c->max_args)) {
    fprintf(stderr, "usage: arenadb %s %s\n", c->name, c->args);
    return CLI_USAGE;
  }
  return CLI_OK;
}

static const cli_cmd *const tables[] = {cli_cmds_misc, cli_cmds_element, cli_cmds_sync,
                                        cli_cmds_io,
                                        cli_cmds_net,
                                        cli_cmds_graph,
                                        cli_cmds_text,
                                        cli_cmds_vector,
                                        cli_cmds_cypher,
                                        cli_cmds_token};

/* The columns of help text: no line passes HELP_WIDTH; a command list has the name, then the
 * arguments from ARGS_COL, then the sentence from DESC_COL. */
#define HELP_WIDTH 100
#define NAME_W 13 /* "vector search" */
#define ARGS_COL (2 + NAME_W + 2)
#define ARGS_W 38
#define DESC_COL (ARGS_COL + ARGS_W + 1)

/* Writes text with the cursor at column col, breaking lines at spaces so that none passes
 * HELP_WIDTH (a word longer than that stands alone); continuation lines start at column col.
 * A space inside [...] does not break, so that "[--tls-cert FILE --tls-key FILE]" stays whole. */
static void put_wrapped(FILE *out, const char *text, int col) {
  int at = col;
  for (const char *p = text; *p;) {
    const char *end = p;
    for (int depth = 0; *end && (depth > 0 || *end != ' '); end++)
      depth += (*end == '[') - (*end == ']');
    int n = (int)(end - p);
    if (at > col && at + 1 + n > HELP_WIDTH) {
      fprintf(out, "\n%*s", col, "");
      at = col;
    } else if (at > col) {
      fputc(' ', out);
      at++;
    }
    fprintf(out, "%.*s", n, p);
    at += n;
    p = *end ? end + 1 : end;
  }
}

/* One line of a command list (more when wrapped): arguments too wide for their column put the
 * sentence on the line below, in its column. */
static void put_row(const cli_cmd *c, FILE *out) {
  fprintf(out, "  %-*s  ", NAME_W, c->name);
  if (strlen(c->args) <= ARGS_W) {
    fprintf(out, "%-*s ", ARGS_W, c->args);
  } else {
    put_wrapped(out, c->args, ARGS_COL);
    fprintf(out, "\n%*s", DESC_COL, "");
  }
  put_wrapped(out, c->help, DESC_COL);
  fputc('\n', out);
}

/* "TITLE:" and text's lines indented by two, after a blank line; nothing for NULL. */
static void put_section(FILE *out, const char *title, const char *text) {
  if (!text) return;
  fprintf(out, "\n%s:\n", title);
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    fprintf(out, "  %.*s\n", (int)n, p);
    p += n + (p[n] == '\n');
  }
}

void cli_help(const cli_cmd *c, FILE *out) {
  int col = fprintf(out, "usage: arenadb [--db PATH] %s%s", c->name, *c->args ? " " : "");
  put_wrapped(out, c->args, col);
  fputs("\n\n", out);
  put_wrapped(out, c->help, 0);
  fputc('\n', out);
  put_section(out, "Arguments", c->arguments);
  put_section(out, "Options", c->options);
  put_section(out, "Example", c->example);
}

static void usage(FILE *out) {
  fputs("usage: arenadb [--db PATH] COMMAND [ARGS]\n\n"
        "ArenaDB: an embedded replicated graph database. The database is PATH, or\n"
        "$ARENADB_DB, or ./arena.db. Run 'arenadb help COMMAND' (or 'arenadb COMMAND --help')\n"
        "for one command: its arguments, options and defaults, and an example.\n\n"
        "Commands:\n",
        out);
  for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
    for (const cli_cmd *c = tables[t]; c->name; c++) put_row(c, out);
  fputs("\nGlobal options:\n"
        "  --db PATH      the database file\n"
        "  --format F     output of queries: table (default), json, jsonl or csv\n"
        "  --help, -h     this help; after a command, that command's help\n"
        "  --version      the version\n",
        out);
}

/* For a group word ("node"), lists the group's commands; returns how many there are. */
static int group_usage(const char *word, FILE *out) {
  size_t n = strlen(word);
  int count = 0;
  for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
    for (const cli_cmd *c = tables[t]; c->name; c++) {
      if (strncmp(c->name, word, n) || c->name[n] != ' ') continue;
      if (!count++) fprintf(out, "usage: arenadb [--db PATH] %s COMMAND [ARGS]\n\n", word);
      put_row(c, out);
    }
  return count;
}

/* Finds the command named by one or two words of argv; *used tells how many. */
static const cli_cmd *find_cmd(int argc, char **argv, int *used) {
  for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
    for (const cli_cmd *c = tables[t]; c->name; c++) {
      size_t n = strlen(argv[0]);
      if (!strcmp(c->name, argv[0])) {
        *used = 1;
        return c;
      }
      if (argc > 1 && !strncmp(c->name, argv[0], n) && c->name[n] == ' ' &&
          !strcmp(c->name + n + 1, argv[1])) {
        *used = 2;
        return c;
      }
    }
  return NULL;
}

int main(int argc, char **argv) {
  cli_ctx cx = {.db_path = getenv("ARENADB_DB")};
  if (!cx.db_path || !*cx.db_path) cx.db_path = "./arena.db";
  int help = 0, version = 0;
  cli_opt global[] = {{"--db", NULL, &cx.db_path, NULL},
                      {"--format", NULL, &cx.format, NULL},
                      {"--help", "-h", NULL, &help},
                      {"--version", NULL, NULL, &version},
                      {0}};
  cx.cmd = "";
  cx.argc = argc - 1;
  cx.argv = argv + 1;
  if (cli_parse(&cx, global, 1)) return CLI_USAGE;
  if (version) {
    printf("arenadb %s\n", ADB_VERSION);
    return CLI_OK;
  }
  /* "arenadb help [COMMAND...]" is "arenadb [COMMAND...] --help". */
  for (; cx.argc > 0 && !strcmp(cx.argv[0], "help"); cx.argc--, cx.argv++) help = 1;
  if (cx.argc == 0) {
    usage(help ? stdout : stderr);
    return help ? CLI_OK : CLI_USAGE;
  }
  int used;
  const cli_cmd *c = find_cmd(cx.argc, cx.argv, &used);
  if (!c && group_usage(cx.argv[0], help ? stdout : stderr)) return help ? CLI_OK : CLI_USAGE;
  if (!c) {
    fprintf(stderr, "arenadb: unknown command '%s' (see 'arenadb --help')\n", cx.argv[0]);
    return CLI_USAGE;
  }
  /* cypher has a format of its own (tck) and checks --format itself. */
  if (c != cli_cmds_cypher && cli_format_check(cx.format)) return CLI_USAGE;
  cx.cmd = c->name;
  cx.argc -= used;
  cx.argv += used;
  if (help) {
    cli_help(c, stdout);
    return CLI_OK;
  }
  cx.self = c;
  return c->run(&cx);
}
