// Raw durable insert rate of the store's SQLite setup (same pragmas, trivial table):
// the floor the Store API throughput is compared against.
import fs from 'node:fs';
import path from 'node:path';
import { openDurableDb } from './pragmas.js';

export function measureRawInsertRate(dir: string, opts: { rows: number; batch: number }): { rowsPerSec: number } {
  if (opts.rows <= 0 || opts.batch <= 0) throw new Error('rows and batch must be positive');
  const file = path.join(dir, `floor-${process.pid}-${Date.now()}-${opts.batch}.db`);
  const db = openDurableDb(file);
  try {
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO t (id, key, value) VALUES (?, ?, ?)');
    const value = Buffer.alloc(256, 120);
    let id = 0;
    const insertBatch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) {
        id++;
        ins.run(id, `/registry/floor/default/obj-${id}`, value);
      }
    });
    const start = process.hrtime.bigint();
    let left = opts.rows;
    while (left > 0) {
      const n = Math.min(opts.batch, left);
      insertBatch(n);
      left -= n;
    }
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    return { rowsPerSec: opts.rows / secs };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  }
}
