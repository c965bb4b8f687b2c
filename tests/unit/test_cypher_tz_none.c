/* test_cypher_tz_none.c — cy_tz.c as a build without ICU compiles it (the WebAssembly one):
 * every named zone is refused with a clear ArgumentError, fixed offsets are untouched. The
 * file is compiled here under other names, beside the library's own ICU version. */
#include <setjmp.h>
#include <string.h>

#include "helpers.h"

#define cy_tz_valid none_tz_valid
#define cy_tz_offset_at_utc none_tz_offset_at_utc
#define cy_tz_offset_at_local none_tz_offset_at_local
#define cy_tz_free none_tz_free
#define cy_tz_check none_tz_check
#define cy_tz_local none_tz_local
#define cy_tz_keep none_tz_keep
#define cy_tz_move none_tz_move
#undef ADB_HAVE_ICU
#include "../../src/query/cypher/cy_tz.c"

Test(cypher_tz_none, raw_calls_say_unavailable) {
  cy_tzc *k = NULL;
  int32_t off = 7;
  cr_assert_eq(none_tz_valid(&k, "Europe/Stockholm"), CY_TZ_UNAVAILABLE);
  cr_assert_eq(none_tz_offset_at_utc(&k, "Europe/Stockholm", 0, &off), CY_TZ_UNAVAILABLE);
  cr_assert_eq(none_tz_offset_at_local(&k, "Europe/Stockholm", 0, &off), CY_TZ_UNAVAILABLE);
  cr_assert_eq(off, 7);
  none_tz_free(k);
}

Test(cypher_tz_none, a_zone_fails_the_query_with_a_clear_message) {
  static cy_ctx c; /* static: it changes between setjmp and longjmp */
  static cy_tv t = {.has_date = 1, .has_time = 1, .has_zone = 1, .zone = "Europe/Stockholm"};
  if (!setjmp(c.jb)) {
    none_tz_local(&c, &t);
    cr_assert_fail("a named zone should fail the query");
  }
  cr_assert_str_eq(c.err_type, "ArgumentError");
  cr_assert(strstr(c.err_msg, "named time zones are not available in this build"), "%s", c.err_msg);
  cr_assert(strstr(c.err_msg, "Europe/Stockholm"), "%s", c.err_msg);
}

Test(cypher_tz_none, fixed_offsets_still_move) {
  static cy_ctx c;
  static cy_tv t = {
      .has_date = 1, .has_time = 1, .has_zone = 1, .ns = 23 * 3600000000000LL, .off = 3600};
  if (setjmp(c.jb)) cr_assert_fail("%s", c.err_msg);
  none_tz_move(&c, &t, NULL, 5 * 3600);
  cr_assert_eq(t.days, 1);
  cr_assert_eq(t.ns, 3 * 3600000000000LL);
  cr_assert_eq(t.off, 5 * 3600);
  cr_assert_null(t.zone);
}
