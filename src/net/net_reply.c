/* net_reply.c — making the HTTP API's answers: JSON, errors from library statuses, elements. */
#include "net/net_api.h"

void net_reply_json(net_reply *r, int status, json_t *v) {
  r->status = status;
  r->ctype = "application/json";
  r->text = json_dumps(v, JSON_COMPACT);
  json_decref(v);
}

void net_reply_err(net_reply *r, int status, const char *code, const char *msg) {
  net_reply_json(r, status, json_pack("{s:s, s:s}", "error", msg, "code", code));
}

int net_http_status(int rc) {
  switch (rc) {
  case ADB_NOTFOUND: return 404;
  case ADB_CONFLICT: return 409;
  case ADB_AUTH: return 401;
  case ADB_BUSY:
  case ADB_INTERRUPT: return 503;
  case ADB_INVALID:
  case ADB_PROTOCOL:
  case ADB_MISUSE: return 400;
  case ADB_READONLY: return 403;
  default: return 500;
  }
}

void net_reply_db(net_reply *r, adb *db, int rc) {
  net_reply_err(r, net_http_status(rc), adb_strerror(rc), adb_errmsg(db));
}

json_t *net_elem_json(const adb_element *e) {
  json_t *props = json_loads(e->properties ? e->properties : "{}", 0, NULL);
  json_t *o = json_pack("{s:s, s:s, s:o}", "id", e->id, "label", e->label ? e->label : "",
                        "properties", props ? props : json_object());
  if (e->source_id) {
    json_object_set_new(o, "source", json_string(e->source_id));
    json_object_set_new(o, "target", json_string(e->target_id));
  }
  return o;
}

/* A JSON object member as compact text (NULL when absent); malloc'd. */
char *net_member_text(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

const char *net_member_str(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}
