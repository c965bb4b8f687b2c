/* cy_format.c — printing Cypher values: the TCK's literal syntax, and JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/cypher/cy.h"
#include "util/buf.h"
#include "util/json.h"

void cy_format_float(char *out, size_t n, double f) {
  if (f != f) {
    snprintf(out, n, "NaN");
    return;
  }
  if (isinf(f)) {
    snprintf(out, n, f > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* The shortest text that reads back to the same double. */
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(out, n, "%.*g", prec, f);
    if (strtod(out, NULL) == f) break;
  }
  char *e = strchr(out, 'e');
  if (e) {
    /* 1e+20 -> 1.0E20 */
    char mant[64], exps[16];
    snprintf(mant, sizeof mant, "%.*s", (int)(e - out), out);
    int ex = atoi(e + 1);
    snprintf(exps, sizeof exps, "%d", ex);
    snprintf(out, n, "%s%sE%s", mant, strchr(mant, '.') ? "" : ".0", exps);
  } else if (!strchr(out, '.')) {
    strncat(out, ".0", n - strlen(out) - 1);
  }
}

static void put_string(ut_buf *b, const char *s) {
  ut_buf_put_u8(b, '\'');
  for (; *s; s++) {
    if (*s == '\'' || *s == '\\') ut_buf_put_u8(b, '\\');
    ut_buf_put_u8(b, (unsigned char)*s);
  }
  ut_buf_put_u8(b, '\'');
}

static void put_props(cy_ctx *c, ut_buf *b, const cy_map *m) {
  if (!m || !m->n) return;
  ut_buf_puts(b, "{");
  for (int i = 0; i < m->n; i++) {
    if (i) ut_buf_puts(b, ", ");
    ut_buf_puts(b, m->k[i]);
    ut_buf_puts(b, ": ");
    cy_format(c, b, m->v[i]);
  }
  ut_buf_puts(b, "}");
}

static void put_node(cy_ctx *c, ut_buf *b, int id) {
  const cy_node *n = cy_node_get(c, id);
  ut_buf_put_u8(b, '(');
  for (int i = 0; i < n->nlabels; i++) {
    ut_buf_put_u8(b, ':');
    ut_buf_puts(b, n->labels[i]);
  }
  if (n->props && n->props->n) {
    if (n->nlabels) ut_buf_put_u8(b, ' ');
    put_props(c, b, n->props);
  }
  ut_buf_put_u8(b, ')');
}

static void put_rel(cy_ctx *c, ut_buf *b, int id) {
  const cy_rel *r = cy_rel_get(c, id);
  ut_buf_puts(b, "[:");
  ut_buf_puts(b, r->type);
  if (r->props && r->props->n) ut_buf_put_u8(b, ' ');
  put_props(c, b, r->props);
  ut_buf_put_u8(b, ']');
}

/* Writes null, a boolean or an integer, which read the same in the TCK and JSON forms. */
static void put_plain(ut_buf *b, cy_val v) {
  char tmp[32];
  if (v.k == CV_NULL) ut_buf_puts(b, "null");
  else if (v.k == CV_BOOL) ut_buf_puts(b, v.b ? "true" : "false");
  else {
    snprintf(tmp, sizeof tmp, "%lld", (long long)v.i);
    ut_buf_puts(b, tmp);
  }
}

