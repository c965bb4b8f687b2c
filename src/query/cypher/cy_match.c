/* cy_match.c — matching graph patterns: backtracking over nodes, relationships and
 * variable-length relationships, with relationship uniqueness within one MATCH. */
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"

typedef struct mstate {
  cy_ctx *c;
  cy_pattern **pats;
  int npats;
  cy_table t;      /* the columns: input columns then the new variables */
  cy_val *vals;    /* the current binding, one per column */
  char *bound;
  int *used;       /* relationships used so far (uniqueness) */
  int nused, capused;
  const cy_env *outer;
  const cy_expr *where;
  int (*emit)(struct mstate *m); /* returns 1 to stop */
  void *ctx;
  int stop;
  /* per pattern: the path being built (node, rel, node, ...) as values */
  cy_val *path;
  int npath, cappath;
  int *pstart; /* per pattern: where its path starts in path */
} mstate;

static int col_of(const mstate *m, const char *name) {
  for (int i = m->t.ncols - 1; i >= 0; i--)
    if (!strcmp(m->t.cols[i], name)) return i;
  return -1;
}

static cy_env env_of(mstate *m) {
  cy_env e = {.t = &m->t, .row = m->vals, .up = m->outer};
  return e;
}

static int props_match(mstate *m, const cy_map *have, const cy_expr *want) {
  if (!want) return 1;
  cy_env env = env_of(m);
  cy_val w = cy_eval(m->c, &env, want);
  if (w.k == CV_NULL) return 1;
  if (w.k != CV_MAP) cy_type_err(m->c, "pattern properties must be a map");
  for (int i = 0; i < w.m->n; i++) {
    const cy_val *v = cy_map_get(have, w.m->k[i]);
    if (!v || cy_equal(m->c, *v, w.m->v[i]) != 1) return 0;
  }
  return 1;
}

static int node_ok(mstate *m, const cy_pnode *p, int id) {
  const cy_node *n = &m->c->g.nodes[id];
  if (n->deleted) return 0;
  for (int i = 0; i < p->nlabels; i++)
    if (!cy_node_has_label(n, p->labels[i])) return 0;
  return props_match(m, n->props, p->props);
}

static int rel_ok(mstate *m, const cy_prel *p, int id) {
  const cy_rel *r = &m->c->g.rels[id];
  if (r->deleted) return 0;
  for (int i = 0; i < m->nused; i++)
    if (m->used[i] == id) return 0;
  if (p->ntypes) {
    int ok = 0;
    for (int i = 0; i < p->ntypes && !ok; i++) ok = !strcmp(r->type, p->types[i]);
    if (!ok) return 0;
  }
  return props_match(m, r->props, p->props);
}

static void use_push(mstate *m, int rel) {
  if (m->nused == m->capused) {
    int cap = m->capused ? m->capused * 2 : 16;
    int *n = cy_alloc(m->c, (size_t)cap * sizeof *n);
    if (m->nused) memcpy(n, m->used, (size_t)m->nused * sizeof *n);
    m->used = n;
    m->capused = cap;
  }
  m->used[m->nused++] = rel;
}

static void path_push(mstate *m, cy_val v) {
  if (m->npath == m->cappath) {
    int cap = m->cappath ? m->cappath * 2 : 16;
    cy_val *n = cy_alloc(m->c, (size_t)cap * sizeof *n);
    if (m->npath) memcpy(n, m->path, (size_t)m->npath * sizeof *n);
    m->path = n;
    m->cappath = cap;
  }
  m->path[m->npath++] = v;
}

static void match_pattern(mstate *m, int pi);
static void match_step(mstate *m, int pi, int step, int at);

/* Binds (or checks) a node variable, then continues; restores the binding after. */
static void with_node(mstate *m, int pi, int step, int id) {
  const cy_pnode *p = &m->pats[pi]->nodes[step];
  int col = p->var ? col_of(m, p->var) : -1;
  int was_bound = col >= 0 && m->bound[col];
  if (was_bound) {
    cy_val v = m->vals[col];
    if (v.k != CV_NODE || v.id != id) return;
  }
  if (col >= 0 && !was_bound) {
    m->vals[col] = (cy_val){.k = CV_NODE, .id = id};
    m->bound[col] = 1;
  }
  if (node_ok(m, p, id)) {
    path_push(m, (cy_val){.k = CV_NODE, .id = id});
    match_step(m, pi, step, id);
    m->npath--;
  }
  if (col >= 0 && !was_bound) m->bound[col] = 0;
}

