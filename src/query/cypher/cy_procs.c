/* cy_procs.c — the procedures of a handle: built-ins and those registered through the C API,
 * looked up by CALL, their arguments checked against the signature, callbacks run. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"
#include "util/json.h"

struct cy_procs {
  cy_proc **p; /* each allocated alone, so a pointer stays valid while more are added */
  int n, cap;
};

struct adb_procedure_rows {
  cy_ctx *c;
  const cy_proc *pr;
  cy_table *out;
  int bad;          /* an emitted row was refused: the query fails */
  char err[300];    /* why it was refused */
  char msg[300];    /* adb_procedure_error's message */
};

/* Releases a procedure, calling its destroy callback. */
static void proc_free(cy_proc *p) {
  if (p->destroy) p->destroy(p->ctx);
  cy_sig_free(&p->sig);
  free(p);
}

/* Releases the registry and every procedure in it: the handle's slot destructor. */
static void procs_free(void *p) {
  struct cy_procs *r = p;
  for (int i = 0; i < r->n; i++) proc_free(r->p[i]);
  free(r->p);
  free(r);
}

/* Adds p to the registry; returns ADB_OK or ADB_NOMEM (p is then not added). */
static int add(struct cy_procs *r, cy_proc *p) {
  if (r->n == r->cap) {
    int cap = r->cap ? r->cap * 2 : 8;
    cy_proc **np = realloc(r->p, (size_t)cap * sizeof *np);
    if (!np) return ADB_NOMEM;
    r->p = np;
    r->cap = cap;
  }
  r->p[r->n++] = p;
  return ADB_OK;
}

/* The handle's registry, created with the built-ins on first use; NULL when out of memory
 * (a built-in signature that does not parse is a bug caught by the tests, also NULL). */
static struct cy_procs *registry(adb *db) {
  struct cy_procs *r = adb__slot_peek(db, ADB_SLOT_CYPHER);
  if (r) return r;
  if (!(r = adb__slot(db, ADB_SLOT_CYPHER, sizeof *r, procs_free))) return NULL;
  for (int i = 0; i < cy_nbuiltins; i++) {
    cy_proc *p = calloc(1, sizeof *p);
    char err[200];
    if (!p || cy_sig_parse(cy_builtins[i].signature, &p->sig, err, sizeof err) || add(r, p)) {
      if (p) proc_free(p);
      adb__slot_drop(db, ADB_SLOT_CYPHER);
      return NULL;
    }
    p->run = cy_builtins[i].run;
  }
  return r;
}

/* The procedure called name, or NULL. */
static cy_proc *lookup(struct cy_procs *r, const char *name) {
  for (int i = 0; i < r->n; i++)
    if (!strcmp(r->p[i]->sig.name, name)) return r->p[i];
  return NULL;
}

/* The procedure called name, or NULL; fails the query when out of memory (cy.h). */
const cy_proc *cy_proc_find(cy_ctx *c, const char *name) {
  struct cy_procs *r = registry(c->db);
  if (!r) cy_fail(c, "MemoryError", "compile time", "", "out of memory");
  return lookup(r, name);
}

/* Whether t is or holds a kind a callback cannot emit as JSON. */
static int holds_element(const cy_type *t) {
  for (; t; t = t->elem)
    if (t->k == CT_NODE || t->k == CT_RELATIONSHIP || t->k == CT_PATH) return 1;
  return 0;
}

/* Registers a procedure; ADB_MISUSE, ADB_NOMEM, ADB_INVALID or ADB_CONFLICT with a message,
 * after calling destroy (arenadb.h). */
