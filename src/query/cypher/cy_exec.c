/* cy_exec.c — running a query: each clause turns a table of rows into the next one. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"
#include "query/cypher/cy_plan.h"
#include "query/cypher/cy_vset.h"

static cy_table *table_new(cy_ctx *c, int ncols) {
  cy_table *t = cy_alloc(c, sizeof *t);
  t->ncols = ncols;
  t->cols = cy_alloc(c, (size_t)(ncols + 1) * sizeof *t->cols);
  return t;
}

static cy_val *row_new(cy_ctx *c, int n) {
  return cy_alloc(c, (size_t)(n ? n : 1) * sizeof(cy_val));
}

/* A table with in's columns plus names (those not already there). */
static cy_table *table_extend(cy_ctx *c, const cy_table *in, const char *const *names, int n) {
  cy_table *t = table_new(c, in->ncols + n);
  memcpy(t->cols, in->cols, (size_t)in->ncols * sizeof *t->cols);
  t->ncols = in->ncols;
  for (int i = 0; i < n; i++)
    if (cy_table_col(t, names[i]) < 0) t->cols[t->ncols++] = names[i];
  return t;
}

static cy_val *row_extend(cy_ctx *c, const cy_table *in, const cy_val *row, const cy_table *out) {
  cy_val *r = row_new(c, out->ncols);
  memcpy(r, row, (size_t)in->ncols * sizeof *r);
  return r;
}

/* ---- MATCH ---- */

/* MATCH for every input row; stops once it has made max_rows rows (-1: no bound); ends_only:
 * see cy_match. */
static cy_table *do_match(cy_ctx *c, const cy_clause *cl, cy_table *in, int64_t max_rows,
                          int ends_only) {
  const char **vars;
  int nv = cy_pattern_vars(c, cl->pats, cl->npats, &vars);
  cy_table *out = table_extend(c, in, vars, nv);
  for (int r = 0; r < in->nrows && (max_rows < 0 || out->nrows < max_rows); r++) {
    int before = out->nrows;
    cy_match(c, out, in, in->rows[r], cl->pats, cl->npats, cl->where, max_rows, ends_only);
    if (cl->optional && out->nrows == before)
      cy_table_add(c, out, row_extend(c, in, in->rows[r], out));
  }
  return out;
}

/* ---- UNWIND and LOAD CSV ---- */

/* Each row of in goes on once per value of the list values(c, cl, v) gives, v being cl's
 * expression on that row, with cl's variable bound to the value. */
static cy_table *fan_out(cy_ctx *c, const cy_clause *cl, cy_table *in,
                         cy_list *(*values)(cy_ctx *c, const cy_clause *cl, cy_val v)) {
  cy_table *out = table_extend(c, in, &cl->var, 1);
  int col = cy_table_col(out, cl->var);
  for (int r = 0; r < in->nrows; r++) {
    cy_env env = {.t = in, .row = in->rows[r]};
    cy_list *l = values(c, cl, cy_eval(c, &env, cl->expr));
    for (int i = 0; i < l->n; i++) {
      cy_val *row = row_extend(c, in, in->rows[r], out);
      row[col] = l->v[i];
      cy_table_add(c, out, row);
    }
  }
  return out;
}

/* UNWIND: a list's values, a null's none, any other value itself. */
static cy_list *unwound(cy_ctx *c, const cy_clause *cl, cy_val v) {
  (void)cl;
  if (v.k == CV_LIST) return v.l;
  cy_list *l = cy_list_new(c, v.k != CV_NULL);
  if (l->n) l->v[0] = v;
  return l;
}

/* ---- CALL ---- */

/* Runs the procedure once per input row, with that row's arguments; each result row extends
 * the input row with the yielded outputs, kept when the WHERE after YIELD holds. A procedure
 * without outputs passes each input row through once, or, when it is the whole query, returns
 * no rows. */
static cy_table *do_call(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  const cy_proc *pr = cy_proc_find(c, cl->proc);
  int nouts = pr->sig.nouts;
  cy_table *out = table_extend(c, in, cl->yield_vars, cl->nyields);
  int *from = cy_alloc(c, (size_t)(cl->nyields ? cl->nyields : 1) * sizeof *from);
  for (int i = 0; i < cl->nyields; i++)
    while (strcmp(pr->sig.outs[from[i]].name, cl->yields[i])) from[i]++;
  cy_val *args = cy_alloc(c, (size_t)(cl->nexprs ? cl->nexprs : 1) * sizeof *args);
  for (int r = 0; r < in->nrows; r++) {
    cy_env env = {.t = in, .row = in->rows[r]};
    for (int i = 0; i < cl->nexprs; i++) args[i] = cy_eval(c, &env, cl->exprs[i]);
    cy_table *res = table_new(c, nouts);
    cy_proc_call(c, pr, args, cl->nexprs, res);
    if (!nouts) {
      if (!cl->standalone) cy_table_add(c, out, row_extend(c, in, in->rows[r], out));
      continue;
    }
    for (int h = 0; h < res->nrows; h++) {
      cy_val *row = row_extend(c, in, in->rows[r], out);
      for (int i = 0; i < cl->nyields; i++)
        row[cy_table_col(out, cl->yield_vars[i])] = res->rows[h][from[i]];
      cy_env renv = {.t = out, .row = row};
      if (cl->where && cy_truth(c, cy_eval(c, &renv, cl->where)) != 1) continue;
      cy_table_add(c, out, row);
    }
  }
  return out;
}

/* ---- Projection: WITH and RETURN ---- */

