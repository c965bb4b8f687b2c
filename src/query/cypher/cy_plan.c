/* cy_plan.c — the planner of MATCH: where each pattern starts, and EXPLAIN's text of a plan. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy_plan.h"

/* ---- Choosing a start ---- */

static int pattern_has_var(const cy_pattern *p, const char *name) {
  if (p->pathvar && !strcmp(p->pathvar, name)) return 1;
  for (int j = 0; j <= p->nrels; j++) {
    if (p->nodes[j].var && !strcmp(p->nodes[j].var, name)) return 1;
    if (j < p->nrels && p->rels[j].var && !strcmp(p->rels[j].var, name)) return 1;
  }
  return 0;
}

/* 1 when e may read a variable of p (subqueries and patterns inside e count as reading). */
static int reads_pattern(const cy_expr *e, const cy_pattern *p) {
  if (!e) return 0;
  if (e->pat || e->op == E_PATTERN || e->op == E_PATCOMP || e->op == E_SUBQUERY) return 1;
  if (e->op == E_VAR && pattern_has_var(p, e->name)) return 1;
  if (reads_pattern(e->a, p) || reads_pattern(e->b, p) || reads_pattern(e->c, p) ||
      reads_pattern(e->d, p))
    return 1;
  for (int i = 0; e->args && i < e->n; i++)
    if (reads_pattern(e->args[i], p)) return 1;
  return 0;
}

/* What the match knows when it starts a pattern: which variables are bound already. */
typedef struct known {
  int (*bound)(void *ctx, const char *name);
  void *ctx;
} known;

static int no_variables(void *ctx, const char *name) { return 0; }

/* 1 when e has one value for every node the start may try, so that a lookup can use it: a
 * literal, a parameter, a variable bound already (by an input row or an earlier pattern), or a
 * property of one. */
static int fixed(const cy_expr *e, const known *k) {
  switch (e->op) {
  case E_LIT:
  case E_PARAM: return 1;
  case E_VAR: return k->bound(k->ctx, e->name) != 0;
  case E_PROP: return fixed(e->a, k);
  default: return 0;
  }
}

/* The value side of a WHERE conjunct elementId(var) = value (value fixed). */
static const cy_expr *id_conjunct(const cy_expr *w, const char *var, const known *k) {
  if (!w) return NULL;
  if (w->op == E_AND) {
    const cy_expr *r = id_conjunct(w->a, var, k);
    return r ? r : id_conjunct(w->b, var, k);
  }
  if (w->op != E_EQ) return NULL;
  for (int side = 0; side < 2; side++) {
    const cy_expr *f = side ? w->b : w->a, *v = side ? w->a : w->b;
    if (f->op == E_FUNC && f->n == 1 && !strcasecmp(f->name, "elementId") &&
        f->args[0]->op == E_VAR && !strcmp(f->args[0]->name, var) && fixed(v, k))
      return v;
  }
  return NULL;
}

/* The value side of a WHERE conjunct var.prop OP value, or value OP var.prop, with value fixed
 * and OP =, <, <=, > or >=; *op is how the property compares (flipped for the second form). A
 * NULL *prop takes any property, and is set to the one found. */
static const cy_expr *prop_conjunct(const cy_expr *w, const char *var, const char **prop, int *op,
                                    const known *k) {
  if (!w) return NULL;
  if (w->op == E_AND) {
    const cy_expr *r = prop_conjunct(w->a, var, prop, op, k);
    return r ? r : prop_conjunct(w->b, var, prop, op, k);
  }
  static const cy_eop flip[] = {[E_EQ] = E_EQ, [E_LT] = E_GT, [E_GT] = E_LT, [E_LE] = E_GE,
                                [E_GE] = E_LE};
  if (w->op != E_EQ && w->op != E_LT && w->op != E_GT && w->op != E_LE && w->op != E_GE)
    return NULL;
  for (int side = 0; side < 2; side++) {
    const cy_expr *f = side ? w->b : w->a, *v = side ? w->a : w->b;
    if (f->op == E_PROP && (!*prop || !strcmp(f->name, *prop)) && f->a->op == E_VAR &&
        !strcmp(f->a->name, var) && fixed(v, k)) {
      *op = side ? (int)flip[w->op] : (int)w->op;
      *prop = f->name;
      return v;
    }
  }
  return NULL;
}

/* The value the node pattern's own map gives prop, when fixed; a NULL *prop takes the first
 * such entry, and is set to its key. */
