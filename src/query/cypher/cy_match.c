/* cy_match.c — matching graph patterns: backtracking over nodes, relationships and
 * variable-length relationships, with relationship uniqueness within one MATCH, from the start
 * the planner picks and through the adjacency cache. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"
#include "query/cypher/cy_plan.h"

typedef struct mstate {
  cy_ctx *c;
  cy_pattern **pats;
  int npats;
  const cy_pattern **run; /* per pattern: as matched, reversed when planned from its end */
  int *rev;
  cy_pattern **revpat;    /* per pattern: its reversal, made once */
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
  int *outcol; /* emit_row: the column of each output column */
  int64_t max_rows; /* emit_row stops the match once its table holds this many; -1: no bound */
  int ends_only;    /* a lone variable-length relationship yields each end node once */
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

/* A node reached by row id is loaded only when the pattern tests its labels or properties. */
static int node_ok(mstate *m, const cy_pnode *p, int id) {
  if (m->c->g.nodes[id].deleted) return 0;
  if (!p->nlabels && !p->props) return 1;
  const cy_node *n = m->c->g.nodes[id].stub ? cy_node_get(m->c, id) : &m->c->g.nodes[id];
  for (int i = 0; i < p->nlabels; i++)
    if (!cy_node_has_label(n, p->labels[i])) return 0;
  return !p->props || props_match(m, cy_node_get(m->c, id)->props, p->props);
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

/* The one iterator over the relationships a pattern step may follow from a node: those of the
 * adjacency cache in p's direction and types, not deleted, not used yet in this match, with p's
 * properties. 1 with the edge's row id and the node at its other end, 0 after the last. The
 * breadth-first searches keep edges by row id, so a relationship enters the snapshot only when
 * a row or p's properties need it. */
static int next_edge(mstate *m, const cy_prel *p, cy_adj *a, int64_t *edge, int *next) {
  int64_t other;
  int side;
  while (!m->stop && cy_adj_next_rid(a, edge, &other, &side)) {
    int used = cy_rel_gone(m->c, *edge);
    for (int i = 0; i < m->nused && !used; i++) used = m->c->g.rels[m->used[i]].rid == *edge;
    if (used) continue;
    if (p->props && !props_match(m, cy_rel_get(m->c, cy_rel_of_rid(m->c, *edge))->props, p->props))
      continue;
    *next = cy_node_of_rid(m->c, other);
    return 1;
  }
  return 0;
}

/* next_edge with the relationship, which enters the snapshot. */
static int next_rel(mstate *m, const cy_prel *p, cy_adj *a, int *rel, int *next) {
  int64_t edge;
  if (!next_edge(m, p, a, &edge, next)) return 0;
  *rel = cy_rel_of_rid(m->c, edge);
  return 1;
}

static void match_pattern(mstate *m, int pi);
static void match_step(mstate *m, int pi, int step, int at);

/* Binds (or checks) a node variable, then continues; restores the binding after. */
static void with_node(mstate *m, int pi, int step, int id) {
  cy_tick(m->c);
  const cy_pnode *p = &m->run[pi]->nodes[step];
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

/* Follows one fixed-length relationship from node at. */
static void single_rel(mstate *m, int pi, int step, int at) {
  const cy_prel *p = &m->run[pi]->rels[step];
  int col = p->var ? col_of(m, p->var) : -1;
  int was_bound = col >= 0 && m->bound[col];
  cy_adj a;
  cy_adj_open(m->c, &a, at, p->dir, p->types, p->ntypes);
  int rid, next;
  while (next_rel(m, p, &a, &rid, &next)) {
    if (was_bound && (m->vals[col].k != CV_REL || m->vals[col].id != rid)) continue;
    if (col >= 0 && !was_bound) {
      m->vals[col] = (cy_val){.k = CV_REL, .id = rid};
      m->bound[col] = 1;
    }
    use_push(m, rid);
    path_push(m, (cy_val){.k = CV_REL, .id = rid});
    with_node(m, pi, step + 1, next);
    m->npath--;
    m->nused--;
    if (col >= 0 && !was_bound) m->bound[col] = 0;
  }
}

/* Longest trail a variable-length relationship follows: the walk recurses once per hop. */
#define CY_MAX_HOPS 10000

/* Variable-length: depth-first over trails, binding the list of relationships (in the order of
 * the pattern as written, so reversed when the pattern is matched from its end). */
static void var_rel(mstate *m, int pi, int step, int at, int depth, int start_used) {
  const cy_prel *p = &m->run[pi]->rels[step];
  if (depth > CY_MAX_HOPS)
    cy_fail(m->c, "MemoryError", "runtime", "", "a variable-length pattern is longer than %d hops",
            CY_MAX_HOPS);
  if (depth >= p->min) {
    int col = p->var ? col_of(m, p->var) : -1;
    int was_bound = col >= 0 && m->bound[col];
    cy_list *l = col >= 0 ? cy_list_new(m->c, depth) : NULL; /* only a named one is bound */
    for (int i = 0; l && i < depth; i++)
      l->v[m->rev[pi] ? depth - 1 - i : i] = (cy_val){.k = CV_REL, .id = m->used[start_used + i]};
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
  cy_adj a;
  cy_adj_open(m->c, &a, at, p->dir, p->types, p->ntypes);
  int rid, next;
  while (next_rel(m, p, &a, &rid, &next)) {
    use_push(m, rid);
    path_push(m, (cy_val){.k = CV_REL, .id = rid});
    path_push(m, (cy_val){.k = CV_NODE, .id = next});
    var_rel(m, pi, step, next, depth + 1, start_used);
    m->npath -= 2;
    m->nused--;
  }
}

/* A breadth-first search of shortestPath / allShortestPaths: per node reached, its distance
 * from the start and the links (relationship, node one hop nearer) of its shortest paths. */
typedef struct bfs_link {
  int64_t edge;   /* row id */
  int from, next; /* next: the node's next link, or -1 */
} bfs_link;

typedef struct bfs {
  int *dist, *first, cap; /* per node index: hops from the start (-1: not reached), first link */
  int64_t *tree, *branch; /* with track: the edge (row id) a node was reached by, and the
                           * start's edge its tree path begins with (-1: none) */
  int track;
  int links;              /* record links: 0 none, 1 a node's first, 2 all of its shortest */
  int *queue, nqueue, capqueue;
  bfs_link *links_of;      /* the links, chained from first[] */
  int nlinks, caplinks;
} bfs;

/* Grows an arena array of n elements of size sz to at least need, doubling; fills the new part
 * with byte fill. */
static void *bfs_grow(cy_ctx *c, void *old, int *n, int need, size_t sz, int fill) {
  if (need <= *n) return old;
  int cap = *n ? *n : 64;
  while (cap < need) cap *= 2;
  char *p = cy_alloc(c, (size_t)cap * sz);
  if (*n) memcpy(p, old, (size_t)*n * sz);
  memset(p + (size_t)*n * sz, fill, (size_t)(cap - *n) * sz);
  *n = cap;
  return p;
}

/* Makes the per-node arrays of b cover node. */
static void bfs_reach(mstate *m, bfs *b, int node) {
  if (node < b->cap) return;
  int cap = b->cap;
  b->dist = bfs_grow(m->c, b->dist, &cap, node + 1, sizeof(int), -1);
  cap = b->cap;
  b->first = bfs_grow(m->c, b->first, &cap, node + 1, sizeof(int), -1);
  if (b->track) {
    cap = b->cap;
    b->tree = bfs_grow(m->c, b->tree, &cap, node + 1, sizeof(int64_t), -1);
    cap = b->cap;
    b->branch = bfs_grow(m->c, b->branch, &cap, node + 1, sizeof(int64_t), -1);
  }
  b->cap = cap;
}

/* Puts node, dist hops from the start, at the end of the search's queue. */
static void bfs_enqueue(mstate *m, bfs *b, int node, int dist) {
  bfs_reach(m, b, node);
  b->dist[node] = dist;
  b->queue = bfs_grow(m->c, b->queue, &b->capqueue, b->nqueue + 1, sizeof(int), 0);
  b->queue[b->nqueue++] = node;
}

/* Searches from node at over the relationships p allows, layer by layer, up to max hops (-1:
 * no bound) and no further than target's layer when target >= 0; records what b asks for. */
static void bfs_run(mstate *m, bfs *b, const cy_prel *p, int at, int max, int target) {
  bfs_enqueue(m, b, at, 0);
  for (int qi = 0; qi < b->nqueue && !m->stop; qi++) {
    int u = b->queue[qi];
    if (max >= 0 && b->dist[u] >= max) break; /* the queue is in layers */
    if (target >= 0 && target < b->cap && b->dist[target] >= 0 && b->dist[u] >= b->dist[target])
      break;
    cy_adj a;
    cy_adj_open(m->c, &a, u, p->dir, p->types, p->ntypes);
    int64_t edge;
    int next;
    while (next_edge(m, p, &a, &edge, &next)) {
      cy_tick(m->c);
      bfs_reach(m, b, next);
      if (b->dist[next] < 0) {
        bfs_enqueue(m, b, next, b->dist[u] + 1);
        if (b->track) {
          b->tree[next] = edge;
          b->branch[next] = u == at ? edge : b->branch[u];
        }
      }
      if (!b->links || b->dist[next] != b->dist[u] + 1 || (b->links == 1 && b->first[next] >= 0))
        continue;
      b->links_of = bfs_grow(m->c, b->links_of, &b->caplinks, b->nlinks + 1, sizeof(bfs_link), 0);
      b->links_of[b->nlinks] = (bfs_link){edge, u, b->first[next]};
      b->first[next] = b->nlinks++;
    }
  }
}

/* Emits every shortest path to node `to` (one for shortestPath) that the links record, built
 * backwards into rels[0..d-1] and nodes[0..d-1] (nodes[i] is where rels[i] arrives). */
static void shortest_emit(mstate *m, int pi, int step, const bfs *b, int to, int d, int *rels,
                          int *nodes, int end) {
  if (m->stop) return;
  if (d == 0) {
    const cy_pattern *pt = m->run[pi];
    const cy_prel *p = &pt->rels[step];
    int hops = b->dist[end];
    int col = p->var ? col_of(m, p->var) : -1;
    int was_bound = col >= 0 && m->bound[col];
    cy_val v = {.k = CV_NULL};
    if (col >= 0 && p->varlen) {
      cy_list *l = cy_list_new(m->c, hops);
      for (int i = 0; i < hops; i++) l->v[i] = (cy_val){.k = CV_REL, .id = rels[i]};
      v = (cy_val){.k = CV_LIST, .l = l};
    } else if (col >= 0) {
      v = (cy_val){.k = CV_REL, .id = rels[0]};
    }
    if (was_bound && cy_equal(m->c, m->vals[col], v) != 1) return;
    if (col >= 0 && !was_bound) {
      m->vals[col] = v;
      m->bound[col] = 1;
    }
    for (int i = 0; i < hops; i++) {
      use_push(m, rels[i]);
      path_push(m, (cy_val){.k = CV_REL, .id = rels[i]});
      path_push(m, (cy_val){.k = CV_NODE, .id = nodes[i]});
    }
    m->npath--; /* with_node pushes the end again */
    with_node(m, pi, step + 1, end);
    m->npath -= 2 * hops - 1;
    m->nused -= hops;
    if (col >= 0 && !was_bound) m->bound[col] = 0;
    return;
  }
  for (int k = b->first[to]; k >= 0 && !m->stop; k = b->links_of[k].next) {
    rels[d - 1] = cy_rel_of_rid(m->c, b->links_of[k].edge);
    nodes[d - 1] = to;
    shortest_emit(m, pi, step, b, b->links_of[k].from, d - 1, rels, nodes, end);
    if (m->run[pi]->shortest == 1) return;
  }
}

/* shortestPath((a)-[...]->(b)) and allShortestPaths: a breadth-first search from node at over
 * the relationships the pattern allows, then, for each node reached that the end of the
 * pattern accepts (the bound node only, when it is bound), one or all of its shortest paths.
 * The search stops at the bound end's layer; like Neo4j, a lower bound above 1 is refused. */
static void shortest_rel(mstate *m, int pi, int step, int at) {
  cy_ctx *c = m->c;
  const cy_pattern *pt = m->run[pi];
  const cy_prel *p = &pt->rels[step];
  int min = p->varlen ? p->min : 1, max = p->varlen ? p->max : 1;
  if (pt->nrels != 1)
    cy_fail(c, CY_SYNTAX, "compile time", "",
            "shortestPath and allShortestPaths take a pattern of one relationship");
  if (min > 1)
    cy_fail(c, CY_SYNTAX, "compile time", "",
            "shortestPath and allShortestPaths take a minimum length of 0 or 1, not %d", min);
  const cy_pnode *endp = &pt->nodes[step + 1];
  int ecol = endp->var ? col_of(m, endp->var) : -1;
  int target = -1;
  if (ecol >= 0 && m->bound[ecol]) {
    if (m->vals[ecol].k != CV_NODE) return; /* null, or not a node: with_node would refuse */
    target = m->vals[ecol].id;
  }
  bfs b = {.links = pt->shortest};
  bfs_run(m, &b, p, at, max, target);
  int hops = b.nqueue ? b.dist[b.queue[b.nqueue - 1]] : 0;
  int *rels = cy_alloc(c, sizeof(int) * (size_t)(hops + 1));
  int *nodes = cy_alloc(c, sizeof(int) * (size_t)(hops + 1));
  for (int qi = 0; qi < b.nqueue && !m->stop; qi++) {
    int e = b.queue[qi];
    if (b.dist[e] < min || (target >= 0 && e != target)) continue;
    shortest_emit(m, pi, step, &b, e, b.dist[e], rels, nodes, e);
  }
}

/* Whether a closed trail of at most max hops, allowed by p, leaves and returns to the start
 * b->queue[0] (its search is done, with tree[] the relationship each node was reached by and
 * branch[] the start's relationship its tree path begins with). Directed: an allowed
 * relationship into the start from a node at most max - 1 hops out (a shortest path from the
 * start never enters it). Both ways: a relationship outside the tree between two different
 * branches (the start counts as a branch of its own), as in a breadth-first shortest cycle. */
static int reach_returns(mstate *m, const cy_prel *p, const bfs *b, int max) {
  int start = b->queue[0];
  for (int qi = 0; qi < b->nqueue; qi++) {
    int u = b->queue[qi];
    if (max >= 0 && b->dist[u] > max - 1) break;
    if (p->dir != CY_BOTH && u != start) continue;
    cy_adj a;
    /* Directed: the relationships arriving at the start, walked backwards from it. */
    int dir = p->dir == CY_BOTH ? CY_BOTH : p->dir == CY_OUT ? CY_IN : CY_OUT;
    cy_adj_open(m->c, &a, u, dir, p->types, p->ntypes);
    int64_t edge;
    int v;
    while (next_edge(m, p, &a, &edge, &v)) {
      if (v >= b->cap || b->dist[v] < 0) continue;
      if (p->dir != CY_BOTH) {
        if (max < 0 || b->dist[v] <= max - 1) return 1;
        continue;
      }
      if (u == start && v == start) return 1; /* a loop */
      int64_t bu = u == start ? -1 : b->branch[u], bv = v == start ? -1 : b->branch[v];
      if (edge != b->tree[u] && edge != b->tree[v] && bu != bv &&
          (max < 0 || b->dist[u] + 1 + b->dist[v] <= max))
        return 1;
    }
  }
  return 0;
}

/* A variable-length relationship whose trails nobody reads (no variable, no path, the only
 * relationship of its MATCH, and a projection after it that ignores repeated rows): breadth
 * first from node at, each node that some trail of min..max hops ends at is matched once. With
 * min <= 1 those are the nodes 1..max hops away (a shortest path is a trail), and the start
 * itself when a closed trail returns to it. */
static void reach_rel(mstate *m, int pi, int step, int at) {
  const cy_prel *p = &m->run[pi]->rels[step];
  bfs b = {.track = 1};
  bfs_run(m, &b, p, at, p->max, -1);
  if (p->min == 0 || reach_returns(m, p, &b, p->max)) with_node(m, pi, step + 1, at);
  for (int qi = 1; qi < b.nqueue && !m->stop; qi++) with_node(m, pi, step + 1, b.queue[qi]);
}

static void match_step(mstate *m, int pi, int step, int at) {
  if (m->stop) return;
  const cy_pattern *pt = m->run[pi];
  if (step == pt->nrels) {
    int col = pt->pathvar ? col_of(m, pt->pathvar) : -1;
    int was_bound = col >= 0 && m->bound[col];
    if (col >= 0 && !was_bound) {
      /* This pattern's path is the tail of m->path, from where the pattern started. */
      cy_list *l = cy_list_new(m->c, m->npath - m->pstart[pi]);
      for (int i = 0; i < l->n; i++)
        l->v[m->rev[pi] ? l->n - 1 - i : i] = m->path[m->pstart[pi] + i];
      m->vals[col] = (cy_val){.k = CV_PATH, .l = l};
      m->bound[col] = 1;
    }
    match_pattern(m, pi + 1);
    if (col >= 0 && !was_bound) m->bound[col] = 0;
    return;
  }
  if (pt->shortest) {
    shortest_rel(m, pi, step, at);
  } else if (pt->rels[step].varlen && m->ends_only) {
    reach_rel(m, pi, step, at);
  } else if (pt->rels[step].varlen) {
    var_rel(m, pi, step, at, 0, m->nused);
  } else {
    single_rel(m, pi, step, at);
  }
}

/* 0 when name is unbound, 2 when bound to a node, 1 when bound to something else. */
static int is_bound(void *ctx, const char *name) {
  const mstate *m = ctx;
  int col = col_of(m, name);
  if (col < 0 || !m->bound[col]) return 0;
  return m->vals[col].k == CV_NODE ? 2 : 1;
}

/* Starts pattern pi where the planner says: a bound node, a node by element id, the nodes an
 * index gives, the nodes of a label, or every live node in row id order. */
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
  cy_ctx *c = m->c;
  cy_start s = cy_plan_start(c, m->pats[pi], m->where, is_bound, m);
  if (s.reverse && !m->revpat[pi]) m->revpat[pi] = cy_pattern_reverse(c, m->pats[pi]);
  m->run[pi] = s.reverse ? m->revpat[pi] : m->pats[pi];
  m->rev[pi] = s.reverse;
  m->pstart[pi] = m->npath;
  switch (s.kind) {
  case CP_BOUND: {
    cy_val v = m->vals[col_of(m, s.var)];
    if (v.k == CV_NODE) with_node(m, pi, 0, v.id);
    else if (v.k != CV_NULL) cy_type_err(c, "'%s' is not a node", s.var);
    return;
  }
  case CP_ID: {
    cy_env env = env_of(m);
    cy_val id = cy_eval(c, &env, s.idexpr);
    int node = id.k == CV_STR ? cy_node_index(c, id.s) : -1;
    if (node >= 0) with_node(m, pi, 0, node);
    return;
  }
  case CP_INDEX:
  case CP_LABEL: {
    int *nodes, n = -1;
    if (s.kind == CP_INDEX) {
      cy_env env = env_of(m);
      n = cy_index_scan(c, s.ix, s.op, cy_eval(c, &env, s.idexpr), &nodes);
    }
    if (n < 0) n = cy_label_scan(c, s.label, &nodes); /* a value the index cannot look up */
    for (int i = 0; i < n && !m->stop; i++) with_node(m, pi, 0, nodes[i]);
    return;
  }
  case CP_ALL: {
    const graph_cache *gc = cy_cache(c);
    for (uint32_t rid = 1; rid < gc->ncap && !m->stop; rid++)
      if (gc->live[rid]) with_node(m, pi, 0, cy_node_of_rid(c, rid));
    return;
  }
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
  m->run = cy_alloc(c, (size_t)npats * sizeof *m->run);
  m->rev = cy_alloc(c, (size_t)npats * sizeof *m->rev);
  m->revpat = cy_alloc(c, (size_t)npats * sizeof *m->revpat);
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

/* Whether the patterns are one variable-length relationship that reach_rel can match: no
 * variable on it, no path variable, no other relationship to stay distinct from, at least at
 * most one hop. */
static int ends_only_pattern(cy_pattern **pats, int npats) {
  int rels = 0;
  const cy_pattern *with = NULL;
  for (int i = 0; i < npats; i++) {
    rels += pats[i]->nrels;
    if (pats[i]->nrels) with = pats[i];
  }
  if (rels != 1 || with->pathvar || with->shortest) return 0;
  const cy_prel *p = &with->rels[0];
  return p->varlen && !p->var && p->min <= 1;
}

static int emit_row(mstate *m) {
  cy_table *out = m->ctx;
  if (!m->outcol) { /* where each output column comes from, found once per match */
    m->outcol = cy_alloc(m->c, (size_t)(out->ncols + 1) * sizeof *m->outcol);
    for (int i = 0; i < out->ncols; i++) m->outcol[i] = col_of(m, out->cols[i]);
  }
  cy_val *row = cy_alloc(m->c, (size_t)(out->ncols ? out->ncols : 1) * sizeof *row);
  for (int i = 0; i < out->ncols; i++) {
    int col = m->outcol[i];
    row[i] = col >= 0 && m->bound[col] ? m->vals[col] : cy_null;
  }
  cy_table_add(m->c, out, row);
  return m->max_rows >= 0 && out->nrows >= m->max_rows;
}

void cy_match(cy_ctx *c, cy_table *out, const cy_table *in, const cy_val *row,
              cy_pattern **pats, int npats, const cy_expr *where, int64_t max_rows,
              int ends_only) {
  /* The adjacency cache is built when matching first needs it (cy_cache): a lookup by id,
   * index or label that expands nothing never does. */
  mstate m;
  mstate_init(&m, c, in->cols, in->ncols, row, pats, npats);
  m.where = where;
  m.max_rows = max_rows;
  m.ends_only = ends_only && ends_only_pattern(pats, npats);
  m.emit = emit_row;
  m.ctx = out;
  match_pattern(&m, 0);
}

static int emit_tally(mstate *m) {
  (*(int64_t *)m->ctx)++;
  return 0;
}

/* 1 when a pattern of cl binds the variable name. */
static int binds(cy_ctx *c, const cy_clause *cl, const char *name) {
  const char **vars;
  int n = cy_pattern_vars(c, cl->pats, cl->npats, &vars);
  for (int i = 0; i < n; i++)
    if (!strcmp(vars[i], name)) return 1;
  return 0;
}

/* 1 when the lone pattern of cl can be counted from the adjacency cache (cy_chain_count): one
 * or two fixed relationships, no properties, path or WHERE, and all variables new and
 * different. */
static int chain_countable(const cy_clause *cl, int (*bound)(void *, const char *), void *ctx) {
  if (cl->where || cl->npats != 1) return 0;
  const cy_pattern *p = cl->pats[0];
  if (p->pathvar || p->shortest || p->nrels < 1 || p->nrels > 2) return 0;
  const char *vars[5];
  int nv = 0;
  for (int i = 0; i <= p->nrels; i++) {
    if (p->nodes[i].props) return 0;
    if (p->nodes[i].var) vars[nv++] = p->nodes[i].var;
  }
  for (int i = 0; i < p->nrels; i++) {
    if (p->rels[i].props || p->rels[i].varlen) return 0;
    if (p->rels[i].var) vars[nv++] = p->rels[i].var;
  }
  for (int i = 0; i < nv; i++) {
    if (bound(ctx, vars[i])) return 0;
    for (int j = 0; j < i; j++)
      if (!strcmp(vars[i], vars[j])) return 0;
  }
  return 1;
}

cy_count cy_count_kind(cy_ctx *c, const cy_query *q, int i,
                       int (*bound)(void *ctx, const char *name), void *ctx, int wrote) {
  const cy_clause *cl = &q->cl[i];
  if (cl->k != C_MATCH || cl->optional || i + 2 != q->ncl || q->cl[i + 1].k != C_RETURN)
    return CY_COUNT_NONE;
  const cy_proj *p = &q->cl[i + 1].proj;
  const cy_expr *e = p->nitems == 1 ? p->items[0].e : NULL;
  /* count(v) of a variable the MATCH binds is count(*): a match never binds it to null. */
  int counts_rows = e && (e->op == E_COUNT_STAR ||
                          (e->op == E_FUNC && !e->distinct && e->n == 1 &&
                           !strcasecmp(e->name, "count") && e->args[0]->op == E_VAR &&
                           binds(c, cl, e->args[0]->name) && !bound(ctx, e->args[0]->name)));
  if (p->distinct || p->star || !counts_rows || p->norder || p->skip || p->limit || p->where)
    return CY_COUNT_NONE;
  const cy_pnode *lone = cl->npats == 1 && !cl->pats[0]->nrels && !cl->pats[0]->pathvar
                             ? &cl->pats[0]->nodes[0]
                             : NULL;
  if (lone && lone->nlabels == 1 && !lone->props && !cl->where &&
      !(lone->var && bound(ctx, lone->var)))
    return CY_COUNT_LABEL;
  if (!wrote && chain_countable(cl, bound, ctx)) return CY_COUNT_CHAIN;
  return CY_COUNT_MATCHES;
}

static int in_table(void *ctx, const char *name) { return cy_table_col(ctx, name) >= 0; }

cy_table *cy_match_count(cy_ctx *c, const cy_query *q, int i, const cy_table *in) {
  const cy_clause *cl = &q->cl[i];
  cy_count kind = cy_count_kind(c, q, i, in_table, (void *)in, c->writes);
  if (kind == CY_COUNT_NONE) return NULL;
  int64_t n = 0;
  if (kind == CY_COUNT_LABEL) {
    /* (v:Label) alone: the label's count, taken in SQL without reading a row. */
    n = (int64_t)in->nrows * cy_label_count_now(c, cl->pats[0]->nodes[0].labels[0]);
  } else if (kind == CY_COUNT_CHAIN) {
    /* A chain of one or two relationships: counted from adjacency, no match is listed. */
    n = in->nrows ? (int64_t)in->nrows * cy_chain_count(c, cl->pats[0]) : 0;
  } else {
    for (int r = 0; r < in->nrows; r++) {
      mstate m;
      mstate_init(&m, c, in->cols, in->ncols, in->rows[r], cl->pats, cl->npats);
      m.where = cl->where;
      m.emit = emit_tally;
      m.ctx = &n;
      match_pattern(&m, 0);
    }
  }
  cy_table *t = cy_alloc(c, sizeof *t);
  t->ncols = 1;
  t->cols = cy_alloc(c, sizeof *t->cols);
  t->cols[0] = q->cl[i + 1].proj.items[0].alias;
  cy_val *row = cy_alloc(c, sizeof *row);
  row[0] = cy_int(n);
  cy_table_add(c, t, row);
  return t;
}

void cy_env_flatten(cy_ctx *c, const cy_env *env, const char ***cols, cy_val **vals, int *n) {
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

/* Matches p against the graph in env's bindings (rows kept when where holds), feeding each
 * match to k. */
static void match_into(cy_ctx *c, const cy_env *env, const cy_pattern *p, const cy_expr *where,
                       counter *k) {
  const char **cols;
  cy_val *vals;
  int n;
  cy_env_flatten(c, env, &cols, &vals, &n);
  mstate m;
  cy_pattern *pp = (cy_pattern *)p;
  mstate_init(&m, c, cols, n, vals, &pp, 1);
  m.where = where;
  m.emit = emit_count;
  m.ctx = k;
  match_pattern(&m, 0);
}

int cy_pattern_count(cy_ctx *c, const cy_env *env, const cy_pattern *p, int limit) {
  counter k = {.limit = limit};
  match_into(c, env, p, NULL, &k);
  return k.count;
}

cy_list *cy_pattern_collect(cy_ctx *c, const cy_env *env, const cy_pattern *p,
                            const cy_expr *where, const cy_expr *proj) {
  counter k = {.proj = proj};
  match_into(c, env, p, where, &k);
  return k.list ? k.list : cy_list_new(c, 0);
}
