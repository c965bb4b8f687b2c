// opfs.mjs — ArenaDB databases in the browser's Origin Private File System (OPFS).
//
// Inside a dedicated Web Worker, with M the emscripten module (createArenaDB's result):
//
//   import { opfsOpen, opfsClose, opfsDelete } from './opfs.mjs';
//   await opfsOpen(M, 'notes.db');      // makes "opfs" SQLite's default VFS, takes the files
//   ... adb_open('notes.db', ...) ... adb_close(db) ...
//   opfsClose(M, 'notes.db');           // lets other tabs and workers have the files
//
// SQLite's I/O is synchronous, OPFS's opening of files is not: opfsOpen acquires a
// FileSystemSyncAccessHandle for the database and for each file SQLite may open beside it, and
// hands them to the VFS of wasm/opfs_vfs.c (Module.opfsFiles, path -> handle), which reads and
// writes through them. A path may hold directories ('app/notes.db'); they are created.
// A handle is exclusive across the whole origin, so a database is open in one worker at a time.
//
// Failures are Errors with a .code: EOPFS_UNAVAILABLE (no OPFS sync access here: not a dedicated
// worker, not a secure context, or a build without the VFS), EOPFS_LOCKED (another tab or
// worker has the database), EOPFS_QUOTA (the origin's storage quota is spent), EOPFS_IO
// (anything else; .cause holds the browser's error).

// The files SQLite opens beside the database: the WAL, and the rollback journal it uses while
// switching a new database to WAL.
const SIDECARS = ['-journal', '-wal'];

function opfsError(code, message, cause) {
  const e = new Error(message, cause ? { cause } : undefined);
  e.code = code;
  return e;
}

// Maps a DOMException from OPFS to an error with a code, naming the database.
function failure(e, path, doing) {
  if (e && e.name === 'NoModificationAllowedError')
    return opfsError('EOPFS_LOCKED',
      `the database '${path}' is open in another tab or worker of this origin`, e);
  if (e && e.name === 'QuotaExceededError')
    return opfsError('EOPFS_QUOTA', `the storage quota of this origin is spent (${doing} '${path}')`, e);
  if (e && e.name === 'SecurityError')
    return opfsError('EOPFS_UNAVAILABLE', `the browser does not allow OPFS here: ${e.message}`, e);
  return opfsError('EOPFS_IO', `cannot ${doing} '${path}': ${e && e.message}`, e);
}

function names(path) {
  if (typeof path !== 'string' || !path.split('/').some(Boolean))
    throw new TypeError(`not an OPFS database path: ${path}`);
  return [path, ...SIDECARS.map((s) => path + s)];
}

// The directory holding name's file (created when create is set), and the file's own name.
async function parent(name, create) {
  const parts = name.split('/').filter(Boolean);
  let dir = await navigator.storage.getDirectory();
  for (const p of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(p, { create });
  return { dir, base: parts[parts.length - 1] };
}

// Sync access handles for names, all or none.
async function acquire(names) {
  const handles = [];
  try {
    for (const name of names) {
      const { dir, base } = await parent(name, true);
      const file = await dir.getFileHandle(base, { create: true });
      handles.push(await file.createSyncAccessHandle());
    }
    return handles;
  } catch (e) {
    for (const h of handles) h.close();
    throw e;
  }
}

/** Acquires the database at path (created when missing) for the VFS "opfs", made SQLite's
 * default. Call it in a dedicated worker before adb_open(path). While another tab or worker
 * holds the database, it tries again for up to options.lockWaitMs (default 0), e.g. to wait for
 * a tab that is closing it. */
export async function opfsOpen(Module, path, { lockWaitMs = 0 } = {}) {
  const files = names(path);
  const storage = globalThis.navigator && navigator.storage;
  if (!storage || typeof storage.getDirectory !== 'function' ||
      typeof FileSystemFileHandle !== 'function' ||
      typeof FileSystemFileHandle.prototype.createSyncAccessHandle !== 'function')
    throw opfsError('EOPFS_UNAVAILABLE', 'OPFS sync access handles are unavailable here: open ' +
      'the database in a dedicated Web Worker of a page from https:// or localhost');
  if (typeof Module._adb_wasm_opfs_register !== 'function')
    throw opfsError('EOPFS_UNAVAILABLE', 'this arenadb.js was built without the OPFS VFS');
  const rc = Module._adb_wasm_opfs_register(1);
  if (rc !== 0) throw opfsError('EOPFS_IO', `cannot register the OPFS VFS (SQLite status ${rc})`);
  if (Module.opfsFiles.has(path))
    throw opfsError('EOPFS_LOCKED', `the database '${path}' is open already in this worker`);

  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      const handles = await acquire(files);
      files.forEach((name, i) => Module.opfsFiles.set(name, handles[i]));
      return;
    } catch (e) {
      if (!e || e.name !== 'NoModificationAllowedError' || Date.now() >= deadline)
        throw failure(e, path, 'open');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Releases the files of path (after adb_close). Does nothing when they are not held. */
export function opfsClose(Module, path) {
  for (const name of names(path)) {
    const h = Module.opfsFiles && Module.opfsFiles.get(name);
    if (!h) continue;
    Module.opfsFiles.delete(name);
    h.close();
  }
}

/** Removes the database at path and its sidecar files. It must be open nowhere (EOPFS_LOCKED). */
export async function opfsDelete(path) {
  if (!globalThis.navigator || !navigator.storage || !navigator.storage.getDirectory)
    throw opfsError('EOPFS_UNAVAILABLE', 'OPFS is unavailable here');
  for (const name of names(path)) {
    try {
      const { dir, base } = await parent(name, false);
      await dir.removeEntry(base);
    } catch (e) {
      if (e && e.name !== 'NotFoundError') throw failure(e, path, 'delete');
    }
  }
}
