/* cy.h — the Cypher engine's internal interface: values, syntax tree, graph snapshot, context. */
#ifndef ADB_CY_H
#define ADB_CY_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "adb_int.h"
#include "util/buf.h"

/* ---- Memory: every allocation of one query comes from its arena, freed at the end ---- */

typedef struct cy_chunk cy_chunk;
typedef struct cy_arena {
  cy_chunk *head;
  size_t total;
} cy_arena;

typedef struct cy_ctx cy_ctx;
typedef struct cy_tzc cy_tzc; /* named time zones a query opened (cy_tz.c) */

/* Returns n zeroed bytes from the query's arena; on exhaustion fails the query (longjmp). */
void *cy_alloc(cy_ctx *c, size_t n);
char *cy_strndup(cy_ctx *c, const char *s, size_t n);
char *cy_strdup(cy_ctx *c, const char *s);
void cy_arena_free(cy_arena *a);

/* ---- Values ---- */

typedef enum {
  CV_NULL, CV_BOOL, CV_INT, CV_FLOAT, CV_STR, CV_LIST, CV_MAP, CV_NODE, CV_REL, CV_PATH,
  CV_TEMPORAL, CV_DURATION /* date, time, ... (cy_temporal_ops.c); duration */
} cy_kind;

typedef struct cy_list cy_list;
typedef struct cy_map cy_map;
struct cy_tv;
struct cy_dur;

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
    const struct cy_tv *tv;   /* CV_TEMPORAL: which parts it has says which kind it is */
    const struct cy_dur *dur; /* CV_DURATION */
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
struct ut_buf;
void cy_format(cy_ctx *c, struct ut_buf *b, cy_val v);
/* Appends v as JSON (nodes and relationships as objects with id, labels/type, properties). */
void cy_format_json(cy_ctx *c, struct ut_buf *b, cy_val v);
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
  const char *props_text;    /* a scan read the row: props is parsed from it by cy_node_get */
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
  int rels_gone; /* relationships this query deleted */
} cy_graph;

/* Side effects, as the TCK counts them. */
typedef struct cy_stats {
  int64_t nodes_created, nodes_deleted, rels_created, rels_deleted;
  int64_t props_set, props_removed, labels_added, labels_removed;
} cy_stats;

/* A value from parsed JSON (integers stay integers; a stored temporal such as
 * {"$date": "2015-07-21"} becomes that temporal). */
struct json_t;
cy_val cy_from_json(cy_ctx *c, struct json_t *j);
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
  E_PATCOMP, E_SUBQUERY, E_MAPPROJ
} cy_eop;

typedef struct cy_pattern cy_pattern;
/* The aggregating functions, in the order of cy_func.c's table. */
typedef enum cy_aggfn {
  CY_AGG_NONE,
  CY_AGG_COUNT,
  CY_AGG_SUM,
  CY_AGG_AVG,
  CY_AGG_MIN,
  CY_AGG_MAX,
  CY_AGG_COLLECT,
  CY_AGG_STDEV,
  CY_AGG_STDEVP,
  CY_AGG_PERCENTILE_CONT,
  CY_AGG_PERCENTILE_DISC
} cy_aggfn;

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
  cy_aggfn aggfn;   /* set with agg: which aggregate */
  int fn;           /* set by the checker: 1 + the called function's place in cy_func.c's table */
  cy_pattern *pat;  /* pattern predicate or comprehension */
  struct cy_query *sub; /* E_SUBQUERY: the query of EXISTS, COUNT or COLLECT { } (name says which) */
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
               C_CALL, C_FOREACH, C_SUBQUERY, C_LOADCSV, C_SCHEMA } cy_ckind;

/* CREATE, DROP or SHOW of indexes or uniqueness constraints: a query of its own (cy_index.c). */
typedef enum { CS_CREATE, CS_DROP, CS_SHOW } cy_schema_op;

typedef struct cy_schema {
  cy_schema_op op;
  int constraint;        /* CONSTRAINT ... IS UNIQUE, not INDEX */
  const char *name;      /* CREATE without a name: NULL, made from the label and property */
  const char *label, *prop;
  int if_exists;         /* CREATE ... IF NOT EXISTS, DROP ... IF EXISTS */
} cy_schema;

