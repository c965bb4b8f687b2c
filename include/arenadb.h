/* arenadb.h — the whole public C API of ArenaDB, an embedded replicated property-graph database.
 *
 * One database is one SQLite file. Every write is a CRDT operation, so replicas of the same
 * database exchange change sets in any order, any number of times, and converge. The rules are
 * in docs/crdt.md; the change-set format is in docs/changeset.md.
 *
 * Conventions, for every function below:
 *   - A function returns ADB_OK (0) on success and a negative ADB_* code on failure; iterating
 *     functions also return ADB_ROW or ADB_DONE (positive). adb_errmsg(db) then explains the
 *     failure in a sentence a person can act on, and adb_strerror(rc) names the code.
 *   - A failed write changes nothing: the database is exactly as it was before the call.
 *   - Strings are UTF-8 and NUL-terminated. Strings returned through an out-parameter belong to
 *     the caller and are released with adb_free(); structures have their own *_clear function.
 *   - Properties are JSON objects, given and returned as text. Returned JSON is canonical
 *     (compact, keys sorted bytewise), so equal states print equal.
 *   - The library never prints, never exits and never aborts on bad input.
 *   - An adb handle is not thread-safe: use one handle per thread.
 */
#ifndef ARENADB_H
#define ARENADB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ADB_VERSION "0.1.0"

/* Marks the functions the shared library exports: it is built with every other symbol hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define ADB_API __attribute__((visibility("default")))
#else
#define ADB_API
#endif

/* ---- Status codes ------------------------------------------------------------------------ */

/* Every status code, once: XX(NAME, value, the name adb_strerror gives). The constants ADB_NAME,
 * adb_strerror and the WebAssembly wrapper's ADB object are all made from this list. */
#define ADB_STATUS_MAP(XX)                                                                       \
  XX(OK, 0, "ok")                                                                                \
  XX(ROW, 100, "row ready")         /* adb_step / iterators: a row is ready */                   \
  XX(DONE, 101, "done")             /* adb_step / iterators: no more rows */                     \
  XX(ERROR, -1, "error")            /* an internal error with no better code */                  \
  XX(INVALID, -2, "invalid argument") /* invalid JSON, bad id, malformed SQL, ... */             \
  XX(NOTFOUND, -3, "not found")     /* no node or edge with that id (or it is deleted) */        \
  XX(CONFLICT, -4, "conflict")      /* contradicts the state (id exists, wrong database) */      \
  XX(CORRUPT, -5, "corrupt data")   /* stored data or a change set is damaged or tampered */     \
  XX(PROTOCOL, -6, "protocol error") /* a peer or a change set broke the wire rules */           \
  XX(AUTH, -7, "authentication failed")                                                          \
  XX(IO, -8, "input/output error")  /* the operating system refused a read or write */           \
  XX(NOMEM, -9, "out of memory")                                                                 \
  XX(BUSY, -10, "database is busy") /* another connection holds the write lock */                \
  XX(MISUSE, -11, "API misuse")     /* the API was called in a way it does not allow */          \
  XX(NOTADB, -12, "not an ArenaDB database")                                                     \
  XX(FORMAT, -13, "unsupported format version") /* written by a newer ArenaDB format */          \
  XX(READONLY, -14, "database is read-only") /* a write on a database opened read-only */        \
  XX(INTERRUPT, -15, "interrupted") /* ran past the time limit (adb_set_time_limit) */

#define ADB__STATUS_ENUM(name, value, text) ADB_##name = (value),
enum adb_status { ADB_STATUS_MAP(ADB__STATUS_ENUM) };
#undef ADB__STATUS_ENUM

/* Returns a short constant English name for a status code ("not found"); never NULL. */
ADB_API const char *adb_strerror(int rc);

/* ---- Opening and closing ----------------------------------------------------------------- */

typedef struct adb adb;

/* Durability of a commit. FULL (the default) survives power loss: SQLite syncs the WAL at every
 * commit. NORMAL survives a crash of the process but may lose the last commits on power loss,
 * and is several times faster for many small transactions. */
#define ADB_SYNC_FULL 0
#define ADB_SYNC_NORMAL 1

typedef struct adb_options {
  int readonly;         /* open without writing; writes fail with ADB_READONLY */
  int no_create;        /* fail with ADB_NOTFOUND instead of creating a missing file */
  int synchronous;      /* ADB_SYNC_FULL (default) or ADB_SYNC_NORMAL */
  const char *db_id;    /* 32 hex digits: the database id when creating (default random); an
                         * existing database with another id fails with ADB_CONFLICT */
  int64_t max_drift_ms; /* how far ahead of local time a remote clock is believed (0: 60000) */
  /* Time source in milliseconds since the epoch (NULL: the system clock). Tests and
   * simulations use it to make clocks deterministic. */
  int64_t (*clock_ms)(void *ctx);
  void *clock_ctx;
} adb_options;

/* Opens (and by default creates) the database at path; opts may be NULL for the defaults.
 * On success *out is a new handle. On failure *out is still set when a handle could be made, so
 * that adb_errmsg(*out) can explain; close it with adb_close. Fails with ADB_NOTADB for a file
 * that is not an ArenaDB database, ADB_FORMAT for one from a newer format version. */
