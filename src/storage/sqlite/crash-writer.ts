// Child process for the kill -9 durability test: creates keys as fast as it can with
// 64 concurrent writers and prints each key once its create has been acknowledged.
import { openSqliteStore } from './store.js';

const file = process.argv[2];
if (!file) throw new Error('usage: crash-writer <db file>');
const store = openSqliteStore(file, { compactIntervalMs: 0 });
const value = Buffer.alloc(200, 'v');

async function writer(id: number): Promise<never> {
  for (let i = 0; ; i++) {
    const key = `/crash/w${id}/${i}`;
    await store.create(key, value);
    process.stdout.write(`${key}\n`); // synchronous for pipes on Linux
  }
}

for (let w = 0; w < 64; w++) void writer(w);