/* The columns of a SHOW (none for CREATE and DROP): their number, and the names in *cols. */
int cy_schema_columns(const cy_schema *s, const char ***cols);

typedef struct cy_clause {
  cy_ckind k;
  int pos;
  int optional;         /* OPTIONAL MATCH */
  int detach;           /* DETACH DELETE */
  cy_pattern **pats;
  int npats;
  cy_expr *where;
  cy_expr *expr;        /* UNWIND, FOREACH: the list; LOAD CSV: the URL */
  const char *var;      /* UNWIND ... AS var, FOREACH (var IN ...), LOAD CSV ... AS var */
  int headers;          /* LOAD CSV WITH HEADERS */
  char fieldterm;       /* LOAD CSV ... FIELDTERMINATOR (',' unless given) */
  struct cy_query *body; /* FOREACH: its update clauses; CALL { }: its query */
  cy_proj proj;         /* WITH, RETURN */
  cy_setitem *sets;     /* SET, REMOVE; MERGE: ON CREATE then ON MATCH */
  int nsets, ncreate_sets;
  cy_expr **exprs;      /* DELETE */
  int nexprs;
  const char *proc;     /* CALL; exprs are its arguments, where follows YIELD */
  const char **yields;  /* the procedure's outputs YIELD names */
  const char **yield_vars; /* the variables they are bound to (YIELD out AS var) */
  int nyields;
  int implicit_args;    /* CALL p without parentheses: the parameters of the arguments' names */
  int yield_all;        /* YIELD * */
  int standalone;       /* set by the checker: the CALL is the whole query */
  cy_schema *schema;    /* C_SCHEMA */
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
#define CY_UNSUPPORTED "NotSupported" /* a feature of Cypher this engine does not have */

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
  int64_t now_ms;  /* the statement's clock: every date()/time() without arguments reads it */
  int writes;      /* the query has write clauses */
  void *ids;       /* row id -> index maps and the adjacency cache (cy_graph.c) */
  cy_tzc *tz;      /* named time zones opened (cy_tz.c) */
  uint32_t ticks;  /* cy_tick calls, to read the clock only now and then */
  struct cy_prof *prof; /* PROFILE: what each clause of the query gave and took; else NULL */
  struct cy_ixset *ix;  /* the indexes, read once per query (cy_index.c) */
  ut_buf held[8];  /* buffers being built (cy_buf_hold): a failure frees them */
  int nheld;
};

/* Text built with malloc'd memory while the query may still fail: cy_buf_hold returns a new
 * empty buffer of the context's (never on a stack that a failure unwinds) so that a failure
 * (a longjmp) frees its memory; cy_buf_take copies it into the arena, frees it and forgets it
 * (holds are taken in the reverse order of cy_buf_hold). */
ut_buf *cy_buf_hold(cy_ctx *c);
char *cy_buf_take(cy_ctx *c, ut_buf *b);
/* Frees a held buffer and forgets it, as cy_buf_take does, without copying it. */
void cy_buf_drop(cy_ctx *c, ut_buf *b);
/* Frees the buffers still held: the failure path of a query. */
void cy_buf_release(cy_ctx *c);

/* Fails the query: records the error and jumps back to the query's entry. */
void cy_fail(cy_ctx *c, const char *type, const char *phase, const char *detail,
             const char *fmt, ...) __attribute__((format(printf, 5, 6), noreturn));
#define cy_compile_err(c, detail, ...) cy_fail(c, CY_SYNTAX, "compile time", detail, __VA_ARGS__)
#define cy_type_err(c, ...) cy_fail(c, CY_TYPE, "runtime", "InvalidArgumentType", __VA_ARGS__)

/* Fails the query once the handle's time limit (adb_set_time_limit) has passed. Inner loops
 * call it: it reads the clock once every 1024 calls. */
