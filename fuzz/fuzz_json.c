/* fuzz_json.c — libFuzzer target: canonical JSON must be a fixed point. Any text that parses
 * has a canonical form; that form parses, and its canonical form is itself. */
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  char why[200];
  char *once = ut_json_canon((const char *)data, size, 0, why, sizeof why);
  if (!once) return 0;
  char *twice = ut_json_canon(once, strlen(once), 0, why, sizeof why);
  if (!twice || strcmp(once, twice)) abort();
  free(once);
  free(twice);
  return 0;
}
