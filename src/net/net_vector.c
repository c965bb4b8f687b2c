/* net_vector.c — the HTTP API's vector search: the k nodes nearest to a vector or to a node's
 * vector (docs/http.md, docs/vector.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/net_api.h"

/* How many nearest nodes a search answers unless "k" says otherwise, and the most it may ask
 * (adb_vector_search's bounds). */
#define HTTP_VECTOR_K 10
#define HTTP_VECTOR_MAX_K 10000
/* The most components a query vector may have (docs/vector.md). */
#define HTTP_VECTOR_MAX_DIM 16384

/* Reads "vector" (a JSON array of numbers, each finite as a float32) into a new array of *dim
 * floats. Returns NULL with a sentence in why when it is not one; *dim 0 and NULL when out of
 * memory (why empty). */
static float *vector_of(json_t *a, size_t *dim, char *why, size_t len) {
  *dim = 0;
  why[0] = 0;
  size_t n = json_array_size(a);
  if (!json_is_array(a) || n == 0 || n > HTTP_VECTOR_MAX_DIM) {
    snprintf(why, len, "\"vector\" must be an array of 1 to %d numbers", HTTP_VECTOR_MAX_DIM);
    return NULL;
  }
  float *v = malloc(n * sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < n; i++) {
    json_t *x = json_array_get(a, i);
    double d = json_number_value(x);
    if (!json_is_number(x) || !isfinite((float)d)) {
      snprintf(why, len, "\"vector\"[%zu] is %s: every component must be a finite float32 number",
               i, json_is_number(x) ? "out of float32's range" : "not a number");
      free(v);
      return NULL;
    }
    v[i] = (float)d;
  }
  *dim = n;
  return v;
}

/* POST /vectors/search {"vector": [numbers]} or {"node": "ID"}, "k"?: answers the k nodes
 * nearest to the vector (or to that node's vector, the node itself included), nearest first, as
 * [{"id", "distance"}] under the index's metric. 400 for a body without exactly one of vector
 * and node, a vector that is not an array of finite numbers or not of the index's dimension, or
 * k not a whole number from 1 to 10000; 404 for a node that does not exist or has no vector. */
void net_vector_search(net_reply *r, adb *db, json_t *body) {
  json_t *jv = json_object_get(body, "vector"), *jn = json_object_get(body, "node");
  json_t *jk = json_object_get(body, "k");
  if (!jv == !jn)
    return net_reply_err(r, 400, "invalid argument",
                         "the body needs exactly one of \"vector\" (an array of numbers) and \"node\" "
                         "(a node id)");
  if (jn && !json_is_string(jn))
    return net_reply_err(r, 400, "invalid argument", "\"node\" must be a node id (a string)");
  if (jk && (!json_is_integer(jk) || json_integer_value(jk) < 1 ||
             json_integer_value(jk) > HTTP_VECTOR_MAX_K))
    return net_reply_err(r, 400, "invalid argument",
                         "\"k\" must be a whole number from 1 to 10000 (default 10)");
  float *v = NULL;
  size_t dim = 0;
  int rc;
  if (jv) {
    char why[160];
    v = vector_of(jv, &dim, why, sizeof why);
    if (!v)
      return why[0] ? net_reply_err(r, 400, "invalid argument", why)
                    : net_reply_err(r, 500, "out of memory", "out of memory");
  } else if ((rc = adb_vector_get(db, json_string_value(jn), &v, &dim))) {
    return net_reply_db(r, db, rc);
  }
  adb_vector_params p;
  size_t count;
  rc = adb_vector_index_info(db, &p, &count);
  if (rc == ADB_OK && p.dim > 0 && (size_t)p.dim != dim) {
    char msg[200];
    snprintf(msg, sizeof msg, "the %s has %zu components; the index holds vectors of %d",
             jv ? "vector" : "node's vector", dim, p.dim);
    if (jv) free(v);
    else adb_free(v);
    return net_reply_err(r, 400, "invalid argument", msg);
  }
  adb_vector_query q = {.vector = v, .dim = dim, .k = jk ? (int)json_integer_value(jk) : HTTP_VECTOR_K,
                        .metric = p.metric};
  adb_vector_hit *hits = NULL;
  size_t n = 0;
  if (rc == ADB_OK) rc = adb_vector_search(db, &q, &hits, &n);
  if (jv) free(v);
  else adb_free(v);
  if (rc) return net_reply_db(r, db, rc);
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_pack("{s:s, s:f}", "id", hits[i].id, "distance", hits[i].distance));
  adb_vector_hits_free(hits, n);
  net_reply_json(r, 200, a);
}
