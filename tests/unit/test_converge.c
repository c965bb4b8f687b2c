/* test_converge.c — randomized convergence: replicas, random writes (API and SQL, in and out of
 * transactions), change sets delivered late, out of order, twice or never; then every replica
 * must equal a reference model of the merge rules in docs/crdt.md.
 *
 * The model knows nothing of registers on disk: it keeps the list of every committed write and,
 * per replica, which writes it has seen. A replica's state is a pure function of that set: per
 * element the largest causal length, per register the write with the largest (causal length,
 * time, replica id), visible when its causal length is the element's and odd. A test clock gives
 * every write a distinct time, which is then exactly the write's hybrid logical clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define NREP 5
#define NNODE 10
#define NEDGE 10
#define NKEY 4
#define NLABEL 3
#define MAXOPS 20000

enum { T_EXIST = 1, T_LABEL, T_ENDS, T_PROP };
enum { K_NODE, K_EDGE };

typedef struct op {
  int rep, kind, elem, type, key, val; /* val: label, prop value (-1: removed), ends src*100+dst */
  long long t;
  unsigned long long epoch;
} op;

static op ops[MAXOPS];
static int nops;
static unsigned char knows[NREP][MAXOPS];
static long long now_ms = 1700000000000LL;
static char rids[NREP][33];
static adb *db[NREP];

typedef struct view {
  unsigned long long cl[2][NNODE > NEDGE ? NNODE : NEDGE];
  int label[2][NNODE > NEDGE ? NNODE : NEDGE], ends[NEDGE];
  int prop[2][NNODE > NEDGE ? NNODE : NEDGE][NKEY];
} view;

static int64_t test_clock(void *ctx) {
  (void)ctx;
  return now_ms;
}

/* 1 when write a beats write b for the same register. */
static int beats(int a, int b) {
  if (b < 0) return 1;
  if (ops[a].epoch != ops[b].epoch) return ops[a].epoch > ops[b].epoch;
  if (ops[a].t != ops[b].t) return ops[a].t > ops[b].t;
  return strcmp(rids[ops[a].rep], rids[ops[b].rep]) > 0;
}

static void model(const unsigned char *k, view *v) {
  memset(v, 0, sizeof *v);
  memset(v->label, -1, sizeof v->label);
  memset(v->ends, -1, sizeof v->ends);
  memset(v->prop, -1, sizeof v->prop);
  for (int i = 0; i < nops; i++) {
    if (!k[i]) continue;
    op *o = &ops[i];
    int *slot = o->type == T_LABEL  ? &v->label[o->kind][o->elem]
                : o->type == T_ENDS ? &v->ends[o->elem]
                : o->type == T_PROP ? &v->prop[o->kind][o->elem][o->key]
                                    : NULL;
    if (!slot) {
      if (o->epoch > v->cl[o->kind][o->elem]) v->cl[o->kind][o->elem] = o->epoch;
    } else if (beats(i, *slot)) {
      *slot = i;
    }
  }
}

/* The value of a register when it counts (its causal length is the element's, which is odd). */
static int counts(const view *v, int slot, int kind, int elem) {
  unsigned long long cl = v->cl[kind][elem];
  return slot >= 0 && (cl & 1) && ops[slot].epoch == cl;
}

static int node_live(const view *v, int n) { return v->cl[K_NODE][n] & 1; }

static int edge_visible(const view *v, int e) {
  if (!(v->cl[K_EDGE][e] & 1) || !counts(v, v->ends[e], K_EDGE, e)) return 0;
  int ends = ops[v->ends[e]].val;
  return node_live(v, ends / 100) && node_live(v, ends % 100);
}

static void value_text(int val, char *out, size_t n) {
  if (val % 3 == 0) snprintf(out, n, "\"s%d\"", val);
  else snprintf(out, n, "%d", val);
}

static void props_text(const view *v, int kind, int elem, char *out, size_t n) {
  size_t len = (size_t)snprintf(out, n, "{");
  int first = 1;
  for (int k = 0; k < NKEY; k++) {
    int s = v->prop[kind][elem][k];
    if (!counts(v, s, kind, elem) || ops[s].val < 0) continue;
    char val[32];
    value_text(ops[s].val, val, sizeof val);
    len += (size_t)snprintf(out + len, n - len, "%s\"k%d\":%s", first ? "" : ",", k, val);
    first = 0;
  }
  snprintf(out + len, n - len, "}");
}