void cy_format(cy_ctx *c, ut_buf *b, cy_val v) {
  char tmp[64];
  switch (v.k) {
  case CV_NULL: case CV_BOOL: case CV_INT: put_plain(b, v); break;
  case CV_FLOAT:
    cy_format_float(tmp, sizeof tmp, v.f);
    ut_buf_puts(b, tmp);
    break;
  case CV_STR: put_string(b, v.s); break;
  case CV_TEMPORAL:
  case CV_DURATION: put_string(b, cy_temporal_text(c, v)); break;
  case CV_LIST:
    ut_buf_put_u8(b, '[');
    for (int i = 0; i < v.l->n; i++) {
      if (i) ut_buf_puts(b, ", ");
      cy_format(c, b, v.l->v[i]);
    }
    ut_buf_put_u8(b, ']');
    break;
  case CV_MAP:
    ut_buf_put_u8(b, '{');
    for (int i = 0; i < v.m->n; i++) {
      if (i) ut_buf_puts(b, ", ");
      ut_buf_puts(b, v.m->k[i]);
      ut_buf_puts(b, ": ");
      cy_format(c, b, v.m->v[i]);
    }
    ut_buf_put_u8(b, '}');
    break;
  case CV_NODE: put_node(c, b, v.id); break;
  case CV_REL: put_rel(c, b, v.id); break;
  case CV_PATH:
    ut_buf_put_u8(b, '<');
    for (int i = 0; i < v.l->n; i++) {
      if (i % 2 == 0) {
        put_node(c, b, v.l->v[i].id);
        continue;
      }
      const cy_rel *r = &c->g.rels[v.l->v[i].id];
      int fwd = r->src == v.l->v[i - 1].id && (r->dst == v.l->v[i + 1].id);
      ut_buf_puts(b, fwd ? "-" : "<-");
      put_rel(c, b, v.l->v[i].id);
      ut_buf_puts(b, fwd ? "->" : "-");
    }
    ut_buf_put_u8(b, '>');
    break;
  }
}

static void json_props(cy_ctx *c, ut_buf *b, const cy_map *m) {
  ut_buf_put_u8(b, '{');
  for (int i = 0; m && i < m->n; i++) {
    if (i) ut_buf_put_u8(b, ',');
    ut_json_put_string(b, m->k[i], strlen(m->k[i]));
    ut_buf_put_u8(b, ':');
    cy_format_json(c, b, m->v[i]);
  }
  ut_buf_put_u8(b, '}');
}

void cy_format_json(cy_ctx *c, ut_buf *b, cy_val v) {
  char tmp[64];
  switch (v.k) {
  case CV_NULL: case CV_BOOL: case CV_INT: put_plain(b, v); break;
  case CV_FLOAT:
    if (v.f != v.f || isinf(v.f)) ut_buf_puts(b, "null");
    else {
      cy_format_float(tmp, sizeof tmp, v.f);
      ut_buf_puts(b, tmp);
    }
    break;
  case CV_STR: ut_json_put_string(b, v.s, strlen(v.s)); break;
  case CV_TEMPORAL:
  case CV_DURATION: {
    const char *t = cy_temporal_text(c, v);
    ut_json_put_string(b, t, strlen(t));
    break;
  }
  case CV_LIST:
  case CV_PATH:
    ut_buf_put_u8(b, '[');
    for (int i = 0; i < v.l->n; i++) {
      if (i) ut_buf_put_u8(b, ',');
      cy_format_json(c, b, v.l->v[i]);
    }
    ut_buf_put_u8(b, ']');
    break;
  case CV_MAP: json_props(c, b, v.m); break;
  case CV_NODE: {
    const cy_node *n = cy_node_get(c, v.id);
    ut_buf_puts(b, "{\"id\":");
    ut_json_put_string(b, n->id, strlen(n->id));
    ut_buf_puts(b, ",\"labels\":[");
    for (int i = 0; i < n->nlabels; i++) {
      if (i) ut_buf_put_u8(b, ',');
      ut_json_put_string(b, n->labels[i], strlen(n->labels[i]));
    }
    ut_buf_puts(b, "],\"properties\":");
    json_props(c, b, n->props);
    ut_buf_put_u8(b, '}');
    break;
  }
  case CV_REL: {
    const cy_rel *r = cy_rel_get(c, v.id);
    ut_buf_puts(b, "{\"id\":");
    ut_json_put_string(b, r->id, strlen(r->id));
    ut_buf_puts(b, ",\"type\":");
    ut_json_put_string(b, r->type, strlen(r->type));
    ut_buf_puts(b, ",\"start\":");
    const char *s = cy_node_get(c, r->src)->id, *d = cy_node_get(c, r->dst)->id;
    ut_json_put_string(b, s, strlen(s));
    ut_buf_puts(b, ",\"end\":");
    ut_json_put_string(b, d, strlen(d));
    ut_buf_puts(b, ",\"properties\":");
    json_props(c, b, r->props);
    ut_buf_put_u8(b, '}');
    break;
  }
  }
}
