/* err.c — the handle's error record: statuses, their text, and SQLite's results translated. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "adb_int.h"

const char *adb_strerror(int rc) {
#define XX(name, value, text) \
  case ADB_##name: return text;
  switch (rc) { ADB_STATUS_MAP(XX) }
#undef XX
  return "unknown status";
}

int adb__err(adb *db, int rc, const char *fmt, ...) {
  if (!db) return rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(db->errmsg, sizeof db->errmsg, fmt, ap);
  va_end(ap);
  db->errcode = rc;
  return rc;
}

int adb__sqlerr(adb *db, int src) {
  int rc;
  switch (src & 0xff) {
  case SQLITE_NOMEM: rc = ADB_NOMEM; break;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: rc = ADB_BUSY; break;
  case SQLITE_IOERR:
  case SQLITE_FULL:
  case SQLITE_CANTOPEN:
  case SQLITE_PERM: rc = ADB_IO; break;
  case SQLITE_CORRUPT: rc = ADB_CORRUPT; break;
  case SQLITE_NOTADB: rc = ADB_NOTADB; break;
  case SQLITE_READONLY: rc = ADB_READONLY; break;
  case SQLITE_INTERRUPT: rc = ADB_INTERRUPT; break;
  case SQLITE_CONSTRAINT: rc = ADB_CONFLICT; break;
  case SQLITE_MISUSE: rc = ADB_MISUSE; break;
  case SQLITE_ERROR:
  case SQLITE_AUTH:
  case SQLITE_RANGE:
  case SQLITE_TOOBIG:
  case SQLITE_MISMATCH: rc = ADB_INVALID; break;
  default: rc = ADB_ERROR;
  }
  /* A failed SQL function call already explained itself; keep its status when it had one. */
  const char *msg = db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(src);
  if ((src & 0xff) == SQLITE_AUTH)
    msg = "not allowed: ArenaDB's internal tables (adb_*) and its views' definitions change"
          " only through ArenaDB; write to the nodes and edges views instead";
  if (src == SQLITE_ERROR && db->errcode < 0 && strcmp(msg, db->errmsg) == 0) rc = db->errcode;
  if (rc == ADB_INTERRUPT)
    return adb__err(db, rc, "stopped: the statement ran past its time limit of %lld ms",
                    (long long)db->time_limit_ms);
  return adb__err(db, rc, "%s", msg);
}

const char *adb_errmsg(adb *db) {
  if (!db) return "out of memory";
  return db->errcode ? db->errmsg : "not an error";
}
