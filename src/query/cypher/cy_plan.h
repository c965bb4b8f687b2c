/* cy_plan.h — how MATCH reaches the graph: snapshot entry by row id, scans, expansion through
 * the adjacency cache (cy_graph.c), and the choice of where each pattern starts (cy_plan.c). */
#ifndef ADB_CY_PLAN_H
#define ADB_CY_PLAN_H

#include "graph/graph.h"
#include "query/cypher/cy.h"

/* ---- Reaching elements (cy_graph.c) ---- */

/* The adjacency cache, current for this query; fails the query when it cannot be built. */
const graph_cache *cy_cache(cy_ctx *c);
/* The snapshot index of the node or relationship with this row id, entered as a stub (row id,
 * and for a relationship its endpoints and type from the cache) when new. */
int cy_node_of_rid(cy_ctx *c, int64_t rid);
int cy_rel_of_rid(cy_ctx *c, int64_t rid);
/* The live nodes with label, in row id order, loaded; *out is valid for the query. */
int cy_label_scan(cy_ctx *c, const char *label, int **out);
/* The nodes of the rows of st (rid, id, label, props first), loaded, in its order; *out is
 * valid for the query. Finalizes st; fails the query when a step fails. */
int cy_scan_rows(cy_ctx *c, sqlite3_stmt *st, int **out);
/* How many live nodes have label, counted once per query: an estimate for planning, which the
 * query's own writes may have made stale. */
int64_t cy_label_count(cy_ctx *c, const char *label);
/* How many live nodes have label now, counted in SQL at each call. */
int64_t cy_label_count_now(cy_ctx *c, const char *label);
/* How a MATCH followed only by RETURN count(*) (or count(v)) is counted: not that shape, by
 * listing its matches without keeping them, from the label's count, or from adjacency
 * (cy_chain_count). */
typedef enum cy_count { CY_COUNT_NONE, CY_COUNT_MATCHES, CY_COUNT_LABEL, CY_COUNT_CHAIN } cy_count;
/* How clause i of q is counted, given which variables bound() says are bound and whether the
 * query wrote before it. */
cy_count cy_count_kind(cy_ctx *c, const cy_query *q, int i,
                       int (*bound)(void *ctx, const char *name), void *ctx, int wrote);

/* How many live nodes there are (counted once per query, for planning). */
int64_t cy_node_count(cy_ctx *c);
/* How many matches the pattern p has, counted from the adjacency cache without listing them:
 * p is one or two fixed relationships (types, directions), its nodes have labels at most, and
 * its variables are all different. Only for a query that has not written. */
int64_t cy_chain_count(cy_ctx *c, const cy_pattern *p);

/* One relationship a cursor read from the indexes. */
typedef struct cy_adj_row {
  int64_t edge, other;
  int side;
} cy_adj_row;

/* The visible relationships of one node in one or both directions with one of some types (none:
 * any), from the adjacency cache, or, while the handle has none and its walks have not read
 * their share through the indexes (graph_cache_for_walk), read from the indexes when opened
 * (rows; they and their ends then enter the snapshot at once). A self-loop is given once, as
 * outgoing. Either way in the same order. */
typedef struct cy_adj {
  const graph_cache *gc;
  uint32_t node;
  int dir, side; /* side: CY_OUT while walking the out-list, then CY_IN */
  uint32_t i;
  uint32_t *types;
  int ntypes;
  cy_adj_row *rows; /* read from the indexes when gc is NULL */
  uint32_t nrows;
} cy_adj;

void cy_adj_open(cy_ctx *c, cy_adj *a, int node, int dir, const char *const *types, int ntypes);
/* As cy_adj_open, for a live node given by row id (0: none). */
void cy_adj_open_rid(cy_ctx *c, cy_adj *a, int64_t node, int dir, const char *const *types,
                     int ntypes);
/* 1 with the next relationship's index, the node at its other end and CY_OUT or CY_IN (how it
 * leaves the node), or 0 after the last. */
int cy_adj_next(cy_ctx *c, cy_adj *a, int *rel, int *other, int *side);
/* As cy_adj_next, with the edge's and the other node's row ids: neither enters the snapshot. */
int cy_adj_next_rid(cy_adj *a, int64_t *edge, int64_t *other, int *side);
/* Whether this query deleted the relationship with this edge row id. */
int cy_rel_gone(cy_ctx *c, int64_t edge);