static const char *label_name(int l) {
  static const char *names[NLABEL] = {"Alpha", "Beta", "Gamma"};
  return names[l];
}

/* The model's state in the format of dump_state (ids sort as their numbers: zero-padded). */
static char *model_dump(const unsigned char *k) {
  view v;
  model(k, &v);
  size_t cap = 1 << 16, len = 0;
  char *out = malloc(cap), props[256];
  for (int n = 0; n < NNODE; n++) {
    if (!node_live(&v, n)) continue;
    props_text(&v, K_NODE, n, props, sizeof props);
    int l = v.label[K_NODE][n];
    len += (size_t)snprintf(out + len, cap - len, "n%02d|%s|%s\n", n,
                            counts(&v, l, K_NODE, n) ? label_name(ops[l].val) : "NULL", props);
  }
  len += (size_t)snprintf(out + len, cap - len, "--\n");
  for (int e = 0; e < NEDGE; e++) {
    if (!edge_visible(&v, e)) continue;
    props_text(&v, K_EDGE, e, props, sizeof props);
    int l = v.label[K_EDGE][e], ends = ops[v.ends[e]].val;
    len += (size_t)snprintf(out + len, cap - len, "e%02d|n%02d|n%02d|%s|%s\n", e, ends / 100,
                            ends % 100, counts(&v, l, K_EDGE, e) ? label_name(ops[l].val) : "NULL",
                            props);
  }
  return out;
}

static void record(int rep, int kind, int elem, int type, unsigned long long epoch, int key,
                   int val) {
  cr_assert_lt(nops, MAXOPS);
  ops[nops] = (op){.rep = rep, .kind = kind, .elem = elem, .type = type, .key = key, .val = val,
                   .t = now_ms, .epoch = epoch};
  knows[rep][nops] = 1;
  nops++;
}

/* ---- Random writes, each mirrored into the model when the model says it succeeds ---- */

static void random_props(int rep, int kind, int elem, unsigned long long epoch, char *json,
                         size_t n) {
  size_t len = (size_t)snprintf(json, n, "{");
  int first = 1;
  for (int k = 0; k < NKEY; k++) {
    if (rand() % 2) continue;
    int val = rand() % 50;
    char text[32];
    value_text(val, text, sizeof text);
    len += (size_t)snprintf(json + len, n - len, "%s\"k%d\":%s", first ? "" : ",", k, text);
    first = 0;
    record(rep, kind, elem, T_PROP, epoch, k, val);
  }
  snprintf(json + len, n - len, "}");
}

