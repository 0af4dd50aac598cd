export * from './contract';
export { python3Runtime } from './python';
export { nodejs20Runtime } from './node';
