/* opfs_vfs.c — the SQLite VFS "opfs": files in the browser's Origin Private File System. */
/*
 * The idea is that of SQLite's own "opfs-sahpool" VFS: FileSystemSyncAccessHandles are
 * acquired asynchronously beforehand (wasm/opfs.mjs), held by JavaScript in a Map from path to
 * handle (Module.opfsFiles), and then all I/O goes synchronously through them. A name without a
 * handle cannot be opened. A handle is exclusive to one worker of the whole origin, which is
 * the lock: xLock and its kin have nothing left to do, and the build makes SQLite's locking
 * exclusive (wasm.mk), so no transaction reads the file again to learn whether another wrote
 * it, and WAL needs no shared memory (its index lives in the heap): a commit is one append to
 * "-wal" and one flush. "Deleting" a sidecar truncates it to 0 bytes, and it exists while it
 * holds any bytes. Temporary files, which have no name, go to the default VFS (emscripten's,
 * in memory). Part of the WebAssembly build only.
 */
#include <emscripten.h>
#include <sqlite3.h>
#include <string.h>

/* The JavaScript side. Sizes and offsets travel as doubles: exact up to 2^53 bytes. (Kept out
 * of clang-format, which does not know JavaScript's operators.) */
/* clang-format off */
EM_JS(void, opfs_js_init, (void), {
  if (!Module["opfsFiles"]) Module["opfsFiles"] = new Map();
});

/* The file's size, or -1 when no handle is held for name. */
EM_JS(double, opfs_js_size, (const char *name), {
  const h = Module["opfsFiles"].get(UTF8ToString(name));
  try {
    return h ? h.getSize() : -1;
  } catch (e) {
    return -1;
  }
});

/* Bytes read, or -1. */
EM_JS(int, opfs_js_read, (const char *name, void *buf, int n, double at), {
  try {
    return Module["opfsFiles"].get(UTF8ToString(name)).read(HEAPU8.subarray(buf, buf + n),
                                                            {at : at});
  } catch (e) {
    return -1;
  }
});

/* 0, or 1 when the origin's quota is spent, or 2 for another failure. */
EM_JS(int, opfs_js_write, (const char *name, const void *buf, int n, double at), {
  try {
    const h = Module["opfsFiles"].get(UTF8ToString(name));
    return h.write(HEAPU8.subarray(buf, buf + n), {at : at}) === n ? 0 : 2;
  } catch (e) {
    return e && e.name === "QuotaExceededError" ? 1 : 2;
  }
});

/* As opfs_js_write, for truncate(size) (size < 0: no change) then flush(). */
EM_JS(int, opfs_js_truncate_flush, (const char *name, double size), {
  try {
    const h = Module["opfsFiles"].get(UTF8ToString(name));
    if (size >= 0) h.truncate(size);
    h.flush();
    return 0;
  } catch (e) {
    return e && e.name === "QuotaExceededError" ? 1 : 2;
  }
});
/* clang-format on */

typedef struct {
  sqlite3_file base;
  const char *name; /* SQLite keeps xOpen's name unchanged until xClose */
} opfs_file;

static sqlite3_vfs *base_vfs; /* the default VFS before ours: time, randomness, temp files */

/* The handle stays open, for the next xOpen of the name: opfsClose releases it. */
static int opfs_close(sqlite3_file *f) { return SQLITE_OK; }

static int opfs_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off) {
  int got = opfs_js_read(((opfs_file *)f)->name, buf, n, (double)off);
  if (got < 0) return SQLITE_IOERR_READ;
  if (got == n) return SQLITE_OK;
  memset((char *)buf + got, 0, n - got); /* SQLite requires a short read to be zero-filled */
  return SQLITE_IOERR_SHORT_READ;
}

static int opfs_status(int js, int ioerr) {
  return js == 0 ? SQLITE_OK : js == 1 ? SQLITE_FULL : ioerr;
}

static int opfs_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off) {
  return opfs_status(opfs_js_write(((opfs_file *)f)->name, buf, n, (double)off),
                     SQLITE_IOERR_WRITE);
}

static int opfs_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return opfs_status(opfs_js_truncate_flush(((opfs_file *)f)->name, (double)size),
                     SQLITE_IOERR_TRUNCATE);
}

static int opfs_sync(sqlite3_file *f, int flags) {
  return opfs_status(opfs_js_truncate_flush(((opfs_file *)f)->name, -1), SQLITE_IOERR_FSYNC);
}

