/* help.c — the help the command table gives: usage, each command's help, the manual page and
 * the shell completions. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

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

/* The options every command takes, before or after its name. */
static const struct {
  const char *name, *arg, *help;
} globals[] = {{"--db", "PATH", "the database file (default: $ARENADB_DB, or ./arena.db)"},
               {"--format", "F", "output of queries: table (default), json, jsonl or csv"},
               {"--help", NULL, "this help; after a command, that command's help (also -h)"},
               {"--version", NULL, "the version"}};
#define NGLOBALS (sizeof globals / sizeof *globals)

void cli_usage(FILE *out) {
  fputs("usage: arenadb [--db PATH] COMMAND [ARGS]\n\n"
        "ArenaDB: an embedded replicated graph database. The database is PATH, or\n"
        "$ARENADB_DB, or ./arena.db. Run 'arenadb help COMMAND' (or 'arenadb COMMAND --help')\n"
        "for one command: its arguments, options and defaults, and an example.\n\n"
        "Commands:\n",
        out);
  const cli_cmd *c;
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) put_row(c, out);
  fputs("\nGlobal options:\n", out);
  for (size_t i = 0; i < NGLOBALS; i++) {
    char left[32];
    snprintf(left, sizeof left, "%s%s%s", globals[i].name, globals[i].arg ? " " : "",
             globals[i].arg ? globals[i].arg : "");
    fprintf(out, "  %-14s %s\n", left, globals[i].help);
  }
}

int cli_group_usage(const char *word, FILE *out) {
  size_t n = strlen(word);
  int count = 0;
  const cli_cmd *c;
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) {
    if (strncmp(c->name, word, n) || c->name[n] != ' ') continue;
    if (!count++) fprintf(out, "usage: arenadb [--db PATH] %s COMMAND [ARGS]\n\n", word);
    put_row(c, out);
  }
  return count;
}

/* ---- The manual page ---- */

/* Writes text for roff: backslashes and hyphens escaped, and a line that would start with a
 * control character ('.' or '\'') guarded. */
static void roff_put(FILE *out, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if ((i == 0 || s[i - 1] == '\n') && (s[i] == '.' || s[i] == '\'')) fputs("\\&", out);
    if (s[i] == '\\') fputs("\\e", out);
    else if (s[i] == '-') fputs("\\-", out);
    else fputc(s[i], out);
  }
}

static void roff_line(FILE *out, const char *s) {
  roff_put(out, s, strlen(s));
  fputc('\n', out);
}

/* A section of a command's help as a labelled block kept as written (its columns align). */
static void roff_block(FILE *out, const char *title, const char *text) {
  if (!text) return;
  fprintf(out, ".PP\n%s:\n.RS 4\n.nf\n", title);
  roff_line(out, text);
  fputs(".fi\n.RE\n", out);
}

static int cmd_man(cli_ctx *cx) {
  FILE *out = stdout;
  fprintf(out, ".TH ARENADB 1 \"\" \"arenadb %s\" \"User Commands\"\n", ADB_VERSION);
  fputs(".SH NAME\narenadb \\- an embedded, replicated property-graph database\n"
        ".SH SYNOPSIS\n.B arenadb\n[\\-\\-db \\fIPATH\\fR] [\\-\\-format \\fIF\\fR] "
        "\\fICOMMAND\\fR [\\fIARGS\\fR]\n"
        ".SH DESCRIPTION\n"
        "ArenaDB keeps nodes and edges with labels and JSON properties in one SQLite file.\n"
        "Replicas exchange change sets (by file, directly, or through a server) and always\n"
        "converge. Query with SQL or Cypher, traverse, edit text together, search vectors.\n"
        ".SH GLOBAL OPTIONS\n",
        out);
  for (size_t i = 0; i < NGLOBALS; i++) {
    fputs(".TP\n.B ", out);
    roff_put(out, globals[i].name, strlen(globals[i].name));
    if (globals[i].arg) fprintf(out, " \\fI%s\\fR", globals[i].arg);
    fputc('\n', out);
    roff_line(out, globals[i].help);
  }
  fputs(".SH COMMANDS\n", out);
  const cli_cmd *c;
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) {
    fputs(".SS \"", out);
    roff_put(out, c->name, strlen(c->name));
    if (*c->args) fputc(' ', out);
    roff_put(out, c->args, strlen(c->args));
    fputs("\"\n", out);
    roff_line(out, c->help);
    roff_block(out, "Arguments", c->arguments);
    roff_block(out, "Options", c->options);
    roff_block(out, "Example", c->example);
  }
  fputs(".SH ENVIRONMENT\n.TP\n.B ARENADB_DB\nthe database when \\-\\-db is not given\n"
        ".TP\n.B ARENADB_TOKEN\nthe token sent to a server, and the one serve requires\n"
        ".SH EXIT STATUS\n0 on success, 1 when the operation failed, 2 when the command line "
        "was wrong.\n.SH SEE ALSO\n.BR sqlite3 (1)\n",
        out);
  return ferror(out) ? cli_fail("cannot write the manual page") : CLI_OK;
}

/* ---- Shell completions ---- */