static const cy_expr *map_value(const cy_pnode *n, const char **prop, const known *k) {
  const cy_expr *m = n->props;
  for (int i = 0; m && m->op == E_MAP && i < m->n; i++)
    if ((!*prop || !strcmp(m->keys[i], *prop)) && fixed(m->args[i], k)) {
      *prop = m->keys[i];
      return m->args[i];
    }
  return NULL;
}

/* The value node n's map or WHERE compares its property *prop with (any property when *prop is
 * NULL: then set), and how in *op; NULL when none. */
static const cy_expr *prop_test(const cy_pnode *n, const cy_expr *where, const char **prop,
                                int *op, const known *k) {
  *op = E_EQ;
  const cy_expr *v = map_value(n, prop, k);
  return v || !n->var ? v : prop_conjunct(where, n->var, prop, op, k);
}

int64_t cy_start_est(cy_ctx *c, const cy_start *s) {
  if (!s->est_label && s->est_div == CY_EST_ONE) return 1; /* a bound node or an element id */
  int64_t cnt = s->est_label ? cy_label_count(c, s->est_label) : cy_node_count(c);
  if (s->est_div <= 1) return cnt;
  int64_t est = s->est_div == CY_EST_ONE ? 1 : cnt / s->est_div + 1;
  return est < cnt ? est : cnt;
}

/* 1 when start a gives fewer nodes than b, or as many when or_equal is set. Estimates of the
 * same label (or of every node) compare by their divisors without counting, and no start gives
 * more than every node: counting every node builds the adjacency cache, and counting a label
 * reads its rows, which a query that looks up one value should not pay for. */
static int est_below(cy_ctx *c, const cy_start *a, const cy_start *b, int or_equal) {
  int same = a->est_label == b->est_label ||
             (a->est_label && b->est_label && !strcmp(a->est_label, b->est_label));
  if (same) return or_equal ? a->est_div >= b->est_div : a->est_div > b->est_div;
  if (!a->est_label && a->est_div <= 1) return 0;
  if (!b->est_label && b->est_div <= 1) return 1;
  int64_t x = cy_start_est(c, a), y = cy_start_est(c, b);
  return or_equal ? x <= y : x < y;
}

/* Makes s an index lookup of node n where one is at least as selective as s: an equality of a
 * property (in the node's map or WHERE) is taken to keep one node in a hundred of the label (at
 * most one for a uniqueness constraint), a range one in three; a tie goes to the index, which
 * never reads more than its label's scan (so a MERGE that fills an empty label still looks its
 * values up). Without one, a label scan whose node has such a test makes SQL apply it as the
 * rows are read (an index of the label and property that SQL has not, ix->name NULL), keeping
 * one node in ten for an equality. */
static void index_start(cy_ctx *c, const cy_pnode *n, const cy_expr *where, cy_start *s,
                        const known *k) {
  const cy_index *ix;
  int nix = cy_indexes(c, &ix);
  for (int i = 0; i < nix; i++) {
    int has = 0, op;
    for (int l = 0; l < n->nlabels; l++) has |= !strcmp(n->labels[l], ix[i].label);
    const char *prop = ix[i].prop;
    const cy_expr *v = has ? prop_test(n, where, &prop, &op, k) : NULL;
    if (!v) continue;
    cy_start lookup = *s;
    lookup.kind = CP_INDEX;
    lookup.ix = &ix[i];
    lookup.op = op;
    lookup.idexpr = v;
    lookup.label = lookup.est_label = ix[i].label;
    lookup.est_div = op != E_EQ ? 3 : ix[i].unique ? CY_EST_ONE : 100;
    if (est_below(c, &lookup, s, 1)) *s = lookup;
  }
  /* The filter is SQL's work on every row of the label at every start, where a label scan
   * without it is read once per query: only worth it for one value per query. */
  const known constants = {no_variables, NULL};
  const char *prop = NULL;
  int op;
  const cy_expr *v = s->kind == CP_LABEL ? prop_test(n, where, &prop, &op, &constants) : NULL;
  if (!v) return;
  cy_index *scan = cy_alloc(c, sizeof *scan);
  scan->label = s->label;
  scan->prop = prop;
  s->kind = CP_INDEX;
  s->ix = scan;
  s->op = op;
  s->idexpr = v;
  s->est_div = op != E_EQ ? 3 : 10;
}

