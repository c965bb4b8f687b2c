/* cy_check.c — compile-time checks: variables in scope and their kinds, functions and their
 * arguments, aggregation rules, and the shape of CREATE, MERGE and UNION. */
#include <string.h>
#include <strings.h>

#include "query/cypher/cy.h"

/* What is known of a variable at compile time. */
enum { VT_ANY, VT_NODE, VT_REL, VT_RELS, VT_PATH, VT_VALUE, VT_SCALAR, VT_MAPLIT, VT_LIST };

typedef struct var {
  const char *name;
  int type;
} var;

typedef struct scope {
  var *v;
  int n, cap;
} scope;

typedef struct checker {
  cy_ctx *c;
  scope *s;
  const cy_query *top; /* the whole query */
} checker;

static void add(checker *k, scope *s, const char *name, int type) {
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->v[i].name, name)) {
      s->v[i].type = type;
      return;
    }
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 8;
    var *nv = cy_alloc(k->c, (size_t)cap * sizeof *nv);
    if (s->n) memcpy(nv, s->v, (size_t)s->n * sizeof *nv);
    s->v = nv;
    s->cap = cap;
  }
  s->v[s->n].name = name;
  s->v[s->n++].type = type;
}

static var *find(scope *s, const char *name) {
  for (int i = s->n - 1; i >= 0; i--)
    if (!strcmp(s->v[i].name, name)) return &s->v[i];
  return NULL;
}

static scope *scope_copy(checker *k, const scope *s) {
  scope *n = cy_alloc(k->c, sizeof *n);
  for (int i = 0; i < s->n; i++) add(k, n, s->v[i].name, s->v[i].type);
  return n;
}

#define ERR(detail, ...) cy_compile_err(k->c, detail, __VA_ARGS__)

static void expr(checker *k, scope *s, cy_expr *e, int pred);
static int contains_agg(const cy_expr *e);
static int is_agg(const cy_expr *e);
static int contains(const cy_expr *e, int (*is)(const cy_expr *));
static int is_rand(const cy_expr *e);
static void pattern(checker *k, scope *s, cy_pattern *p, int mode);
static void subquery_expr(checker *k, scope *s, cy_expr *e);

/* The kind of value an expression surely has, for the checks on literals. */
/* Does a variable known as have conflict with a use as want? Values of unknown kind do not. */
static int conflicts(int have, int want) {
  if (have == VT_ANY || have == VT_VALUE || have == want) return 0;
  if ((have == VT_REL && want == VT_RELS) || (have == VT_RELS && want == VT_REL)) return 0;
  if (have == VT_LIST && want == VT_RELS) return 0; /* a list of relationships, bound before */
  return 1;
}

static int static_type(scope *s, const cy_expr *e) {
  if (e->op == E_VAR) {
    var *v = find(s, e->name);
    return v ? v->type : VT_ANY;
  }
  return VT_ANY;
}

static int non_boolean_literal(const cy_expr *e) {
  return (e->op == E_LIT && e->lit.k != CV_BOOL && e->lit.k != CV_NULL) || e->op == E_LIST ||
         e->op == E_MAP;
}

static void check_function(checker *k, scope *s, cy_expr *e) {
  cy_func_check(k->c, e);
  /* An aggregate's input must be reproducible: the same rows must give the same result. */
  for (int i = 0; is_agg(e) && i < e->n; i++)
    if (contains(e->args[i], is_rand))
      ERR("NonConstantExpression", "%s() cannot aggregate rand()", e->name);
  if (e->n != 1) return;
  int t = static_type(s, e->args[0]);
  const char *f = e->name;
  int bad = (!strcasecmp(f, "length") && (t == VT_NODE || t == VT_REL)) ||
            (!strcasecmp(f, "type") && (t == VT_NODE || t == VT_PATH)) ||
            (!strcasecmp(f, "size") && t == VT_PATH) ||
            (!strcasecmp(f, "labels") && (t == VT_REL || t == VT_PATH)) ||
            ((!strcasecmp(f, "nodes") || !strcasecmp(f, "relationships")) &&
             (t == VT_NODE || t == VT_REL));
  if (bad) ERR("InvalidArgumentType", "%s() cannot take '%s' of this kind", f, e->args[0]->name);
  const cy_expr *a = e->args[0];
  if (!strcasecmp(f, "properties") && ((a->op == E_LIT && a->lit.k != CV_NULL) || a->op == E_LIST))
    ERR("InvalidArgumentType", "properties() needs a map, node or relationship");
  if (!strcasecmp(f, "size") && e->args[0]->op == E_PATTERN && !e->args[0]->distinct)
    ERR("UnexpectedSyntax", "size() of a pattern is not supported: use a pattern comprehension");
}