static void write_once(int r) {
  adb *d = db[r];
  view v;
  model(knows[r], &v);
  now_ms++;
  int n = rand() % NNODE, e = rand() % NEDGE, key = rand() % NKEY, val = rand() % 50;
  int use_sql = rand() % 2;
  char id[16], sql[512], json[256], text[32];
  unsigned long long life;
  int label;
  value_text(val, text, sizeof text);
  switch (rand() % 9) {
  case 0: /* create a node */
    snprintf(id, sizeof id, "n%02d", n);
    if (node_live(&v, n)) {
      cr_assert_eq(adb_node_create(d, id, "Alpha", NULL, NULL), ADB_CONFLICT);
      break;
    }
    life = v.cl[K_NODE][n] + 1;
    label = rand() % NLABEL;
    record(r, K_NODE, n, T_EXIST, life, 0, 0);
    record(r, K_NODE, n, T_LABEL, life, 0, label);
    random_props(r, K_NODE, n, life, json, sizeof json);
    if (use_sql) {
      snprintf(sql, sizeof sql,
               "INSERT INTO nodes(id, label, properties) VALUES ('%s', '%s', '%s')", id,
               label_name(label), json);
      OK(d, adb_exec(d, sql));
    } else {
      OK(d, adb_node_create(d, id, label_name(label), json, NULL));
    }
    break;
  case 1: /* delete a node */
    snprintf(id, sizeof id, "n%02d", n);
    if (!node_live(&v, n)) {
      cr_assert_eq(adb_node_delete(d, id), ADB_NOTFOUND);
      break;
    }
    record(r, K_NODE, n, T_EXIST, v.cl[K_NODE][n] + 1, 0, 0);
    if (use_sql) {
      snprintf(sql, sizeof sql, "DELETE FROM nodes WHERE id = '%s'", id);
      OK(d, adb_exec(d, sql));
    } else {
      OK(d, adb_node_delete(d, id));
    }
    break;
  case 2:
  case 3: /* set a property of a node or an edge */
  case 4: {
    int kind = rand() % 3 == 0 ? K_EDGE : K_NODE, elem = kind == K_EDGE ? e : n;
    int alive = kind == K_EDGE ? edge_visible(&v, e) : node_live(&v, n);
    snprintf(id, sizeof id, "%c%02d", kind == K_EDGE ? 'e' : 'n', elem);
    char k[16];
    snprintf(k, sizeof k, "k%d", key);
    if (!alive) {
      cr_assert_eq(kind == K_EDGE ? adb_edge_set(d, id, k, text) : adb_node_set(d, id, k, text),
                   ADB_NOTFOUND);
      break;
    }
    int cur = v.prop[kind][elem][key];
    int same = counts(&v, cur, kind, elem) && ops[cur].val == val;
    if (use_sql) {
      /* An SQL update writes only what differs. */
      if (!same) record(r, kind, elem, T_PROP, v.cl[kind][elem], key, val);
      snprintf(sql, sizeof sql,
               "UPDATE %s SET properties = json_set(properties, '$.%s', json('%s'))"
               " WHERE id = '%s'",
               kind == K_EDGE ? "edges" : "nodes", k, text, id);
      OK(d, adb_exec(d, sql));
    } else {
      record(r, kind, elem, T_PROP, v.cl[kind][elem], key, val);
      OK(d, kind == K_EDGE ? adb_edge_set(d, id, k, text) : adb_node_set(d, id, k, text));
    }
    break;
  }
  case 5: { /* remove a property, or relabel a node */
    snprintf(id, sizeof id, "n%02d", n);
    if (!node_live(&v, n)) break;
    if (rand() % 2) {
      char k[16];
      snprintf(k, sizeof k, "k%d", key);
      record(r, K_NODE, n, T_PROP, v.cl[K_NODE][n], key, -1);
      OK(d, adb_node_unset(d, id, k));
    } else {
      label = rand() % NLABEL;
      int cur = v.label[K_NODE][n];
      if (!counts(&v, cur, K_NODE, n) || ops[cur].val != label)
        record(r, K_NODE, n, T_LABEL, v.cl[K_NODE][n], 0, label);
      OK(d, adb_node_update(d, id, label_name(label), NULL));
    }
    break;
  }
  case 6:
  case 7: { /* create an edge between two nodes, live or not */
    int s = rand() % NNODE, t = rand() % NNODE;
    char src[16], dst[8];
    snprintf(id, sizeof id, "e%02d", e);
    snprintf(src, sizeof src, "n%02d", s);
    snprintf(dst, sizeof dst, "n%02d", t);
    if (v.cl[K_EDGE][e] & 1) {
      if (node_live(&v, s) && node_live(&v, t))
        cr_assert_eq(adb_edge_create(d, id, src, "Beta", dst, NULL, NULL), ADB_CONFLICT);
      break;
    }
    if (!node_live(&v, s) || !node_live(&v, t)) {
      cr_assert_eq(adb_edge_create(d, id, src, "Beta", dst, NULL, NULL), ADB_NOTFOUND);
      break;
    }
    life = v.cl[K_EDGE][e] + 1;
    label = rand() % NLABEL;
    record(r, K_EDGE, e, T_EXIST, life, 0, 0);
    record(r, K_EDGE, e, T_LABEL, life, 0, label);
    record(r, K_EDGE, e, T_ENDS, life, 0, s * 100 + t);
    random_props(r, K_EDGE, e, life, json, sizeof json);
    if (use_sql) {
      snprintf(sql, sizeof sql, "INSERT INTO edges(id, source_node_id, target_node_id, label,"
               " properties) VALUES ('%s', '%s', '%s', '%s', '%s')", id, src, dst,
               label_name(label), json);
      OK(d, adb_exec(d, sql));
    } else {
      OK(d, adb_edge_create(d, id, src, label_name(label), dst, json, NULL));
    }
    break;
  }
  case 8: /* delete an edge */
    snprintf(id, sizeof id, "e%02d", e);
    if (!edge_visible(&v, e)) {
      cr_assert_eq(adb_edge_delete(d, id), ADB_NOTFOUND);
      break;
    }
    record(r, K_EDGE, e, T_EXIST, v.cl[K_EDGE][e] + 1, 0, 0);
    OK(d, adb_edge_delete(d, id));
    break;
  }
}

