// arenadb.d.ts — TypeScript declarations of arenadb.mjs (docs/wasm.md).

export declare const ADB: Readonly<Record<string, number>>;

export declare class ArenaDBError extends Error {
  /** The negative ADB_* status. */
  code: number;
  codeName: string;
  /** For a failed Cypher query: its openCypher error. */
  cypher?: { type: string; phase: string; detail: string };
}

/** The one edit that turns a into b (positions in code points). */
export declare function textDiff(a: string, b: string): { pos: number; len: number; text: string };
/** Where each position of a lies in b (code points). */
export declare function textMap(a: string, b: string, maxD?: number): (pos: number) => number;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Properties = { [key: string]: Json };
export type Direction = 'out' | 'in' | 'both';

export interface Element {
  id: string;
  label: string;
  properties: Properties;
  /** Edges only. */
  source?: string;
  target?: string;
}

export interface Hop {
  id: string;
  depth: number;
  direction: 'out' | 'in' | null;
  edge: string | null;
  from: string | null;
}

export interface Change {
  ids: { id: string; edge: boolean }[];
  remote?: boolean;
}

export interface Info {
  db: string;
  replica: string;
  vv: { [replica: string]: number };
}

export interface OpenOptions {
  storage?: 'memory' | 'opfs';
  worker?: boolean;
  readonly?: boolean;
  noCreate?: boolean;
  dbId?: string;
  synchronous?: 'full' | 'normal';
  maxDriftMs?: number;
}

export interface SyncOptions {
  live?: boolean;
  token?: string;
  presenceOnly?: boolean;
  reconnect?: boolean;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** A WebSocket constructor, where there is no global one. */
  WebSocket?: unknown;
}

export interface SyncStatus {
  state: 'connecting' | 'connected' | 'disconnected' | 'closed';
  peer?: string;
  attempt?: number;
  error?: ArenaDBError;
}

export interface PresenceEntry {
  replica: string;
  key: string;
  value: Json;
}

export declare class Sync {
  state: SyncStatus['state'];
  on(event: 'status', fn: (s: SyncStatus) => void): () => void;
  on(event: 'change', fn: (c: Change) => void): () => void;
  on(event: 'presence', fn: (entries: PresenceEntry[]) => void): () => void;
  on(event: 'error', fn: (e: ArenaDBError) => void): () => void;
  on(event: 'synced', fn: () => void): () => void;
  setPresence(key: string, value: Json, ttlMs?: number): Promise<void>;
  close(): Promise<void>;
}

export type Row = { [column: string]: Json | bigint };

export declare class ArenaDB {
  static open(name?: string, options?: OpenOptions): Promise<ArenaDB>;
  name: string;
  storage: 'memory' | 'opfs';
  on(event: 'change', fn: (c: Change) => void): () => void;

  nodeCreate(label: string, properties?: Properties | null, id?: string | null): Promise<string>;
  edgeCreate(source: string, label: string, target: string, properties?: Properties | null,
    id?: string | null): Promise<string>;
  nodeGet(id: string): Promise<Element | null>;
  edgeGet(id: string): Promise<Element | null>;
  nodeUpdate(id: string, label?: string | null, patch?: Properties | null): Promise<void>;
  edgeUpdate(id: string, label?: string | null, patch?: Properties | null): Promise<void>;
  nodeSet(id: string, key: string, value: Json): Promise<void>;
  edgeSet(id: string, key: string, value: Json): Promise<void>;
  nodeUnset(id: string, key: string): Promise<void>;
  edgeUnset(id: string, key: string): Promise<void>;
  nodeDelete(id: string): Promise<void>;
  edgeDelete(id: string): Promise<void>;
  nodeList(options?: { label?: string; after?: string; limit?: number }): Promise<Element[]>;
  edgeList(options?: { source?: string; target?: string; node?: string; label?: string;
    after?: string; limit?: number }): Promise<Element[]>;

  neighbors(id: string, options?: { direction?: Direction; label?: string }): Promise<Hop[]>;
  khop(id: string, depth: number, options?: { direction?: Direction; label?: string }): Promise<Hop[]>;
  shortestPath(from: string, to: string, options?: { maxDepth?: number; direction?: Direction;
    label?: string }): Promise<{ nodes: string[]; edges: string[] } | null>;

  textInsert(id: string, key: string, pos: number, text: string, options?: { edge?: boolean }): Promise<void>;
  textDelete(id: string, key: string, pos: number, len: number, options?: { edge?: boolean }): Promise<void>;
  textReplace(id: string, key: string, pos: number, len: number, text: string,
    options?: { edge?: boolean }): Promise<void>;
  textGet(id: string, key: string, options?: { edge?: boolean }): Promise<string | null>;
  /** Edits the text from before (what an editor showed) to after, rebased over what was merged
   * meanwhile; resolves to the text after the edit. */
  textUpdate(id: string, key: string, before: string, after: string,
    options?: { edge?: boolean }): Promise<string>;

  vectorSet(id: string, vector: ArrayLike<number>): Promise<void>;
  vectorGet(id: string): Promise<Float32Array | null>;
  vectorClear(id: string): Promise<void>;
  vectorSearch(vector: ArrayLike<number>, options?: { k?: number; metric?: 'cosine' | 'l2' | 'dot';
    label?: string; where?: string }): Promise<{ id: string; distance: number }[]>;

  sql(query: string, params?: unknown[]): Promise<Row[]>;
  cypher(query: string, params?: Properties | null): Promise<{ [column: string]: Json }[]>;

  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  transaction<T>(fn: (db: ArenaDB) => Promise<T>): Promise<T>;
  batch(calls: [string, ...unknown[]][]): Promise<unknown[]>;

  info(): Promise<Info>;
  /** One request of the HTTP API's data routes (docs/http.md), answered here as
   * `arenadb serve` would: an error is a status, not a rejection. */
  http(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', target: string, body?: Json):
    Promise<{ status: number; body: Json; link?: string }>;
  vv(): Promise<Uint8Array>;
  vvJson(vv: Uint8Array): Promise<{ db: string; vv: { [replica: string]: number } }>;
  changes(vv?: Uint8Array | null): Promise<Uint8Array>;
  apply(changes: Uint8Array): Promise<{ elements: number; registers: number; changed: number }>;
  check(): Promise<string | null>;

  sync(url: string, options?: SyncOptions): Sync;
  close(): Promise<void>;
}

export default ArenaDB;