static void expr(checker *k, scope *s, cy_expr *e, int pred) {
  if (!e) return;
  switch (e->op) {
  case E_VAR:
    if (!find(s, e->name)) ERR("UndefinedVariable", "variable '%s' is not defined", e->name);
    return;
  case E_LIT: case E_PARAM: case E_COUNT_STAR: return;
  case E_AND: case E_OR: case E_XOR: case E_NOT:
    if (non_boolean_literal(e->a) || (e->b && non_boolean_literal(e->b)))
      ERR("InvalidArgumentType", "a boolean operator needs boolean operands");
    expr(k, s, e->a, 1);
    expr(k, s, e->b, 1);
    return;
  case E_PROP:
    if (static_type(s, e->a) == VT_PATH)
      ERR("InvalidArgumentType", "a path has no properties");
    if (static_type(s, e->a) == VT_SCALAR || static_type(s, e->a) == VT_LIST)
      cy_fail(k->c, CY_TYPE, "compile time", "InvalidArgumentType",
              "'%s' is not a map, node or relationship", e->a->name);
    expr(k, s, e->a, 0);
    return;
  case E_FUNC:
    check_function(k, s, e);
    for (int i = 0; i < e->n; i++) expr(k, s, e->args[i], 0);
    return;
  case E_IN:
    if ((e->b->op == E_LIT && e->b->lit.k != CV_NULL) || e->b->op == E_MAP)
      ERR("InvalidArgumentType", "IN needs a list on its right");
    expr(k, s, e->a, 0);
    expr(k, s, e->b, 0);
    return;
  case E_LISTCOMP: case E_ANY: case E_ALL: case E_NONE: case E_SINGLE: {
    if (contains_agg(e->b) || contains_agg(e->c))
      ERR("InvalidAggregation", "an aggregate cannot be used inside a list comprehension");
    expr(k, s, e->a, 0);
    scope *in = scope_copy(k, s);
    add(k, in, e->name, VT_ANY);
    expr(k, in, e->b, 1);
    expr(k, in, e->c, 0);
    return;
  }
  case E_REDUCE: {
    expr(k, s, e->a, 0);
    expr(k, s, e->b, 0);
    scope *in = scope_copy(k, s);
    add(k, in, e->keys[0], VT_ANY);
    add(k, in, e->name, VT_ANY);
    expr(k, in, e->c, 0);
    return;
  }
  case E_PATTERN:
    if (!pred && !e->distinct)
      ERR("UnexpectedSyntax", "a pattern can only be used as a predicate here");
    pattern(k, s, e->pat, 2);
    if (e->b) {
      scope *in = scope_copy(k, s);
      pattern(k, in, e->pat, 1);
      expr(k, in, e->b, 1);
    }
    return;
  case E_SUBQUERY: subquery_expr(k, s, e); return;
  case E_PATCOMP: {
    scope *in = scope_copy(k, s);
    pattern(k, in, e->pat, 1);
    expr(k, in, e->b, 1);
    expr(k, in, e->c, 0);
    return;
  }
  case E_MAPPROJ:
    expr(k, s, e->a, 0);
    for (int i = 0; i < e->n; i++) expr(k, s, e->args[i], 0);
    return;
  case E_CASE:
    expr(k, s, e->a, 0);
    expr(k, s, e->b, 0);
    for (int i = 0; i < e->n; i++) expr(k, s, e->args[i], 0);
    return;
  default:
    expr(k, s, e->a, 0);
    expr(k, s, e->b, 0);
    expr(k, s, e->c, 0);
    for (int i = 0; e->args && i < e->n; i++) expr(k, s, e->args[i], 0);
  }
}

/* Binds or checks a pattern's variables. mode 0: MATCH (new names allowed); 1: a pattern
 * comprehension (likewise); 2: a pattern predicate (every name must be bound already);
 * 3: CREATE; 4: MERGE. */