/* How node j of p would be found, and its estimate. The first node starts at its variable
 * whatever it is bound to (matching reports a value that is not a node); the last only when it
 * is bound to a node. */
static cy_start node_start(cy_ctx *c, const cy_pattern *p, int j, const cy_expr *where,
                           int (*bound)(void *, const char *), void *ctx, int first) {
  const cy_pnode *n = &p->nodes[j];
  cy_start s = {.var = n->var};
  int b = n->var ? bound(ctx, n->var) : 0;
  if (b == 2 || (b == 1 && first)) {
    s.kind = CP_BOUND;
    s.est_div = CY_EST_ONE;
    return s;
  }
  known k = {bound, ctx};
  const cy_expr *id = n->var && !b ? id_conjunct(where, n->var, &k) : NULL;
  if (id) {
    s.kind = CP_ID;
    s.idexpr = id;
    s.est_div = CY_EST_ONE;
    return s;
  }
  s.kind = CP_ALL;
  for (int i = 0; i < n->nlabels; i++) {
    cy_start by_label = {
        .var = n->var, .kind = CP_LABEL, .label = n->labels[i], .est_label = n->labels[i]};
    if (s.kind == CP_ALL || est_below(c, &by_label, &s, 0)) s = by_label;
  }
  if (n->nlabels) index_start(c, n, b ? NULL : where, &s, &k);
  return s;
}

cy_start cy_plan_start(cy_ctx *c, const cy_pattern *p, const cy_expr *where,
                       int (*bound)(void *ctx, const char *name), void *ctx) {
  cy_start first = node_start(c, p, 0, where, bound, ctx, 1);
  if (first.kind == CP_BOUND || first.kind == CP_ID || !p->nrels || p->shortest) return first;
  /* Matching backwards evaluates property maps in the other order: only when none reads the
   * pattern's own variables. */
  for (int j = 0; j <= p->nrels; j++)
    if (reads_pattern(p->nodes[j].props, p) || (j < p->nrels && reads_pattern(p->rels[j].props, p)))
      return first;
  cy_start last = node_start(c, p, p->nrels, where, bound, ctx, 0);
  if (last.kind == CP_BOUND || est_below(c, &last, &first, 0)) {
    last.reverse = 1;
    return last;
  }
  return first;
}

cy_pattern *cy_pattern_reverse(cy_ctx *c, const cy_pattern *p) {
  cy_pattern *r = cy_alloc(c, sizeof *r);
  *r = *p;
  r->nodes = cy_alloc(c, (size_t)(p->nrels + 1) * sizeof *r->nodes);
  r->rels = cy_alloc(c, (size_t)(p->nrels ? p->nrels : 1) * sizeof *r->rels);
  for (int j = 0; j <= p->nrels; j++) r->nodes[j] = p->nodes[p->nrels - j];
  for (int j = 0; j < p->nrels; j++) {
    r->rels[j] = p->rels[p->nrels - 1 - j];
    int d = r->rels[j].dir;
    r->rels[j].dir = d == CY_OUT ? CY_IN : d == CY_IN ? CY_OUT : d;
  }
  return r;
}

/* ---- EXPLAIN ---- */

/* The variables bound so far while walking the clauses of a query. */
typedef struct scope {
  const char **v;
  int n, cap;
} scope;

static void scope_add(cy_ctx *c, scope *s, const char *name) {
  if (!name) return;
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], name)) return;
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 16;
    const char **v = cy_alloc(c, (size_t)cap * sizeof *v);
    if (s->n) memcpy(v, s->v, (size_t)s->n * sizeof *v);
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = name;
}

static int scope_bound(void *ctx, const char *name) {
  const scope *s = ctx;
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->v[i], name)) return 2;
  return 0;
}

static void add_line(cy_ctx *c, cy_table *t, const char *text) {
  cy_val *row = cy_alloc(c, sizeof *row);
  row[0] = cy_str(cy_strdup(c, text));
  cy_table_add(c, t, row);
}

static void put_node(char *b, size_t n, const cy_pnode *p) {
  snprintf(b + strlen(b), n - strlen(b), "(%s", p->var ? p->var : "");
  for (int i = 0; i < p->nlabels; i++) snprintf(b + strlen(b), n - strlen(b), ":%s", p->labels[i]);
  snprintf(b + strlen(b), n - strlen(b), "%s)", p->props ? " {...}" : "");
}

