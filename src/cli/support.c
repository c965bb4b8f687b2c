/* support.c — what every command uses: failing with a message, opening the database, and
 * reading and writing files. */
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
