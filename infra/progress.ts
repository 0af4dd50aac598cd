import type { Logger } from '../common/logger';

/**
 * Runs one named step of long work, logging when it starts and how long it took, so a
 * person watching `pyfaas up` or the test setup sees where the time goes.
 */
export async function step<T>(logger: Logger, name: string, what: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  logger.info({ step: name }, `${name}: ${what}…`);
  try {
    const result = await work();
    const durationMs = Date.now() - started;
    logger.info({ step: name, durationMs }, `${name}: done in ${(durationMs / 1000).toFixed(1)} s`);
    return result;
  } catch (err) {
    const durationMs = Date.now() - started;
    logger.error({ step: name, durationMs }, `${name}: failed after ${(durationMs / 1000).toFixed(1)} s`);
    throw err;
  }
}