/* Writes the options a command's help lists (each line that starts with '-': its leading
 * words that start with '-'), space-separated, then --help. */
static void put_options(FILE *out, const char *text) {
  for (const char *p = text; p && *p;) {
    size_t n = strcspn(p, "\n");
    for (const char *w = p; w < p + n && *w == '-';) {
      size_t k = strcspn(w, " ,\n");
      fprintf(out, "%.*s ", (int)k, w);
      w += k;
      w += strspn(w, ", ");
    }
    p += n + (p[n] == '\n');
  }
  fputs("--help", out);
}

/* The length of a command's first word ("node" of "node add"). */
static size_t first_word(const cli_cmd *c) { return strcspn(c->name, " "); }

/* 1 when command i is the first with its first word (a group's commands stand together). */
static int starts_word(size_t i) {
  const cli_cmd *c = cli_cmd_at(i), *prev = i ? cli_cmd_at(i - 1) : NULL;
  size_t n = first_word(c);
  return !prev || first_word(prev) != n || strncmp(prev->name, c->name, n) != 0;
}

/* The bash function: finds the command among the words typed so far (skipping global options
 * and their values), then offers its second words, its options, or file names. */
static void put_bash(FILE *out) {
  const cli_cmd *c;
  fputs("_arenadb_groups='", out);
  for (size_t i = 0, any = 0; (c = cli_cmd_at(i)); i++)
    if (c->name[first_word(c)] && starts_word(i))
      fprintf(out, "%s%.*s", any++ ? " " : "", (int)first_word(c), c->name);
  fputs("'\n"
        "_arenadb() {\n"
        "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w i words\n"
        "  case $prev in\n"
        "    --format) COMPREPLY=($(compgen -W 'table json jsonl csv' -- \"$cur\")); return ;;\n"
        "    --db|-o|--out) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
        "  esac\n"
        "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "    w=${COMP_WORDS[i]}\n"
        "    case $w in\n"
        "      --db|--format) ((i++)) ;;\n"
        "      -*) ;;\n"
        "      *) if [[ -z $cmd ]]; then cmd=$w\n"
        "         elif [[ $cmd != *' '* && ' '$_arenadb_groups' ' == *' '$cmd' '* ]]; then\n"
        "           cmd=\"$cmd $w\"\n"
        "         else break; fi ;;\n"
        "    esac\n"
        "  done\n"
        "  case $cmd in\n"
        "    '') words='",
        out);
  for (size_t i = 0; (c = cli_cmd_at(i)); i++)
    if (starts_word(i)) fprintf(out, "%.*s ", (int)first_word(c), c->name);
  for (size_t i = 0; i < NGLOBALS; i++) fprintf(out, "%s%s", i ? " " : "", globals[i].name);
  fputs("' ;;\n", out);
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) {
    size_t n = first_word(c);
    if (!c->name[n]) continue;
    if (starts_word(i)) fprintf(out, "    %.*s) words='", (int)n, c->name);
    fprintf(out, "%s ", c->name + n + 1);
    if (!cli_cmd_at(i + 1) || starts_word(i + 1)) fputs("' ;;\n", out);
  }
  for (size_t i = 0; (c = cli_cmd_at(i)); i++) {
    fprintf(out, "    '%s') words='", c->name);
    put_options(out, c->options);
    fputs("' ;;\n", out);
  }
  fputs("  esac\n"
        "  if [[ -z $cmd || $cur == -* || ' '$_arenadb_groups' ' == *' '$cmd' '* ]]; then\n"
        "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
        "  else\n"
        "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "  fi\n"
        "}\n",
        out);
}

static int cmd_completion(cli_ctx *cx) {
  const char *shell = cx->argv[0];
  if (!strcmp(shell, "bash")) {
    fputs("# bash completion for arenadb: eval \"$(arenadb completion bash)\"\n", stdout);
    put_bash(stdout);
    fputs("complete -o filenames -F _arenadb arenadb\n", stdout);
  } else if (!strcmp(shell, "zsh")) {
    /* zsh runs the bash function through its bash completion layer. */
    fputs("#compdef arenadb\n"
          "# zsh completion for arenadb: arenadb completion zsh > \"${fpath[1]}/_arenadb\"\n"
          "autoload -U +X bashcompinit && bashcompinit\n",
          stdout);
    put_bash(stdout);
    fputs("complete -o filenames -F _arenadb arenadb\n", stdout);
  } else {
    fprintf(stderr, "arenadb completion: unknown shell '%s': bash or zsh\n", shell);
    return CLI_USAGE;
  }
  return ferror(stdout) ? cli_fail("cannot write the completion script") : CLI_OK;
}

const cli_cmd cli_cmds_help[] = {
    {"man", "", "print the manual page (roff), made from every command's help", cmd_man, 0, 0,
     .example = "arenadb man > arenadb.1    # read it with: man -l arenadb.1"},
    {"completion", "bash|zsh", "print the shell's completion script for every command",
     cmd_completion, 1, 1,
     .arguments = "SHELL   bash or zsh",
     .example = "eval \"$(arenadb completion bash)\"          # this shell\n"
                "arenadb completion zsh > _arenadb            # for a folder in zsh's $fpath"},
    {0}};
