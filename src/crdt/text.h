/* text.h — collaborative text: a run-length-encoded sequence CRDT (docs/text.md). */
#ifndef ADB_CRDT_TEXT_H
#define ADB_CRDT_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* A text document replicated among agents. Every operation has an id (agent, seq): each agent
 * numbers its inserted and deleted characters 0, 1, 2, ... Positions and lengths count Unicode
 * code points; strings are UTF-8. Concurrent inserts at one place are ordered by the
 * YjsMod/FugueMax rule: runs typed concurrently never interleave, and ties go to the smaller
 * agent id first (docs/text.md).
 *
 * Every function returns ADB_OK (0) or a negative ADB_* status from include/arenadb.h:
 *   ADB_INVALID  a bad argument (position past the end, malformed UTF-8, NULL);
 *   ADB_NOMEM    an allocation failed; the document is unchanged unless the function says so;
 *   ADB_CORRUPT  encoded bytes are malformed (bad magic, truncated, out-of-range field, bad
 *                UTF-8, an origin or delete target that names no inserted character); the
 *                document is unchanged;
 *   ADB_NOTFOUND encoded operations depend on operations this document lacks (a gap in an
 *                agent's sequence, or an origin not merged yet); nothing was applied: merge the
 *                missing operations first, then these again.
 * Nothing here prints or aborts. A document is not thread-safe. */
typedef struct crdt_text crdt_text;

/* Creates an empty document whose local edits are made by agent (16 bytes, e.g. a replica id).
 * Returns ADB_OK and *out, ADB_INVALID for NULL arguments, or ADB_NOMEM. */
int crdt_text_new(const unsigned char agent[16], crdt_text **out);

/* Frees the document. Accepts NULL. */
void crdt_text_free(crdt_text *t);

/* Length of the current text in code points. */
size_t crdt_text_len(const crdt_text *t);

/* Length of the current text in UTF-8 bytes. */
size_t crdt_text_bytes(const crdt_text *t);

/* Inserts n bytes of UTF-8 at code point pos (0 <= pos <= crdt_text_len). Returns ADB_OK,
 * ADB_INVALID when pos is past the end or s is not well-formed UTF-8 (nothing changes), or
 * ADB_NOMEM (the text may hold the insert without the version counting it: discard the
 * document). n == 0 is a no-op. */
int crdt_text_insert(crdt_text *t, size_t pos, const char *s, size_t n);

/* Deletes len code points starting at pos. Returns ADB_OK, ADB_INVALID when pos + len is past
 * the end (nothing changes), or ADB_NOMEM (as for crdt_text_insert). len == 0 is a no-op. */
int crdt_text_delete(crdt_text *t, size_t pos, size_t len);

/* Replaces del code points at pos with n bytes of UTF-8: crdt_text_delete then
 * crdt_text_insert, with the same failures; on ADB_INVALID nothing changes. */
int crdt_text_replace(crdt_text *t, size_t pos, size_t del, const char *s, size_t n);

/* Copies the current text into a new NUL-terminated buffer (*out, free with free()) of *n
 * bytes (n may be NULL). Returns ADB_OK or ADB_NOMEM. */
int crdt_text_read(const crdt_text *t, char **out, size_t *n);

/* Writes the current text into dst, which must hold crdt_text_bytes(t) bytes (no NUL). */
void crdt_text_copy(const crdt_text *t, char *dst);

/* The version: for every agent known here, how many of its operations (one per inserted or
 * deleted code point) this document holds. Encoded as docs/text.md says, in a new buffer
 * (*out, free with free()) of *n bytes. Returns ADB_OK or ADB_NOMEM. */
int crdt_text_version(const crdt_text *t, unsigned char **out, size_t *n);

/* Encodes every operation not covered by the version `since` (NULL or since_len == 0: all of
 * them) into a new buffer (*out, free with free()) of *n bytes that crdt_text_merge accepts.
 * For an empty `since` this is the full history, mostly as positions: compact, and fast for an
 * empty replica to merge. Returns ADB_OK, ADB_CORRUPT when since is not a valid encoded
 * version, or ADB_NOMEM. */
int crdt_text_encode(const crdt_text *t, const unsigned char *since, size_t since_len,
                     unsigned char **out, size_t *n);

/* Merges encoded operations from any replica. Operations already present are skipped, so
 * merging the same bytes twice is harmless; operations are accepted in any order in which each
 * one's dependencies arrive first. The bytes are validated in full before anything changes (a
 * full history is replayed on a scratch document first). Returns ADB_OK, ADB_INVALID for NULL
 * bytes with n > 0, ADB_CORRUPT or ADB_NOTFOUND (nothing changed, see above), or ADB_NOMEM (a
 * causally complete prefix of the operations may have been applied). */
int crdt_text_merge(crdt_text *t, const unsigned char *p, size_t n);

/* Bytes of memory the document holds (its allocations, not the allocator's overhead). */
size_t crdt_text_mem(const crdt_text *t);

#endif
