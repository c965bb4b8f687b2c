/* test_util.c — byte buffers, varints, hex, canonical JSON, UTF-8 checks and status codes. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "arenadb.h"
#include "util/buf.h"
#include "util/json.h"

Test(util, varint_round_trip) {
  uint64_t values[] = {0, 1, 127, 128, 300, 16383, 16384, (uint64_t)1 << 35, UINT64_MAX};
  ut_buf b;
  ut_buf_init(&b);
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) ut_buf_put_varint(&b, values[i]);
  ut_rbuf r;
  ut_rbuf_init(&r, b.p, b.len);
  for (size_t i = 0; i < sizeof values / sizeof *values; i++)
    cr_assert_eq(ut_rbuf_varint(&r), values[i]);
  cr_assert_eq(r.pos, r.len);
  cr_assert(!r.bad);
  ut_buf_free(&b);
}

Test(util, reader_refuses_overruns_and_overlong_varints) {
  unsigned char truncated[] = {0x80, 0x80};
  ut_rbuf r;
  ut_rbuf_init(&r, truncated, sizeof truncated);
  ut_rbuf_varint(&r);
  cr_assert(r.bad);
  unsigned char overlong[11];
  memset(overlong, 0xff, sizeof overlong);
  ut_rbuf_init(&r, overlong, sizeof overlong);
  ut_rbuf_varint(&r);
  cr_assert(r.bad);
  unsigned char s[] = {5, 'a', 'b'};
  size_t n;
  ut_rbuf_init(&r, s, sizeof s);
  cr_assert_null(ut_rbuf_str(&r, &n, 100));
  cr_assert(r.bad);
}

Test(util, hex) {
  unsigned char in[3] = {0x00, 0xab, 0xff}, out[3];
  char text[7];
  ut_hex_encode(in, 3, text);
  cr_assert_str_eq(text, "00abff");
  cr_assert_eq(ut_hex_decode("00ABff", out, 3), 0);
  cr_assert_eq(memcmp(in, out, 3), 0);
  cr_assert_eq(ut_hex_decode("00abf", out, 3), -1);
  cr_assert_eq(ut_hex_decode("00abffee", out, 3), -1);
  cr_assert_eq(ut_hex_decode("zzabff", out, 3), -1);
}

static void canon_is(const char *in, const char *want) {
  char why[200];
  char *got = ut_json_canon(in, strlen(in), 0, why, sizeof why);
  cr_assert_not_null(got, "%s: %s", in, why);
  cr_assert_str_eq(got, want, "canonical form of %s", in);
  free(got);
}

Test(json, canonical_form) {
  canon_is("{ \"b\" : 1, \"a\" : [1, 2.5, {\"z\":null, \"y\":true}] }",
           "{\"a\":[1,2.5,{\"y\":true,\"z\":null}],\"b\":1}");
  canon_is("0.1", "0.1");
  canon_is("1.0", "1.0");
  canon_is("1e300", "1e+300");
  canon_is("0.30000000000000004", "0.30000000000000004");
  canon_is("-9223372036854775808", "-9223372036854775808");
  canon_is("\"tab\\there \\u00e9 \\/ \\u0001\"", "\"tab\\there \xc3\xa9 / \\u0001\"");
  canon_is("{\"\xc3\xa9\":1,\"e\":2,\"E\":3}", "{\"E\":3,\"e\":2,\"\xc3\xa9\":1}");
}

Test(json, refuses_bad_input_with_a_reason) {
  char why[200];
  const char *bad[] = {"{", "{\"a\":1,\"a\":2}", "[1,]", "nul", "\"\\u0000\"", "1 2", ""};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why[0] = 0;
    cr_assert_null(ut_json_canon(bad[i], strlen(bad[i]), 0, why, sizeof why), "%s", bad[i]);
    cr_assert(strlen(why) > 0);
  }
  cr_assert_null(ut_json_canon("[1]", 3, 1, why, sizeof why));
  cr_assert(strstr(why, "object"));
}

Test(json, utf8_validity) {
  cr_assert(ut_utf8_valid("abc", 3));
  cr_assert(ut_utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
  cr_assert(!ut_utf8_valid("\xc3", 1));        /* truncated */
  cr_assert(!ut_utf8_valid("\xc0\xaf", 2));    /* overlong */
  cr_assert(!ut_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
  cr_assert(!ut_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
  cr_assert(!ut_utf8_valid("a\0b", 3));
}

/* Every status code of ADB_STATUS_MAP has its own adb_strerror name; an unknown one says so. */
Test(util, every_status_code_has_its_own_name) {
  static const struct {
    int code;
    const char *text;
  } all[] = {
#define XX(name, value, text) {ADB_##name, text},
      ADB_STATUS_MAP(XX)
#undef XX
  };
  size_t n = sizeof all / sizeof *all;
  cr_assert_geq(n, 18);
  for (size_t i = 0; i < n; i++) {
    cr_assert_str_eq(adb_strerror(all[i].code), all[i].text);
    for (size_t j = 0; j < i; j++) {
      cr_assert_neq(all[i].code, all[j].code);
      cr_assert_str_neq(all[i].text, all[j].text);
    }
  }
  cr_assert_str_eq(adb_strerror(-999), "unknown status");
  cr_assert_eq(ADB_NOTFOUND, -3, "the values are the ABI: they never change");
  cr_assert_eq(ADB_INTERRUPT, -15);
}
