/* cy.h — the Cypher engine's internal interface: values, syntax tree, graph snapshot, context. */
#ifndef ADB_CY_H
#define ADB_CY_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "adb_int.h"

/* ---- Memory: every allocation of one query comes from its arena, freed at the end ---- */

typedef struct cy_chunk cy_chunk;
typedef struct cy_arena {
  cy_chunk *head;
  size_t total;
} cy_arena;

typedef struct cy_ctx cy_ctx;

/* Returns n zeroed bytes from the query's arena; on exhaustion fails the query (longjmp). */
void *cy_alloc(cy_ctx *c, size_t n);
char *cy_strndup(cy_ctx *c, const char *s, size_t n);
char *cy_strdup(cy_ctx *c, const char *s);
void cy_arena_free(cy_arena *a);

/* ---- Values ---- */

typedef enum {
  CV_NULL, CV_BOOL, CV_INT, CV_FLOAT, CV_STR, CV_LIST, CV_MAP, CV_NODE, CV_REL, CV_PATH
} cy_kind;

typedef struct cy_list cy_list;
typedef struct cy_map cy_map;

typedef struct cy_val {
  cy_kind k;
  union {
    int b;
    int64_t i;
    double f;
    const char *s;
    cy_list *l; /* also a path: node, rel, node, ... */
    cy_map *m;
    int32_t id; /* node or relationship index in the snapshot */
  };
} cy_val;

struct cy_list {
  int n;
  cy_val v[];
};

/* Keys are kept sorted bytewise and unique. */
struct cy_map {
  int n;
  const char **k;
  cy_val *v;
};

extern const cy_val cy_null;
cy_val cy_bool(int b);
cy_val cy_int(int64_t i);
cy_val cy_float(double f);
cy_val cy_str(const char *s);
cy_list *cy_list_new(cy_ctx *c, int n);
cy_map *cy_map_new(cy_ctx *c, int cap);
/* Sets key in m (copy made when needed); m must have room (cy_map_new capacity). */
void cy_map_put(cy_ctx *c, cy_map *m, const char *key, cy_val v);
/* The value of key, or NULL when absent. */
const cy_val *cy_map_get(const cy_map *m, const char *key);
/* A new map: m with key set (v not null) or removed. */
cy_map *cy_map_with(cy_ctx *c, const cy_map *m, const char *key, const cy_val *v);

/* Cypher equality: 1 true, 0 false, -1 null (unknown). */
int cy_equal(cy_ctx *c, cy_val a, cy_val b);
/* Comparison for <, >: returns -1/0/1 in *out, or 0 when incomparable (the result is null). */
int cy_compare(cy_ctx *c, cy_val a, cy_val b, int *out);
/* The total order of ORDER BY (nulls last); also the equivalence of DISTINCT and grouping. */
int cy_order(cy_ctx *c, cy_val a, cy_val b);
/* A hash consistent with cy_order equality. */
uint64_t cy_hash(cy_ctx *c, cy_val v);
const char *cy_kind_name(cy_kind k);

/* Appends the TCK literal text of v to b. */
struct buf;
void cy_format(cy_ctx *c, struct buf *b, cy_val v);
/* Appends v as JSON (nodes and relationships as objects with id, labels/type, properties). */
void cy_format_json(cy_ctx *c, struct buf *b, cy_val v);
/* The text of a float as Cypher prints it (always with '.' or an exponent). */
void cy_format_float(char *out, size_t n, double f);

/* ---- Graph snapshot: the graph as the query sees it, written through to the store ---- */

typedef struct cy_node {
  const char *id;
  int nlabels;
  const char **labels; /* sorted */
  cy_map *props;
  int deleted;
  int *out, nout, capout; /* relationship indexes, listed when the node is deleted */
  int *in, nin, capin;
  int64_t rid;               /* row id in the store */
  int stub;                  /* only rid is known yet: cy_node_get loads the rest */
  int loaded;                /* it existed before the query: orig* hold its state then */
  cy_map *orig;
  const char **orig_labels;
  int orig_nlabels;
} cy_node;

