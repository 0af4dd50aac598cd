export * from './entities';
export { MetaStore, type MetaDialect } from './store';