static void pattern(checker *k, scope *s, cy_pattern *p, int mode) {
  int creating = mode >= 3;
  if (p->pathvar) {
    if (find(s, p->pathvar)) ERR("VariableAlreadyBound", "'%s' is already bound", p->pathvar);
  }
  scope *local = cy_alloc(k->c, sizeof *local); /* names bound by this pattern so far */
  for (int j = 0; j <= p->nrels; j++) {
    cy_pnode *n = &p->nodes[j];
    expr(k, s, n->props, 0);
    if (n->props && n->props->op == E_PARAM && (mode == 0 || mode == 4))
      ERR("InvalidParameterUse", "a parameter cannot stand for a property map in MATCH or MERGE");
    if (n->var) {
      var *v = find(s, n->var);
      if (v && conflicts(v->type, VT_NODE))
        ERR("VariableTypeConflict", "'%s' is not a node", n->var);
      if (mode == 2 && !v) ERR("UndefinedVariable", "variable '%s' is not defined", n->var);
      if (creating && (v || find(local, n->var)) && (n->nlabels || n->props))
        ERR("VariableAlreadyBound", "'%s' is already bound", n->var);
      if (creating && v && p->nrels == 0)
        ERR("VariableAlreadyBound", "'%s' is already bound", n->var);
      if (!v) {
        add(k, s, n->var, VT_NODE);
        add(k, local, n->var, VT_NODE);
      }
    }
    if (j == p->nrels) break;
    cy_prel *r = &p->rels[j];
    expr(k, s, r->props, 0);
    if (r->props && r->props->op == E_PARAM && (mode == 0 || mode == 4))
      ERR("InvalidParameterUse", "a parameter cannot stand for a property map in MATCH or MERGE");
    if (creating && r->var && find(s, r->var))
      ERR("VariableAlreadyBound", "'%s' is already bound", r->var);
    if (creating) {
      if (r->ntypes != 1)
        ERR("NoSingleRelationshipType", "a relationship to create needs exactly one type");
      if (r->varlen) ERR("CreatingVarLength", "cannot create a variable-length relationship");
      if (r->dir == CY_BOTH && mode == 3)
        ERR("RequiresDirectedRelationship", "a relationship to create needs a direction");
    }
    if (r->var) {
      var *v = find(s, r->var);
      int want = r->varlen ? VT_RELS : VT_REL;
      if (v && conflicts(v->type, want))
        ERR("VariableTypeConflict", "'%s' is not a relationship", r->var);
      if (v && find(local, r->var))
        ERR("RelationshipUniquenessViolation", "relationship '%s' appears twice", r->var);
      if (creating && v) ERR("VariableAlreadyBound", "'%s' is already bound", r->var);
      if (mode == 2 && !v) ERR("UndefinedVariable", "variable '%s' is not defined", r->var);
      if (!v) {
        add(k, s, r->var, want);
        add(k, local, r->var, want);
      }
    }
  }
  if (p->pathvar && find(local, p->pathvar))
    ERR("VariableAlreadyBound", "'%s' is already bound", p->pathvar);
  if (p->pathvar) add(k, s, p->pathvar, VT_PATH);
}

static int expr_equal(const cy_expr *a, const cy_expr *b) {
  if (!a || !b) return a == b;
  if (a->op != b->op || a->n != b->n || a->distinct != b->distinct) return 0;
  if ((a->name || b->name) && (!a->name || !b->name || strcmp(a->name, b->name))) return 0;
  if (a->op == E_LIT) {
    if (a->lit.k != b->lit.k) return 0;
    if (a->lit.k == CV_STR) return !strcmp(a->lit.s, b->lit.s);
    if (a->lit.k == CV_INT) return a->lit.i == b->lit.i;
    if (a->lit.k == CV_FLOAT) return a->lit.f == b->lit.f;
    if (a->lit.k == CV_BOOL) return a->lit.b == b->lit.b;
    return a->lit.k == CV_NULL;
  }
  if (a->pat || b->pat) return 0;
  if (!expr_equal(a->a, b->a) || !expr_equal(a->b, b->b) || !expr_equal(a->c, b->c)) return 0;
  for (int i = 0; i < a->n; i++) {
    if (a->args && !expr_equal(a->args[i], b->args[i])) return 0;
    if (a->keys && b->keys && strcmp(a->keys[i], b->keys[i])) return 0;
  }
  return 1;
}