typedef struct agg_state {
  int64_t count;
  int isfloat, any;
  int64_t isum;
  double fsum, mean, m2;
  cy_val best;
  cy_val *vals;
  int nvals, capvals;
  cy_vset seen; /* DISTINCT */
} agg_state;

typedef struct group {
  cy_val *key;
  cy_val *first; /* an input row of the group */
  agg_state *st;
  uint64_t hash;
  struct group *next;
} group;

typedef struct aggs {
  cy_expr **e;
  int n, cap;
} aggs;

static int is_agg(const cy_expr *e) {
  return e->op == E_COUNT_STAR || (e->op == E_FUNC && cy_func_kind(e->name) == 2);
}

/* Collects the aggregate calls of e, numbering them; nested aggregates are an error. */
static void find_aggs(cy_ctx *c, cy_expr *e, aggs *a, int inside) {
  if (!e) return;
  if (is_agg(e)) {
    if (inside) cy_compile_err(c, "NestedAggregation", "an aggregate cannot contain an aggregate");
    if (a->n == a->cap) {
      int cap = a->cap ? a->cap * 2 : 8;
      cy_expr **n = cy_alloc(c, (size_t)cap * sizeof *n);
      if (a->n) memcpy(n, a->e, (size_t)a->n * sizeof *n);
      a->e = n;
      a->cap = cap;
    }
    a->e[a->n++] = e;
    e->agg = a->n;
    if (e->op == E_FUNC) e->aggfn = cy_func_agg(e->name);
    for (int i = 0; i < e->n; i++) find_aggs(c, e->args[i], a, 1);
    return;
  }
  find_aggs(c, e->a, a, inside);
  find_aggs(c, e->b, a, inside);
  find_aggs(c, e->c, a, inside);
  find_aggs(c, e->d, a, inside);
  for (int i = 0; i < e->n; i++)
    if (e->args) find_aggs(c, e->args[i], a, inside);
}

static int has_agg(const cy_expr *e) {
  if (!e) return 0;
  if (is_agg(e)) return 1;
  if (has_agg(e->a) || has_agg(e->b) || has_agg(e->c) || has_agg(e->d)) return 1;
  for (int i = 0; e->args && i < e->n; i++)
    if (has_agg(e->args[i])) return 1;
  return 0;
}

static void vals_push(cy_ctx *c, agg_state *s, cy_val v) {
  if (s->nvals == s->capvals) {
    int cap = s->capvals ? s->capvals * 2 : 8;
    cy_val *n = cy_alloc(c, (size_t)cap * sizeof *n);
    if (s->nvals) memcpy(n, s->vals, (size_t)s->nvals * sizeof *n);
    s->vals = n;
    s->capvals = cap;
  }
  s->vals[s->nvals++] = v;
}

static void agg_step(cy_ctx *c, const cy_expr *e, agg_state *s, const cy_env *env) {
  if (e->op == E_COUNT_STAR) {
    s->count++;
    return;
  }
  cy_val v = cy_eval(c, env, e->args[0]);
  if (v.k == CV_NULL) return;
  if (e->distinct && !cy_vset_add(c, &s->seen, v)) return;
  const char *f = e->name;
  cy_aggfn fn = e->aggfn;
  int percentile = fn == CY_AGG_PERCENTILE_CONT || fn == CY_AGG_PERCENTILE_DISC;
  if (e->distinct || fn == CY_AGG_COLLECT || percentile) vals_push(c, s, v);
  if (percentile && v.k != CV_INT && v.k != CV_FLOAT) cy_type_err(c, "%s() needs numbers", f);
  s->count++;
  switch (fn) {
  case CY_AGG_SUM:
  case CY_AGG_AVG:
  case CY_AGG_STDEV:
  case CY_AGG_STDEVP: {
    if (v.k != CV_INT && v.k != CV_FLOAT)
      cy_type_err(c, "%s() cannot add a %s", f, cy_kind_name(v.k));
    double x = v.k == CV_INT ? (double)v.i : v.f;
    if (v.k == CV_FLOAT) s->isfloat = 1;
    else if (__builtin_add_overflow(s->isum, v.i, &s->isum))
      cy_fail(c, "ArithmeticError", "runtime", "IntegerOverflow", "sum() overflows");
    s->fsum += x;
    double d = x - s->mean;
    s->mean += d / (double)s->count;
    s->m2 += d * (x - s->mean);
    break;
  }
  case CY_AGG_MIN:
  case CY_AGG_MAX: {
    int better;
    if (!s->any) better = 1;
    else {
      int r;
      if (cy_compare(c, v, s->best, &r)) better = fn == CY_AGG_MIN ? r < 0 : r > 0;
      else {
        int o = cy_order(c, v, s->best);
        better = fn == CY_AGG_MIN ? o < 0 : o > 0;
      }
    }
    if (better) s->best = v;
    s->any = 1;
    break;
  }
  default: break;
  }
}

static int cmp_num(const void *a, const void *b) {
  double x =
      ((const cy_val *)a)->k == CV_INT ? (double)((const cy_val *)a)->i : ((const cy_val *)a)->f;
  double y =
      ((const cy_val *)b)->k == CV_INT ? (double)((const cy_val *)b)->i : ((const cy_val *)b)->f;
  return (x > y) - (x < y);
}