ADB_API int adb_open(const char *path, const adb_options *opts, adb **out);

/* Closes the handle, rolling back any open transaction. Accepts NULL. Returns ADB_OK or
 * ADB_BUSY when statements are still open (they are finalized first). */
ADB_API int adb_close(adb *db);

/* The explanation of the last failure on db, or "not an error"; valid until the next call. */
ADB_API const char *adb_errmsg(adb *db);

/* Releases memory returned by this library. Accepts NULL. */
ADB_API void adb_free(void *p);

/* This replica's id and the database's id, 32 lowercase hex digits each; owned by db. */
ADB_API const char *adb_replica_id(adb *db);
ADB_API const char *adb_db_id(adb *db);

/* ---- Transactions ------------------------------------------------------------------------ */

/* Writes outside a transaction commit one by one. Inside adb_begin/adb_commit all writes are one
 * local transaction: they reach every replica together or not at all. Transactions do not nest:
 * adb_begin inside a transaction fails with ADB_MISUSE. adb_rollback discards the writes. */
ADB_API int adb_begin(adb *db);
ADB_API int adb_commit(adb *db);
ADB_API int adb_rollback(adb *db);

/* ---- Nodes and edges --------------------------------------------------------------------- */

/* A node or edge as read back. For nodes source_id and target_id are NULL. */
typedef struct adb_element {
  char *id;
  char *label;
  char *properties; /* canonical JSON object */
  char *source_id;
  char *target_id;
} adb_element;

/* Frees the strings of e and zeroes it. Accepts a zeroed element. */
ADB_API void adb_element_clear(adb_element *e);

/* Creates a node. id may be NULL to generate a new 128-bit time-ordered id, or a text chosen by
 * the caller ("user:alice"): creating an id that exists already fails with ADB_CONFLICT, while
 * the same id created on two replicas merges into one node. label must be non-empty.
 * properties may be NULL for {}; otherwise it must be a JSON object (ADB_INVALID).
 * When id_out is not NULL it receives the id (free with adb_free). */
ADB_API int adb_node_create(adb *db, const char *id, const char *label, const char *properties,
                            char **id_out);

/* Creates an edge from source to target, which must be existing nodes (ADB_NOTFOUND). The
 * endpoints are fixed for the life of the edge. Arguments as for adb_node_create. */
ADB_API int adb_edge_create(adb *db, const char *id, const char *source, const char *label,
                            const char *target, const char *properties, char **id_out);

/* Reads a node or an edge into *out (cleared first). ADB_NOTFOUND when there is none, or it is
 * deleted, or (for an edge) one of its endpoints is deleted. */
ADB_API int adb_node_get(adb *db, const char *id, adb_element *out);
ADB_API int adb_edge_get(adb *db, const char *id, adb_element *out);

/* Updates a node or edge: label, when not NULL, replaces the label; patch, when not NULL, is a
 * JSON object whose keys are set, a key whose value is null being removed (RFC 7386 at the top
 * level). Each key is its own register: concurrent updates of different keys all survive. */
ADB_API int adb_node_update(adb *db, const char *id, const char *label, const char *patch);
ADB_API int adb_edge_update(adb *db, const char *id, const char *label, const char *patch);

/* Sets one property to a JSON value (any JSON, including null), or removes it. */
ADB_API int adb_node_set(adb *db, const char *id, const char *key, const char *value_json);
ADB_API int adb_node_unset(adb *db, const char *id, const char *key);
ADB_API int adb_edge_set(adb *db, const char *id, const char *key, const char *value_json);
ADB_API int adb_edge_unset(adb *db, const char *id, const char *key);

/* Deletes a node or edge. Edges of a deleted node are hidden, not destroyed: they come back if
 * the node is created again. ADB_NOTFOUND if there is no such live element. */
ADB_API int adb_node_delete(adb *db, const char *id);
ADB_API int adb_edge_delete(adb *db, const char *id);

/* ---- Listing ----------------------------------------------------------------------------- */

typedef struct adb_iter adb_iter;

/* Lists live nodes, optionally only those with a label (NULL for all), ordered by id. */
ADB_API int adb_node_list(adb *db, const char *label, adb_iter **out);

/* Lists visible edges, each filter optional (NULL): from a source node, to a target node,
 * with a label. Ordered by id. */
ADB_API int adb_edge_list(adb *db, const char *source, const char *target, const char *label,
                          adb_iter **out);

/* Lists the visible edges that start or end at node (a loop once), optionally with a label
 * (NULL for all). Ordered by id. */
ADB_API int adb_edge_list_of(adb *db, const char *node, const char *label, adb_iter **out);

/* Starts a listing past the element with this id, in id order (which need not exist): the next
 * page of a listing begins after the last id of the page before, at the cost of that page, not
 * of the pages before it. Call it before the first adb_iter_next; ADB_MISUSE after. */
ADB_API int adb_iter_after(adb_iter *it, const char *id);

