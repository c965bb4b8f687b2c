/* json.h — canonical JSON: parsing with jansson, and one stable text form for every value. */
#ifndef ADB_JSON_H
#define ADB_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

/* Canonical form: no white space, object keys sorted bytewise and unique, strings escaped only
 * where JSON requires (" \ and control characters), integers in decimal, reals in the shortest
 * form that reads back to the same double (always with '.' or an exponent). Equal values have
 * equal text, so states compare and hash as bytes. */

/* Parses len bytes of JSON text into *out (a new reference). On failure returns -1 and writes
 * a one-line reason, with line and column, into why. */
int ut_json_parse(const char *text, size_t len, json_t **out, char *why, size_t whylen);

/* Appends the canonical text of v to b. */
void ut_json_write(ut_buf *b, const json_t *v);

/* The canonical text of v as a NUL-terminated string (free it), or NULL when out of memory. */
char *ut_json_text(const json_t *v);

/* Appends s (n bytes of UTF-8) as a JSON string literal. */
void ut_json_put_string(ut_buf *b, const char *s, size_t n);

/* Returns the canonical text of the JSON value in text (malloc'd), or NULL with a reason in
 * why. With want_object, anything but an object is refused. */
char *ut_json_canon(const char *text, size_t len, int want_object, char *why, size_t whylen);

/* Returns 1 when the n bytes are well-formed UTF-8 with no NUL, 0 otherwise. */
int ut_utf8_valid(const char *s, size_t n);

#endif