static cy_val agg_result(cy_ctx *c, const cy_expr *e, agg_state *s, const cy_env *env) {
  if (e->op == E_COUNT_STAR) return cy_int(s->count);
  const char *f = e->name;
  switch (e->aggfn) {
  case CY_AGG_COUNT: return cy_int(s->count);
  case CY_AGG_COLLECT: {
    cy_list *l = cy_list_new(c, s->nvals);
    if (s->nvals) memcpy(l->v, s->vals, (size_t)s->nvals * sizeof(cy_val));
    return (cy_val){.k = CV_LIST, .l = l};
  }
  case CY_AGG_SUM: return s->isfloat ? cy_float(s->fsum) : cy_int(s->isum);
  default: break;
  }
  if (!s->count) return cy_null;
  switch (e->aggfn) {
  case CY_AGG_AVG: return cy_float(s->fsum / (double)s->count);
  case CY_AGG_MIN:
  case CY_AGG_MAX: return s->best;
  case CY_AGG_STDEV: return cy_float(s->count > 1 ? sqrt(s->m2 / (double)(s->count - 1)) : 0.0);
  case CY_AGG_STDEVP: return cy_float(sqrt(s->m2 / (double)s->count));
  default: break; /* percentileCont / percentileDisc */
  }
  cy_val pv = cy_eval(c, env, e->args[1]);
  if (pv.k != CV_INT && pv.k != CV_FLOAT) cy_type_err(c, "%s() needs a numeric percentile", f);
  double p = pv.k == CV_INT ? (double)pv.i : pv.f;
  if (p < 0 || p > 1)
    cy_fail(c, CY_ARG, "runtime", "NumberOutOfRange", "the percentile must be between 0.0 and 1.0");
  qsort(s->vals, (size_t)s->nvals, sizeof(cy_val), cmp_num);
  int n = s->nvals;
  if (e->aggfn == CY_AGG_PERCENTILE_DISC) {
    int idx = p == 0 ? 0 : (int)ceil(p * n) - 1;
    if (idx < 0) idx = 0;
    if (idx >= n) idx = n - 1;
    return s->vals[idx];
  }
  double pos = p * (n - 1);
  int lo = (int)floor(pos), hi = (int)ceil(pos);
  double a = s->vals[lo].k == CV_INT ? (double)s->vals[lo].i : s->vals[lo].f;
  double b = s->vals[hi].k == CV_INT ? (double)s->vals[hi].i : s->vals[hi].f;
  return cy_float(a + (b - a) * (pos - lo));
}

typedef struct sortrow {
  cy_val *row;
  cy_val *keys;
  int idx;
} sortrow;

typedef struct sortctx {
  cy_ctx *c;
  const cy_proj *p;
} sortctx;

static sortctx *g_sort; /* qsort has no context argument in C11 */

static int sort_cmp(const void *a, const void *b) {
  const sortrow *x = a, *y = b;
  for (int i = 0; i < g_sort->p->norder; i++) {
    int r = cy_order(g_sort->c, x->keys[i], y->keys[i]);
    if (r) return g_sort->p->order[i].desc ? -r : r;
  }
  return (x->idx > y->idx) - (x->idx < y->idx);
}

static int64_t count_arg(cy_ctx *c, const cy_expr *e, const char *what) {
  cy_env env = {0};
  cy_val v = cy_eval(c, &env, e);
  if (v.k == CV_FLOAT && e->op == E_PARAM && v.f == floor(v.f)) v = cy_int((int64_t)v.f);
  if (v.k != CV_INT)
    cy_fail(c, CY_SYNTAX, e->op == E_PARAM ? "runtime" : "compile time", "InvalidArgumentType",
            "%s must be an integer", what);
  if (v.i < 0)
    cy_fail(c, CY_SYNTAX, e->op == E_PARAM ? "runtime" : "compile time",
            "NegativeIntegerArgument", "%s must not be negative", what);
  return v.i;
}

