/* cy_vset.h — a set of values under Cypher's equivalence (cy_order), for DISTINCT. */
#ifndef ADB_CY_VSET_H
#define ADB_CY_VSET_H

#include "query/cypher/cy.h"

/* Zeroed is empty; memory comes from the query's arena. */
typedef struct cy_vset {
  cy_val *v;
  uint64_t *h;
  size_t mask, n;
} cy_vset;

/* 1 when v was added, 0 when an equivalent value was already in s. */
int cy_vset_add(cy_ctx *c, cy_vset *s, cy_val v);

#endif