/* Fills *out with the next element and returns ADB_ROW, or returns ADB_DONE, or an error.
 * *out is overwritten, not freed: clear it with adb_element_clear before the next call. */
ADB_API int adb_iter_next(adb_iter *it, adb_element *out);

/* Releases an iterator. Accepts NULL. */
ADB_API void adb_iter_free(adb_iter *it);

/* ---- SQL --------------------------------------------------------------------------------- */

/* SQL sees two views, nodes(id, label, properties) and edges(id, source_node_id,
 * target_node_id, label, properties). INSERT, UPDATE and DELETE on them are CRDT writes that
 * replicate like the calls above. Internal tables (adb_*) cannot be written by SQL. Tables the
 * application creates itself are local to this replica. */
typedef struct adb_stmt adb_stmt;

#define ADB_TYPE_INTEGER 1
#define ADB_TYPE_FLOAT 2
#define ADB_TYPE_TEXT 3
#define ADB_TYPE_BLOB 4
#define ADB_TYPE_NULL 5

/* Compiles the first statement of sql. *tail, when tail is not NULL, points past it.
 * A syntax error or an unknown table fails with ADB_INVALID. */
ADB_API int adb_prepare(adb *db, const char *sql, adb_stmt **out, const char **tail);

/* Binds parameter i (1-based) of a statement. */
ADB_API int adb_bind_int(adb_stmt *st, int i, int64_t v);
ADB_API int adb_bind_double(adb_stmt *st, int i, double v);
ADB_API int adb_bind_text(adb_stmt *st, int i, const char *v);
ADB_API int adb_bind_null(adb_stmt *st, int i);

/* Runs a statement one step: ADB_ROW when a row is ready, ADB_DONE when finished, or an error
 * (and the statement's writes are undone). */
ADB_API int adb_step(adb_stmt *st);

/* 1 when the statement cannot write (SQLite's sqlite3_stmt_readonly): a caller may stop
 * stepping it early without leaving a write half done. */
ADB_API int adb_stmt_readonly(adb_stmt *st);

/* Resets a statement to run again, keeping its bindings. */
ADB_API int adb_reset(adb_stmt *st);

/* The rows the statement inserted, updated or deleted when it last finished (ADB_DONE): nodes
 * and edges written through the views, and rows of the application's own tables; 0 for one
 * that only reads, or has not finished. */
ADB_API int64_t adb_stmt_changes(adb_stmt *st);

/* Column access for the current row. Text is valid until the next step, reset or finalize. */
ADB_API int adb_column_count(adb_stmt *st);
ADB_API const char *adb_column_name(adb_stmt *st, int i);
ADB_API int adb_column_type(adb_stmt *st, int i);
ADB_API int64_t adb_column_int(adb_stmt *st, int i);
ADB_API double adb_column_double(adb_stmt *st, int i);
ADB_API const char *adb_column_text(adb_stmt *st, int i);
ADB_API const void *adb_column_blob(adb_stmt *st, int i);
/* The size in bytes of a text or blob column. */
ADB_API int adb_column_bytes(adb_stmt *st, int i);

/* 1 when column i is a JSON object by where it comes from: the properties column of the nodes
 * or edges view, directly or through an alias, a subquery or a view that passes it on
 * unchanged; else 0 (an expression such as json_set(properties, ...) included). JSON output
 * embeds such a value as an object instead of quoting it as a string. */
ADB_API int adb_column_is_json(adb_stmt *st, int i);

/* Releases a statement. Accepts NULL. */
ADB_API int adb_finalize(adb_stmt *st);

/* Runs every statement of sql, discarding rows. */
ADB_API int adb_exec(adb *db, const char *sql);

/* Limits how long one SQL statement (from its first step until it is done, reset or finalized)
 * and one Cypher query may run: past ms milliseconds it stops with ADB_INTERRUPT and its writes
 * are undone. 0, the default, sets no limit. Replication (adb_apply, adb_changes) has none.
 * Returns ADB_OK, or ADB_MISUSE for a negative ms. */
ADB_API int adb_set_time_limit(adb *db, int64_t ms);

/* Lets Cypher's LOAD CSV read the files under dir: 'file:///NAME' names dir/NAME, and a name
 * that leads out of dir (through "..", or a symbolic link) is refused. NULL, the default,
 * refuses every LOAD CSV. Returns ADB_OK, ADB_NOTFOUND when dir is not an existing directory
 * (with a message), or ADB_NOMEM. */
ADB_API int adb_set_import_dir(adb *db, const char *dir);

/* Makes the handle refuse, with ADB_READONLY and nothing changed, every SQL statement and
 * Cypher query that would write while on is set: a server does so for a client whose token may
 * only read. Returns ADB_OK. */
ADB_API int adb_set_query_only(adb *db, int on);

/* ---- Access tokens ------------------------------------------------------------------------ */

/* Tokens let clients of arenadb serve in, each with a role. They are kept in the file, hashed,
 * and never replicated: each replica has its own. */
#define ADB_ROLE_READ 1  /* pull changes; read over HTTP; SQL and Cypher that only read */
#define ADB_ROLE_WRITE 2 /* also push changes and write */
#define ADB_ROLE_ADMIN 3 /* also manage tokens */

