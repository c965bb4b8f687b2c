// worker.mjs — the dedicated Worker that holds a replica for arenadb.mjs: it answers
// { id, op, args } messages with { id, value } or { id, error }, and posts the replica's and
// its syncs' events as { event, target, data }.

import { ADB, ArenaDBError } from './status.mjs';
import { Replica } from './replica.mjs';

let replica = null;
const syncs = new Map();

// Errors cross the boundary as plain objects.
function plain(e) {
  return { message: e.message, code: e instanceof ArenaDBError ? e.code : ADB.ERROR,
    codeName: e.codeName || 'error', cypher: e.cypher };
}

function post(target, event, data) {
  if (data instanceof Error) self.postMessage({ target, event, error: plain(data) });
  else if (data && data.error instanceof Error) {
    self.postMessage({ target, event, data: { ...data, error: plain(data.error) } });
  } else self.postMessage({ target, event, data });
}

const ops = {
  async open(path, options) {
    replica = await Replica.open(path, options);
    replica.onChange((data) => post('db', 'change', data));
  },
  call(method, args) {
    if (typeof replica[method] !== 'function' || method.startsWith('_')) {
      throw new ArenaDBError(`no such call: ${method}`, ADB.MISUSE, 'misuse');
    }
    return replica[method](...args);
  },
  syncOpen(id, url, options) {
    const s = replica.sync(url, options);
    syncs.set(id, s);
    for (const name of ['status', 'change', 'presence', 'error', 'synced']) {
      s.on(name, (data) => post(id, name, data));
    }
    s.on('status', ({ state }) => { if (state === 'closed') syncs.delete(id); });
  },
  syncCall(id, method, args) {
    const s = syncs.get(id);
    if (!s) return undefined; // closed already: nothing left to do
    return s[method](...args);
  },
  close() {
    if (replica) replica.close();
    replica = null;
  },
};

self.onmessage = async ({ data }) => {
  try {
    const value = await ops[data.op](...data.args);
    self.postMessage({ id: data.id, value });
  } catch (e) {
    self.postMessage({ id: data.id, error: plain(e) });
  }
};