static int str_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static cy_table *do_project(cy_ctx *c, const cy_proj *p, cy_table *in) {
  /* The items, with '*' expanded to the visible variables in name order. */
  int nstar = p->star ? in->ncols : 0;
  int nitems = nstar + p->nitems;
  cy_item *items = cy_alloc(c, (size_t)(nitems ? nitems : 1) * sizeof *items);
  if (nstar) {
    const char **names = cy_alloc(c, (size_t)nstar * sizeof *names);
    memcpy(names, in->cols, (size_t)nstar * sizeof *names);
    qsort(names, (size_t)nstar, sizeof *names, str_cmp);
    for (int i = 0; i < nstar; i++) {
      cy_expr *v = cy_alloc(c, sizeof *v);
      v->op = E_VAR;
      v->name = names[i];
      items[i].e = v;
      items[i].alias = names[i];
    }
  }
  memcpy(items + nstar, p->items, (size_t)p->nitems * sizeof *items);
  cy_table *out = table_new(c, nitems);
  for (int i = 0; i < nitems; i++) out->cols[i] = items[i].alias;

  aggs ag = {0};
  for (int i = 0; i < nitems; i++) find_aggs(c, items[i].e, &ag, 0);
  int grouped = ag.n > 0;
  for (int i = 0; i < p->norder; i++) find_aggs(c, p->order[i].e, &ag, 0);
  if (!grouped && ag.n)
    cy_compile_err(c, "InvalidAggregation", "ORDER BY uses an aggregate the projection does not");

  cy_val **src = cy_alloc(c, (size_t)(in->nrows + 1) * sizeof *src); /* input row per output row */
  cy_val **aggv = NULL;
  if (!grouped) {
    for (int r = 0; r < in->nrows; r++) {
      cy_env env = {.t = in, .row = in->rows[r]};
      cy_val *row = row_new(c, nitems);
      for (int i = 0; i < nitems; i++) row[i] = cy_eval(c, &env, items[i].e);
      src[out->nrows] = in->rows[r];
      cy_table_add(c, out, row);
    }
  } else {
    int nkeys = 0;
    int *keyi = cy_alloc(c, (size_t)(nitems + 1) * sizeof *keyi);
    for (int i = 0; i < nitems; i++)
      if (!has_agg(items[i].e)) keyi[nkeys++] = i;
    size_t nb = 1024;
    group **buckets = cy_alloc(c, nb * sizeof *buckets);
    group *head = NULL, **tail = &head;
    int ngroups = 0;
    for (int r = 0; r < in->nrows; r++) {
      cy_env env = {.t = in, .row = in->rows[r]};
      cy_val *key = row_new(c, nkeys);
      uint64_t h = 0;
      for (int k = 0; k < nkeys; k++) {
        key[k] = cy_eval(c, &env, items[keyi[k]].e);
        h = h * 1000003u ^ cy_hash(c, key[k]);
      }
      group *g = buckets[h & (nb - 1)];
      for (; g; g = g->next) {
        if (g->hash != h) continue;
        int same = 1;
        for (int k = 0; k < nkeys && same; k++) same = cy_order(c, g->key[k], key[k]) == 0;
        if (same) break;
      }
      if (!g) {
        g = cy_alloc(c, sizeof *g);
        g->key = key;
        g->first = in->rows[r];
        g->hash = h;
        g->st = cy_alloc(c, (size_t)ag.n * sizeof *g->st);
        g->next = buckets[h & (nb - 1)];
        buckets[h & (nb - 1)] = g;
        /* Keep groups in first-seen order through a separate list. */
        group *o = cy_alloc(c, sizeof *o);
        *o = *g;
        o->next = NULL;
        o->st = g->st;
        *tail = o;
        tail = &o->next;
        ngroups++;
      }
      for (int a = 0; a < ag.n; a++) agg_step(c, ag.e[a], &g->st[a], &env);
    }
    if (!ngroups && !nkeys) {
      group *g = cy_alloc(c, sizeof *g);
      g->st = cy_alloc(c, (size_t)ag.n * sizeof *g->st);
      g->first = row_new(c, in->ncols);
      head = g;
    }
    aggv = cy_alloc(c, (size_t)(ngroups + 1) * sizeof *aggv);
    for (group *g = head; g; g = g->next) {
      cy_env env = {.t = in, .row = g->first};
      cy_val *av = row_new(c, ag.n);
      for (int a = 0; a < ag.n; a++) av[a] = agg_result(c, ag.e[a], &g->st[a], &env);
      env.aggs = av;
      cy_val *row = row_new(c, nitems);
      for (int i = 0; i < nitems; i++) row[i] = cy_eval(c, &env, items[i].e);
      aggv[out->nrows] = av;
      src[out->nrows] = g->first;
      cy_table_add(c, out, row);
    }
  }

  if (p->distinct) {
    int k = 0;
    for (int r = 0; r < out->nrows; r++) {
      int dup = 0;
      for (int q = 0; q < k && !dup; q++) {
        int same = 1;
        for (int i = 0; i < nitems && same; i++)
          same = cy_order(c, out->rows[q][i], out->rows[r][i]) == 0;
        dup = same;
      }
      if (!dup) {
        src[k] = src[r];
        if (aggv) aggv[k] = aggv[r];
        out->rows[k++] = out->rows[r];
      }
    }
    out->nrows = k;
  }

  if (p->norder) {
    sortrow *sr = cy_alloc(c, (size_t)(out->nrows + 1) * sizeof *sr);
    for (int r = 0; r < out->nrows; r++) {
      cy_env inner = {.t = in, .row = src[r], .aggs = aggv ? aggv[r] : NULL};
      cy_env env = {.t = out, .row = out->rows[r], .up = &inner, .aggs = aggv ? aggv[r] : NULL};
      sr[r].row = out->rows[r];
      sr[r].idx = r;
      sr[r].keys = row_new(c, p->norder);
      for (int i = 0; i < p->norder; i++) sr[r].keys[i] = cy_eval(c, &env, p->order[i].e);
    }
    sortctx sc = {c, p};
    g_sort = &sc;
    qsort(sr, (size_t)out->nrows, sizeof *sr, sort_cmp);
    g_sort = NULL;
    for (int r = 0; r < out->nrows; r++) {
      out->rows[r] = sr[r].row;
      sr[r].keys = (cy_val *)src[sr[r].idx];
    }
    for (int r = 0; r < out->nrows; r++) src[r] = sr[r].keys;
  }

  int64_t skip = p->skip ? count_arg(c, p->skip, "SKIP") : 0;
  int64_t limit = p->limit ? count_arg(c, p->limit, "LIMIT") : INT64_MAX;
  int k = 0;
  for (int r = 0; r < out->nrows; r++) {
    if (r < skip || r - skip >= limit) continue;
    if (p->where) {
      cy_env inner = {.t = in, .row = src[r]};
      cy_env env = {.t = out, .row = out->rows[r], .up = grouped ? NULL : &inner};
      if (cy_truth(c, cy_eval(c, &env, p->where)) != 1) continue;
    }
    out->rows[k++] = out->rows[r];
  }
  out->nrows = k;
  return out;
}

/* ---- CREATE and MERGE ---- */

static cy_map *eval_props(cy_ctx *c, const cy_env *env, const cy_expr *e) {
  if (!e) return cy_map_new(c, 0);
  cy_val v = cy_eval(c, env, e);
  if (v.k == CV_NULL) return cy_map_new(c, 0);
  if (v.k != CV_MAP) cy_type_err(c, "properties must be a map");
  return v.m;
}