static void put_rel(char *b, size_t n, const cy_prel *r) {
  snprintf(b + strlen(b), n - strlen(b), "%s-[%s", r->dir == CY_IN ? "<" : "",
           r->var ? r->var : "");
  for (int i = 0; i < r->ntypes; i++)
    snprintf(b + strlen(b), n - strlen(b), "%s%s", i ? "|" : ":", r->types[i]);
  if (r->varlen) {
    snprintf(b + strlen(b), n - strlen(b), "*");
    if (r->min != 1 || r->max != -1) snprintf(b + strlen(b), n - strlen(b), "%d..", r->min);
    if (r->max >= 0) snprintf(b + strlen(b), n - strlen(b), "%d", r->max);
  }
  snprintf(b + strlen(b), n - strlen(b), "%s]-%s", r->props ? " {...}" : "",
           r->dir == CY_OUT ? ">" : "");
}

/* The operators of one pattern of a MATCH: its start, then one expansion per relationship. */
static void explain_pattern(cy_ctx *c, cy_table *t, const cy_pattern *p, const cy_expr *where,
                            scope *s) {
  char b[1024] = "";
  cy_start st = cy_plan_start(c, p, where, scope_bound, s);
  const cy_pattern *run = st.reverse ? cy_pattern_reverse(c, p) : p;
  const char *v = st.var ? st.var : "";
  int64_t est = cy_start_est(c, &st);
  switch (st.kind) {
  case CP_BOUND: snprintf(b, sizeof b, "Argument(%s)", v); break;
  case CP_ID: snprintf(b, sizeof b, "NodeByElementIdSeek(%s)", v); break;
  case CP_LABEL:
    snprintf(b, sizeof b, "NodeByLabelScan(%s:%s) ~%lld nodes", v, st.label, (long long)est);
    break;
  case CP_ALL: snprintf(b, sizeof b, "AllNodesScan(%s) ~%lld nodes", v, (long long)est); break;
  case CP_INDEX:
    if (st.ix->name)
      snprintf(b, sizeof b, "NodeIndexSeek%s(%s:%s.%s %s) index %s ~%lld nodes",
               st.op == E_EQ ? "" : "ByRange", v, st.label, st.ix->prop, cy_cmp_text(st.op),
               st.ix->name, (long long)est);
    else
      snprintf(b, sizeof b, "NodeByLabelScan(%s:%s) with %s.%s %s in SQL ~%lld nodes", v, st.label,
               v, st.ix->prop, cy_cmp_text(st.op), (long long)est);
    break;
  }
  if (st.reverse) snprintf(b + strlen(b), sizeof b - strlen(b), ", matched from the end");
  add_line(c, t, b);
  const cy_pnode *n0 = &run->nodes[0];
  if (n0->props || n0->nlabels > (st.kind == CP_LABEL || st.kind == CP_INDEX)) {
    b[0] = 0;
    snprintf(b, sizeof b, "Filter");
    put_node(b, sizeof b, n0);
    add_line(c, t, b);
  }
  scope_add(c, s, n0->var);
  for (int j = 0; j < run->nrels; j++) {
    const cy_pnode *to = &run->nodes[j + 1];
    int into = to->var && scope_bound(s, to->var);
    snprintf(b, sizeof b, "%s%s", run->rels[j].varlen ? "VarLengthExpand" : "Expand",
             into ? "Into" : "");
    put_node(b, sizeof b, &run->nodes[j]);
    put_rel(b, sizeof b, &run->rels[j]);
    put_node(b, sizeof b, to);
    add_line(c, t, b);
    scope_add(c, s, run->rels[j].var);
    scope_add(c, s, to->var);
  }
  scope_add(c, s, p->pathvar);
}

static void explain_proj(cy_ctx *c, cy_table *t, const char *op, const cy_proj *p, scope *s) {
  char b[1024];
  snprintf(b, sizeof b, "%s%s(", op, p->distinct ? "Distinct" : "");
  scope keep = {0};
  if (p->star) {
    snprintf(b + strlen(b), sizeof b - strlen(b), "*");
    keep = *s;
  }
  for (int i = 0; i < p->nitems; i++) {
    snprintf(b + strlen(b), sizeof b - strlen(b), "%s%s", i || p->star ? ", " : "",
             p->items[i].alias);
    scope_add(c, &keep, p->items[i].alias);
  }
  snprintf(b + strlen(b), sizeof b - strlen(b), ")");
  add_line(c, t, b);
  if (p->where) add_line(c, t, "Filter(WHERE)");
  if (p->norder) add_line(c, t, "Sort");
  if (p->skip) add_line(c, t, "Skip");
  if (p->limit) add_line(c, t, "Limit");
  *s = keep;
}