/* The name of a role ("read", "write", "admin"; "none" for another number), and the role of a
 * name (0 when it names none). */
ADB_API const char *adb_role_name(int role);
ADB_API int adb_role_parse(const char *name);

/* Creates a token named name with role, valid until expires_ms (milliseconds since the epoch;
 * 0: for ever). *token receives the token text (release with adb_free): it is shown this once,
 * since only its hash is kept. ADB_CONFLICT when the name is taken, ADB_INVALID for a bad name,
 * ADB_MISUSE for a bad role. */
ADB_API int adb_token_create(adb *db, const char *name, int role, int64_t expires_ms, char **token);

/* Deletes the token named name; ADB_NOTFOUND when there is none. */
ADB_API int adb_token_revoke(adb *db, const char *name);

/* Sets *role to the role of token; ADB_AUTH when it is unknown, revoked or expired. */
ADB_API int adb_token_role(adb *db, const char *token, int *role);

/* The number of tokens; a server with any requires one on every request. */
ADB_API int adb_token_count(adb *db, int64_t *n);

/* The tokens as JSON, without their secrets: [{"name", "role", "created_ms", "expires_ms"}]
 * (malloc'd into *json; release with adb_free). */
ADB_API int adb_token_list(adb *db, char **json);

/* ---- Replication ------------------------------------------------------------------------- */

/* A version vector says, per origin replica, up to which transaction a replica has seen; it is
 * encoded in the binary form of docs/changeset.md. adb_vv returns this replica's. */
ADB_API int adb_vv(adb *db, void **out, size_t *out_len);

/* Renders an encoded version vector as JSON: {"db":"…","vv":{"<replica>":seq,…}}. */
ADB_API int adb_vv_json(adb *db, const void *vv, size_t vv_len, char **out);

/* Exports the changes a replica with version vector vv lacks (vv NULL: everything) as one
 * change set. A vv of another database fails with ADB_CONFLICT. */
ADB_API int adb_changes(adb *db, const void *vv, size_t vv_len, void **out, size_t *out_len);

typedef struct adb_apply_stats {
  uint64_t elements; /* element records in the set */
  uint64_t registers; /* registers (existence, label, endpoints, properties) in the set */
  uint64_t changed;  /* registers that changed this replica's state */
} adb_apply_stats;

/* Merges a change set, atomically: it is validated completely before anything is written, and
 * then applied in one transaction. Applying a set twice, or sets in any order, gives the same
 * state. Fails with ADB_CORRUPT for a truncated or tampered set, ADB_PROTOCOL for one that
 * breaks the format, ADB_FORMAT for a newer format version, ADB_CONFLICT for one from another
 * database (a database with no data yet adopts the set's database id). stats may be NULL. */
ADB_API int adb_apply(adb *db, const void *changes, size_t len, adb_apply_stats *stats);

/* Two-way merge of two open databases, each receiving what it lacks. */
ADB_API int adb_sync_local(adb *a, adb *b);

/* ---- Maintenance ------------------------------------------------------------------------- */

/* Verifies the SQLite file and ArenaDB's own invariants. Returns ADB_OK when all is well, or
 * ADB_CORRUPT with *report (when not NULL) listing the problems one per line. */
ADB_API int adb_check(adb *db, char **report);

/* ---- Batched export and other connections' commits -------------------------------------- */

/* For network sync (docs/protocol.md): the changes a peer lacks, cut into change sets of
 * bounded size, and a cheap way to notice commits made to the file by other connections. */
typedef struct adb_export adb_export;

/* Starts an export of the changes a replica with version vector vv lacks (vv NULL:
 * everything). The elements to send are listed now, in one consistent read; the batches are
 * read later by adb_export_next. A vv of another database fails with ADB_CONFLICT, as for
 * adb_changes. Free *out with adb_export_free. */
ADB_API int adb_export_begin(adb *db, const void *vv, size_t vv_len, adb_export **out);

/* Produces the next batch: an ordinary change set (docs/changeset.md) of about max_bytes or
 * less (at least one element, so one large element may exceed it) that adb_apply accepts on
 * its own. Returns ADB_ROW with *out (free with adb_free) and *last (may be NULL) set to 1 for
 * the final batch, ADB_DONE when the final batch was produced already, or an error. Every batch
 * carries the current state of its elements; only the final one advances the receiver's version
 * vector (to this replica's vector at adb_export_begin), so a receiver that applied only some
 * batches asks again for the rest. An export always has at least one (possibly empty) batch. */
ADB_API int adb_export_next(adb_export *ex, size_t max_bytes, void **out, size_t *out_len,
                            int *last);

/* How many listed elements are not exported yet. */
ADB_API size_t adb_export_remaining(const adb_export *ex);

/* Releases an export. Accepts NULL. */
ADB_API void adb_export_free(adb_export *ex);

/* Reads SQLite's PRAGMA data_version into *out: it changes when another connection (another
 * process, or another handle) commits to the file, never for this handle's own commits. Polling
 * it is how a long-running replica notices writes made by other processes. (The handle itself
 * needs no help: every transaction re-reads what other connections changed.) */