typedef struct cy_rel {
  const char *id;
  int src, dst;
  const char *type;
  cy_map *props;
  int deleted;
  int64_t rid;   /* row id in the store */
  int stub;      /* id and props not loaded yet: cy_rel_get loads them */
  int loaded;
  cy_map *orig;
} cy_rel;

typedef struct cy_graph {
  cy_node *nodes;
  int nnodes, capnodes;
  cy_rel *rels;
  int nrels, caprels;
} cy_graph;

/* Side effects, as the TCK counts them. */
typedef struct cy_stats {
  int64_t nodes_created, nodes_deleted, rels_created, rels_deleted;
  int64_t props_set, props_removed, labels_added, labels_removed;
} cy_stats;

/* A value from parsed JSON (integers stay integers). */
struct json_t;
cy_val cy_from_json(cy_ctx *c, struct json_t *j);
/* Makes the adjacency cache current; elements enter the snapshot when a query reaches them. */
void cy_graph_load(cy_ctx *c);
/* Node or relationship i of the snapshot, its id, labels and properties loaded when it was
 * only reached by row id so far; fails the query when the store cannot be read. */
cy_node *cy_node_get(cy_ctx *c, int i);
cy_rel *cy_rel_get(cy_ctx *c, int i);
/* The index of the live node with this id in the snapshot (loading it), or -1. */
int cy_node_index(cy_ctx *c, const char *id);
int cy_node_create(cy_ctx *c, const char **labels, int nlabels, cy_map *props);
int cy_rel_create(cy_ctx *c, int src, int dst, const char *type, cy_map *props);
/* Sets (v not null) or removes a property of a node or relationship. */
void cy_elem_set(cy_ctx *c, cy_val elem, const char *key, cy_val v);
void cy_node_label(cy_ctx *c, int node, const char *label, int add);
void cy_node_delete(cy_ctx *c, int node, int detach);
void cy_rel_delete(cy_ctx *c, int rel);
/* The label text stored for a set of labels (sorted, joined with ':'), or NULL for none. */
const char *cy_labels_text(cy_ctx *c, const char **labels, int n);
int cy_node_has_label(const cy_node *n, const char *label);
/* Fills c->stats with the difference between the graph before the query and now, which is
 * how the TCK counts side effects (a value overwritten is one property removed and one set).
 * Every element written was loaded first, so the snapshot's loaded and created entries hold all
 * changes; label names are checked against the rest of the graph in SQL. */
void cy_stats_compute(cy_ctx *c);

/* ---- Syntax tree ---- */

typedef enum {
  E_LIT, E_PARAM, E_VAR, E_PROP, E_INDEX, E_SLICE, E_LIST, E_MAP, E_FUNC, E_COUNT_STAR,
  E_OR, E_XOR, E_AND, E_NOT, E_EQ, E_NE, E_LT, E_GT, E_LE, E_GE, E_ADD, E_SUB, E_MUL, E_DIV,
  E_MOD, E_POW, E_NEG, E_IN, E_STARTS, E_ENDS, E_CONTAINS, E_REGEX, E_ISNULL, E_NOTNULL,
  E_CASE, E_LISTCOMP, E_ANY, E_ALL, E_NONE, E_SINGLE, E_REDUCE, E_HASLABELS, E_PATTERN,
  E_PATCOMP, E_EXISTS_SUB, E_MAPPROJ
} cy_eop;

typedef struct cy_pattern cy_pattern;
typedef struct cy_expr cy_expr;

struct cy_expr {
  cy_eop op;
  int pos;          /* byte offset in the query */
  int height;       /* levels of the tree below and including this node */
  cy_val lit;       /* E_LIT */
  const char *name; /* variable, property key, function name, parameter */
  cy_expr *a, *b, *c, *d;
  cy_expr **args;   /* list items, map values, function arguments, CASE when/then pairs */
  const char **keys; /* map keys, labels of E_HASLABELS; map projection item kinds */
  int n;
  int distinct;     /* function call with DISTINCT */
  int agg;          /* set by the checker: an aggregating function call */
  cy_pattern *pat;  /* pattern predicate or comprehension */
};

typedef struct cy_pnode {
  const char *var;
  const char **labels;
  int nlabels;
  cy_expr *props;
} cy_pnode;

#define CY_OUT 1
#define CY_IN 2
#define CY_BOTH 3

