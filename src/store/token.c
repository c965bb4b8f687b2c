/* token.c — access tokens for the server: created with a role, stored hashed in the file's own
 * table adb_token (never replicated), checked, listed and revoked. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/store.h"
#include "util/name.h"

#define TOKEN_PREFIX "adb_"
#define TOKEN_BYTES 32

static const char *const role_names[] = {NULL, "read", "write", "admin"};

const char *adb_role_name(int role) {
  return role >= ADB_ROLE_READ && role <= ADB_ROLE_ADMIN ? role_names[role] : "none";
}

int adb_role_parse(const char *name) {
  for (int r = ADB_ROLE_READ; r <= ADB_ROLE_ADMIN; r++)
    if (name && !strcmp(name, role_names[r])) return r;
  return 0;
}

/* 1 when the file has the table (a file that never had a token has none). */
static int has_table(adb *db) {
  sqlite3_stmt *st;
  if (store_prepare(db, "SELECT 1 FROM sqlite_schema WHERE name = 'adb_token'", &st) != SQLITE_OK)
    return 0;
  int yes = store_step(db, st) == SQLITE_ROW;
  sqlite3_finalize(st);
  return yes;
}

/* The hash stored for a token: a token is 256 random bits, so one fast hash suffices. */
static void token_hash(const char *token, unsigned char out[32]) {
  crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int adb_token_create(adb *db, const char *name, int role, int64_t expires_ms, char **token) {
  if (!db || !token || role < ADB_ROLE_READ || role > ADB_ROLE_ADMIN || expires_ms < 0)
    return ADB_MISUSE;
  *token = NULL;
  int rc = ut_name_check(db, "token name", name);
  if (rc) return rc;
  unsigned char raw[TOKEN_BYTES], hash[32];
  randombytes_buf(raw, sizeof raw);
  const int b64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  size_t n = strlen(TOKEN_PREFIX) + sodium_base64_ENCODED_LEN(TOKEN_BYTES, b64);
  char *t = malloc(n);
  if (!t) return adb__err(db, ADB_NOMEM, "out of memory");
  strcpy(t, TOKEN_PREFIX);
  sodium_bin2base64(t + strlen(TOKEN_PREFIX), n - strlen(TOKEN_PREFIX), raw, sizeof raw, b64);
  token_hash(t, hash);
  int scope;
  if ((rc = store_write_begin(db, &scope))) {
    free(t);
    return rc;
  }
  rc = store_exec(db,
                  "CREATE TABLE IF NOT EXISTS adb_token(name TEXT PRIMARY KEY, hash BLOB NOT NULL"
                  " UNIQUE, role INTEGER NOT NULL, created INTEGER NOT NULL, expires INTEGER)");
  sqlite3_stmt *st = NULL;
  if (rc == ADB_OK) {
    int src = store_prepare(db, "INSERT INTO main.adb_token VALUES(?1, ?2, ?3, ?4, ?5)", &st);
    if (src == SQLITE_OK) {
      sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
      sqlite3_bind_blob(st, 2, hash, sizeof hash, SQLITE_STATIC);
      sqlite3_bind_int(st, 3, role);
      sqlite3_bind_int64(st, 4, adb__now_ms(db));
      if (expires_ms) sqlite3_bind_int64(st, 5, expires_ms);
      src = store_step(db, st);
    }
    if (src == SQLITE_CONSTRAINT_PRIMARYKEY || src == SQLITE_CONSTRAINT_UNIQUE)
      rc = adb__err(db, ADB_CONFLICT, "a token named '%s' exists already", name);
    else if (src != SQLITE_DONE)
      rc = adb__sqlerr(db, src);
    sqlite3_finalize(st);
  }
  rc = store_write_end(db, scope, rc);
  if (rc) {
    sodium_memzero(t, n);
    free(t);
  } else {
    *token = t;
  }
  return rc;
}

int adb_token_revoke(adb *db, const char *name) {
  if (!db || !name) return ADB_MISUSE;
  if (!has_table(db)) return adb__err(db, ADB_NOTFOUND, "there is no token named '%s'", name);
  int scope, rc = store_write_begin(db, &scope);
  if (rc) return rc;
  sqlite3_stmt *st;
  int src = store_prepare(db, "DELETE FROM main.adb_token WHERE name = ?1", &st);
  if (src == SQLITE_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    src = store_step(db, st);
  }
  sqlite3_finalize(st);
  if (src != SQLITE_DONE) rc = adb__sqlerr(db, src);
  else if (sqlite3_changes(db->sql) == 0)
    rc = adb__err(db, ADB_NOTFOUND, "there is no token named '%s'", name);
  return store_write_end(db, scope, rc);
}

int adb_token_role(adb *db, const char *token, int *role) {
  if (!db || !token || !role) return ADB_MISUSE;
  *role = 0;
  unsigned char hash[32];
  token_hash(token, hash);
  if (!has_table(db)) return adb__err(db, ADB_AUTH, "unknown token");
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT role, expires FROM main.adb_token WHERE hash = ?1", &st);
  if (src != SQLITE_OK) return adb__sqlerr(db, src);
  sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
  src = store_step(db, st);
  int rc = ADB_OK;
  if (src == SQLITE_ROW) {
    int64_t expires = sqlite3_column_type(st, 1) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 1);
    if (expires && adb__now_ms(db) >= expires) rc = adb__err(db, ADB_AUTH, "the token has expired");
    else *role = sqlite3_column_int(st, 0);
  } else {
    rc = src == SQLITE_DONE ? adb__err(db, ADB_AUTH, "unknown token") : adb__sqlerr(db, src);
  }
  sqlite3_finalize(st);
  return rc;
}

int adb_token_count(adb *db, int64_t *n) {
  if (!db || !n) return ADB_MISUSE;
  *n = 0;
  if (!has_table(db)) return ADB_OK;
  sqlite3_stmt *st;
  int src = store_prepare(db, "SELECT count(*) FROM main.adb_token", &st);
  if (src == SQLITE_OK && (src = store_step(db, st)) == SQLITE_ROW)
    *n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return src == SQLITE_ROW ? ADB_OK : adb__sqlerr(db, src);
}

int adb_token_list(adb *db, char **json) {
  if (!db || !json) return ADB_MISUSE;
  *json = NULL;
  json_t *a = json_array();
  int src = SQLITE_DONE;
  sqlite3_stmt *st = NULL;
  if (has_table(db) && (src = store_prepare(db,
                                            "SELECT name, role, created, expires FROM"
                                            " main.adb_token ORDER BY name",
                                            &st)) == SQLITE_OK) {
    while ((src = store_step(db, st)) == SQLITE_ROW) {
      json_t *o = json_pack("{s:s, s:s, s:I}", "name", (const char *)sqlite3_column_text(st, 0),
                            "role", adb_role_name(sqlite3_column_int(st, 1)), "created_ms",
                            (json_int_t)sqlite3_column_int64(st, 2));
      json_object_set_new(o, "expires_ms", sqlite3_column_type(st, 3) == SQLITE_NULL
                                               ? json_null()
                                               : json_integer(sqlite3_column_int64(st, 3)));
      json_array_append_new(a, o);
    }
    sqlite3_finalize(st);
  }
  if (src == SQLITE_DONE) *json = json_dumps(a, JSON_COMPACT);
  json_decref(a);
  if (src != SQLITE_DONE) return adb__sqlerr(db, src);
  return *json ? ADB_OK : adb__err(db, ADB_NOMEM, "out of memory");
}
