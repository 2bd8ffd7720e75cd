// On-disk layout (kine's idea, own design):
//   log      append-only history; revision is the rowid. A deletion is a row with deleted=1
//            carrying the last value. prev_revision links a row to the key's previous row
//            (0 for a create). No secondary index: writes stay cheap, and reads at an
//            older revision R are rebuilt from `current` plus the rows written after R
//            (see list-at.ts).
//   current  key -> revision of its live log row; absent when the key does not exist.
//   commits  one row per committed batch: (last revision, wall-clock ms), for time-based
//            compaction.
//   meta     schema version and the compacted revision.
import type { Db } from './pragmas.js';
import type { Statement } from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  value           BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS current (
  key      TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS commits (
  revision INTEGER PRIMARY KEY,
  ts       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS commits_ts ON commits (ts, revision);
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** A log row as read back, optionally with the value of its previous row. */
export interface LogRow {
  revision: number;
  key: string;
  create_revision: number;
  prev_revision: number;
  deleted: number;
  value: Buffer;
  prev_value: Buffer | null;
}

/** A key written after some revision, and its row before that write (0: none). */
export interface ChangeRow {
  key: string;
  prev_revision: number;
}

/** A live key as read from current+log. */
export interface KvRow {
  key: string;
  revision: number;
  create_revision: number;
  value: Buffer;
}

type Bound = string | Buffer;

/** Prepared statements, one set per connection. */
export class Statements {
  readonly getCurrent: Statement<[string], KvRow>;
  readonly insertLog: Statement<[number, string, number, number, number, Buffer]>;
  readonly upsertCurrent: Statement<[string, number]>;
  readonly insertCurrentIfAbsent: Statement<[string, number]>;
  readonly deleteCurrent: Statement<[string]>;
  readonly insertCommit: Statement<[number, number]>;
  /** [lower, upper, limit]; index 0 = `key >= lower`, 1 = `key > lower` */
  readonly listCurrent: [Statement<[string, Bound, number], KvRow>, Statement<[string, Bound, number], KvRow>];
  readonly countCurrent: [Statement<[string, Bound], number>, Statement<[string, Bound], number>];
  /** [lower, upper, maxRevision, limit]: live keys last written at or before a revision */
  readonly listCurrentUpTo: [
    Statement<[string, Bound, number, number], KvRow>,
    Statement<[string, Bound, number, number], KvRow>,
  ];
  readonly countCurrentUpTo: [Statement<[string, Bound, number], number>, Statement<[string, Bound, number], number>];
  /** [afterRevision, lower, upper]: rows written after a revision, in revision order */
  readonly changedSince: [Statement<[number, string, Bound], ChangeRow>, Statement<[number, string, Bound], ChangeRow>];
  readonly logRow: Statement<[number], KvRow>;
  /** [afterRevision, upToRevision, lower, upper, limit] */
  readonly replay: Statement<[number, number, string, Bound, number], LogRow>;
  /** [afterRevision, key]: the key's first row written after a revision (its row before: prev_revision) */
  readonly firstChangeAfter: Statement<[number, string], ChangeRow>;
  readonly maxRevision: Statement<[], number | null>;
  readonly maxCommitTs: Statement<[], number | null>;
  readonly revisionAtOrBefore: Statement<[number], number>;
  readonly getMeta: Statement<[string], number>;
  readonly setMeta: Statement<[string, number]>;
  readonly compactSuperseded: Statement<[number, number]>;
  readonly compactDeletions: Statement<[number, number]>;
  readonly compactCommits: Statement<[number]>;

  constructor(db: Db) {
    const kvCols = 'l.key AS key, l.revision AS revision, l.create_revision AS create_revision, l.value AS value';
    this.getCurrent = db.prepare<[string], KvRow>(
      `SELECT ${kvCols} FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?`,
    );
    this.insertLog = db.prepare(
      'INSERT INTO log (revision, key, create_revision, prev_revision, deleted, value) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.upsertCurrent = db.prepare('INSERT OR REPLACE INTO current (key, revision) VALUES (?, ?)');
    this.insertCurrentIfAbsent = db.prepare('INSERT OR IGNORE INTO current (key, revision) VALUES (?, ?)');
    this.deleteCurrent = db.prepare('DELETE FROM current WHERE key = ?');
    this.insertCommit = db.prepare('INSERT OR REPLACE INTO commits (revision, ts) VALUES (?, ?)');
    const ops = ['>=', '>'] as const;
    const listCur = (op: string) =>
      db.prepare<[string, Bound, number], KvRow>(
        `SELECT ${kvCols} FROM current c JOIN log l ON l.revision = c.revision
         WHERE c.key ${op} ? AND c.key < ? ORDER BY c.key LIMIT ?`,
      );
    const countCur = (op: string) =>
      db.prepare<[string, Bound], number>(`SELECT count(*) FROM current WHERE key ${op} ? AND key < ?`).pluck();
    const listUpTo = (op: string) =>
      db.prepare<[string, Bound, number, number], KvRow>(
        `SELECT ${kvCols} FROM current c JOIN log l ON l.revision = c.revision
         WHERE c.key ${op} ? AND c.key < ? AND c.revision <= ? ORDER BY c.key LIMIT ?`,
      );
    const countUpTo = (op: string) =>
      db
        .prepare<[string, Bound, number], number>(`SELECT count(*) FROM current WHERE key ${op} ? AND key < ? AND revision <= ?`)
        .pluck();
    const changed = (op: string) =>
      db.prepare<[number, string, Bound], ChangeRow>(
        `SELECT key, prev_revision FROM log NOT INDEXED WHERE revision > ? AND key ${op} ? AND key < ? ORDER BY revision`,
      );
    this.listCurrent = [listCur(ops[0]), listCur(ops[1])];
    this.countCurrent = [countCur(ops[0]), countCur(ops[1])];
    this.listCurrentUpTo = [listUpTo(ops[0]), listUpTo(ops[1])];
    this.countCurrentUpTo = [countUpTo(ops[0]), countUpTo(ops[1])];
    this.changedSince = [changed(ops[0]), changed(ops[1])];
    this.logRow = db.prepare<[number], KvRow>(`SELECT ${kvCols} FROM log l WHERE l.revision = ? AND l.deleted = 0`);
    this.replay = db.prepare<[number, number, string, Bound, number], LogRow>(
      `SELECT l.revision AS revision, l.key AS key, l.create_revision AS create_revision,
              l.prev_revision AS prev_revision, l.deleted AS deleted, l.value AS value, p.value AS prev_value
       FROM log l NOT INDEXED LEFT JOIN log p ON p.revision = l.prev_revision AND l.deleted = 0
       WHERE l.revision > ? AND l.revision <= ? AND l.key >= ? AND l.key < ? ORDER BY l.revision LIMIT ?`,
    );
    this.firstChangeAfter = db.prepare<[number, string], ChangeRow>(
      'SELECT key, prev_revision FROM log NOT INDEXED WHERE revision > ? AND key = ? ORDER BY revision LIMIT 1',
    );
    this.maxRevision = db.prepare<[], number | null>('SELECT max(revision) FROM log').pluck();
    this.maxCommitTs = db.prepare<[], number | null>('SELECT max(ts) FROM commits').pluck();
    this.revisionAtOrBefore = db
      .prepare<[number], number>('SELECT revision FROM commits WHERE ts <= ? ORDER BY ts DESC, revision DESC LIMIT 1')
      .pluck();
    this.getMeta = db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck();
    this.setMeta = db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)');
    // A row is history once a later row at or below the boundary supersedes it.
    this.compactSuperseded = db.prepare(
      `DELETE FROM log WHERE revision IN
         (SELECT prev_revision FROM log WHERE revision > ? AND revision <= ? AND prev_revision > 0)`,
    );
    this.compactDeletions = db.prepare('DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1');
    this.compactCommits = db.prepare('DELETE FROM commits WHERE revision < ?');
  }
}

/** Create tables if needed and check the schema version. */
export function initSchema(db: Db, file: string): void {
  db.exec(DDL);
  const version = db.prepare<[string], number>('SELECT value FROM meta WHERE name = ?').pluck().get('schema');
  if (version === undefined) {
    db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)').run('schema', SCHEMA_VERSION);
  } else if (version !== SCHEMA_VERSION) {
    throw new Error(`sqlite store ${file}: unsupported schema version ${version} (expected ${SCHEMA_VERSION})`);
  }
}
