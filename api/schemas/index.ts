/** Zod schemas of what the API answers, for the route table and the OpenAPI document. */
export * from './common';
export * from './errors';
export * from './functions';
export * from './invocations';
export * from './triggers';
export * from './aliases';
export * from './nodes';
export * from './health';
export * from './auth';
export * from './policies';
export * from './audit';
export * from './modules';
export * from './lambda';
