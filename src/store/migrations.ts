/** Schema migrations, applied in order once each. A future backend (PostgreSQL) adds its own DDL per version beside `sqlite`. */
export interface Migration {
  version: number;
  description: string;
  sqlite: string;
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
  },
];
