/* cy_check.c — compile-time checks: variables in scope, functions and their arguments. */
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

void cy_check(cy_ctx *c, cy_query *q) {
  (void)c;
  (void)q;
}