/* Creates the unbound parts of the patterns for one row (a row of out, extended already). */
static void create_patterns(cy_ctx *c, cy_pattern **pats, int npats, cy_table *out, cy_val *row) {
  for (int pi = 0; pi < npats; pi++) {
    const cy_pattern *pt = pats[pi];
    int *ids = cy_alloc(c, (size_t)(pt->nrels + 1) * sizeof *ids);
    cy_val *path = row_new(c, 2 * pt->nrels + 1);
    for (int j = 0; j <= pt->nrels; j++) {
      const cy_pnode *n = &pt->nodes[j];
      int col = n->var ? cy_table_col(out, n->var) : -1;
      cy_env env = {.t = out, .row = row};
      if (col >= 0 && row[col].k != CV_NULL && (row[col].k == CV_NODE)) {
        ids[j] = row[col].id;
      } else if (col >= 0 && row[col].k != CV_NULL) {
        cy_compile_err(c, "VariableTypeConflict", "'%s' is not a node", n->var);
      } else {
        ids[j] = cy_node_create(c, n->labels, n->nlabels, eval_props(c, &env, n->props));
        if (col >= 0) row[col] = (cy_val){.k = CV_NODE, .id = ids[j]};
      }
      path[2 * j] = (cy_val){.k = CV_NODE, .id = ids[j]};
    }
    for (int j = 0; j < pt->nrels; j++) {
      const cy_prel *r = &pt->rels[j];
      cy_env env = {.t = out, .row = row};
      int from = r->dir == CY_IN ? ids[j + 1] : ids[j], to = r->dir == CY_IN ? ids[j] : ids[j + 1];
      int id = cy_rel_create(c, from, to, r->types[0], eval_props(c, &env, r->props));
      int col = r->var ? cy_table_col(out, r->var) : -1;
      if (col >= 0) row[col] = (cy_val){.k = CV_REL, .id = id};
      path[2 * j + 1] = (cy_val){.k = CV_REL, .id = id};
    }
    if (pt->pathvar) {
      cy_list *l = cy_list_new(c, 2 * pt->nrels + 1);
      memcpy(l->v, path, (size_t)l->n * sizeof(cy_val));
      row[cy_table_col(out, pt->pathvar)] = (cy_val){.k = CV_PATH, .l = l};
    }
  }
}

static cy_table *do_create(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  const char **vars;
  int nv = cy_pattern_vars(c, cl->pats, cl->npats, &vars);
  cy_table *out = table_extend(c, in, vars, nv);
  for (int r = 0; r < in->nrows; r++) {
    cy_val *row = row_extend(c, in, in->rows[r], out);
    create_patterns(c, cl->pats, cl->npats, out, row);
    cy_table_add(c, out, row);
  }
  return out;
}

static void apply_sets(cy_ctx *c, const cy_setitem *s, int n, cy_table *t, cy_val *row);

static cy_table *do_merge(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  const char **vars;
  int nv = cy_pattern_vars(c, cl->pats, cl->npats, &vars);
  cy_table *out = table_extend(c, in, vars, nv);
  for (int r = 0; r < in->nrows; r++) {
    cy_table found = {.ncols = out->ncols, .cols = out->cols};
    /* MERGE on a null property value can neither match nor create. Elements alternate
     * node, relationship, node, ... along the pattern. */
    for (int j = 0; j <= 2 * cl->pats[0]->nrels; j++) {
      cy_env env = {.t = in, .row = in->rows[r]};
      const cy_expr *pe = j % 2 ? cl->pats[0]->rels[j / 2].props : cl->pats[0]->nodes[j / 2].props;
      cy_val pv = pe ? cy_eval(c, &env, pe) : cy_null;
      for (int k = 0; pv.k == CV_MAP && k < pv.m->n; k++)
        if (pv.m->v[k].k == CV_NULL)
          cy_fail(c, CY_SEMANTIC, "runtime", "MergeReadOwnWrites",
                  "cannot merge a %s using a null property value for '%s'",
                  j % 2 ? "relationship" : "node", pv.m->k[k]);
    }
    cy_match(c, &found, in, in->rows[r], cl->pats, cl->npats, NULL, -1, 0);
    if (found.nrows) {
      for (int k = 0; k < found.nrows; k++) {
        apply_sets(c, cl->sets + cl->ncreate_sets, cl->nsets - cl->ncreate_sets, out,
                   found.rows[k]);
        cy_table_add(c, out, found.rows[k]);
      }
    } else {
      cy_val *row = row_extend(c, in, in->rows[r], out);
      create_patterns(c, cl->pats, cl->npats, out, row);
      apply_sets(c, cl->sets, cl->ncreate_sets, out, row);
      cy_table_add(c, out, row);
    }
  }
  return out;
}

/* ---- SET, REMOVE, DELETE ---- */

static void set_map(cy_ctx *c, cy_val target, cy_val v, int replace) {
  const cy_map *m;
  if (v.k == CV_MAP) m = v.m;
  else if (v.k == CV_NODE) m = cy_node_get(c, v.id)->props;
  else if (v.k == CV_REL) m = cy_rel_get(c, v.id)->props;
  else if (v.k == CV_NULL) m = NULL;
  else cy_type_err(c, "SET needs a map, not a %s", cy_kind_name(v.k));
  if (replace) {
    const cy_map *cur =
        target.k == CV_NODE ? cy_node_get(c, target.id)->props : cy_rel_get(c, target.id)->props;
    const char **gone = cy_alloc(c, (size_t)(cur ? cur->n + 1 : 1) * sizeof *gone);
    int ng = 0;
    for (int i = 0; cur && i < cur->n; i++)
      if (!cy_map_get(m, cur->k[i])) gone[ng++] = cur->k[i];
    for (int i = 0; i < ng; i++) cy_elem_set(c, target, gone[i], cy_null);
  }
  for (int i = 0; m && i < m->n; i++) cy_elem_set(c, target, m->k[i], m->v[i]);
}

