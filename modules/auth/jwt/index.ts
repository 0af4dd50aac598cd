/** The `jwt` auth module's public face: the module, its builder and its options. */
export { createJwtAuth, jwtAuth } from './module';
export { JWT_ALGORITHMS, jwtOptionsSchema, parseJwtOptions, type JwtAlgorithm, type JwtOptions } from './options';
