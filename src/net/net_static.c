/* net_static.c — the browser UI's static files for arenadb serve (docs/ui.md): maps a request
 * path to a regular file under the UI directory and refuses anything that could leave it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/net.h"

#define STATIC_MAX_FILE ((off_t)64 << 20)

/* The content type for a file name, by its extension (unknown: application/octet-stream). */
static const char *content_type(const char *name) {
  static const char *const types[][2] = {
      {".html", "text/html; charset=utf-8"},     {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},             {".map", "application/json"},
      {".svg", "image/svg+xml"},                 {".png", "image/png"},
      {".ico", "image/x-icon"},                  {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const char *dot = strrchr(name, '.');
  if (dot)
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (!strcmp(dot, types[i][0])) return types[i][1];
  return "application/octet-stream";
}

/* 1 when the path is '/'-separated segments of letters, digits, '-', '_' and '.', none empty
 * and none starting with '.': no "..", no hidden files, no encoded or control characters. */
static int safe_path(const char *p) {
  if (*p != '/' || strlen(p) > 512) return 0;
  while (*p == '/') {
    p++;
    if (*p == '.' || *p == '/' || *p == 0) return 0;
    for (; *p && *p != '/'; p++) {
      char c = *p;
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.'))
        return 0;
    }
  }
  return 1;
}

/* Reads the file for request path `path` ("/" is "/index.html") under `root` into a malloc'd,
 * NUL-terminated *out of *len bytes, with its content type. Returns ADB_OK; ADB_INVALID for a
 * path that is not a plain file name (traversal, hidden files, odd characters); ADB_NOTFOUND
 * when no such regular file lies under root (a symbolic link out of root included); ADB_IO or
 * ADB_NOMEM when reading fails. */
int net_static_file(const char *root, const char *path, char **out, size_t *len,
                    const char **ctype) {
  *out = NULL;
  *len = 0;
  if (!strcmp(path, "/")) path = "/index.html";
  if (!safe_path(path)) return ADB_INVALID;
  char want[PATH_MAX], real_root[PATH_MAX], real[PATH_MAX];
  if ((size_t)snprintf(want, sizeof want, "%s%s", root, path) >= sizeof want) return ADB_INVALID;
  if (!realpath(root, real_root) || !realpath(want, real)) return ADB_NOTFOUND;
  size_t rl = strlen(real_root);
  if (strncmp(real, real_root, rl) || real[rl] != '/') return ADB_NOTFOUND;
  int fd = open(real, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? ADB_NOTFOUND : ADB_IO;
  struct stat st;
  if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_FILE) {
    close(fd);
    return ADB_NOTFOUND;
  }
  char *b = malloc((size_t)st.st_size + 1);
  if (!b) {
    close(fd);
    return ADB_NOMEM;
  }
  size_t got = 0;
  while (got < (size_t)st.st_size) {
    ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (got != (size_t)st.st_size) {
    free(b);
    return ADB_IO;
  }
  b[got] = 0;
  *out = b;
  *len = got;
  *ctype = content_type(real);
  return ADB_OK;
}

/* 1 when dir holds the UI (an index.html). */
int net_static_present(const char *dir) {
  char p[PATH_MAX];
  struct stat st;
  return (size_t)snprintf(p, sizeof p, "%s/index.html", dir) < sizeof p && !stat(p, &st) &&
         S_ISREG(st.st_mode);
}