ADB_API int adb_data_version(adb *db, int64_t *out);

/* Called with the id of an element a committed transaction saved, and is_edge 1 for an edge,
 * 0 for a node. fn must not use the handle. */
typedef void (*adb_watch_fn)(void *ctx, const char *id, int is_edge);

/* Watches this handle's commits: after each transaction that saved elements commits (a local
 * write, an SQL or Cypher write, an applied change set), fn is called once per element saved,
 * in order, before the call that committed returns. A rolled-back transaction reports nothing;
 * an element whose write a failed statement undid inside a transaction that then committed may
 * be reported although unchanged, but a changed element is never left out. Commits by other
 * connections are not seen (adb_data_version tells of them). One watcher per handle: a second
 * call replaces the first, and fn NULL stops watching. Returns ADB_OK, ADB_NOMEM or
 * ADB_MISUSE. */
ADB_API int adb_watch(adb *db, adb_watch_fn fn, void *ctx);

/* ---- Traversal --------------------------------------------------------------------------- */

/* Graph walks over the adjacency index that every local and merged write keeps current. They
 * follow only visible edges (the edge and both its endpoints exist), so an edge hidden by a
 * deleted endpoint is never followed, and return only existing nodes. docs/graph.md gives the
 * cost of each. A start (or end) node that does not exist fails with ADB_NOTFOUND; a bad
 * direction, an empty label, or a depth outside 0..ADB_DEPTH_MAX fails with ADB_INVALID. */

/* Which edges a walk follows from a node: outgoing, incoming, or both. */
#define ADB_OUT 1
#define ADB_IN 2
#define ADB_BOTH 3

/* The largest depth or hop bound a traversal accepts; pass it for "no limit". */
#define ADB_DEPTH_MAX 1000000

/* One node reached by a walk. */
typedef struct adb_hop {
  char *id;      /* the node */
  int depth;     /* hops from the start: 0 for the start itself */
  int direction; /* how edge_id was followed: ADB_OUT (from_id to id), ADB_IN, or 0 at the start */
  char *edge_id; /* the edge followed to reach it; NULL for the start */
  char *from_id; /* the node that edge was followed from; NULL for the start */
} adb_hop;

/* Frees the strings of h and zeroes it. Accepts a zeroed hop. */
ADB_API void adb_hop_clear(adb_hop *h);

typedef struct adb_traversal adb_traversal;

/* The neighbours of node id: one hop (depth 1) per visible edge in the direction, with label
 * (NULL for any). A node joined by several edges appears once per edge; a self-loop once. */
ADB_API int adb_neighbors(adb *db, const char *id, int direction, const char *label,
                          adb_traversal **out);

/* Breadth-first k-hop expansion: every distinct node within max_depth hops of id (0 to
 * ADB_DEPTH_MAX), each once with its least depth, nearest first, the start first at depth 0.
 * edge_id and from_id of a hop form a shortest-path tree. The walk is done in one consistent
 * read before this returns; adb_traversal_next then only hands out the results. */
ADB_API int adb_khop(adb *db, const char *id, int max_depth, int direction, const char *label,
                     adb_traversal **out);

/* Fills *out (cleared first) with the next node and returns ADB_ROW, or returns ADB_DONE. */
ADB_API int adb_traversal_next(adb_traversal *t, adb_hop *out);

/* How many hops the traversal holds in all (including those already handed out). */
ADB_API size_t adb_traversal_count(const adb_traversal *t);

/* Releases a traversal. Accepts NULL. */
ADB_API void adb_traversal_free(adb_traversal *t);

/* A path: length hops, nodes[0..length] and edges[0..length-1], edge i joining node i to node
 * i+1 (followed in the walk's direction). */
typedef struct adb_path {
  size_t length;
  char **nodes;
  char **edges;
} adb_path;

/* Frees the strings and arrays of p and zeroes it. Accepts a zeroed path. */
ADB_API void adb_path_clear(adb_path *p);

/* A shortest path (fewest hops) from node from to node to of at most max_depth hops, found
 * breadth first; from == to gives the path of length 0. When there is none, fails with
 * ADB_NOTFOUND and a message saying so. *out is cleared first. */
ADB_API int adb_shortest_path(adb *db, const char *from, const char *to, int max_depth,
                              int direction, const char *label, adb_path *out);

typedef struct adb_paths adb_paths;

/* Variable-length paths: every path from node from with min_hops to max_hops hops
 * (0 <= min_hops <= max_hops <= ADB_DEPTH_MAX) that uses no edge twice, ending at node to, or
 * anywhere when to is NULL. They are enumerated depth first, one per adb_paths_next, without
 * being stored, so memory stays proportional to the path length; their number can grow
 * exponentially with max_hops, so stop when you have enough. Each step reads the current
 * state of the database. */
ADB_API int adb_paths_open(adb *db, const char *from, const char *to, int min_hops, int max_hops,
                           int direction, const char *label, adb_paths **out);

/* Fills *out (cleared first) with the next path and returns ADB_ROW, or returns ADB_DONE. */
ADB_API int adb_paths_next(adb_paths *it, adb_path *out);

