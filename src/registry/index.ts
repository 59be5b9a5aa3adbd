/** `switchyard/registry`: run the Consul-compatible registry in-process. */
export { startRegistry } from './registry-server.js';
export { Catalog } from './catalog/catalog.js';
export { openSqliteStore } from './store/sqlite-store.js';