static void explain_single(cy_ctx *c, cy_table *t, const cy_query *q);

/* A line, then the plan of the clauses under it (a FOREACH's, a CALL { }'s), indented. */
static void explain_nested(cy_ctx *c, cy_table *t, const char *line, const cy_query *body) {
  cy_table *sub = cy_alloc(c, sizeof *sub);
  for (const cy_query *u = body; u; u = u->next) {
    if (u != body) add_line(c, sub, u->union_all ? "UnionAll" : "Union");
    explain_single(c, sub, u);
  }
  add_line(c, t, line);
  char b[1024];
  for (int r = 0; r < sub->nrows; r++) {
    snprintf(b, sizeof b, "  %s", sub->rows[r][0].s);
    add_line(c, t, b);
  }
}

/* The one operator of a MATCH that cy_match_count counts without matching (kind). */
static void explain_count(cy_ctx *c, cy_table *t, const cy_pattern *p, cy_count kind) {
  char b[1024];
  snprintf(b, sizeof b, "%s",
           kind == CY_COUNT_LABEL ? "NodeCountFromLabel" : "RelationshipCountFromAdjacency");
  put_node(b, sizeof b, &p->nodes[0]);
  for (int j = 0; j < p->nrels; j++) {
    put_rel(b, sizeof b, &p->rels[j]);
    put_node(b, sizeof b, &p->nodes[j + 1]);
  }
  add_line(c, t, b);
}

static void explain_single(cy_ctx *c, cy_table *t, const cy_query *q) {
  scope s = {0};
  int wrote = 0;
  static const char *const names[] = {[C_CREATE] = "Create", [C_MERGE] = "Merge", [C_SET] = "Set",
                                      [C_REMOVE] = "Remove", [C_DELETE] = "Delete"};
  for (int i = 0; i < q->ncl; i++) {
    const cy_clause *cl = &q->cl[i];
    char b[1024];
    switch (cl->k) {
    case C_MATCH: {
      cy_count kind = cy_count_kind(c, q, i, scope_bound, &s, wrote);
      if (kind == CY_COUNT_LABEL || kind == CY_COUNT_CHAIN) {
        explain_count(c, t, cl->pats[0], kind);
        break;
      }
      if (cl->optional) add_line(c, t, "Optional");
      for (int p = 0; p < cl->npats; p++) explain_pattern(c, t, cl->pats[p], cl->where, &s);
      if (cl->where) add_line(c, t, "Filter(WHERE)");
      break;
    }
    case C_UNWIND:
    case C_LOADCSV:
      snprintf(b, sizeof b, "%s(%s)", cl->k == C_UNWIND ? "Unwind" : "LoadCsv", cl->var);
      add_line(c, t, b);
      scope_add(c, &s, cl->var);
      break;
    case C_WITH: explain_proj(c, t, "Projection", &cl->proj, &s); break;
    case C_RETURN: explain_proj(c, t, "Return", &cl->proj, &s); break;
    case C_CALL:
      snprintf(b, sizeof b, "Call(%s)", cl->proc);
      add_line(c, t, b);
      for (int k = 0; k < cl->nyields; k++) scope_add(c, &s, cl->yield_vars[k]);
      break;
    case C_CREATE:
    case C_MERGE:
    case C_SET:
    case C_REMOVE:
    case C_DELETE:
      snprintf(b, sizeof b, "%s%s", cl->detach ? "Detach" : "", names[cl->k]);
      add_line(c, t, b);
      for (int p = 0; p < cl->npats; p++) {
        const char **vars;
        int nv = cy_pattern_vars(c, &cl->pats[p], 1, &vars);
        for (int k = 0; k < nv; k++) scope_add(c, &s, vars[k]);
      }
      break;
    case C_FOREACH:
      snprintf(b, sizeof b, "Foreach(%s)", cl->var);
      explain_nested(c, t, b, cl->body);
      break;
    case C_SCHEMA: {
      static const char *const ops[] = {[CS_CREATE] = "Create", [CS_DROP] = "Drop",
                                        [CS_SHOW] = "Show"};
      snprintf(b, sizeof b, "%s%s", ops[cl->schema->op],
               cl->schema->constraint ? "Constraint" : "Index");
      add_line(c, t, b);
      break;
    }
    case C_SUBQUERY: {
      explain_nested(c, t, "CallSubquery", cl->body);
      const cy_clause *r = &cl->body->cl[cl->body->ncl - 1];
      if (r->k == C_RETURN)
        for (int k = 0; k < r->proj.nitems; k++) scope_add(c, &s, r->proj.items[k].alias);
      break;
    }
    }
    wrote |= cy_clause_writes(cl);
  }
}