static int is_agg(const cy_expr *e) {
  return e->op == E_COUNT_STAR || (e->op == E_FUNC && cy_func_kind(e->name) == 2);
}

static int is_rand(const cy_expr *e) { return e->op == E_FUNC && !strcasecmp(e->name, "rand"); }

/* 1 when e or any sub-expression satisfies is. */
static int contains(const cy_expr *e, int (*is)(const cy_expr *)) {
  if (!e) return 0;
  if (is(e) || contains(e->a, is) || contains(e->b, is) || contains(e->c, is)) return 1;
  for (int i = 0; e->args && i < e->n; i++)
    if (contains(e->args[i], is)) return 1;
  return 0;
}

static int contains_agg(const cy_expr *e) { return contains(e, is_agg); }

/* In ORDER BY after aggregation, a sub-expression equal to a projected item means that item. */
static cy_expr *rewrite_projected(checker *k, cy_expr *e, const cy_proj *p) {
  if (!e) return e;
  for (int i = 0; i < p->nitems; i++)
    if (p->items[i].e->op != E_VAR && expr_equal(e, p->items[i].e)) {
      cy_expr *v = cy_alloc(k->c, sizeof *v);
      v->op = E_VAR;
      v->pos = e->pos;
      v->name = p->items[i].alias;
      return v;
    }
  e->a = rewrite_projected(k, e->a, p);
  e->b = rewrite_projected(k, e->b, p);
  e->c = rewrite_projected(k, e->c, p);
  for (int i = 0; e->args && i < e->n; i++) e->args[i] = rewrite_projected(k, e->args[i], p);
  return e;
}

/* In an aggregating item, the variables used outside the aggregates must themselves be
 * grouping keys (projected as plain variables); anything else is ambiguous. */
static void ambiguous(checker *k, const cy_expr *e, const cy_proj *p) {
  if (!e || is_agg(e)) return;
  /* A grouping key that is a variable's property may be used again. */
  for (int i = 0; i < p->nitems; i++) {
    const cy_expr *key = p->items[i].e;
    if (key->op == E_PROP && key->a->op == E_VAR && !contains_agg(key) && expr_equal(e, key))
      return;
  }
  if (e->op == E_VAR) {
    for (int i = 0; i < p->nitems; i++)
      if (!contains_agg(p->items[i].e) && p->items[i].e->op == E_VAR &&
          !strcmp(p->items[i].e->name, e->name))
        return;
    ERR("AmbiguousAggregationExpression",
        "'%s' is used beside an aggregate without being a grouping key", e->name);
  }
  if (e->op == E_LISTCOMP || e->op == E_ANY || e->op == E_ALL || e->op == E_NONE ||
      e->op == E_SINGLE || e->op == E_REDUCE || e->op == E_PATTERN || e->op == E_PATCOMP)
    return;
  ambiguous(k, e->a, p);
  ambiguous(k, e->b, p);
  ambiguous(k, e->c, p);
  for (int i = 0; e->args && i < e->n; i++) ambiguous(k, e->args[i], p);
}

/* In an ORDER BY item that aggregates, a grouping key may be reused only when it is a variable
 * or a property; a larger projected expression beside the aggregate is ambiguous. */
static void complex_key_beside_aggregate(checker *k, const cy_expr *e, const cy_proj *p) {
  if (!e || is_agg(e)) return;
  for (int i = 0; i < p->nitems; i++) {
    const cy_expr *key = p->items[i].e;
    if (key->op != E_VAR && key->op != E_PROP && !contains_agg(key) && expr_equal(e, key))
      ERR("AmbiguousAggregationExpression",
          "ORDER BY may use the projected expression '%s' beside an aggregate only through its "
          "alias",
          p->items[i].alias);
  }
  complex_key_beside_aggregate(k, e->a, p);
  complex_key_beside_aggregate(k, e->b, p);
  complex_key_beside_aggregate(k, e->c, p);
  for (int i = 0; e->args && i < e->n; i++) complex_key_beside_aggregate(k, e->args[i], p);
}

static void no_aggregate(checker *k, const cy_expr *e, const char *where) {
  if (contains_agg(e)) ERR("InvalidAggregation", "aggregates are not allowed in %s", where);
}