static void apply_sets(cy_ctx *c, const cy_setitem *s, int n, cy_table *t, cy_val *row) {
  for (int i = 0; i < n; i++) {
    cy_env env = {.t = t, .row = row};
    switch (s[i].kind) {
    case SI_PROP: {
      cy_val target = cy_eval(c, &env, s[i].target->a);
      cy_val v = s[i].value ? cy_eval(c, &env, s[i].value) : cy_null;
      if (target.k == CV_NULL) break;
      if (target.k != CV_NODE && target.k != CV_REL)
        cy_type_err(c, "cannot set a property of a %s", cy_kind_name(target.k));
      cy_elem_set(c, target, s[i].target->name, v);
      break;
    }
    case SI_ASSIGN:
    case SI_MERGE: {
      const cy_val *tv = cy_env_get(&env, s[i].var);
      cy_val target = tv ? *tv : cy_null;
      cy_val v = cy_eval(c, &env, s[i].value);
      if (target.k == CV_NULL) break;
      if (target.k != CV_NODE && target.k != CV_REL)
        cy_type_err(c, "cannot set properties of a %s", cy_kind_name(target.k));
      set_map(c, target, v, s[i].kind == SI_ASSIGN);
      break;
    }
    case SI_LABELS: {
      const cy_val *tv = cy_env_get(&env, s[i].var);
      if (!tv || tv->k == CV_NULL) break;
      if (tv->k != CV_NODE) cy_type_err(c, "labels can only be set on a node");
      for (int k = 0; k < s[i].nlabels; k++) cy_node_label(c, tv->id, s[i].labels[k], 1);
      break;
    }
    }
  }
}

static void apply_removes(cy_ctx *c, const cy_setitem *s, int n, cy_table *t, cy_val *row) {
  for (int i = 0; i < n; i++) {
    cy_env env = {.t = t, .row = row};
    if (s[i].kind == SI_LABELS) {
      const cy_val *tv = cy_env_get(&env, s[i].var);
      if (!tv || tv->k == CV_NULL) continue;
      if (tv->k != CV_NODE) cy_type_err(c, "labels can only be removed from a node");
      for (int k = 0; k < s[i].nlabels; k++) cy_node_label(c, tv->id, s[i].labels[k], 0);
    } else {
      cy_val target = cy_eval(c, &env, s[i].target->a);
      if (target.k == CV_NULL) continue;
      if (target.k != CV_NODE && target.k != CV_REL)
        cy_type_err(c, "cannot remove a property of a %s", cy_kind_name(target.k));
      cy_elem_set(c, target, s[i].target->name, cy_null);
    }
  }
}

/* Deletes the relationships of v (nodes_pass 0) or its nodes (nodes_pass 1). */
static void delete_value(cy_ctx *c, cy_val v, int detach, int nodes_pass) {
  switch (v.k) {
  case CV_NULL: return;
  case CV_NODE:
    if (nodes_pass) cy_node_delete(c, v.id, detach);
    return;
  case CV_REL:
    if (!nodes_pass) cy_rel_delete(c, v.id);
    return;
  case CV_PATH:
    for (int i = nodes_pass ? 0 : 1; i < v.l->n; i += 2)
      if (nodes_pass) cy_node_delete(c, v.l->v[i].id, detach);
      else cy_rel_delete(c, v.l->v[i].id);
    return;
  default:
    cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", "DELETE cannot delete a %s",
            cy_kind_name(v.k));
  }
}

/* Relationships go first, across all rows: a node deleted earlier would hide a relationship
 * that a later row still names (two paths sharing a node). */
static cy_table *do_delete(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  for (int pass = 0; pass < 2; pass++)
    for (int r = 0; r < in->nrows; r++) {
      cy_env env = {.t = in, .row = in->rows[r]};
      for (int i = 0; i < cl->nexprs; i++)
        delete_value(c, cy_eval(c, &env, cl->exprs[i]), cl->detach, pass);
    }
  return in;
}

/* ---- Queries ---- */

/* How many rows of clause i the next clause reads: SKIP + LIMIT when it is a projection that
 * keeps rows one for one (no aggregation, DISTINCT or ORDER BY) and limits them, else -1 (all). */
static int64_t rows_wanted(cy_ctx *c, const cy_query *q, int i) {
  if (i + 1 >= q->ncl) return -1;
  const cy_clause *next = &q->cl[i + 1];
  if (next->k != C_RETURN && next->k != C_WITH) return -1;
  const cy_proj *p = &next->proj;
  if (!p->limit || p->distinct || p->norder) return -1;
  for (int k = 0; k < p->nitems; k++)
    if (has_agg(p->items[k].e)) return -1;
  int64_t skip = p->skip ? count_arg(c, p->skip, "SKIP") : 0;
  int64_t limit = count_arg(c, p->limit, "LIMIT");
  return skip > INT64_MAX - limit ? -1 : skip + limit;
}

/* Whether every aggregate in e ignores repeated rows: one with DISTINCT, min or max. */
static int multiplicity_blind(const cy_expr *e) {
  if (!e) return 1;
  if (is_agg(e))
    return e->op == E_FUNC && (e->distinct || !strcasecmp(e->name, "min") || !strcasecmp(e->name, "max"));
  if (!multiplicity_blind(e->a) || !multiplicity_blind(e->b) || !multiplicity_blind(e->c) ||
      !multiplicity_blind(e->d))
    return 0;
  for (int i = 0; e->args && i < e->n; i++)
    if (!multiplicity_blind(e->args[i])) return 0;
  return 1;
}

