/* cy_vset.c — a hash set of values under Cypher's equivalence, so DISTINCT is linear. */
#include <string.h>

#include "query/cypher/cy_vset.h"

/* Places v with hash h (odd: a slot is taken when its hash is not 0) in the first free slot. */
static void place(cy_vset *s, cy_val v, uint64_t h) {
  size_t j = h & s->mask;
  while (s->h[j]) j = (j + 1) & s->mask;
  s->v[j] = v;
  s->h[j] = h;
}

int cy_vset_add(cy_ctx *c, cy_vset *s, cy_val v) {
  if (!s->v || (s->n + 1) * 2 > s->mask + 1) {
    size_t cap = s->v ? (s->mask + 1) * 2 : 16;
    cy_vset g = {cy_alloc(c, cap * sizeof *g.v), cy_alloc(c, cap * sizeof *g.h), cap - 1, s->n};
    for (size_t i = 0; s->v && i <= s->mask; i++)
      if (s->h[i]) place(&g, s->v[i], s->h[i]);
    *s = g;
  }
  uint64_t h = cy_hash(c, v) | 1;
  size_t j = h & s->mask;
  for (; s->h[j]; j = (j + 1) & s->mask)
    if (s->h[j] == h && cy_order(c, s->v[j], v) == 0) return 0;
  s->v[j] = v;
  s->h[j] = h;
  s->n++;
  return 1;
}