int adb_procedure_create(adb *db, const char *signature, adb_procedure_fn fn, void *ctx,
                         void (*destroy)(void *ctx)) {
  int rc;
  cy_proc *p = NULL;
  struct cy_procs *r;
  if (!db || !signature || !fn) {
    rc = db ? adb__err(db, ADB_MISUSE, "adb_procedure_create needs a signature and a callback")
            : ADB_MISUSE;
    goto fail;
  }
  if (!(r = registry(db)) || !(p = calloc(1, sizeof *p))) {
    rc = adb__err(db, ADB_NOMEM, "out of memory");
    goto fail;
  }
  char err[300];
  if (cy_sig_parse(signature, &p->sig, err, sizeof err)) {
    rc = adb__err(db, ADB_INVALID, "%s", err);
    goto fail;
  }
  for (int i = 0; i < p->sig.nouts; i++)
    if (holds_element(p->sig.outs[i].type)) {
      rc = adb__err(db, ADB_INVALID,
                    "%s: output '%s' cannot be a node, relationship or path: a procedure "
                    "callback emits JSON values", p->sig.name, p->sig.outs[i].name);
      goto fail;
    }
  if (lookup(r, p->sig.name)) {
    rc = adb__err(db, ADB_CONFLICT, "a procedure named %s exists already", p->sig.name);
    goto fail;
  }
  if (add(r, p)) {
    rc = adb__err(db, ADB_NOMEM, "out of memory");
    goto fail;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->destroy = destroy;
  return ADB_OK;
fail:
  if (p) proc_free(p);
  if (destroy) destroy(ctx);
  return rc;
}

/* Fails the query: v, the value given for field f of pr, is not of f's type. */
static void __attribute__((noreturn)) wrong_type(cy_ctx *c, const cy_proc *pr, const char *what,
                                                 const cy_pfield *f, cy_val v) {
  char t[120];
  cy_type_text(f->type, t, sizeof t);
  cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", "%s: %s '%s' must be %s, not %s",
          pr->sig.name, what, f->name, t, cy_kind_name(v.k));
}

/* Refuses an emitted row: records why and marks the call failed; returns ADB_INVALID. */
static int __attribute__((format(printf, 2, 3))) refuse(adb_procedure_rows *rows,
                                                         const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rows->err, sizeof rows->err, fmt, ap);
  va_end(ap);
  rows->bad = 1;
  return ADB_INVALID;
}

/* Adds a row of outputs to the call's result; ADB_INVALID (and the call fails) for a row that
 * does not fit the outputs, ADB_MISUSE for NULL (arenadb.h). */
int adb_procedure_emit(adb_procedure_rows *rows, const char *row) {
  if (!rows || !row) return ADB_MISUSE;
  if (rows->bad) return ADB_INVALID;
  const cy_sig *s = &rows->pr->sig;
  json_t *j;
  char why[200];
  if (ut_json_parse(row, strlen(row), &j, why, sizeof why))
    return refuse(rows, "an emitted row is not JSON: %s", why);
  if (!json_is_object(j)) {
    json_decref(j);
    return refuse(rows, "an emitted row must be a JSON object of outputs by name");
  }
  const char *key;
  json_t *jv;
  json_object_foreach(j, key, jv) {
    int i = 0;
    while (i < s->nouts && strcmp(s->outs[i].name, key)) i++;
    if (i == s->nouts) {
      int rc = refuse(rows, "an emitted row has '%s', which is not an output", key);
      json_decref(j);
      return rc;
    }
  }
  cy_ctx *c = rows->c;
  cy_val *out = cy_alloc(c, (size_t)(s->nouts ? s->nouts : 1) * sizeof *out);
  for (int i = 0; i < s->nouts; i++) {
    jv = json_object_get(j, s->outs[i].name);
    cy_val v = jv ? cy_from_json(c, jv) : cy_null;
    if (!cy_type_coerce(c, s->outs[i].type, v, &out[i])) {
      char t[120];
      cy_type_text(s->outs[i].type, t, sizeof t);
      json_decref(j);
      return refuse(rows, "output '%s' of an emitted row must be %s, not %s", s->outs[i].name, t,
                    cy_kind_name(v.k));
    }
  }
  json_decref(j);
  cy_table_add(c, rows->out, out);
  return ADB_OK;
}

/* Keeps the message of the callback's failure (arenadb.h). */
void adb_procedure_error(adb_procedure_rows *rows, const char *message) {
  if (rows && message) snprintf(rows->msg, sizeof rows->msg, "%s", message);
}

/* Calls a registered procedure's callback with the arguments as a JSON object; fails the query
 * (ProcedureError) when the callback fails or emitted a row that does not fit. */