void cy_tick(cy_ctx *c);

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
/* The index of the column name in t, or -1. */
int cy_table_col(const cy_table *t, const char *name);

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
/* date(), localtime(), time(), localdatetime(), datetime() named by fn (cy_temporal.c): a
 * temporal value from a map of fields, an ISO 8601 string, another temporal, or nothing (now);
 * and their .truncate(unit, value[, map]) forms. */
cy_val cy_temporal(cy_ctx *c, const char *fn, cy_val *args, int n);
/* A temporal value taken apart: which parts it has, days since the epoch, nanoseconds since
 * midnight and the offset from UTC in seconds. */
typedef struct cy_tv {
  int has_date, has_time, has_zone;
  int64_t days, ns, off;
  const char *zone; /* a named zone's id (a date and time only; off is its offset), or NULL */
} cy_tv;
/* The temporal value v taken apart; fails the query (naming fn) when it is not one. */
cy_tv cy_tv_arg(cy_ctx *c, const char *fn, cy_val v);
/* Named time zones (cy_tz.c), cached per query in c->tz. The first three return 0 or a
 * negative status: CY_TZ_UNKNOWN (not a tz database id), CY_TZ_UNAVAILABLE (a build without
 * the tz database), CY_TZ_RANGE (an instant the database cannot place) or ADB_NOMEM. */
#define CY_TZ_UNKNOWN (-100)
#define CY_TZ_UNAVAILABLE (-101)
#define CY_TZ_RANGE (-102)
int cy_tz_valid(cy_tzc **cache, const char *zone);
/* *off: the offset from UTC in seconds in force in zone utc_s seconds after the epoch. */
int cy_tz_offset_at_utc(cy_tzc **cache, const char *zone, int64_t utc_s, int32_t *off);
/* *off: the offset in zone of the wall-clock time local_s (seconds since 1970-01-01T00:00 on
 * that clock); a time in a gap or an overlap gets the offset in force before the transition. */
int cy_tz_offset_at_local(cy_tzc **cache, const char *zone, int64_t local_s, int32_t *off);
/* Closes the zones of a cache (NULL: nothing to close). */
void cy_tz_free(cy_tzc *cache);
/* Fails the query unless zone is a known zone id. */
void cy_tz_check(cy_ctx *c, const char *zone);
/* Sets t->off to the offset of t->zone at t's wall-clock date and time, as Java does: a time
 * in a gap moves forward by the gap, one in an overlap takes the earlier offset. A time of day
 * without a date takes the offset in force now, and keeps no zone. Fails the query for an
 * unknown zone. */
void cy_tz_local(cy_ctx *c, cy_tv *t);
/* Like cy_tz_local for a zoned value whose date or time changed, but keeps t->off when it is
 * still one the zone has at the new wall-clock time (the later offset of an overlap stays). */
void cy_tz_keep(cy_ctx *c, cy_tv *t);
/* Moves t (a wall-clock time at t->off) to the same instant in zone (an id, or NULL for the
 * fixed offset off); a time of day without a date keeps only the offset. */
void cy_tz_move(cy_ctx *c, cy_tv *t, const char *zone, int64_t off);
/* The largest year of a temporal value (Neo4j's); a larger one is an ArgumentError. */
#define CY_YEAR_MAX 999999999
/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t cy_days_from_civil(int64_t y, int64_t m, int64_t d);
void cy_civil_from_days(int64_t days, int64_t *y, int64_t *m, int64_t *d);
/* duration() and duration.between/inMonths/inDays/inSeconds named by fn (cy_duration.c): a
 * duration value (printed as ISO 8601 text such as 'P1Y2M3DT4H5M6.5S'). */
cy_val cy_duration(cy_ctx *c, const char *fn, cy_val *args, int n);
/* 1 when name is a known function, 2 when it is an aggregate, 0 when unknown. */
int cy_func_kind(const char *name);
/* The aggregate called name, or CY_AGG_NONE. */
cy_aggfn cy_func_agg(const char *name);
/* Checks the number of arguments of the function call e (compile time), and records which
 * function it calls, so that no run looks it up by name again. */
void cy_func_check(cy_ctx *c, cy_expr *e);