/* Releases a path enumeration. Accepts NULL. */
ADB_API void adb_paths_free(adb_paths *it);

/* ---- Graph pattern counts ------------------------------------------------------------------ */

/* Counts the matches of the Cypher pattern (a)-[:first]->(b)-[:second]->(c) over visible
 * edges: ordered pairs of two different edges, the first ending where the second starts (a and
 * c may be the same node). A NULL label matches every edge. It reads the adjacency cache, in
 * time linear in the number of edges, without listing the matches. An empty label fails with
 * ADB_INVALID; *count is 0 on failure. */
ADB_API int adb_count_two_hop(adb *db, const char *first, const char *second, int64_t *count);

/* ---- Collaborative text ----------------------------------------------------------------------
 * A property may hold collaborative text: a sequence CRDT that replicas edit by position at
 * once and that merges without losing or interleaving anyone's typing (docs/crdt.md, "Text
 * properties"). Its current string is the property's value everywhere else: adb_node_get,
 * SQL's properties JSON, Cypher. Positions and lengths count Unicode code points; strings are
 * UTF-8. Each call is one write (its own transaction, or part of the caller's adb_begin), and
 * its edit travels in change sets and live sync like any other write.
 *
 * Editing a key that holds nothing, a removed value or a plain string makes it text (a string
 * is its start); a key holding another JSON value fails with ADB_INVALID. A later adb_node_set
 * or unset of the key replaces the text, as any later write of a register does.
 *
 * Errors, all leaving the database unchanged: ADB_NOTFOUND when there is no such (visible)
 * node or edge; ADB_INVALID when pos (or pos + len) is past the end of the text, utf8 is not
 * well-formed UTF-8, the key is not a valid key, or the key holds a non-string value;
 * ADB_CONFLICT when the key was already written by a later life of the element (a re-creation
 * this replica has not merged yet: sync first); ADB_CORRUPT when the stored document is
 * damaged (adb_check reports it). */

/* Inserts utf8 at code point pos (0 <= pos <= length) of the text under key of node id. */
ADB_API int adb_text_insert(adb *db, const char *id, const char *key, size_t pos, const char *utf8);

/* Deletes len code points from pos. */
ADB_API int adb_text_delete(adb *db, const char *id, const char *key, size_t pos, size_t len);

/* Deletes len code points from pos and inserts utf8 there, in one write. */
ADB_API int adb_text_replace(adb *db, const char *id, const char *key, size_t pos, size_t len,
                             const char *utf8);

/* Copies the string under key (text, or a plain string value) into *out (free with
 * adb_free). ADB_NOTFOUND when the node or the key does not exist, ADB_INVALID when the key
 * holds a value that is not a string. */
ADB_API int adb_text_get(adb *db, const char *id, const char *key, char **out);

/* The same for a property of edge id. */
ADB_API int adb_edge_text_insert(adb *db, const char *id, const char *key, size_t pos,
                                 const char *utf8);
ADB_API int adb_edge_text_delete(adb *db, const char *id, const char *key, size_t pos, size_t len);
ADB_API int adb_edge_text_replace(adb *db, const char *id, const char *key, size_t pos, size_t len,
                                  const char *utf8);
ADB_API int adb_edge_text_get(adb *db, const char *id, const char *key, char **out);

/* ---- Vector search ----------------------------------------------------------------------- *
 *
 * A node may hold one vector of float32 components. It is a last-writer-wins register of the
 * node that replicates like a property, but is set and read with the calls below and never
 * appears in the properties JSON. Each replica keeps its own HNSW index over the vectors of its
 * live nodes, stored in the database file and updated in the same transaction as every write or
 * merge, so opening a database never rebuilds it. The index has one dimension, fixed by
 * adb_vector_index or else by the first vector; docs/vector.md has the details. */

#define ADB_METRIC_COSINE 0 /* distance 1 - cos(a, b), in [0, 2] */
#define ADB_METRIC_L2 1     /* Euclidean distance */
#define ADB_METRIC_DOT 2    /* negated inner product: larger products are nearer */

/* The index's parameters. Zero fields take the defaults shown. */
typedef struct adb_vector_params {
  int dim;             /* components per vector (0: the first vector's) */
  int metric;          /* ADB_METRIC_* the graph is built for (cosine) */
  int m;               /* links per node and level, 2..64 (16; 32 on level 0) */
  int ef_construction; /* candidate list while inserting (200) */
  int ef_search;       /* candidate list while searching, at least k (64) */
} adb_vector_params;

/* Sets the index's parameters and rebuilds it from the vectors of every live node, in one
 * transaction; vectors of another dimension stay stored but unindexed. ADB_INVALID for a bad
 * parameter. p may be NULL for the defaults. */
ADB_API int adb_vector_index(adb *db, const adb_vector_params *p);

/* Reads the index's parameters (zeroes if none yet) and how many vectors it holds. */
ADB_API int adb_vector_index_info(adb *db, adb_vector_params *out, size_t *count);

/* Sets the vector of live node id to v[0..dim-1]. ADB_NOTFOUND for no such node; ADB_INVALID
 * for dim 0 or above 16384, a NaN or infinite component, or a dimension other than the
 * index's. */