cy_table *cy_explain(cy_ctx *c, const cy_query *q) {
  cy_table *t = cy_alloc(c, sizeof *t);
  t->ncols = 1;
  t->cols = cy_alloc(c, sizeof *t->cols);
  t->cols[0] = "plan";
  for (const cy_query *u = q; u; u = u->next) {
    if (u != q) add_line(c, t, u->union_all ? "UnionAll" : "Union");
    explain_single(c, t, u);
  }
  return t;
}

/* ---- PROFILE ---- */

struct cy_prof {
  const cy_clause **cl; /* the clauses counted, in query order */
  int64_t *rows;
  double *ms;
  int n;
};

void cy_prof_note(cy_ctx *c, const cy_clause *cl, int64_t rows, double ms) {
  for (int i = 0; i < c->prof->n; i++)
    if (c->prof->cl[i] == cl) {
      c->prof->rows[i] += rows;
      c->prof->ms[i] += ms;
      return;
    }
}

/* The text of clause i of q, from its offset to the next clause's (or to end), on one line:
 * blanks squeezed, a trailing UNION or ';' left out, at most 120 bytes. */
static const char *clause_text(cy_ctx *c, const cy_query *q, int i, size_t end) {
  size_t from = (size_t)q->cl[i].pos;
  if (i + 1 < q->ncl) end = (size_t)q->cl[i + 1].pos;
  char *b = cy_alloc(c, end - from + 4);
  size_t n = 0;
  for (size_t k = from; k < end && n < 120; k++) {
    char ch = c->src[k] == '\n' || c->src[k] == '\r' || c->src[k] == '\t' ? ' ' : c->src[k];
    if (ch != ' ' || (n && b[n - 1] != ' ')) b[n++] = ch;
  }
  for (;;) {
    while (n && (b[n - 1] == ' ' || b[n - 1] == ';')) n--;
    if (n >= 5 && !strncasecmp(b + n - 5, "UNION", 5)) n -= 5;
    else if (n >= 9 && !strncasecmp(b + n - 9, "UNION ALL", 9)) n -= 9;
    else break;
  }
  b[n] = 0;
  return b;
}

cy_table *cy_profile(cy_ctx *c, cy_query *q) {
  struct cy_prof p = {0};
  for (const cy_query *u = q; u; u = u->next) p.n += u->ncl;
  p.cl = cy_alloc(c, (size_t)p.n * sizeof *p.cl);
  p.rows = cy_alloc(c, (size_t)p.n * sizeof *p.rows);
  p.ms = cy_alloc(c, (size_t)p.n * sizeof *p.ms);
  int k = 0;
  for (const cy_query *u = q; u; u = u->next)
    for (int i = 0; i < u->ncl; i++) p.cl[k++] = &u->cl[i];
  c->prof = &p;
  double t0 = adb__mono_ms();
  cy_table *res = cy_exec(c, q);
  double total = adb__mono_ms() - t0;
  c->prof = NULL;
  cy_table *t = cy_alloc(c, sizeof *t);
  t->ncols = 3;
  t->cols = cy_alloc(c, 3 * sizeof *t->cols);
  t->cols[0] = "clause";
  t->cols[1] = "rows";
  t->cols[2] = "ms";
  k = 0;
  for (const cy_query *u = q; u; u = u->next)
    for (int i = 0; i < u->ncl; i++, k++) {
      size_t end = u->next ? (size_t)u->next->cl[0].pos : c->srclen;
      cy_val *row = cy_alloc(c, 3 * sizeof *row);
      row[0] = cy_str(clause_text(c, u, i, end));
      row[1] = cy_int(p.rows[k]);
      row[2] = cy_float(round(p.ms[k] * 1000) / 1000);
      cy_table_add(c, t, row);
    }
  cy_val *row = cy_alloc(c, 3 * sizeof *row);
  row[0] = cy_str("(result)");
  row[1] = cy_int(res->nrows);
  row[2] = cy_float(round(total * 1000) / 1000);
  cy_table_add(c, t, row);
  return t;
}
