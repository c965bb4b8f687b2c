/* name.c — the rule for ids, labels, property keys and token names. */
#include <string.h>

#include "util/json.h"
#include "util/name.h"

int ut_name_check(adb *db, const char *what, const char *s) {
  if (!s || !*s) return adb__err(db, ADB_INVALID, "the %s must not be empty", what);
  size_t n = strlen(s);
  if (n > UT_NAME_MAX)
    return adb__err(db, ADB_INVALID, "the %s is %zu bytes long; the limit is %d", what, n,
                    UT_NAME_MAX);
  if (!ut_utf8_valid(s, n)) return adb__err(db, ADB_INVALID, "the %s is not valid UTF-8", what);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return adb__err(db, ADB_INVALID, "the %s contains a control character", what);
  return ADB_OK;
}