typedef struct cy_prel {
  const char *var;
  const char **types;
  int ntypes;
  cy_expr *props;
  int dir;
  int varlen, min, max; /* max -1: unbounded */
} cy_prel;

struct cy_pattern {
  const char *pathvar;
  int nrels;
  cy_pnode *nodes; /* nrels + 1 */
  cy_prel *rels;
  int shortest;    /* 1 shortestPath, 2 allShortestPaths */
};

typedef struct cy_item {
  cy_expr *e;
  const char *alias; /* column name: the alias, or the expression's text */
  int aliased;
} cy_item;

typedef struct cy_sort {
  cy_expr *e;
  int desc;
} cy_sort;

typedef struct cy_proj {
  int distinct, star;
  cy_item *items;
  int nitems;
  cy_sort *order;
  int norder;
  cy_expr *skip, *limit, *where;
} cy_proj;

typedef struct cy_setitem {
  int kind; /* SI_PROP, SI_ASSIGN, SI_MERGE, SI_LABELS */
  cy_expr *target;     /* E_PROP for a property; E_VAR otherwise */
  const char *var;
  cy_expr *value;
  const char **labels;
  int nlabels;
} cy_setitem;
enum { SI_PROP, SI_ASSIGN, SI_MERGE, SI_LABELS };

typedef enum { C_MATCH, C_UNWIND, C_WITH, C_RETURN, C_CREATE, C_MERGE, C_SET, C_REMOVE, C_DELETE,
               C_CALL } cy_ckind;

typedef struct cy_clause {
  cy_ckind k;
  int pos;
  int optional;         /* OPTIONAL MATCH */
  int detach;           /* DETACH DELETE */
  cy_pattern **pats;
  int npats;
  cy_expr *where;
  cy_expr *expr;        /* UNWIND */
  const char *var;      /* UNWIND ... AS var */
  cy_proj proj;         /* WITH, RETURN */
  cy_setitem *sets;     /* SET, REMOVE; MERGE: ON CREATE then ON MATCH */
  int nsets, ncreate_sets;
  cy_expr **exprs;      /* DELETE */
  int nexprs;
  const char *proc;     /* CALL; exprs are its arguments, where follows YIELD */
  const char **yields;  /* the procedure's outputs YIELD names */
  const char **yield_vars; /* the variables they are bound to (YIELD out AS var) */
  int nyields;
} cy_clause;

typedef struct cy_query {
  cy_clause *cl;
  int ncl;
  struct cy_query *next; /* UNION */
  int union_all;
} cy_query;

/* ---- Errors ---- */

#define CY_SYNTAX "SyntaxError"
#define CY_TYPE "TypeError"
#define CY_ARG "ArgumentError"
#define CY_SEMANTIC "SemanticError"
#define CY_NOTFOUND "EntityNotFound"
#define CY_CONSTRAINT "ConstraintVerificationFailed"

/* ---- The context of one query ---- */

struct cy_ctx {
  adb *db;
  cy_arena arena;
  jmp_buf jb;
  int failed;
  const char *err_type, *err_phase, *err_detail;
  char err_msg[400];
  int store_rc;
  const char *src;
  size_t srclen;
  int depth;
  cy_map *params;
  cy_graph g;
  cy_stats stats;
  uint64_t rng;
  int writes;      /* the query has write clauses */
  void *ids;       /* row id -> index maps and the adjacency cache (cy_graph.c) */
};

/* Fails the query: records the error and jumps back to the query's entry. */
void cy_fail(cy_ctx *c, const char *type, const char *phase, const char *detail,
             const char *fmt, ...) __attribute__((format(printf, 5, 6), noreturn));
#define cy_compile_err(c, detail, ...) cy_fail(c, CY_SYNTAX, "compile time", detail, __VA_ARGS__)
#define cy_type_err(c, ...) cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", __VA_ARGS__)

/* ---- Phases ---- */

/* Parses the whole query text. */
cy_query *cy_parse(cy_ctx *c, const char *src, size_t len);
/* Checks variables, aggregation and other compile-time rules. */
void cy_check(cy_ctx *c, cy_query *q);

/* A table of rows: the result of a clause. */
typedef struct cy_table {
  int ncols;
  const char **cols;
  cy_val **rows;
  int nrows, cap;
} cy_table;