static void run_callback(cy_ctx *c, const cy_proc *pr, const cy_val *args, cy_table *out) {
  ut_buf *b = cy_buf_hold(c);
  ut_buf_put_u8(b, '{');
  for (int i = 0; i < pr->sig.nargs; i++) {
    if (i) ut_buf_put_u8(b, ',');
    ut_json_put_string(b, pr->sig.args[i].name, strlen(pr->sig.args[i].name));
    ut_buf_put_u8(b, ':');
    cy_format_json(c, b, args[i]);
  }
  ut_buf_put_u8(b, '}');
  const char *text = cy_buf_take(c, b);
  adb_procedure_rows rows = {.c = c, .pr = pr, .out = out};
  int rc = pr->fn(pr->ctx, text, &rows);
  if (rows.bad)
    cy_fail(c, "ProcedureError", "runtime", "ProcedureCallFailed", "%s: %s", pr->sig.name,
            rows.err);
  if (rc != ADB_OK)
    cy_fail(c, "ProcedureError", "runtime", "ProcedureCallFailed", "%s failed: %s", pr->sig.name,
            rows.msg[0] ? rows.msg : adb_strerror(rc));
}

/* Checks and completes the arguments, then runs the built-in or the callback; fails the query
 * on an argument of the wrong type (cy.h). */
void cy_proc_call(cy_ctx *c, const cy_proc *pr, cy_val *args, int nargs, cy_table *out) {
  const cy_sig *s = &pr->sig;
  cy_val *full = cy_alloc(c, (size_t)(s->nargs ? s->nargs : 1) * sizeof *full);
  for (int i = 0; i < s->nargs; i++) {
    cy_val v = i < nargs ? args[i] : cy_from_json(c, s->args[i].dflt);
    if (!cy_type_coerce(c, s->args[i].type, v, &full[i]))
      wrong_type(c, pr, "argument", &s->args[i], v);
  }
  if (pr->run) pr->run(c, full, out);
  else run_callback(c, pr, full, out);
}

/* Checks a table row against a signature; ADB_NOTFOUND, ADB_INVALID or ADB_NOMEM with a
 * message otherwise (arenadb.h). */
int adb_procedure_check_row(adb *db, const char *name, const char *row) {
  if (!db || !name || !row) return ADB_MISUSE;
  struct cy_procs *r = registry(db);
  if (!r) return adb__err(db, ADB_NOMEM, "out of memory");
  const cy_proc *pr = lookup(r, name);
  if (!pr) return adb__err(db, ADB_NOTFOUND, "there is no procedure '%s'", name);
  const cy_sig *s = &pr->sig;
  json_t *j;
  char why[200];
  if (ut_json_parse(row, strlen(row), &j, why, sizeof why))
    return adb__err(db, ADB_INVALID, "a row of %s is not JSON: %s", name, why);
  cy_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    json_decref(j);
    return adb__err(db, ADB_NOMEM, "out of memory");
  }
  c->db = db;
  volatile int rc = ADB_OK;
  if (setjmp(c->jb)) {
    rc = adb__err(db, ADB_NOMEM, "out of memory");
    goto done;
  }
  if (!json_is_object(j)) {
    rc = adb__err(db, ADB_INVALID, "a row of %s must be a JSON object of columns by name", name);
    goto done;
  }
  const char *key;
  json_t *jv;
  json_object_foreach(j, key, jv) {
    int known = 0;
    for (int i = 0; i < s->nargs && !known; i++) known = !strcmp(s->args[i].name, key);
    for (int i = 0; i < s->nouts && !known; i++) known = !strcmp(s->outs[i].name, key);
    if (!known) {
      rc = adb__err(db, ADB_INVALID, "a row of %s has column '%s', which is neither an argument "
                    "nor an output", name, key);
      goto done;
    }
  }
  for (int i = 0; i < s->nargs + s->nouts && !rc; i++) {
    const cy_pfield *f = i < s->nargs ? &s->args[i] : &s->outs[i - s->nargs];
    jv = json_object_get(j, f->name);
    cy_val v = jv ? cy_from_json(c, jv) : cy_null, ok;
    char t[120];
    cy_type_text(f->type, t, sizeof t);
    if (!jv)
      rc = adb__err(db, ADB_INVALID, "a row of %s has no column '%s'", name, f->name);
    else if (!cy_type_coerce(c, f->type, v, &ok))
      rc = adb__err(db, ADB_INVALID, "column '%s' of a row of %s must be %s, not %s", f->name,
                    name, t, cy_kind_name(v.k));
  }
done:
  json_decref(j);
  cy_arena_free(&c->arena);
  free(c);
  return rc;
}
