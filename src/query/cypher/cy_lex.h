/* cy_lex.h — Cypher's tokens, which cy_lex.c makes of a query's text for cy_parse.c. */
#ifndef ADB_CY_LEX_H
#define ADB_CY_LEX_H
#include <stddef.h>
#include <stdint.h>

#include "query/cypher/cy.h"

/* T_BADNUM is a number run into letters ("9223372h5"): an error only where an expression is
 * expected (InvalidNumberLiteral), so that elsewhere, such as a map key, it is a syntax error. */
enum { T_EOF, T_IDENT, T_QIDENT, T_INT, T_FLOAT, T_STR, T_PARAM, T_OP, T_BADNUM };

typedef struct cy_tok {
  int t;
  int pos, end;
  const char *s; /* identifier, string, parameter name, operator text */
  int64_t i;
  double f;
} cy_tok;

/* Splits the query text s (len bytes) into tokens, the last one T_EOF, in *out (in the query's
 * arena); returns how many. A malformed literal or character fails the query (cy_compile_err). */
int cy_tokenize(cy_ctx *c, const char *s, size_t len, cy_tok **out);

#endif