/* Whether the clause after clause i gives the same rows when clause i repeats some of its
 * rows: a projection with DISTINCT or grouping, whose aggregates all ignore repetition. */
static int repeats_ignored(const cy_query *q, int i) {
  if (i + 1 >= q->ncl) return 0;
  const cy_clause *next = &q->cl[i + 1];
  if (next->k != C_RETURN && next->k != C_WITH) return 0;
  const cy_proj *p = &next->proj;
  int aggregates = 0;
  for (int k = 0; k < p->nitems; k++) {
    if (!multiplicity_blind(p->items[k].e)) return 0;
    aggregates |= has_agg(p->items[k].e);
  }
  return p->distinct || aggregates;
}

static cy_table *run_clauses(cy_ctx *c, const cy_query *q, cy_table *t, int *returned);
static cy_table *run_union(cy_ctx *c, const cy_query *q, const cy_table *start,
                           const cy_table *unit, int keep_last);

/* ---- FOREACH ---- */

/* FOREACH (var IN list | clauses): for each row, the clauses run once per element of the list
 * (none for null), on that row with var bound; the rows go on unchanged. */
static cy_table *do_foreach(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  cy_table *one = table_extend(c, in, &cl->var, 1);
  int col = cy_table_col(one, cl->var);
  for (int r = 0; r < in->nrows; r++) {
    cy_env env = {.t = in, .row = in->rows[r]};
    cy_val v = cy_eval(c, &env, cl->expr);
    if (v.k == CV_NULL) continue;
    if (v.k != CV_LIST)
      cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", "FOREACH needs a list, got %s",
              cy_kind_name(v.k));
    for (int i = 0; i < v.l->n; i++) {
      cy_table *t = table_new(c, one->ncols);
      memcpy(t->cols, one->cols, (size_t)one->ncols * sizeof *t->cols);
      cy_val *row = row_extend(c, in, in->rows[r], one);
      row[col] = v.l->v[i];
      cy_table_add(c, t, row);
      int returned = 0;
      run_clauses(c, cl->body, t, &returned);
    }
  }
  return in;
}

/* A record under its file's header: a map from the header's names to the record's fields (a
 * field past the header's is left out, a missing one is null). */
static cy_val header_map(cy_ctx *c, const cy_list *head, const cy_list *rec) {
  cy_map *m = cy_map_new(c, head->n);
  for (int i = 0; i < head->n; i++) {
    if (head->v[i].k != CV_STR) continue; /* a column without a name */
    cy_map_put(c, m, head->v[i].s, i < rec->n ? rec->v[i] : cy_null);
  }
  return (cy_val){.k = CV_MAP, .m = m};
}

/* LOAD CSV [WITH HEADERS] FROM url: the file's records, each a list of its fields or, with
 * headers, a map (header_map; the first record is the header). */
static cy_list *records(cy_ctx *c, const cy_clause *cl, cy_val url) {
  if (url.k != CV_STR)
    cy_type_err(c, "LOAD CSV needs the URL as a string, got %s", cy_kind_name(url.k));
  cy_list *recs = cy_csv_read(c, url.s, cl->fieldterm);
  if (!cl->headers) return recs;
  cy_list *maps = cy_list_new(c, recs->n ? recs->n - 1 : 0);
  for (int i = 0; i < maps->n; i++) maps->v[i] = header_map(c, recs->v[0].l, recs->v[i + 1].l);
  return maps;
}

/* ---- CALL { } ---- */

/* A table of one row: in's row r, under in's columns. */
static cy_table *row_table(cy_ctx *c, const cy_table *in, int r) {
  cy_table *t = table_new(c, in->ncols);
  memcpy(t->cols, in->cols, (size_t)in->ncols * sizeof *t->cols);
  cy_table_add(c, t, in->rows[r]);
  return t;
}

/* CALL { query }: the query runs once per row; a part that starts with WITH starts from the
 * row (the WITH keeps what it imports), any other from nothing. Each row it RETURNs extends the
 * row, and a query without RETURN passes the row on once. */
static cy_table *do_subquery(cy_ctx *c, const cy_clause *cl, cy_table *in) {
  const cy_query *q = cl->body;
  const cy_clause *last = &q->cl[q->ncl - 1];
  cy_table *unit = table_new(c, 0);
  cy_table_add(c, unit, row_new(c, 0));
  if (last->k != C_RETURN) {
    for (int r = 0; r < in->nrows; r++) run_union(c, q, row_table(c, in, r), unit, 0);
    return in;
  }
  const char **names = cy_alloc(c, (size_t)(last->proj.nitems + 1) * sizeof *names);
  for (int i = 0; i < last->proj.nitems; i++) names[i] = last->proj.items[i].alias;
  cy_table *out = table_extend(c, in, names, last->proj.nitems);
  for (int r = 0; r < in->nrows; r++) {
    cy_table *res = run_union(c, q, row_table(c, in, r), unit, 0);
    for (int k = 0; k < res->nrows; k++) {
      cy_val *row = row_extend(c, in, in->rows[r], out);
      for (int i = 0; i < res->ncols; i++) row[cy_table_col(out, res->cols[i])] = res->rows[k][i];
      cy_table_add(c, out, row);
    }
  }
  return out;
}

/* ---- A query ---- */

/* Runs the clauses of q on the table t in turn; returns the last table, and sets *returned when
 * a RETURN (or a standalone CALL) made it. */