ADB_API int adb_vector_set(adb *db, const char *id, const float *v, size_t dim);

/* The same with the vector as JSON text: an array of numbers ("[0.5, 1, -2]"). */
ADB_API int adb_vector_set_json(adb *db, const char *id, const char *json);

/* Removes the vector of node id (no error when it has none). */
ADB_API int adb_vector_clear(adb *db, const char *id);

/* The vector of node id as a new array (release with adb_free) of *dim floats. ADB_NOTFOUND
 * when the node does not exist or has no vector. */
ADB_API int adb_vector_get(adb *db, const char *id, float **out, size_t *dim);

typedef struct adb_vector_query {
  const float *vector; /* the query, of the index's dimension */
  size_t dim;
  int k;               /* how many nearest nodes, 1..10000 */
  int metric;          /* ADB_METRIC_*; another than the index's searches exactly */
  const char *label;   /* only nodes with this label (NULL: any) */
  const char *where;   /* only nodes for which this SQL expression over the columns of the
                        * nodes view (id, label, properties) is true (NULL: any) */
  int ef_search;       /* 0: the index's */
  int exact;           /* 1: brute force over every vector, the reference */
} adb_vector_query;

typedef struct adb_vector_hit {
  char *id;
  double distance;
} adb_vector_hit;

/* The k live nodes nearest to the query that pass its filters, nearest first: *hits is a new
 * array of *n (at most k; fewer only when fewer nodes qualify) released with
 * adb_vector_hits_free. Filtered searches still return k when k qualify: when the graph search
 * finds fewer, or few nodes qualify, it searches the qualifying nodes exactly. ADB_INVALID for
 * a wrong dimension, NaN or infinite components, k outside 1..10000, an unknown metric, or a
 * where clause that is not a valid expression. */
ADB_API int adb_vector_search(adb *db, const adb_vector_query *q, adb_vector_hit **hits, size_t *n);

ADB_API void adb_vector_hits_free(adb_vector_hit *hits, size_t n);

/* ---- Cypher ------------------------------------------------------------------------------ */

/* Cypher queries over the same graph (docs/cypher.md lists what is supported). A query runs as
 * one write scope: its writes are CRDT changes that replicate like the calls above, and a query
 * that fails changes nothing. A node's Cypher labels are kept in its one label, sorted and
 * joined with ':' ("A:B"); a node without labels has the label ":". */
typedef struct adb_cypher adb_cypher;

/* The kind of a Cypher value. */
#define ADB_CV_NULL 0
#define ADB_CV_BOOL 1
#define ADB_CV_INT 2
#define ADB_CV_FLOAT 3
#define ADB_CV_STRING 4
#define ADB_CV_LIST 5
#define ADB_CV_MAP 6
#define ADB_CV_NODE 7
#define ADB_CV_RELATIONSHIP 8
#define ADB_CV_PATH 9

/* Runs query with params (a JSON object of parameter values, or NULL), to completion: the
 * result's rows are then read with adb_cypher_next. On success *out is the result; on failure
 * the query changed nothing, the return is ADB_INVALID for an error in the query (syntax,
 * types, arguments), ADB_CONFLICT for a violated constraint (deleting a connected node), or
 * the storage failure, and *out (when not NULL) still holds the error for adb_cypher_error.
 * Release *out with adb_cypher_free in both cases. */
ADB_API int adb_cypher_run(adb *db, const char *query, const char *params, adb_cypher **out);

/* The error of a failed run: its openCypher kind ("SyntaxError", "TypeError",
 * "ArgumentError", "SemanticError", "EntityNotFound", "ConstraintVerificationFailed", ...),
 * its phase ("compile time" or "runtime"), the TCK detail name ("UndefinedVariable", or ""),
 * and a message. Any out-pointer may be NULL. Returns ADB_OK, or ADB_MISUSE when the run
 * succeeded. The strings belong to the result. */
ADB_API int adb_cypher_error(const adb_cypher *r, const char **type, const char **phase,
                             const char **detail, const char **message);

/* The number of columns and the name of column i (NULL when out of range). */
ADB_API int adb_cypher_columns(const adb_cypher *r);
ADB_API const char *adb_cypher_column_name(const adb_cypher *r, int i);

/* Moves to the next row: ADB_ROW, or ADB_DONE after the last. */
ADB_API int adb_cypher_next(adb_cypher *r);

/* The kind (ADB_CV_*) of column i of the current row, and its value as a boolean, integer,
 * float or string (0, 0.0 or NULL when it is of another kind). Strings belong to the result. */
ADB_API int adb_cypher_kind(const adb_cypher *r, int i);
ADB_API int adb_cypher_bool(const adb_cypher *r, int i);
ADB_API int64_t adb_cypher_int(const adb_cypher *r, int i);
ADB_API double adb_cypher_float(const adb_cypher *r, int i);
ADB_API const char *adb_cypher_string(const adb_cypher *r, int i);

