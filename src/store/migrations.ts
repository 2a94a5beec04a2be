/** The SQL dialects the lab's stores speak. */
export type Dialect = "sqlite" | "postgres";

/** Schema migrations, applied in order once each; every version carries its DDL for each dialect. */
export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: "objects: one table of JSON records keyed by kind and folded id, grouped by parent",
    sqlite: `CREATE TABLE objects (
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      parent TEXT,
      value TEXT NOT NULL,
      PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX objects_parent ON objects (kind, parent, id);`,
    // COLLATE "C": ids compare byte-wise, as in SQLite, so ORDER BY id and keyset paging (id > after) agree
    // on every backend whatever the database's default collation.
    // JSON, not JSONB: jsonb re-orders object keys (shortest first), and the faces answer in stored order (a pod
    // came back as {apiVersion, kind, spec, status, metadata}, its metadata as {uid, name, labels, namespace}) and
    // compare stored against fresh objects as JSON text (the kubelet's status writes, pod-update validation of
    // tolerations, strategic merge): on jsonb those differ from SQLite. json is still validated JSON, readable with
    // ->, ->> and castable to jsonb for an expression index when a query needs one.
    postgres: `CREATE TABLE objects (
      kind TEXT COLLATE "C" NOT NULL,
      id TEXT COLLATE "C" NOT NULL,
      parent TEXT COLLATE "C",
      value JSON NOT NULL,
      PRIMARY KEY (kind, id)
    );
    CREATE INDEX objects_parent ON objects (kind, parent, id);`,
  },
];

/** The DDL of one migration in one dialect. */
export function migrationSql(m: Migration, dialect: Dialect): string {
  return m[dialect];
}
