/* name.h — the rule for ids, labels, property keys and token names. */
#ifndef ADB_UTIL_NAME_H
#define ADB_UTIL_NAME_H

#include "adb_int.h"

/* Longest id, label, property key or token name accepted, in bytes. */
#define UT_NAME_MAX 1024

/* Checks a name: non-empty UTF-8, no control characters, at most UT_NAME_MAX bytes. what
 * names it in the error ("id", "label", "property key"). Returns ADB_OK, or ADB_INVALID with
 * the reason recorded on db. */
int ut_name_check(adb *db, const char *what, const char *s);

#endif
