import type { Command } from 'commander';
import type { Deployed, DeploymentView } from '../client/api-types';
import { CliError, EXIT } from '../client/exit-codes';
import { seg, type ApiClient } from '../client/http';
import { formatBytes, printJson, progress } from '../client/output';
import { readDeployPackage, SETTINGS_FILE, type DeployFlags } from './deploy-package';
import { apiClient } from './shared';
import { watchSteps, type StepsView } from './watch-steps';

async function exists(client: ApiClient, name: string): Promise<boolean> {
  try {
    await client.request('GET', `/v1/functions/${seg(name)}`);
    return true;
  } catch (err) {
    if (err instanceof CliError && err.exitCode === EXIT.notFound) return false;
    throw err;
  }
}

/** Reports the upload: a percentage rewritten in place on a terminal, one line when it ends otherwise. */
function uploadReporter(): (sent: number, total: number) => void {
  const tty = Boolean(process.stderr.isTTY);
  return (sent, total) => {
    if (tty) process.stderr.write(`\r  upload                 ${Math.floor((sent / total) * 100)}% of ${formatBytes(total)}${sent === total ? '\n' : ''}`);
    else if (sent === total) progress(`  upload                 done       ${formatBytes(total)}`);
  };
}

/**
 * deploy <dir|file>: zip, create or update (`?wait=false`), then follow the deployment's steps
 * to the end. Exit 0 with `deployed <fn> version N`; 1 when the deployment failed (its error
 * printed); the API's refusals (invalid settings, too large) map as usual.
 */
export function registerDeployCommand(program: Command): void {
  program
    .command('deploy')
    .description(`create or update a function from a code directory (and its ${SETTINGS_FILE}) or one file, and follow its deployment`)
    .argument('<dir|file>', 'the code')
    .option('--name <fn>', `function name (default: ${SETTINGS_FILE} "name", else the directory or file name)`)
    .option('--runtime <id>', 'python3 or nodejs20 (default: guessed from the files on create)')
    .option('--handler <file.function>', 'e.g. main.handler (default: main.py / index.js or the only top-level file)')
    .option('--memory <mb>', 'memory limit in MB')
    .option('--timeout <ms>', 'time limit per invocation in ms')
    .option('--concurrency <n>', 'concurrent invocations at most')
    .option('--description <text>', 'what it does')
    .option('--env <KEY=value...>', 'environment variables (replace all of them on update)')
    .option('--label <key=value...>', 'labels (replace all of them on update)')
    .option('--allow-network', 'let the function reach the network')
    .option('--json', 'print the final deployment as JSON (progress still goes to stderr)')
    .action(async (target: string, flags: DeployFlags & { json?: boolean }) => {
      const client = apiClient();
      const pkg = readDeployPackage(target, flags);
      progress(`packaged ${pkg.files} file${pkg.files === 1 ? '' : 's'} from ${target}: ${formatBytes(pkg.zip.length)} zipped`);
      const code = { zipBase64: pkg.zip.toString('base64') };
      const update = await exists(client, pkg.name);
      progress(`${update ? 'updating' : 'creating'} ${pkg.name}`);
      const onUpload = uploadReporter();
      const { body } = update
        ? await client.request<Deployed>('PATCH', `/v1/functions/${seg(pkg.name)}`, { query: { wait: false }, body: { ...pkg.settings, code }, onUpload })
        : await client.request<Deployed>('POST', '/v1/functions', { query: { wait: false }, body: { name: pkg.name, ...pkg.guessed, ...pkg.settings, code }, onUpload });
      if (!body.deployment) {
        if (flags.json) return printJson(body);
        console.log(`unchanged ${pkg.name} version ${body.function.activeVersion ?? '-'} (nothing a version freezes changed)`);
        return;
      }
      const deploymentId = body.deployment.deploymentId;
      const final = await watchSteps(async () => (await client.request<DeploymentView>('GET', `/v1/deployments/${seg(deploymentId)}`)).body);
      if (flags.json) printJson(final);
      if (final.status === 'failed') {
        throw new CliError(final.error?.code ?? 'DEPLOYMENT_FAILED', `deploying ${pkg.name} version ${final.version} failed: ${final.error?.message ?? 'see the steps above'}`, EXIT.failed);
      }
      if (!flags.json) console.log(`deployed ${pkg.name} version ${final.version}`);
    });
}
