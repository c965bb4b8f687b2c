/* id.c — generated element ids: 128-bit, time-ordered, printed in Crockford base 32. */
#include <sodium.h>
#include <string.h>

#include "graph/graph.h"

void graph_id_new(adb *db, char out[27]) {
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  uint64_t ms = (uint64_t)adb__now_ms(db) & 0xffffffffffffULL;
  if (ms > db->id_ms) {
    db->id_ms = ms;
    randombytes_buf(db->id_rnd, sizeof db->id_rnd);
  } else {
    /* Same millisecond (or the clock went back): count up from the last id, so ids made here
     * keep increasing. */
    for (int i = (int)sizeof db->id_rnd - 1; i >= 0 && ++db->id_rnd[i] == 0; i--) {
    }
  }
  unsigned char bytes[16];
  for (int i = 0; i < 6; i++) bytes[i] = (unsigned char)(db->id_ms >> (40 - 8 * i));
  memcpy(bytes + 6, db->id_rnd, 10);
  /* 128 bits as 26 digits of 5 bits, the first digit holding the top 3 bits. */
  for (int d = 25; d >= 0; d--) {
    int bit = 128 - 5 * (26 - d); /* lowest bit of this digit, counted from the top */
    unsigned v = 0;
    for (int b = 0; b < 5; b++) {
      int pos = bit + b; /* bit index from the top; negative only for the first digit's pad */
      if (pos < 0) continue;
      int set = bytes[pos / 8] >> (7 - pos % 8) & 1;
      v |= (unsigned)set << (4 - b);
    }
    out[d] = alphabet[v];
  }
  out[26] = 0;
}