void cy_table_add(cy_ctx *c, cy_table *t, cy_val *row);

/* An evaluation scope: a row of a table, plus locally bound variables. */
typedef struct cy_env {
  const cy_table *t;
  cy_val *row;
  const char *local;
  cy_val localval;
  const struct cy_env *up;
  cy_val *aggs; /* values of the aggregates of a projection item, in walk order */
  int *aggi;
} cy_env;

cy_val cy_eval(cy_ctx *c, const cy_env *env, const cy_expr *e);
/* Three-valued truth of a predicate: 1, 0, or -1 for null; non-booleans are type errors. */
int cy_truth(cy_ctx *c, cy_val v);
/* Calls a non-aggregating function. */
cy_val cy_call(cy_ctx *c, const cy_expr *e, cy_val *args, int n);
/* date(), localtime(), time(), localdatetime(), datetime() named by fn (cy_temporal.c):
 * ISO 8601 text from a map of fields, an ISO 8601 string (normalised), or nothing (now); and
 * their .truncate(unit, value[, map]) forms. */
cy_val cy_temporal(cy_ctx *c, const char *fn, cy_val *args, int n);
/* A temporal value taken apart: which parts it has, days since the epoch, nanoseconds since
 * midnight and the offset from UTC in seconds. */
typedef struct cy_tv {
  int has_date, has_time, has_zone;
  int64_t days, ns, off;
} cy_tv;
/* The temporal text v taken apart; fails the query (naming fn) when it is not one. */
cy_tv cy_tv_arg(cy_ctx *c, const char *fn, cy_val v);
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t cy_days_from_civil(int64_t y, int64_t m, int64_t d);
void cy_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);
/* duration() and duration.between/inMonths/inDays/inSeconds named by fn (cy_duration.c):
 * ISO 8601 duration text such as 'P1Y2M3DT4H5M6.5S'. */
cy_val cy_duration(cy_ctx *c, const char *fn, cy_val *args, int n);
/* 1 when name is a known function, 2 when it is an aggregate, 0 when unknown. */
int cy_func_kind(const char *name);
/* Checks the number of arguments of a known function (compile time). */
void cy_func_arity(cy_ctx *c, const char *name, int n);

/* Matches patterns against the graph for one input row, appending output rows to out.
 * Output columns are t->cols then the pattern's new variables (in out->cols). */
void cy_match(cy_ctx *c, cy_table *out, const cy_table *in, const cy_val *row,
              cy_pattern **pats, int npats, const cy_expr *where);
/* When clause i of q is a MATCH followed only by RETURN count(*), counts the matches for every
 * row of in without listing them and returns the RETURN's one-row table; otherwise NULL. */
cy_table *cy_match_count(cy_ctx *c, const cy_query *q, int i, const cy_table *in);
/* Evaluates a pattern predicate: how many matches (stopping at limit). With collect, the
 * matches' values of proj are appended to *list. */
int cy_pattern_count(cy_ctx *c, const cy_env *env, const cy_pattern *p, int limit);
cy_list *cy_pattern_collect(cy_ctx *c, const cy_env *env, const cy_pattern *p,
                            const cy_expr *where, const cy_expr *proj);
/* Variables a pattern introduces that are not columns of cols, in order. */
int cy_pattern_vars(cy_ctx *c, cy_pattern **pats, int npats, const char ***out);

/* ---- Procedures (CALL) ---- */

/* The procedure named name, or NULL when there is none. Its outputs are listed in order. */
typedef struct cy_proc {
  const char *name;
  int min_args, max_args;
  int nouts;
  const char *const *outs;
  const int *out_node; /* 1 for an output that is a node */
  /* Appends a row of the procedure's outputs (in outs order) to out for each result. */
  void (*run)(cy_ctx *c, cy_val *args, int nargs, cy_table *out);
} cy_proc;
const cy_proc *cy_proc_find(const char *name);

/* Runs the query, producing the result table. */
cy_table *cy_exec(cy_ctx *c, cy_query *q);

/* Value of a variable in env, or NULL when unbound. */
const cy_val *cy_env_get(const cy_env *env, const char *name);

#endif