static void count_check(checker *k, const cy_expr *e, const char *what) {
  if (!e) return;
  if (e->op == E_VAR || e->op == E_PROP || contains_agg(e))
    ERR("NonConstantExpression", "%s must be a constant", what);
  if (e->op == E_LIT && e->lit.k == CV_INT && e->lit.i < 0)
    ERR("NegativeIntegerArgument", "%s must not be negative", what);
  if (e->op == E_LIT && e->lit.k != CV_INT)
    ERR("InvalidArgumentType", "%s must be an integer", what);
}

/* Checks a projection; returns the scope after it. */
static scope *projection(checker *k, scope *s, cy_proj *p, int is_with) {
  if (p->star && !p->nitems && !s->n && !is_with)
    ERR("NoVariablesInScope", "RETURN * needs variables in scope");
  int aggregating = 0;
  for (int i = 0; i < p->nitems; i++) aggregating |= contains_agg(p->items[i].e);
  for (int i = 0; i < p->nitems; i++) {
    cy_item *it = &p->items[i];
    expr(k, s, it->e, 0);
    if (contains_agg(it->e)) ambiguous(k, it->e, p);
    if (is_with && !it->aliased && it->e->op != E_VAR) {
      if (aggregating && !contains_agg(it->e))
        ERR("AmbiguousAggregationExpression", "a grouping key in WITH needs an alias");
      ERR("NoExpressionAlias", "an expression in WITH needs an alias (AS name)");
    }
    for (int j = 0; j < i; j++)
      if (!strcmp(p->items[j].alias, it->alias))
        ERR("ColumnNameConflict", "the column '%s' appears twice", it->alias);
  }
  scope *out = cy_alloc(k->c, sizeof *out);
  if (p->star)
    for (int i = 0; i < s->n; i++) add(k, out, s->v[i].name, s->v[i].type);
  for (int i = 0; i < p->nitems; i++) {
    const cy_expr *e = p->items[i].e;
    int t = VT_VALUE;
    if (e->op == E_VAR && find(s, e->name)) t = find(s, e->name)->type;
    else if (e->op == E_LIT && e->lit.k != CV_NULL) t = VT_SCALAR;
    else if (e->op == E_LIST) t = VT_LIST;
    else if (e->op == E_MAP) t = VT_MAPLIT;
    add(k, out, p->items[i].alias, t);
  }
  for (int i = 0; i < p->norder; i++) {
    if (aggregating || p->distinct) {
      if (contains_agg(p->order[i].e)) complex_key_beside_aggregate(k, p->order[i].e, p);
      p->order[i].e = rewrite_projected(k, p->order[i].e, p);
      scope *vis = scope_copy(k, out);
      if (!aggregating && contains_agg(p->order[i].e))
        ERR("InvalidAggregation", "ORDER BY cannot aggregate here");
      expr(k, vis, p->order[i].e, 0);
      if (contains_agg(p->order[i].e))
        ERR("AmbiguousAggregationExpression", "ORDER BY aggregates what the projection does not");
    } else {
      scope *vis = scope_copy(k, s);
      for (int j = 0; j < out->n; j++) add(k, vis, out->v[j].name, out->v[j].type);
      no_aggregate(k, p->order[i].e, "ORDER BY");
      expr(k, vis, p->order[i].e, 0);
    }
  }
  count_check(k, p->skip, "SKIP");
  count_check(k, p->limit, "LIMIT");
  if (p->where) {
    /* WHERE after WITH also sees the variables before it, unless they were aggregated. */
    scope *vis = aggregating ? out : scope_copy(k, s);
    if (!aggregating)
      for (int j = 0; j < out->n; j++) add(k, vis, out->v[j].name, out->v[j].type);
    no_aggregate(k, p->where, "WHERE");
    expr(k, vis, p->where, 1);
  }
  return out;
}

static void set_items(checker *k, scope *s, cy_setitem *it, int n) {
  for (int i = 0; i < n; i++) {
    if (it[i].var && !find(s, it[i].var))
      ERR("UndefinedVariable", "variable '%s' is not defined", it[i].var);
    if (it[i].target) expr(k, s, it[i].target, 0);
    expr(k, s, it[i].value, 0);
  }
}

/* The compile-time check of a literal argument: a literal that cannot be of the declared
 * type is a SyntaxError (other values are checked when they are known). */
