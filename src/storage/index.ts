// Public surface of the storage layer.
export * from './types.js';
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
export { WatchOverflowError } from './sqlite/watcher.js';
export { instrumentStore, type StoreObserver } from './instrumented.js';
