/* cy_sig.c — procedure signatures: `name(arg :: TYPE?, ...) :: (out :: TYPE?, ...)` parsed
 * into argument and output lists, and values checked against their declared types. */
#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

typedef struct sigp {
  const char *s, *p;
  char *err;
  size_t errlen;
  int failed;
} sigp;

/* Records the first error, with the position it was found at; returns 0 for `return fail(...)`. */
static int __attribute__((format(printf, 2, 3))) fail(sigp *sp, const char *fmt, ...) {
  if (sp->failed) return 0;
  sp->failed = 1;
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  snprintf(sp->err, sp->errlen, "bad procedure signature at character %d: %s",
           (int)(sp->p - sp->s) + 1, what);
  return 0;
}

/* Moves past white space. */
static void skip_ws(sigp *sp) {
  while (isspace((unsigned char)*sp->p)) sp->p++;
}

/* 1 and moves past tok when it comes next (after white space), else 0. */
static int accept(sigp *sp, const char *tok) {
  skip_ws(sp);
  size_t n = strlen(tok);
  if (strncmp(sp->p, tok, n)) return 0;
  sp->p += n;
  return 1;
}

/* An identifier (letters, digits, '_', not starting with a digit), malloc'd; NULL on error. */
static char *ident(sigp *sp, const char *what) {
  skip_ws(sp);
  const char *from = sp->p;
  if (isalpha((unsigned char)*sp->p) || *sp->p == '_')
    while (isalnum((unsigned char)*sp->p) || *sp->p == '_') sp->p++;
  if (sp->p == from) {
    fail(sp, "expected %s", what);
    return NULL;
  }
  return strndup(from, (size_t)(sp->p - from));
}

/* 1 and moves past kw, a keyword of the type grammar (any case, whole word), when it comes
 * next; else 0. */
static int keyword(sigp *sp, const char *kw) {
  skip_ws(sp);
  size_t n = strlen(kw);
  if (strncasecmp(sp->p, kw, n) || isalnum((unsigned char)sp->p[n]) || sp->p[n] == '_') return 0;
  sp->p += n;
  return 1;
}

static const char *const type_names[] = {"ANY", "BOOLEAN", "INTEGER", "FLOAT", "NUMBER",
                                         "STRING", "MAP", "LIST", "NODE", "RELATIONSHIP", "PATH"};

/* Releases a type and its element types (cy.h). */
void cy_type_free(cy_type *t) {
  while (t) {
    cy_type *e = t->elem;
    free(t);
    t = e;
  }
}

/* type := LIST ['?'] OF type | NAME ['?']; malloc'd, or NULL after recording the error. */
static cy_type *type(sigp *sp) {
  cy_type *t = calloc(1, sizeof *t);
  if (!t) {
    fail(sp, "out of memory");
    return NULL;
  }
  size_t i = 0;
  while (i < sizeof type_names / sizeof *type_names && !keyword(sp, type_names[i])) i++;
  if (i == sizeof type_names / sizeof *type_names) {
    free(t);
    fail(sp, "expected a type (ANY, BOOLEAN, INTEGER, FLOAT, NUMBER, STRING, MAP, LIST OF ..., "
             "NODE, RELATIONSHIP, PATH)");
    return NULL;
  }
  t->k = (cy_tkind)i;
  t->nullable = accept(sp, "?");
  if (t->k == CT_LIST) {
    if (!keyword(sp, "OF")) {
      free(t);
      fail(sp, "expected OF after LIST");
      return NULL;
    }
    if (!(t->elem = type(sp))) {
      free(t);
      return NULL;
    }
  }
  return t;
}

/* Releases n fields and their array. */
static void fields_free(cy_pfield *f, int n) {
  for (int i = 0; i < n; i++) {
    free(f[i].name);
    cy_type_free(f[i].type);
    if (f[i].dflt) json_decref(f[i].dflt);
  }
  free(f);
}

