/* helpers.h — what the unit tests share: temporary databases, state dumps, Cypher results. */
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

/* Every element's registers as text, with clocks and the replica ids of their writers, ordered
 * by kind and id (malloc'd): replicas that merged the same writes must give the same text,
 * tombstones and losing tags included, not only the same visible rows. */
char *dump_registers(adb *db);

/* Sends to what it lacks from from: to's version vector, from's changes, to applies them. */
void send_changes(adb *from, adb *to);

/* Runs SQL returning one integer. */
long long sql_int(adb *db, const char *sql);

/* Runs a Cypher query (params a JSON object or NULL) expected to succeed; returns its rows as
 * lines of TCK values joined by '|', after a line of the column names when header is set
 * (malloc'd). */
char *cypher_rows(adb *db, const char *q, const char *params, int header);

/* Asserts the rows of q (cypher_rows, no header) are want. */
#define ROWS(db, q, want)                                                                        \
  do {                                                                                          \
    char *got_ = cypher_rows(db, q, NULL, 0);                                                   \
    cr_assert_str_eq(got_, want, "%s", q);                                                      \
    free(got_);                                                                                 \
  } while (0)

/* The TCK text of the one value `RETURN expr` gives (malloc'd). */
char *cypher_value(adb *db, const char *expr);

/* Asserts q fails with the error type, the detail when not NULL, and a message that contains
 * part when not NULL (and is never empty). */
void cypher_refused(adb *db, const char *q, const char *params, const char *type,
                    const char *detail, const char *part);

/* Asserts `RETURN expr` gives the TCK text want. */
#define CYPHER_IS(db, expr, want)                                                                \
  do {                                                                                          \
    char *got_ = cypher_value(db, expr);                                                        \
    cr_assert_str_eq(got_, want, "%s", expr);                                                   \
    free(got_);                                                                                 \
  } while (0)

/* Asserts rc is ADB_OK, printing adb_errmsg otherwise. */
#define OK(db, call)                                                                             \
  do {                                                                                          \
    int rc_ = (call);                                                                           \
    cr_assert_eq(rc_, ADB_OK, "%s -> %d (%s): %s", #call, rc_, adb_strerror(rc_),               \
                 adb_errmsg(db));                                                               \
  } while (0)

#endif