static void literal_arg(checker *k, const cy_proc *pr, const cy_pfield *f, const cy_expr *e) {
  cy_val ok;
  int fits = e->op == E_LIT ? cy_type_coerce(k->c, f->type, e->lit, &ok)
           : e->op == E_LIST ? f->type->k == CT_LIST || f->type->k == CT_ANY
           : e->op == E_MAP ? f->type->k == CT_MAP || f->type->k == CT_ANY : 1;
  if (!fits) {
    char t[120];
    cy_type_text(f->type, t, sizeof t);
    ERR("InvalidArgumentType", "%s: argument '%s' must be %s", pr->sig.name, f->name, t);
  }
}

/* The arguments of `CALL p` without parentheses: the query parameters named like the
 * arguments (a missing one with a default is left to its default). */
static void implicit_args(checker *k, cy_clause *cl, const cy_proc *pr, int standalone) {
  const cy_sig *sg = &pr->sig;
  if (!sg->nargs) return;
  if (!standalone)
    ERR("InvalidArgumentPassingMode", "%s: a CALL inside a query must pass its arguments in "
        "parentheses", sg->name);
  cl->exprs = cy_alloc(k->c, (size_t)sg->nargs * sizeof *cl->exprs);
  for (int i = 0; i < sg->nargs; i++) {
    if (!cy_map_get(k->c->params, sg->args[i].name)) {
      if (sg->args[i].dflt) break;
      cy_fail(k->c, "ParameterMissing", "compile time", "MissingParameter",
              "%s takes its argument '%s' from the parameter $%s, which was not given", sg->name,
              sg->args[i].name, sg->args[i].name);
    }
    cy_expr *e = cy_alloc(k->c, sizeof *e);
    e->op = E_PARAM;
    e->height = 1;
    e->pos = cl->pos;
    e->name = sg->args[i].name;
    cl->exprs[cl->nexprs++] = e;
  }
}

/* Checks a CALL: a known procedure, its arguments against its signature, and outputs YIELDed
 * to new variables. A standalone CALL without YIELD (or with YIELD *) yields every output,
 * and its outputs are the query's columns; inside a query it yields none. */
static void call(checker *k, scope *s, cy_clause *cl, int standalone, int *ncols,
                 const char ***cols) {
  const cy_proc *pr = cy_proc_find(k->c, cl->proc);
  if (!pr)
    cy_fail(k->c, "ProcedureError", "compile time", "ProcedureNotFound",
            "there is no procedure '%s'", cl->proc);
  const cy_sig *sg = &pr->sig;
  cl->standalone = standalone;
  if (cl->implicit_args) implicit_args(k, cl, pr, standalone);
  if (cl->nexprs < sg->nrequired || cl->nexprs > sg->nargs)
    ERR("InvalidNumberOfArguments", "%s takes %d to %d arguments, not %d", sg->name,
        sg->nrequired, sg->nargs, cl->nexprs);
  for (int i = 0; i < cl->nexprs; i++) {
    no_aggregate(k, cl->exprs[i], "procedure arguments");
    expr(k, s, cl->exprs[i], 0);
    literal_arg(k, pr, &sg->args[i], cl->exprs[i]);
  }
  if (cl->yield_all && !standalone)
    ERR("UnexpectedSyntax", "YIELD * is only allowed when the CALL is the whole query");
  if (!cl->nyields && standalone) {
    cl->nyields = sg->nouts;
    cl->yields = cl->yield_vars = cy_alloc(k->c, (size_t)(sg->nouts + 1) * sizeof *cl->yields);
    for (int i = 0; i < sg->nouts; i++) cl->yields[i] = cy_strdup(k->c, sg->outs[i].name);
  }
  for (int i = 0; i < cl->nyields; i++) {
    int out = 0;
    while (out < sg->nouts && strcmp(sg->outs[out].name, cl->yields[i])) out++;
    if (out == sg->nouts)
      ERR("UndefinedVariable", "%s has no output '%s'", sg->name, cl->yields[i]);
    if (find(s, cl->yield_vars[i]))
      ERR("VariableAlreadyBound", "'%s' is already bound", cl->yield_vars[i]);
    add(k, s, cl->yield_vars[i], sg->outs[out].type->k == CT_NODE ? VT_NODE : VT_VALUE);
  }
  if (cl->where) {
    no_aggregate(k, cl->where, "WHERE");
    expr(k, s, cl->where, 1);
  }
  if (standalone) {
    *ncols = cl->nyields;
    *cols = cl->yield_vars;
  }
}