/* ---- Indexes (cy_index.c) ---- */

/* An index on the property prop of the nodes with label; unique: a uniqueness constraint. */
typedef struct cy_index {
  const char *name, *label, *prop;
  int unique;
} cy_index;

/* The indexes, read once per query: their number, and the array in *out. */
int cy_indexes(cy_ctx *c, const cy_index **out);
/* The live nodes of the index's label whose property may satisfy "prop op v" (op E_EQ, E_LT,
 * E_LE, E_GT or E_GE), in row id order: a superset, which matching checks again. -1 when v is
 * of a kind the index cannot look up (a list, a map, a boolean in a range): scan instead. */
int cy_index_scan(cy_ctx *c, const cy_index *x, int op, cy_val v, int **out);
/* The SQL (and Cypher) text of a comparison op: E_EQ, E_LT, E_LE, E_GT or E_GE. */
const char *cy_cmp_text(int op);
/* Runs a CREATE, DROP or SHOW of indexes or constraints; SHOW's rows, else a table without
 * columns. */
cy_table *cy_schema_run(cy_ctx *c, const cy_schema *s);
/* Fails the query when a node it created or changed has the value of a uniqueness constraint's
 * property that another live node of the label has. */
void cy_index_enforce(cy_ctx *c);

/* ---- Planning (cy_plan.c) ---- */

typedef enum { CP_BOUND, CP_ID, CP_LABEL, CP_ALL, CP_INDEX } cy_start_kind;

/* Where a pattern starts: at its first node, or at its last (reverse: the pattern is matched
 * backwards), and how that node is found. */
typedef struct cy_start {
  int reverse;
  cy_start_kind kind;
  const char *var;
  const char *label;     /* CP_LABEL */
  const cy_expr *idexpr; /* CP_ID: the element id the node must have; CP_INDEX: the value */
  const cy_index *ix;    /* CP_INDEX: the node's property compares as op with idexpr */
  int op;
  /* About how many nodes the start gives, counted only when compared (cy_start_est): the live
   * nodes of est_label (of every label when NULL), divided by est_div when it is above 1, plus
   * one but never more than the count; est_div CY_EST_ONE gives at most one (exactly one
   * without a label: a bound node or an element id). */
  const char *est_label;
  int64_t est_div;
} cy_start;

#define CY_EST_ONE INT64_MAX

/* The estimate of s, counting what it needs (once per query): a label's live nodes, or every
 * live node (which builds the adjacency cache). */
int64_t cy_start_est(cy_ctx *c, const cy_start *s);

/* Chooses the start of p: a node variable already bound (bound(ctx, name) is 0 when unbound, 2
 * when bound to a node, 1 when bound to another value, which only the first node uses), else one
 * whose elementId the WHERE conjuncts fix to a literal or parameter, else the most selective of
 * an index lookup (the property equal to a literal or parameter in the node's map or WHERE, or
 * compared with one in WHERE) and the node's labels, else all nodes; the first node unless the
 * last one is strictly better. */
cy_start cy_plan_start(cy_ctx *c, const cy_pattern *p, const cy_expr *where,
                       int (*bound)(void *ctx, const char *name), void *ctx);
/* p matched from its last node: nodes and relationships reversed, directions flipped. */
cy_pattern *cy_pattern_reverse(cy_ctx *c, const cy_pattern *p);

/* The plan of q as a one-column table ("plan"), one row per operator, without running it. */
cy_table *cy_explain(cy_ctx *c, const cy_query *q);

/* PROFILE: runs q, writes included, and returns instead of its rows one row per clause (UNION
 * parts included; the clauses a FOREACH or CALL { } runs count in theirs): the clause's text,
 * the rows it passed on and the milliseconds it took; then "(result)" with the query's rows
 * and its whole time. */
cy_table *cy_profile(cy_ctx *c, cy_query *q);
/* The executor's report of one clause run (ignored unless PROFILE counts that clause). */
void cy_prof_note(cy_ctx *c, const cy_clause *cl, int64_t rows, double ms);

#endif