static cy_table *run_clauses(cy_ctx *c, const cy_query *q, cy_table *t, int *returned) {
  for (int i = 0; i < q->ncl; i++) {
    const cy_clause *cl = &q->cl[i];
    double t0 = c->prof ? adb__mono_ms() : 0;
    switch (cl->k) {
    case C_MATCH: {
      cy_table *counted = cy_match_count(c, q, i, t);
      if (counted) { /* the RETURN count(*) right after it is answered too */
        t = counted;
        *returned = 1;
        i++;
      } else {
        t = do_match(c, cl, t, rows_wanted(c, q, i), repeats_ignored(q, i));
      }
      break;
    }
    case C_UNWIND: t = fan_out(c, cl, t, unwound); break;
    case C_WITH: t = do_project(c, &cl->proj, t); break;
    case C_RETURN:
      t = do_project(c, &cl->proj, t);
      *returned = 1;
      break;
    case C_CREATE: t = do_create(c, cl, t); break;
    case C_MERGE: t = do_merge(c, cl, t); break;
    case C_SET:
      for (int r = 0; r < t->nrows; r++) apply_sets(c, cl->sets, cl->nsets, t, t->rows[r]);
      break;
    case C_REMOVE:
      for (int r = 0; r < t->nrows; r++) apply_removes(c, cl->sets, cl->nsets, t, t->rows[r]);
      break;
    case C_DELETE: t = do_delete(c, cl, t); break;
    case C_CALL:
      t = do_call(c, cl, t);
      *returned = i == q->ncl - 1; /* a standalone CALL returns what it yields */
      break;
    case C_FOREACH: t = do_foreach(c, cl, t); break;
    case C_SUBQUERY: t = do_subquery(c, cl, t); break;
    case C_LOADCSV: t = fan_out(c, cl, t, records); break;
    case C_SCHEMA:
      t = cy_schema_run(c, cl->schema);
      *returned = 1;
      break;
    }
    if (c->prof) {
      cy_prof_note(c, cl, t->nrows, adb__mono_ms() - t0);
      if (&q->cl[i] != cl) cy_prof_note(c, &q->cl[i], t->nrows, 0); /* a RETURN answered with it */
    }
  }
  return t;
}

/* Runs one part of a query on a copy of start: the RETURN's table; without a RETURN, with
 * keep_last the last clause's table, else no rows. */
static cy_table *run_part(cy_ctx *c, const cy_query *q, const cy_table *start, int keep_last) {
  cy_table *t = table_new(c, start->ncols);
  memcpy(t->cols, start->cols, (size_t)start->ncols * sizeof *t->cols);
  for (int r = 0; r < start->nrows; r++) cy_table_add(c, t, start->rows[r]);
  int returned = 0;
  t = run_clauses(c, q, t, &returned);
  return returned || keep_last ? t : table_new(c, 0);
}

/* Where a part of a query starts: on unit when there is one and the part does not start with
 * WITH (a CALL { } imports only through that WITH), else on start. */
static const cy_table *part_start(const cy_query *u, const cy_table *start,
                                  const cy_table *unit) {
  return unit && u->cl[0].k != C_WITH ? unit : start;
}

/* Runs q and each of its UNION parts (each from part_start); UNION (not ALL) drops repeated
 * rows. */
static cy_table *run_union(cy_ctx *c, const cy_query *q, const cy_table *start,
                           const cy_table *unit, int keep_last) {
  cy_table *res = run_part(c, q, part_start(q, start, unit), keep_last);
  int distinct = 0;
  for (const cy_query *u = q; u->next; u = u->next) {
    distinct |= !u->union_all;
    cy_table *more = run_part(c, u->next, part_start(u->next, start, unit), keep_last);
    for (int r = 0; r < more->nrows; r++) cy_table_add(c, res, more->rows[r]);
  }
  if (distinct) {
    int k = 0;
    for (int r = 0; r < res->nrows; r++) {
      int dup = 0;
      for (int q2 = 0; q2 < k && !dup; q2++) {
        int same = 1;
        for (int i = 0; i < res->ncols && same; i++)
          same = cy_order(c, res->rows[q2][i], res->rows[r][i]) == 0;
        dup = same;
      }
      if (!dup) res->rows[k++] = res->rows[r];
    }
    res->nrows = k;
  }
  return res;
}

cy_table *cy_subquery(cy_ctx *c, const cy_env *env, const cy_query *q) {
  const char **cols;
  cy_val *vals;
  int n;
  cy_env_flatten(c, env, &cols, &vals, &n);
  /* One column per name, the innermost binding (the later one) winning. */
  cy_table *start = table_new(c, n);
  start->ncols = 0;
  cy_val *row = row_new(c, n);
  for (int i = n - 1; i >= 0; i--)
    if (cy_table_col(start, cols[i]) < 0) {
      start->cols[start->ncols] = cols[i];
      row[start->ncols++] = vals[i];
    }
  cy_table_add(c, start, row);
  return run_union(c, q, start, NULL, 1);
}

cy_table *cy_exec(cy_ctx *c, cy_query *q) {
  cy_table *start = table_new(c, 0);
  cy_table_add(c, start, row_new(c, 0));
  cy_table *res = run_union(c, q, start, NULL, 0);
  /* A node deleted without DETACH must have lost all its relationships by now. */
  for (int i = 0; i < c->g.nnodes; i++) {
    const cy_node *n = &c->g.nodes[i];
    if (!n->deleted) continue;
    for (int k = 0; k < n->nout + n->nin; k++) {
      int rid = k < n->nout ? n->out[k] : n->in[k - n->nout];
      if (!c->g.rels[rid].deleted)
        cy_fail(c, CY_CONSTRAINT, "runtime", "DeleteConnectedNode",
                "cannot delete a node that still has relationships; use DETACH DELETE");
    }
  }
  cy_index_enforce(c);
  cy_stats_compute(c);
  return res;
}
