/**
 * The process `npm run bench:profile` profiles (bench/profile.ts starts it under
 * `node --cpu-prof`): the bench platform (bench/bench-platform.ts) with its PyFaaS inside this
 * process, warmed, then the sync load of `npm run bench` on it. Prints one JSON line: the load
 * window on V8's clock and what the load measured.
 *
 *   node --cpu-prof --cpu-prof-dir DIR dist/bench/profile-load.js --clients 32 --seconds 20
 */
import { createLogger } from '../common/logger';
import { startBenchPlatform } from './bench-platform';
import { invokeLoad, measureLoad } from './load';
import { option, runBenchmark } from './stats';

const CLIENTS = option('clients', 32);
const SECONDS = option('seconds', 20);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const logger = createLogger({ level: 'info', name: 'bench', pretty: Boolean(process.stderr.isTTY) });
  const platform = await startBenchPlatform(logger);
  try {
    for (let i = 0; i < 50; i += 1) await platform.post('/v1/functions/identity/invoke', { warm: i });
    logger.info(`profiling: ${CLIENTS} concurrent clients for ${SECONDS} s`);
    const fromUs = nowUs();
    const load = await measureLoad(platform, invokeLoad(platform, CLIENTS, SECONDS));
    const toUs = nowUs();
    console.log(JSON.stringify({ fromUs, toUs, load }));
  } finally {
    await platform.close();
  }
}

runBenchmark(main);