/* A default value: JSON text up to the '::' of the type; NULL on error. */
static json_t *default_value(sigp *sp) {
  skip_ws(sp);
  json_error_t je;
  json_t *j = json_loads(sp->p, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
  if (!j) {
    fail(sp, "a default value must be JSON (null, a number, a string, a list, a map): %s", je.text);
    return NULL;
  }
  sp->p += je.position;
  return j;
}

/* '(' [field {',' field}] ')' into *out; field := name ['=' default] '::' type. Defaults only
 * when with_defaults. Returns the count, or -1 on error. */
static int fields(sigp *sp, cy_pfield **out, int with_defaults, const char *what) {
  *out = NULL;
  if (!accept(sp, "(")) return fail(sp, "expected '(' before the %s", what) - 1;
  int n = 0, cap = 0;
  cy_pfield *f = NULL;
  if (accept(sp, ")")) return 0;
  do {
    if (n == cap) {
      cap = cap ? cap * 2 : 4;
      cy_pfield *nf = realloc(f, (size_t)cap * sizeof *nf);
      if (!nf) goto bad;
      f = nf;
    }
    cy_pfield *x = &f[n];
    memset(x, 0, sizeof *x);
    n++;
    if (!(x->name = ident(sp, "a name")))
      goto bad;
    for (int i = 0; i < n - 1; i++)
      if (!strcmp(f[i].name, x->name)) {
        fail(sp, "'%s' is declared twice", x->name);
        goto bad;
      }
    if (accept(sp, "=")) {
      if (!with_defaults) {
        fail(sp, "outputs have no default values");
        goto bad;
      }
      if (!(x->dflt = default_value(sp))) goto bad;
    } else if (n > 1 && f[n - 2].dflt) {
      fail(sp, "'%s' has no default value but follows an argument that has one", x->name);
      goto bad;
    }
    if (!accept(sp, "::")) {
      fail(sp, "expected '::' and the type of '%s'", x->name);
      goto bad;
    }
    if (!(x->type = type(sp))) goto bad;
  } while (accept(sp, ","));
  if (!accept(sp, ")")) {
    fail(sp, "expected ',' or ')' in the %s", what);
    goto bad;
  }
  *out = f;
  return n;
bad:
  fields_free(f, n);
  return -1;
}

/* sig := name {'.' name} fields ['::' (VOID | fields)] (cy.h). */
int cy_sig_parse(const char *text, cy_sig *sig, char *err, size_t errlen) {
  memset(sig, 0, sizeof *sig);
  sigp sp = {.s = text, .p = text, .err = err, .errlen = errlen};
  skip_ws(&sp);
  const char *from = sp.p;
  for (;;) { /* dotted: namespace.name */
    char *part = ident(&sp, "a procedure name");
    if (!part) return ADB_INVALID;
    free(part);
    if (*sp.p != '.') break;
    sp.p++;
  }
  if (!(sig->name = strndup(from, (size_t)(sp.p - from)))) goto oom;
  if ((sig->nargs = fields(&sp, &sig->args, 1, "arguments")) < 0) goto bad;
  while (sig->nrequired < sig->nargs && !sig->args[sig->nrequired].dflt) sig->nrequired++;
  if (accept(&sp, "::") && !keyword(&sp, "VOID") &&
      (sig->nouts = fields(&sp, &sig->outs, 0, "outputs")) < 0)
    goto bad;
  skip_ws(&sp);
  if (*sp.p) {
    fail(&sp, "unexpected text after the signature");
    goto bad;
  }
  return ADB_OK;
oom:
  fail(&sp, "out of memory");
bad:
  if (sig->nargs < 0) sig->nargs = 0;
  if (sig->nouts < 0) sig->nouts = 0;
  cy_sig_free(sig);
  return ADB_INVALID;
}

/* Releases every part of sig and zeroes it (cy.h). */
void cy_sig_free(cy_sig *sig) {
  free(sig->name);
  fields_free(sig->args, sig->nargs);
  fields_free(sig->outs, sig->nouts);
  memset(sig, 0, sizeof *sig);
}

/* The type's text, truncated to n bytes (cy.h). */
void cy_type_text(const cy_type *t, char *out, size_t n) {
  size_t len = 0;
  out[0] = 0;
  for (; t && len < n; t = t->elem) {
    int w = snprintf(out + len, n - len, "%s%s%s", type_names[t->k], t->nullable ? "?" : "",
                     t->elem ? " OF " : "");
    if (w < 0) return;
    len += (size_t)w;
  }
}

/* 1 with v (coerced) in *out when it fits t, else 0; a list is copied only when an element
 * changes (cy.h). */
int cy_type_coerce(cy_ctx *c, const cy_type *t, cy_val v, cy_val *out) {
  *out = v;
  if (v.k == CV_NULL) return t->nullable;
  switch (t->k) {
  case CT_ANY: return 1;
  case CT_BOOLEAN: return v.k == CV_BOOL;
  case CT_INTEGER: return v.k == CV_INT;
  case CT_FLOAT:
    if (v.k == CV_INT) *out = cy_float((double)v.i);
    return v.k == CV_INT || v.k == CV_FLOAT;
  case CT_NUMBER: return v.k == CV_INT || v.k == CV_FLOAT;
  case CT_STRING: return v.k == CV_STR;
  case CT_MAP: return v.k == CV_MAP;
  case CT_NODE: return v.k == CV_NODE;
  case CT_RELATIONSHIP: return v.k == CV_REL;
  case CT_PATH: return v.k == CV_PATH;
  case CT_LIST: {
    if (v.k != CV_LIST) return 0;
    cy_list *l = NULL;
    for (int i = 0; i < v.l->n; i++) {
      cy_val x;
      if (!cy_type_coerce(c, t->elem, v.l->v[i], &x)) return 0;
      /* changed: an integer became a float, or a nested list was copied */
      if (x.k == v.l->v[i].k && (x.k != CV_LIST || x.l == v.l->v[i].l)) continue;
      if (!l) { /* copied only when an element changes */
        l = cy_list_new(c, v.l->n);
        memcpy(l->v, v.l->v, (size_t)v.l->n * sizeof *l->v);
      }
      l->v[i] = x;
    }
    if (l) *out = (cy_val){.k = CV_LIST, .l = l};
    return 1;
  }
  }
  return 0;
}
