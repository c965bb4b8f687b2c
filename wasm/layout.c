/* layout.c — the public structs as this WebAssembly build lays them out, as JSON: arenadb.mjs
 * reads each size and member offset from here instead of writing them down (SQLite's
 * sqlite3_wasm_enum_json is the model). Part of the WebAssembly build only. */
#include <stddef.h>
#include <stdio.h>

#include "arenadb.h"

const char *adb_wasm_layout(void);

const char *adb_wasm_layout(void) {
  static char json[1024];
  snprintf(json, sizeof json,
           "{\"adb_options\":{\"size\":%zu,\"readonly\":%zu,\"no_create\":%zu,"
           "\"synchronous\":%zu,\"db_id\":%zu,\"max_drift_ms\":%zu},"
           "\"adb_element\":{\"size\":%zu,\"id\":%zu,\"label\":%zu,\"properties\":%zu,"
           "\"source_id\":%zu,\"target_id\":%zu},"
           "\"adb_apply_stats\":{\"size\":%zu,\"elements\":%zu,\"registers\":%zu,"
           "\"changed\":%zu},"
           "\"adb_hop\":{\"size\":%zu,\"id\":%zu,\"depth\":%zu,\"direction\":%zu,"
           "\"edge_id\":%zu,\"from_id\":%zu},"
           "\"adb_path\":{\"size\":%zu,\"length\":%zu,\"nodes\":%zu,\"edges\":%zu},"
           "\"pointer\":%zu}",
           sizeof(adb_options), offsetof(adb_options, readonly), offsetof(adb_options, no_create),
           offsetof(adb_options, synchronous), offsetof(adb_options, db_id),
           offsetof(adb_options, max_drift_ms), sizeof(adb_element), offsetof(adb_element, id),
           offsetof(adb_element, label), offsetof(adb_element, properties),
           offsetof(adb_element, source_id), offsetof(adb_element, target_id),
           sizeof(adb_apply_stats), offsetof(adb_apply_stats, elements),
           offsetof(adb_apply_stats, registers), offsetof(adb_apply_stats, changed),
           sizeof(adb_hop), offsetof(adb_hop, id), offsetof(adb_hop, depth),
           offsetof(adb_hop, direction), offsetof(adb_hop, edge_id), offsetof(adb_hop, from_id),
           sizeof(adb_path), offsetof(adb_path, length), offsetof(adb_path, nodes),
           offsetof(adb_path, edges), sizeof(void *));
  return json;
}
