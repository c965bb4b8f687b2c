/* slot.c — the handle's opaque slots: state of the parts above it, freed by their owners. */
#include <stdlib.h>

#include "adb_int.h"

void *adb__slot(adb *db, int id, size_t size, void (*xfree)(void *p)) {
  adb_slot *s = &db->slots[id];
  if (!s->p) {
    if (!(s->p = calloc(1, size))) {
      adb__err(db, ADB_NOMEM, "out of memory");
      return NULL;
    }
    s->xfree = xfree;
  }
  return s->p;
}

void *adb__slot_peek(adb *db, int id) { return db->slots[id].p; }

void adb__slot_drop(adb *db, int id) {
  adb_slot *s = &db->slots[id];
  if (s->p) s->xfree(s->p);
  s->p = NULL;
}