static int other_end(const cy_rel *r, int from, int dir_out) { return dir_out ? r->dst : r->src; }

/* Follows one fixed-length relationship from node at. */
static void single_rel(mstate *m, int pi, int step, int at) {
  const cy_prel *p = &m->pats[pi]->rels[step];
  const cy_node *n = &m->c->g.nodes[at];
  int col = p->var ? col_of(m, p->var) : -1;
  int was_bound = col >= 0 && m->bound[col];
  for (int pass = 0; pass < 2 && !m->stop; pass++) {
    int out = pass == 0;
    if (out && !(p->dir & CY_OUT)) continue;
    if (!out && !(p->dir & CY_IN)) continue;
    int cnt = out ? n->nout : n->nin;
    for (int i = 0; i < cnt && !m->stop; i++) {
      int rid = out ? n->out[i] : n->in[i];
      const cy_rel *r = &m->c->g.rels[rid];
      /* A self-loop is found once in each direction; follow it once when undirected. */
      if (!out && p->dir == CY_BOTH && r->src == r->dst) continue;
      if (was_bound && (m->vals[col].k != CV_REL || m->vals[col].id != rid)) continue;
      if (!rel_ok(m, p, rid)) continue;
      if (col >= 0 && !was_bound) {
        m->vals[col] = (cy_val){.k = CV_REL, .id = rid};
        m->bound[col] = 1;
      }
      use_push(m, rid);
      path_push(m, (cy_val){.k = CV_REL, .id = rid});
      with_node(m, pi, step + 1, other_end(r, at, out));
      m->npath--;
      m->nused--;
      if (col >= 0 && !was_bound) m->bound[col] = 0;
    }
  }
}

/* Longest trail a variable-length relationship follows: the walk recurses once per hop. */
#define CY_MAX_HOPS 10000

/* Variable-length: depth-first over trails, binding the list of relationships. */
static void var_rel(mstate *m, int pi, int step, int at, int depth, int start_used) {
  const cy_prel *p = &m->pats[pi]->rels[step];
  if (depth > CY_MAX_HOPS)
    cy_fail(m->c, "MemoryError", "runtime", "", "a variable-length pattern is longer than %d hops",
            CY_MAX_HOPS);
  if (depth >= p->min) {
    int col = p->var ? col_of(m, p->var) : -1;
    int was_bound = col >= 0 && m->bound[col];
    cy_list *l = cy_list_new(m->c, depth);
    for (int i = 0; i < depth; i++) l->v[i] = (cy_val){.k = CV_REL, .id = m->used[start_used + i]};
    int ok = 1;
    if (was_bound) {
      cy_val want = {.k = CV_LIST, .l = l};
      ok = cy_equal(m->c, m->vals[col], want) == 1;
    }
    if (ok) {
      if (col >= 0 && !was_bound) {
        m->vals[col] = (cy_val){.k = CV_LIST, .l = l};
        m->bound[col] = 1;
      }
      /* The path so far ends with the node we are at; with_node pushes the end again. */
      m->npath--;
      with_node(m, pi, step + 1, at);
      m->npath++;
      if (col >= 0 && !was_bound) m->bound[col] = 0;
    }
  }
  if (m->stop || (p->max >= 0 && depth >= p->max)) return;
  const cy_node *n = &m->c->g.nodes[at];
  for (int pass = 0; pass < 2 && !m->stop; pass++) {
    int out = pass == 0;
    if (out && !(p->dir & CY_OUT)) continue;
    if (!out && !(p->dir & CY_IN)) continue;
    int cnt = out ? n->nout : n->nin;
    for (int i = 0; i < cnt && !m->stop; i++) {
      int rid = out ? n->out[i] : n->in[i];
      const cy_rel *r = &m->c->g.rels[rid];
      if (!out && p->dir == CY_BOTH && r->src == r->dst) continue;
      if (!rel_ok(m, p, rid)) continue;
      int next = other_end(r, at, out);
      if (m->c->g.nodes[next].deleted) continue;
      use_push(m, rid);
      path_push(m, (cy_val){.k = CV_REL, .id = rid});
      path_push(m, (cy_val){.k = CV_NODE, .id = next});
      var_rel(m, pi, step, next, depth + 1, start_used);
      m->npath -= 2;
      m->nused--;
    }
  }
}

