import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import type { AuthModule, AuthModuleDeps, AuthModuleFactory } from '../../../modules/auth/contract';
import { moduleKit } from '../../../modules/kit';
import { loadModulePackage } from '../../../modules/package';

/** The package directory, as `npm publish` would take it. */
export const JWT_PACKAGE_DIR = path.join(__dirname, '../../../hub-modules/auth-jwt');

/** What the package's create(context) returns: the auth factory, and its options parser. */
export type JwtAuthFactory = AuthModuleFactory & { parseOptions(options: unknown): Record<string, unknown> };

/** The module uses no store or change feed, only a logger. */
export const jwtDeps = (): AuthModuleDeps => ({ logger: silentLogger() }) as AuthModuleDeps;

/** Loads the hub package as the platform does and builds it with the platform's kit. */
export async function loadJwtFactory(dir = JWT_PACKAGE_DIR): Promise<JwtAuthFactory> {
  const module = await loadModulePackage(dir);
  return module.create({ logger: silentLogger(), dataDir: '/nonexistent', kit: moduleKit }) as JwtAuthFactory;
}

/** `createJwtAuth(options)` of the built-in this package replaced: the factory with deps filled in. */
export function jwtAuthOf(factory: JwtAuthFactory): (options: unknown) => AuthModule {
  return (options) => factory(options as Record<string, unknown>, jwtDeps());
}