/* Matches patterns against the graph for one input row, appending output rows to out, and
 * stops once out holds max_rows rows (-1: no bound), so that a LIMIT ends the search. With
 * ends_only (the rows' multiplicity does not matter to what follows), a lone variable-length
 * relationship nobody reads yields each end node once, found breadth first, instead of once
 * per trail. Output columns are t->cols then the pattern's new variables (in out->cols). */
void cy_match(cy_ctx *c, cy_table *out, const cy_table *in, const cy_val *row,
              cy_pattern **pats, int npats, const cy_expr *where, int64_t max_rows,
              int ends_only);
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
/* The variables visible in env, outer scopes first (a name bound again inside comes again,
 * later), as parallel arrays of names and values. */
void cy_env_flatten(cy_ctx *c, const cy_env *env, const char ***cols, cy_val **vals, int *n);

/* ---- Procedures (CALL) ---- */

/* A declared type of a procedure argument or output; the order matches the type names. */
typedef enum {
  CT_ANY, CT_BOOLEAN, CT_INTEGER, CT_FLOAT, CT_NUMBER, CT_STRING, CT_MAP, CT_LIST, CT_NODE,
  CT_RELATIONSHIP, CT_PATH
} cy_tkind;
typedef struct cy_type {
  cy_tkind k;
  int nullable;
  struct cy_type *elem; /* CT_LIST: the type of the elements */
} cy_type;

typedef struct cy_pfield {
  char *name;
  cy_type *type;
  struct json_t *dflt; /* an argument's default value, or NULL when it is required */
} cy_pfield;

/* A parsed signature (cy_sig.c); every part is malloc'd. nouts 0 is a VOID procedure. */
typedef struct cy_sig {
  char *name;
  int nargs, nrequired, nouts;
  cy_pfield *args, *outs;
} cy_sig;

/* Parses `ns.name(arg :: TYPE?, opt = JSON :: TYPE, ...) :: (out :: TYPE?, ...)` (`:: VOID`,
 * `:: ()` or nothing after the arguments for no outputs). Returns ADB_OK, or ADB_INVALID with
 * the reason and its position in err. Release with cy_sig_free. */
int cy_sig_parse(const char *text, cy_sig *sig, char *err, size_t errlen);
void cy_sig_free(cy_sig *sig);
void cy_type_free(cy_type *t);
/* The type as a signature writes it ("LIST? OF INTEGER"), truncated to n bytes. */
void cy_type_text(const cy_type *t, char *out, size_t n);
/* Checks v against t, coercing INTEGER to FLOAT where a FLOAT is declared: returns 1 with the
 * value in *out, or 0 when v is not of the type (null only fits a nullable type). */
int cy_type_coerce(cy_ctx *c, const cy_type *t, cy_val v, cy_val *out);

/* A procedure CALL can run: a built-in (run) or one registered through the C API (fn). */
typedef struct cy_proc {
  cy_sig sig;
  /* A built-in: appends a row of the outputs (in sig.outs order) to out for each result;
   * args are checked and coerced, with defaults filled in. */
  void (*run)(cy_ctx *c, cy_val *args, cy_table *out);
  adb_procedure_fn fn;
  void *ctx;
  void (*destroy)(void *ctx);
} cy_proc;

/* A built-in procedure: its signature and its run function (cy_proc.c). */
typedef struct cy_builtin {
  const char *signature;
  void (*run)(cy_ctx *c, cy_val *args, cy_table *out);
} cy_builtin;
extern const cy_builtin cy_builtins[];
extern const int cy_nbuiltins;

/* The procedure named name on the query's handle, or NULL when there is none; fails the query
 * (MemoryError) when the registry cannot be set up. */
const cy_proc *cy_proc_find(cy_ctx *c, const char *name);
/* Runs pr with one call's argument values (evaluated, not yet checked; fewer than nargs when
 * defaults apply), appending its output rows to out; fails the query on an argument of the
 * wrong type (TypeError) or a failed callback (ProcedureError). */
void cy_proc_call(cy_ctx *c, const cy_proc *pr, cy_val *args, int nargs, cy_table *out);

/* 1 when a clause of q (or of a UNION part, or of a clause's body) writes. */
int cy_query_writes(const cy_query *q);
/* 1 when the clause writes (or a body it holds does). */
int cy_clause_writes(const cy_clause *cl);