static void match_step(mstate *m, int pi, int step, int at) {
  if (m->stop) return;
  const cy_pattern *pt = m->pats[pi];
  if (step == pt->nrels) {
    int col = pt->pathvar ? col_of(m, pt->pathvar) : -1;
    int was_bound = col >= 0 && m->bound[col];
    if (col >= 0 && !was_bound) {
      /* This pattern's path is the tail of m->path, from where the pattern started. */
      cy_list *l = cy_list_new(m->c, m->npath - m->pstart[pi]);
      memcpy(l->v, m->path + m->pstart[pi], (size_t)l->n * sizeof(cy_val));
      m->vals[col] = (cy_val){.k = CV_PATH, .l = l};
      m->bound[col] = 1;
    }
    match_pattern(m, pi + 1);
    if (col >= 0 && !was_bound) m->bound[col] = 0;
    return;
  }
  if (pt->rels[step].varlen) {
    var_rel(m, pi, step, at, 0, m->nused);
  } else {
    single_rel(m, pi, step, at);
  }
}

static void match_pattern(mstate *m, int pi) {
  if (m->stop) return;
  if (pi == m->npats) {
    if (m->where) {
      cy_env env = env_of(m);
      if (cy_truth(m->c, cy_eval(m->c, &env, m->where)) != 1) return;
    }
    m->stop = m->emit(m);
    return;
  }
  const cy_pattern *pt = m->pats[pi];
  m->pstart[pi] = m->npath;
  const cy_pnode *first = &pt->nodes[0];
  int col = first->var ? col_of(m, first->var) : -1;
  if (col >= 0 && m->bound[col]) {
    cy_val v = m->vals[col];
    if (v.k == CV_NODE) with_node(m, pi, 0, v.id);
    else if (v.k != CV_NULL) cy_type_err(m->c, "'%s' is not a node", first->var);
    return;
  }
  for (int i = 0; i < m->c->g.nnodes && !m->stop; i++) {
    if (m->c->g.nodes[i].deleted) continue;
    with_node(m, pi, 0, i);
  }
}

int cy_pattern_vars(cy_ctx *c, cy_pattern **pats, int npats, const char ***out) {
  int cap = 0;
  for (int i = 0; i < npats; i++) cap += 2 * pats[i]->nrels + 2;
  const char **v = cy_alloc(c, (size_t)cap * sizeof *v);
  int n = 0;
#define ADD(name)                                                                              \
  do {                                                                                         \
    const char *nm_ = (name);                                                                  \
    int dup_ = 0;                                                                              \
    for (int k_ = 0; nm_ && k_ < n; k_++) dup_ |= !strcmp(v[k_], nm_);                          \
    if (nm_ && !dup_) v[n++] = nm_;                                                            \
  } while (0)
  for (int i = 0; i < npats; i++) {
    const cy_pattern *p = pats[i];
    for (int j = 0; j <= p->nrels; j++) {
      ADD(p->nodes[j].var);
      if (j < p->nrels) ADD(p->rels[j].var);
    }
    ADD(p->pathvar);
  }
#undef ADD
  *out = v;
  return n;
}

/* Sets up a matcher whose columns are cols plus the patterns' new variables. */
static void mstate_init(mstate *m, cy_ctx *c, const char **cols, int ncols, const cy_val *row,
                        cy_pattern **pats, int npats) {
  memset(m, 0, sizeof *m);
  m->c = c;
  m->pats = pats;
  m->npats = npats;
  m->pstart = cy_alloc(c, (size_t)npats * sizeof *m->pstart);
  const char **vars;
  int nv = cy_pattern_vars(c, pats, npats, &vars);
  m->t.cols = cy_alloc(c, (size_t)(ncols + nv + 1) * sizeof *m->t.cols);
  memcpy(m->t.cols, cols, (size_t)ncols * sizeof *cols);
  m->t.ncols = ncols;
  for (int i = 0; i < nv; i++) {
    int known = 0;
    for (int k = 0; k < ncols; k++) known |= !strcmp(cols[k], vars[i]);
    if (!known) m->t.cols[m->t.ncols++] = vars[i];
  }
  m->vals = cy_alloc(c, (size_t)(m->t.ncols + 1) * sizeof *m->vals);
  m->bound = cy_alloc(c, (size_t)(m->t.ncols + 1));
  for (int i = 0; i < ncols; i++) {
    m->vals[i] = row ? row[i] : cy_null;
    m->bound[i] = 1;
  }
}

