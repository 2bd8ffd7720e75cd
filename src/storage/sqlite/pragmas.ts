// The SQLite connection settings shared by the store and the raw-insert floor benchmark,
// so the benchmark measures exactly the durability setup the store uses.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

/**
 * How commits reach the disk. 'commit': each commit fsyncs the WAL before it returns
 * (synchronous=FULL). 'caller': commits only write the WAL (synchronous=NORMAL: checkpoints
 * and WAL resets are still synced) and the caller makes them durable with syncWal(), as the
 * store's group committer does off the event loop.
 */
export type SyncMode = 'commit' | 'caller';

/** Open (creating if needed) a database file with the store's durability pragmas. */
export function openDurableDb(file: string, sync: SyncMode = 'commit'): Db {
  const dir = path.dirname(path.resolve(file));
  try {
    const st = fs.statSync(dir);
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
  } catch (err) {
    throw new Error(`sqlite store: directory for ${file} is unusable: ${(err as Error).message}`);
  }
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new Error(`sqlite store: cannot open ${file}: ${(err as Error).message}`);
  }
  try {
    // One writer process: revisions are assigned in JS, so a second process must not
    // write. Exclusive locking (set before WAL is entered) also lets WAL skip shared memory.
    db.pragma('busy_timeout = 1000');
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') throw new Error(`journal_mode is ${String(mode)}, WAL required`);
    db.pragma(sync === 'commit' ? 'synchronous = FULL' : 'synchronous = NORMAL');
    db.pragma('cache_size = -65536'); // 64 MiB page cache
    db.pragma('temp_store = MEMORY');
    // Checkpoint less often than the default 1000 pages: fewer stalls under write bursts.
    db.pragma('wal_autocheckpoint = 4000');
    db.exec('BEGIN IMMEDIATE; COMMIT'); // take the write lock now: fail at open, not later
  } catch (err) {
    db.close();
    const msg = (err as Error).message;
    const hint = /locked|busy/i.test(msg) ? ' (is another process using this database?)' : '';
    throw new Error(`sqlite store: cannot configure ${file}: ${msg}${hint}`);
  }
  return db;
}

/**
 * A file descriptor on the database's WAL, for fdatasync: with exclusive locking SQLite keeps
 * that file (same inode; checkpoints only rewrite or truncate it) until the connection closes.
 */
export function openWal(file: string): number {
  try {
    return fs.openSync(`${file}-wal`, 'r');
  } catch (err) {
    throw new Error(`sqlite store: cannot open the write-ahead log of ${file}: ${(err as Error).message}`);
  }
}