static scope *clauses(checker *k, scope *s, cy_query *q, int *ncols, const char ***cols);
static void subquery_clause(checker *k, scope *s, cy_clause *cl);

/* Checks FOREACH (var IN list | clauses): the list in the outer scope; the clauses in a scope
 * of their own with var added, whose variables end with it. */
static void foreach(checker *k, scope *s, cy_clause *cl) {
  no_aggregate(k, cl->expr, "FOREACH");
  expr(k, s, cl->expr, 0);
  if (find(s, cl->var)) ERR("VariableAlreadyBound", "'%s' is already bound", cl->var);
  scope *inner = scope_copy(k, s);
  add(k, inner, cl->var, VT_VALUE);
  int ncols = 0;
  const char **cols = NULL;
  clauses(k, inner, cl->body, &ncols, &cols);
}

/* Checks the clauses of q in turn, starting from the variables of s. */
static scope *clauses(checker *k, scope *s, cy_query *q, int *ncols, const char ***cols) {
  for (int i = 0; i < q->ncl; i++) {
    cy_clause *cl = &q->cl[i];
    int last = i == q->ncl - 1;
    switch (cl->k) {
    case C_MATCH:
      for (int j = 0; j < cl->npats; j++) pattern(k, s, cl->pats[j], 0);
      if (cl->where) {
        int wt = static_type(s, cl->where);
        if (cl->where->op == E_VAR && (wt == VT_NODE || wt == VT_REL || wt == VT_PATH))
          ERR("InvalidArgumentType", "WHERE needs a boolean, not '%s'", cl->where->name);
        no_aggregate(k, cl->where, "WHERE");
        expr(k, s, cl->where, 1);
      }
      break;
    case C_UNWIND:
      expr(k, s, cl->expr, 0);
      if (find(s, cl->var)) ERR("VariableAlreadyBound", "'%s' is already bound", cl->var);
      add(k, s, cl->var, VT_VALUE);
      break;
    case C_WITH:
      s = projection(k, s, &cl->proj, 1);
      if (last) ERR("InvalidClauseComposition", "a query cannot end with WITH");
      break;
    case C_RETURN:
      s = projection(k, s, &cl->proj, 0);
      if (!last) ERR("InvalidClauseComposition", "RETURN must be the last clause");
      *ncols = cl->proj.nitems;
      *cols = cy_alloc(k->c, (size_t)(cl->proj.nitems + 1) * sizeof **cols);
      for (int j = 0; j < cl->proj.nitems; j++) (*cols)[j] = cl->proj.items[j].alias;
      if (cl->proj.star) *ncols = -1;
      break;
    case C_CREATE:
      for (int j = 0; j < cl->npats; j++) pattern(k, s, cl->pats[j], 3);
      break;
    case C_MERGE:
      pattern(k, s, cl->pats[0], 4);
      set_items(k, s, cl->sets, cl->nsets);
      break;
    case C_SET:
    case C_REMOVE:
      set_items(k, s, cl->sets, cl->nsets);
      break;
    case C_DELETE:
      for (int j = 0; j < cl->nexprs; j++) {
        cy_expr *e = cl->exprs[j];
        expr(k, s, e, 0);
        if (e->op == E_HASLABELS) ERR("InvalidDelete", "DELETE removes elements, not labels");
        if (e->op != E_VAR && e->op != E_PROP && e->op != E_INDEX && e->op != E_FUNC &&
            e->op != E_LIT)
          ERR("InvalidArgumentType", "DELETE needs a node, relationship or path");
        if (e->op == E_LIT && e->lit.k != CV_NULL)
          ERR("InvalidArgumentType", "DELETE needs a node, relationship or path");
      }
      break;
    case C_CALL:
      call(k, s, cl, q->ncl == 1, ncols, cols);
      if (last && q->ncl > 1)
        ERR("InvalidClauseComposition", "a query cannot end with CALL ... YIELD: add a RETURN");
      break;
    case C_FOREACH: foreach(k, s, cl); break;
    case C_LOADCSV:
      no_aggregate(k, cl->expr, "LOAD CSV");
      expr(k, s, cl->expr, 0);
      if (find(s, cl->var)) ERR("VariableAlreadyBound", "'%s' is already bound", cl->var);
      add(k, s, cl->var, VT_VALUE);
      break;
    case C_SUBQUERY: subquery_clause(k, s, cl); break;
    case C_SCHEMA:
      if (q != k->top || q->ncl != 1 || q->next)
        ERR("InvalidClauseComposition", "%s %s is a query of its own, with no other clause",
            cl->schema->op == CS_CREATE ? "CREATE" : cl->schema->op == CS_DROP ? "DROP" : "SHOW",
            cl->schema->constraint ? "CONSTRAINT" : "INDEX");
      *ncols = cy_schema_columns(cl->schema, cols);
      break;
    }
  }
  return s;
}

