/* hnsw_dist.c — distance kernels: inner product and squared L2, eight lanes at a time where the
 * compiler has vector extensions, a plain loop elsewhere. */
#include <math.h>
#include <string.h>

#include "vector/hnsw_dist.h"

/* On x86-64 Linux with GCC the kernels are also compiled for AVX2 and picked at load time, so one
 * binary uses the widest registers the machine has. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) &&       \
    !defined(__SANITIZE_ADDRESS__)
#define KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define KERNEL
#endif

#if defined(__GNUC__)
typedef float v8f __attribute__((vector_size(32)));

/* A macro, not a function: passing a 32-byte vector by value changes ABI with -mavx. */
#define HSUM(s) (((s)[0] + (s)[4]) + ((s)[1] + (s)[5])) + (((s)[2] + (s)[6]) + ((s)[3] + (s)[7]))

KERNEL float hnsw_dot(const float *a, const float *b, int n) {
  v8f s0 = {0}, s1 = {0};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v8f x0, y0, x1, y1;
    memcpy(&x0, a + i, sizeof x0);
    memcpy(&y0, b + i, sizeof y0);
    memcpy(&x1, a + i + 8, sizeof x1);
    memcpy(&y1, b + i + 8, sizeof y1);
    s0 += x0 * y0;
    s1 += x1 * y1;
  }
  s0 += s1;
  float s = HSUM(s0);
  for (; i < n; i++) s += a[i] * b[i];
  return s;
}

KERNEL float hnsw_l2sq(const float *a, const float *b, int n) {
  v8f s0 = {0}, s1 = {0};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    v8f x0, y0, x1, y1;
    memcpy(&x0, a + i, sizeof x0);
    memcpy(&y0, b + i, sizeof y0);
    memcpy(&x1, a + i + 8, sizeof x1);
    memcpy(&y1, b + i + 8, sizeof y1);
    x0 -= y0;
    x1 -= y1;
    s0 += x0 * x0;
    s1 += x1 * x1;
  }
  s0 += s1;
  float s = HSUM(s0);
  for (; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}
#else
float hnsw_dot(const float *a, const float *b, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

float hnsw_l2sq(const float *a, const float *b, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}
#endif

float hnsw_inv_norm(const float *v, int n) {
  float s = hnsw_dot(v, v, n);
  return s > 0 ? 1.0f / sqrtf(s) : 0.0f;
}
