import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CLI } from '../support/cli';

/**
 * The built CLI's client path loads no server code: a client command must start in a
 * fraction of a second, so neither the Temporal SDK, pino, zod nor the platform's modules
 * may be required until a platform command runs.
 */
describe('pyfaas startup (built CLI)', () => {
  it('loading the command tree requires nothing of the server', () => {
    const dist = path.dirname(CLI);
    const script = `
      require(${JSON.stringify(path.join(dist, 'commands', 'index.js'))});
      require(${JSON.stringify(path.join(dist, 'server-commands.js'))});
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded: string[] = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    const heavy = loaded.filter((file) => /@temporalio|[/\\]pino[/\\]|[/\\]zod[/\\]|[/\\]dist[/\\](process|modules|infra|api|workflows)[/\\]/.test(file));
    expect(heavy).toEqual([]);
    expect(loaded.some((file) => file.endsWith(`${path.sep}deploy.js`))).toBe(true);
  });

  it('pyfaas help lists the client and platform commands and the exit codes, exit 0', () => {
    const out = execFileSync(process.execPath, [CLI, 'help'], { encoding: 'utf8' });
    for (const word of ['Run the platform:', 'Use it over the API', 'login', 'deploy', 'logs', 'invocations', 'triggers', 'module', 'Exit codes:']) expect(out).toContain(word);
  });
});