/* LOAD CSV (cy_csv.c): the records of the file url names under the handle's import directory
 * (adb_set_import_dir), each a list of its fields as strings (null for an empty field that is
 * not quoted), sep between fields; fails the query when there is no import directory, the URL
 * is not file:/// or leads outside it, the file cannot be read, or it is not CSV. */
cy_list *cy_csv_read(cy_ctx *c, const char *url, char sep);

/* Runs the query, producing the result table. */
cy_table *cy_exec(cy_ctx *c, cy_query *q);
/* Runs the query of an EXISTS, COUNT or COLLECT subquery (UNION parts included) from the
 * bindings of env: the RETURN's table, or, without a RETURN, the last clause's rows. */
cy_table *cy_subquery(cy_ctx *c, const cy_env *env, const cy_query *q);

/* Value of a variable in env, or NULL when unbound. */
const cy_val *cy_env_get(const cy_env *env, const char *name);

/* ---- Temporal and duration values (cy_temporal_ops.c) ---- */

/* A duration as Cypher keeps it: months, days and seconds apart (a month or a day has no fixed
 * length); secs and nanos have one sign, |nanos| < 1e9. */
typedef struct cy_dur {
  int64_t months, days, secs, nanos;
} cy_dur;

/* Gives d's seconds and nanoseconds one sign, carrying whole seconds out of the nanoseconds;
 * returns 0, or -1 when the seconds overflow (cy_duration.c). */
int cy_dur_normalise(cy_dur *d);
/* A temporal value holding a copy of t, and a duration value holding a copy of d. */
cy_val cy_temporal_val(cy_ctx *c, const cy_tv *t);
cy_val cy_duration_val(cy_ctx *c, const cy_dur *d);
/* The ISO 8601 text of a temporal (cy_temporal.c) or a duration (cy_duration.c). */
const char *cy_tv_text(cy_ctx *c, const cy_tv *t);
const char *cy_dur_text(cy_ctx *c, const cy_dur *d);
/* The text of a CV_TEMPORAL or CV_DURATION value, in the query's arena. */
const char *cy_temporal_text(cy_ctx *c, cy_val v);
/* The name of v's kind for messages: Date, LocalTime, Time, LocalDateTime, DateTime, Duration. */
const char *cy_temporal_kind_name(cy_val v);
/* The component key of a temporal or duration (d.year, dur.days); fails the query for a
 * component the value does not have. */
cy_val cy_temporal_prop(cy_ctx *c, cy_val v, const char *key);
/* a op b when either is a temporal or a duration (+, -, *, /); fails the query on a type error
 * or an overflow. */
cy_val cy_temporal_arith(cy_ctx *c, cy_eop op, cy_val a, cy_val b);
/* -d of a duration. */
cy_val cy_duration_neg(cy_ctx *c, cy_val d);
/* Equality (1/0) of two values of kind CV_TEMPORAL or CV_DURATION. */
int cy_temporal_equal(cy_val a, cy_val b);
/* Comparison for <: 1 with *out set, or 0 when incomparable (other kinds, or durations). */
int cy_temporal_compare(cy_val a, cy_val b, int *out);
/* The total order of ORDER BY among temporal and duration values (a kind, then the instant). */
int cy_temporal_order(cy_val a, cy_val b);
/* The rank among the temporal kinds of ORDER BY: datetime, localdatetime, date, time,
 * localtime, duration (0..5). */
int cy_temporal_rank(cy_val v);
uint64_t cy_temporal_hash(cy_val v);
/* Appends the JSON a property value is stored as: temporals as a one-key object such as
 * {"$date":"2015-07-21"} (so SQL can read them), everything else as cy_format_json. */
void cy_format_stored(cy_ctx *c, struct ut_buf *b, cy_val v);
/* The temporal a stored one-key object denotes; returns 1 and sets *out, or 0 when obj is not
 * one (it is then an ordinary map). */
int cy_temporal_from_stored(cy_ctx *c, const cy_map *obj, cy_val *out);

#endif
