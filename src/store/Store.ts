/**
 * The lab's persistence boundary. Faces see only this asynchronous, dialect-neutral interface:
 * records of a kind, addressed by a folded (lower-case) id, optionally grouped under a parent id.
 * One request is one transaction; a write transaction is acknowledged only after it commits.
 */
export interface Row<T> {
  id: string;
  value: T;
}

export interface ListOptions {
  parent?: string;
  /** Only ids greater than this (keyset paging). */
  after?: string;
  limit?: number;
}

export interface Tx {
  get<T>(kind: string, id: string): Promise<T | undefined>;
  put<T>(kind: string, id: string, value: T, parent?: string): Promise<void>;
  /** Inserts only when absent; returns false when the id exists. */
  insert<T>(kind: string, id: string, value: T, parent?: string): Promise<boolean>;
  delete(kind: string, id: string): Promise<boolean>;
  list<T>(kind: string, options?: ListOptions): Promise<Row<T>[]>;
  count(kind: string, parent?: string): Promise<number>;
  /** Deletes every record of a kind under a parent; returns how many. */
  deleteChildren(kind: string, parent: string): Promise<number>;
  /**
   * Announces a change of `topic` (e.g. a cluster's issuer keys) to the subscribers of every process on this store's
   * database, this one included, once this write transaction commits; nothing if it rolls back. Writes only.
   */
  notify(topic: string, payload: string): Promise<void>;
}

export interface Store {
  /** Runs `fn` in a read transaction. */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` in a write transaction; resolves only after the commit is durable. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Calls `fn` with the payload of every committed `notify` of `topic`, from any process on this store's database,
   * and with `"*"` when notifications may have been missed (on first listening and after a lost connection):
   * a subscriber keeping a cache drops all of it then. Returns the unsubscribe function.
   */
  subscribe(topic: string, fn: (payload: string) => void): () => void;
  close(): Promise<void>;
  /**
   * True when other processes may write to the same database (PostgreSQL): replicas then share what a single process
   * keeps in memory (Kubernetes watch events go through the store's event log).
   */
  readonly shared?: boolean;
  /** A short description for the ready line, e.g. `sqlite:/home/u/.wilab/lab.db`. */
  readonly description: string;
}
