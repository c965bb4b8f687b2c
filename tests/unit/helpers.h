/* helpers.h — what the unit tests share: temporary databases and state dumps. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <criterion/criterion.h>
#include <stddef.h>

#include "arenadb.h"

/* A path for a new database file in a fresh temporary folder (static storage, one per slot). */
const char *tmp_db_path(int slot);

/* Opens a new database at tmp_db_path(slot), asserting success. opt may be NULL. */
adb *open_tmp(int slot, const adb_options *opt);

/* The visible state as text: every node and edge, one per line, ordered by id (malloc'd). */
char *dump_state(adb *db);

/* Sends to what it lacks from from: to's version vector, from's changes, to applies them. */
void send_changes(adb *from, adb *to);

/* Runs SQL returning one integer. */
long long sql_int(adb *db, const char *sql);

/* Asserts rc is ADB_OK, printing adb_errmsg otherwise. */
#define OK(db, call)                                                                             \
  do {                                                                                          \
    int rc_ = (call);                                                                           \
    cr_assert_eq(rc_, ADB_OK, "%s -> %d (%s): %s", #call, rc_, adb_strerror(rc_),               \
                 adb_errmsg(db));                                                               \
  } while (0)

#endif
