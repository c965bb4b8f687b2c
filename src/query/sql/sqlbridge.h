/* sqlbridge.h — what SQL sees: the nodes and edges views, writes through them, and guards. */
#ifndef ADB_SQLBRIDGE_H
#define ADB_SQLBRIDGE_H

#include "adb_int.h"

/* Installs on a new connection: the TEMP views nodes and edges, INSTEAD OF triggers turning
 * their INSERT/UPDATE/DELETE into CRDT writes, and the authorizer that keeps SQL from writing
 * the internal adb_* tables directly. */
int sqlb_install(adb *db);

/* Registers the table-valued functions graph_traverse, graph_neighbors and graph_shortest_path
 * (traverse_vtab.c; docs/graph.md). */
int sqlb_traverse_install(adb *db);

/* Registers the table-valued function vector_search (vector_vtab.c; docs/vector.md). */
int sqlb_vector_install(adb *db);

/* Installs the view node_vectors(id, vector), writable like nodes (vector_view.c). */
int sqlb_vector_view_install(adb *db);

/* Registers arenadb_prop(props, key), one property as an SQL value, usable in the schema
 * (prop.c). */
int sqlb_prop_install(adb *db);

#endif