static int opfs_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  double s = opfs_js_size(((opfs_file *)f)->name);
  if (s < 0) return SQLITE_IOERR_FSTAT;
  *size = (sqlite3_int64)s;
  return SQLITE_OK;
}

static int opfs_lock(sqlite3_file *f, int level) { return SQLITE_OK; }

static int opfs_check_reserved(sqlite3_file *f, int *out) {
  *out = 0;
  return SQLITE_OK;
}

static int opfs_file_control(sqlite3_file *f, int op, void *arg) { return SQLITE_NOTFOUND; }

static int opfs_sector_size(sqlite3_file *f) { return 4096; }

static int opfs_device_characteristics(sqlite3_file *f) { return 0; }

static const sqlite3_io_methods opfs_io = {
    .iVersion = 1,
    .xClose = opfs_close,
    .xRead = opfs_read,
    .xWrite = opfs_write,
    .xTruncate = opfs_truncate,
    .xSync = opfs_sync,
    .xFileSize = opfs_file_size,
    .xLock = opfs_lock,
    .xUnlock = opfs_lock,
    .xCheckReservedLock = opfs_check_reserved,
    .xFileControl = opfs_file_control,
    .xSectorSize = opfs_sector_size,
    .xDeviceCharacteristics = opfs_device_characteristics,
};

static int opfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                     int *out_flags) {
  if (!name || (flags & SQLITE_OPEN_DELETEONCLOSE))
    return base_vfs->xOpen(base_vfs, name, f, flags, out_flags);
  f->pMethods = NULL; /* a failed xOpen is closed only when it set pMethods */
  if (opfs_js_size(name) < 0) return SQLITE_CANTOPEN;
  ((opfs_file *)f)->name = name;
  f->pMethods = &opfs_io;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

static int opfs_delete(sqlite3_vfs *vfs, const char *name, int sync_dir) {
  if (opfs_js_size(name) < 0) return SQLITE_IOERR_DELETE_NOENT;
  return opfs_status(opfs_js_truncate_flush(name, 0), SQLITE_IOERR_DELETE);
}

static int opfs_access(sqlite3_vfs *vfs, const char *name, int what, int *out) {
  *out = opfs_js_size(name) > 0;
  return SQLITE_OK;
}

static int opfs_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out) {
  if ((int)strlen(name) >= n) return SQLITE_CANTOPEN;
  strcpy(out, name); /* names are the keys of Module.opfsFiles, as given */
  return SQLITE_OK;
}

static int opfs_randomness(sqlite3_vfs *vfs, int n, char *out) {
  return base_vfs->xRandomness(base_vfs, n, out);
}

static int opfs_sleep(sqlite3_vfs *vfs, int us) { return base_vfs->xSleep(base_vfs, us); }

static int opfs_current_time(sqlite3_vfs *vfs, double *out) {
  return base_vfs->xCurrentTime(base_vfs, out);
}

static int opfs_last_error(sqlite3_vfs *vfs, int n, char *out) {
  return base_vfs->xGetLastError(base_vfs, n, out);
}

static sqlite3_vfs opfs_vfs = {
    .iVersion = 1,
    .mxPathname = 512,
    .zName = "opfs",
    .xOpen = opfs_open,
    .xDelete = opfs_delete,
    .xAccess = opfs_access,
    .xFullPathname = opfs_full_pathname,
    .xRandomness = opfs_randomness,
    .xSleep = opfs_sleep,
    .xCurrentTime = opfs_current_time,
    .xGetLastError = opfs_last_error,
};

int adb_wasm_opfs_register(int make_default);

/* Registers the VFS "opfs", as the default when make_default is not 0 (sqlite3_open_v2 with no
 * VFS named, as adb_open does, then uses it). Returns an SQLite status; calling it again only
 * changes whether it is the default. */
int adb_wasm_opfs_register(int make_default) {
  if (!base_vfs) {
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK) return rc;
    base_vfs = sqlite3_vfs_find(NULL);
    if (!base_vfs) return SQLITE_ERROR;
    /* Temporary files are the default VFS's, in the same sqlite3_file space. */
    opfs_vfs.szOsFile =
        base_vfs->szOsFile > (int)sizeof(opfs_file) ? base_vfs->szOsFile : (int)sizeof(opfs_file);
    opfs_js_init();
  }
  return sqlite3_vfs_register(&opfs_vfs, make_default);
}