/* Column i of the current row as text: ADB_CYPHER_JSON gives JSON (a node as
 * {"id","labels","properties"}, a relationship as {"id","type","start","end","properties"},
 * a path as the list of its nodes and relationships); ADB_CYPHER_TCK gives openCypher's
 * literal form ('text', [1, 2], {k: 1}, (:A {k: 1}), [:T], <(:A)-[:T]->()>). The text is
 * valid until the next call on r; NULL when i is out of range. */
#define ADB_CYPHER_JSON 0
#define ADB_CYPHER_TCK 1
ADB_API const char *adb_cypher_text(adb_cypher *r, int i, int form);

/* The side effects of a run. */
typedef struct adb_cypher_stats {
  int64_t nodes_created, nodes_deleted, relationships_created, relationships_deleted;
  int64_t properties_set, properties_removed, labels_added, labels_removed;
} adb_cypher_stats;
ADB_API void adb_cypher_get_stats(const adb_cypher *r, adb_cypher_stats *out);

/* Releases a result. Accepts NULL. */
ADB_API void adb_cypher_free(adb_cypher *r);

/* Temporal values: adb_cypher_kind gives ADB_CV_TEMPORAL for a date, local time, time, local
 * date time or date time, and ADB_CV_DURATION for a duration. adb_cypher_string gives their
 * ISO 8601 text ("2015-07-21", "21:40:32.142+01:00", "2015-07-21T21:40:32.142+01:00",
 * "P1Y2M3DT4H5M6.5S"; which parts the text has says which kind it is), valid until the result
 * is freed, and adb_cypher_text prints the same text (quoted in the TCK form). In a node's
 * stored properties a temporal is a one-key object naming its kind, such as
 * {"$datetime": "2015-07-21T21:40:32.142+01:00"} or {"$duration": "P1D"}. */
#define ADB_CV_TEMPORAL 10
#define ADB_CV_DURATION 11

/* ---- Cypher procedures ------------------------------------------------------------------- */

/* Procedures an application defines for CALL, on one open handle for the life of the handle
 * (like sqlite3_create_function). The signature declares the arguments and outputs:
 *
 *   ns.name(arg :: TYPE, opt = JSON_DEFAULT :: TYPE?, ...) :: (out :: TYPE?, ...)
 *
 * TYPE is ANY, BOOLEAN, INTEGER, FLOAT, NUMBER, STRING, MAP, NODE, RELATIONSHIP, PATH or
 * LIST OF TYPE (keywords in any case); a trailing '?' accepts null. Arguments with a default
 * (a JSON value) may be left out, and only after the required ones. `:: VOID`, `:: ()` or
 * nothing after the arguments declares a procedure without outputs, which passes each incoming
 * row through once. Cypher checks each call against the signature: a wrong number of arguments
 * is a SyntaxError InvalidNumberOfArguments, a literal of the wrong type a SyntaxError
 * InvalidArgumentType at compile time, any other value of the wrong type a TypeError at run
 * time; an INTEGER is accepted (as a float) for FLOAT and NUMBER. */
typedef struct adb_procedure_rows adb_procedure_rows;

/* The callback: called once per CALL per incoming row, with args a JSON object of every
 * argument by name (already checked and coerced; defaults filled in; a node or relationship
 * is an object as ADB_CYPHER_JSON prints it). It emits each result row with
 * adb_procedure_emit and returns ADB_OK, or a negative status (after adb_procedure_error) to
 * fail the query with a ProcedureError. It must not close the handle or register procedures. */
typedef int (*adb_procedure_fn)(void *ctx, const char *args, adb_procedure_rows *rows);

/* Registers a procedure: fn is called with ctx; destroy (may be NULL) is called with ctx when
 * the handle closes, or at once when registration fails. Returns ADB_OK; ADB_INVALID for a
 * malformed signature (the message says where) or an output of type NODE, RELATIONSHIP or
 * PATH (a callback can only emit JSON); ADB_CONFLICT when a procedure of that name exists
 * (built-in ones such as db.vector.search included); ADB_MISUSE for a NULL argument. */
ADB_API int adb_procedure_create(adb *db, const char *signature, adb_procedure_fn fn, void *ctx,
                                 void (*destroy)(void *ctx));

/* Emits one result row, during the callback only: a JSON object of output values by output
 * name (a missing output is null). Returns ADB_OK, or ADB_INVALID when the row is not such an
 * object, names an unknown output or holds a value of the wrong type; the query then fails when the
 * callback returns, whatever the callback returns. */
ADB_API int adb_procedure_emit(adb_procedure_rows *rows, const char *row);

/* Sets the message of the ProcedureError the query fails with when the callback returns a
 * negative status. */
ADB_API void adb_procedure_error(adb_procedure_rows *rows, const char *message);

/* Checks one row of a fixed table for the procedure called name: a JSON object whose keys are
 * exactly the procedure's argument and output names, each value of its declared type. Returns
 * ADB_OK; ADB_NOTFOUND when there is no such procedure; ADB_INVALID with a message naming the
 * column otherwise. */
ADB_API int adb_procedure_check_row(adb *db, const char *name, const char *row);

#ifdef __cplusplus
}
#endif
#endif /* ARENADB_H */