/* Several writes in one transaction; some transactions roll back and vanish from the model. */
static void transaction(int r) {
  int first = nops;
  OK(db[r], adb_begin(db[r]));
  int n = 2 + rand() % 3;
  for (int i = 0; i < n; i++) write_once(r);
  if (rand() % 4 == 0) {
    OK(db[r], adb_rollback(db[r]));
    for (int i = first; i < nops; i++) knows[r][i] = 0;
    nops = first;
  } else {
    OK(db[r], adb_commit(db[r]));
  }
}

/* ---- Delivery: messages in flight, each with what its sender knew ---- */

typedef struct msg {
  int to;
  void *cs;
  size_t len;
  unsigned char *k;
} msg;

static msg queue[64];
static int nqueue;

static void export_to(int s, int t, int full) {
  if (nqueue == 64) return;
  void *vv = NULL;
  size_t vvlen = 0;
  msg *m = &queue[nqueue++];
  if (!full) OK(db[t], adb_vv(db[t], &vv, &vvlen));
  OK(db[s], adb_changes(db[s], vv, vvlen, &m->cs, &m->len));
  free(vv);
  m->to = t;
  m->k = malloc(MAXOPS);
  memcpy(m->k, knows[s], MAXOPS);
}

static void drop(int i) {
  free(queue[i].cs);
  free(queue[i].k);
  queue[i] = queue[--nqueue];
}

static void deliver(int i) {
  msg *m = &queue[i];
  OK(db[m->to], adb_apply(db[m->to], m->cs, m->len, NULL));
  for (int j = 0; j < nops; j++) knows[m->to][j] |= m->k[j];
  if (rand() % 3) drop(i); /* otherwise it stays, to arrive again later */
}

static void check_replica(int r, const char *when) {
  char *real = dump_state(db[r]), *want = model_dump(knows[r]);
  cr_assert_str_eq(real, want, "replica %d %s:\nreal:\n%s\nmodel:\n%s", r, when, real, want);
  free(real);
  free(want);
}

static void run(unsigned seed, int steps) {
  srand(seed);
  adb_options opt = {.clock_ms = test_clock, .db_id = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"};
  for (int r = 0; r < NREP; r++) {
    db[r] = open_tmp(r, &opt);
    strcpy(rids[r], adb_replica_id(db[r]));
  }
  for (int step = 0; step < steps; step++) {
    int r = rand() % NREP, pick = rand() % 100;
    if (pick < 45) write_once(r);
    else if (pick < 55) transaction(r);
    else if (pick < 75) export_to(r, (r + 1 + rand() % (NREP - 1)) % NREP, rand() % 5 == 0);
    else if (pick < 97 && nqueue) deliver(rand() % nqueue);
    else if (nqueue) drop(rand() % nqueue);
    if (step % 250 == 0)
      for (int k = 0; k < NREP; k++) check_replica(k, "during the run");
  }
  while (nqueue) deliver(0);
  /* Heal: everyone exchanges with everyone until all have seen every write. */
  for (int round = 0; round < 2; round++)
    for (int s = 0; s < NREP; s++)
      for (int t = 0; t < NREP; t++)
        if (s != t) {
          export_to(s, t, 0);
          queue[0].to = t;
          OK(db[t], adb_apply(db[t], queue[0].cs, queue[0].len, NULL));
          for (int j = 0; j < nops; j++) knows[t][j] |= queue[0].k[j];
          drop(0);
        }
  char *first = dump_state(db[0]), *regs = dump_registers(db[0]);
  for (int r = 0; r < NREP; r++) {
    check_replica(r, "after healing");
    char *s = dump_state(db[r]), *g = dump_registers(db[r]);
    cr_assert_str_eq(s, first, "replica %d differs from replica 0", r);
    cr_assert_str_eq(g, regs, "replica %d's registers differ from replica 0's", r);
    free(s);
    free(g);
    OK(db[r], adb_check(db[r], NULL));
    adb_close(db[r]);
  }
  cr_assert(strlen(first) > 20, "the run left some data: %s", first);
  free(first);
  free(regs);
}

Test(converge, five_replicas_seed_1, .timeout = 300) { run(1, 4000); }
Test(converge, five_replicas_seed_2, .timeout = 300) { run(2, 4000); }
Test(converge, five_replicas_seed_3, .timeout = 300) { run(3, 4000); }
