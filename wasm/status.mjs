// status.mjs — ArenaDB's status codes (from arenadb.h, put here by make) and its error class.

export const ADB = Object.freeze({
  // @ADB_STATUS_MAP@ (make puts arenadb.h's status codes here)
  TYPE_INTEGER: 1, TYPE_FLOAT: 2, TYPE_TEXT: 3, TYPE_BLOB: 4, TYPE_NULL: 5,
  OUT: 1, IN: 2, BOTH: 3,
});

export class ArenaDBError extends Error {
  constructor(message, code, codeName) {
    super(message);
    this.name = 'ArenaDBError';
    this.code = code;
    this.codeName = codeName;
  }
}