/* Checks q and its UNION parts, each from the variables of s (unchanged); sets the columns. */
static void check_union(checker *k, const scope *s, cy_query *q, int *ncols, const char ***cols) {
  clauses(k, scope_copy(k, s), q, ncols, cols);
  int kind = -1;
  for (cy_query *u = q; u->next; u = u->next) {
    if (kind >= 0 && kind != u->union_all)
      cy_compile_err(k->c, "InvalidClauseComposition", "UNION and UNION ALL cannot be mixed");
    kind = u->union_all;
    int n2 = 0;
    const char **c2 = NULL;
    clauses(k, scope_copy(k, s), u->next, &n2, &c2);
    int same = n2 == *ncols;
    for (int i = 0; same && i < *ncols; i++) same = !strcmp((*cols)[i], c2[i]);
    if (!same)
      cy_compile_err(k->c, "DifferentColumnsInUnion",
                     "every part of a UNION must return the same columns");
  }
}

int cy_clause_writes(const cy_clause *cl) {
  cy_ckind kd = cl->k;
  return kd == C_CREATE || kd == C_MERGE || kd == C_SET || kd == C_REMOVE || kd == C_DELETE ||
         kd == C_FOREACH || (kd == C_SUBQUERY && cy_query_writes(cl->body)) ||
         (kd == C_SCHEMA && cl->schema->op != CS_SHOW);
}

int cy_query_writes(const cy_query *q) {
  for (; q; q = q->next)
    for (int i = 0; i < q->ncl; i++)
      if (cy_clause_writes(&q->cl[i])) return 1;
  return 0;
}

/* EXISTS, COUNT or COLLECT { query }: the query sees the variables around it and may bind its
 * own; it only reads; COLLECT's returns one column. */
static void subquery_expr(checker *k, scope *s, cy_expr *e) {
  if (cy_query_writes(e->sub))
    ERR("InvalidClauseComposition", "%s { } may only read: it cannot hold a write", e->name);
  int ncols = 0;
  const char **cols = NULL;
  check_union(k, s, e->sub, &ncols, &cols);
  if (!strcmp(e->name, "COLLECT") && ncols != 1)
    ERR("InvalidClauseComposition", "COLLECT { } must end with a RETURN of one column");
}

/* CALL { query }: the query sees only the variables a WITH at its start names (importing them);
 * the columns it RETURNs are added to the scope after it, and must be new there. */
static void subquery_clause(checker *k, scope *s, cy_clause *cl) {
  int ncols = 0;
  const char **cols = NULL;
  for (cy_query *u = cl->body; u; u = u->next) {
    scope *in = cy_alloc(k->c, sizeof *in);
    const cy_clause *first = &u->cl[0];
    if (first->k == C_WITH)
      for (int i = 0; i < first->proj.nitems; i++) {
        const cy_expr *v = first->proj.items[i].e;
        const var *outer = v->op == E_VAR ? find(s, v->name) : NULL;
        if (outer) add(k, in, outer->name, outer->type);
      }
    int n = 0;
    const char **c = NULL;
    clauses(k, in, u, &n, &c);
    if (u == cl->body) {
      ncols = n;
      cols = c;
    } else if (n != ncols) {
      ERR("DifferentColumnsInUnion", "every part of a UNION must return the same columns");
    }
  }
  for (int i = 0; i < ncols; i++) {
    if (find(s, cols[i])) ERR("VariableAlreadyBound", "'%s' is already bound", cols[i]);
    add(k, s, cols[i], VT_ANY);
  }
}

void cy_check(cy_ctx *c, cy_query *q) {
  checker k = {.c = c, .top = q};
  int ncols = 0;
  const char **cols = NULL;
  check_union(&k, cy_alloc(c, sizeof(scope)), q, &ncols, &cols);
}
