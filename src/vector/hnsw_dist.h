/* hnsw_dist.h — the distance kernels the index and exact search share. */
#ifndef ADB_HNSW_DIST_H
#define ADB_HNSW_DIST_H

/* Inner product and squared Euclidean distance of two n-float vectors. */
float hnsw_dot(const float *a, const float *b, int n);
float hnsw_l2sq(const float *a, const float *b, int n);

/* 1 / |v|, or 0 for the zero vector (whose cosine distance to anything is then 1). */
float hnsw_inv_norm(const float *v, int n);

#endif
