/* clock.c — the handle's wall clock and the time limit of the running statement. */
#include <time.h>

#include "adb_int.h"

int64_t adb__now_ms(adb *db) {
  if (db->clock_ms) return db->clock_ms(db->clock_ctx);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double adb__mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

static int64_t monotonic_ms(void) { return (int64_t)adb__mono_ms(); }

int adb__deadline_start(adb *db) {
  if (!db->time_limit_ms || db->deadline) return 0;
  db->deadline = monotonic_ms() + db->time_limit_ms;
  return 1;
}

void adb__deadline_end(adb *db, int started) {
  if (started) db->deadline = 0;
}

int adb__past_deadline(adb *db) { return db->deadline && monotonic_ms() > db->deadline; }