static int emit_row(mstate *m) {
  cy_table *out = m->ctx;
  cy_val *row = cy_alloc(m->c, (size_t)(out->ncols ? out->ncols : 1) * sizeof *row);
  for (int i = 0; i < out->ncols; i++) {
    int col = col_of(m, out->cols[i]);
    row[i] = col >= 0 && m->bound[col] ? m->vals[col] : cy_null;
  }
  cy_table_add(m->c, out, row);
  return 0;
}

void cy_match(cy_ctx *c, cy_table *out, const cy_table *in, const cy_val *row,
              cy_pattern **pats, int npats, const cy_expr *where) {
  cy_graph_load(c);
  mstate m;
  mstate_init(&m, c, in->cols, in->ncols, row, pats, npats);
  m.where = where;
  m.emit = emit_row;
  m.ctx = out;
  match_pattern(&m, 0);
}

/* The variables visible in env, flattened into columns for a matcher. */
static void env_flatten(cy_ctx *c, const cy_env *env, const char ***cols, cy_val **vals, int *n) {
  int cap = 0;
  for (const cy_env *e = env; e; e = e->up) cap += e->local ? 1 : e->t ? e->t->ncols : 0;
  *cols = cy_alloc(c, (size_t)(cap + 1) * sizeof **cols);
  *vals = cy_alloc(c, (size_t)(cap + 1) * sizeof **vals);
  *n = 0;
  /* Outer scopes first, so inner bindings (later columns) win in col_of. */
  const cy_env *chain[256];
  int depth = 0;
  for (const cy_env *e = env; e && depth < 256; e = e->up) chain[depth++] = e;
  for (int d = depth - 1; d >= 0; d--) {
    const cy_env *e = chain[d];
    if (e->local) {
      (*cols)[*n] = e->local;
      (*vals)[(*n)++] = e->localval;
    } else if (e->t) {
      for (int i = 0; i < e->t->ncols; i++) {
        (*cols)[*n] = e->t->cols[i];
        (*vals)[(*n)++] = e->row[i];
      }
    }
  }
}

typedef struct counter {
  int count, limit;
  const cy_expr *proj;
  cy_list *list;
  int cap;
} counter;

static int emit_count(mstate *m) {
  counter *k = m->ctx;
  if (k->proj) {
    cy_env env = env_of(m);
    cy_val v = cy_eval(m->c, &env, k->proj);
    if (!k->list || k->list->n == k->cap) {
      int cap = k->cap ? k->cap * 2 : 8;
      cy_list *l = cy_list_new(m->c, cap);
      if (k->list) memcpy(l->v, k->list->v, (size_t)k->list->n * sizeof(cy_val));
      l->n = k->list ? k->list->n : 0;
      k->list = l;
      k->cap = cap;
    }
    k->list->v[k->list->n++] = v;
  }
  return ++k->count >= k->limit && k->limit > 0;
}

int cy_pattern_count(cy_ctx *c, const cy_env *env, const cy_pattern *p, int limit) {
  cy_graph_load(c);
  const char **cols;
  cy_val *vals;
  int n;
  env_flatten(c, env, &cols, &vals, &n);
  mstate m;
  cy_pattern *pp = (cy_pattern *)p;
  mstate_init(&m, c, cols, n, vals, &pp, 1);
  counter k = {.limit = limit};
  m.emit = emit_count;
  m.ctx = &k;
  match_pattern(&m, 0);
  return k.count;
}

cy_list *cy_pattern_collect(cy_ctx *c, const cy_env *env, const cy_pattern *p,
                            const cy_expr *where, const cy_expr *proj) {
  cy_graph_load(c);
  const char **cols;
  cy_val *vals;
  int n;
  env_flatten(c, env, &cols, &vals, &n);
  mstate m;
  cy_pattern *pp = (cy_pattern *)p;
  mstate_init(&m, c, cols, n, vals, &pp, 1);
  counter k = {.proj = proj};
  m.where = where;
  m.emit = emit_count;
  m.ctx = &k;
  match_pattern(&m, 0);
  return k.list ? k.list : cy_list_new(c, 0);
}
