import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SetupError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { findExecutable, requireExecutable, runCommand, tail } from '../command';
import { step } from '../progress';
import { ensureDebianPackages } from './debian-packages';
import { VENV_PACKAGE } from './lambda-rie';

/**
 * The AWS CLI (v1, from PyPI) and boto3, pinned with everything they pull in, in a venv of the
 * data dir: the real AWS tools the Lambda-compatible invoke API is tested with. awscli 1.46.2
 * pins botocore 1.44.8, and boto3 1.44.8 is the boto3 of that botocore.
 */
export const AWS_CLI_REQUIREMENTS = [
  'awscli==1.46.2', 'boto3==1.44.8', 'botocore==1.44.8', 's3transfer==0.19.3', 'jmespath==1.1.0', 'python-dateutil==2.9.0.post0',
  'six==1.17.0', 'urllib3==2.8.0', 'colorama==0.4.6', 'docutils==0.19', 'PyYAML==6.0.4', 'rsa==4.7.2', 'pyasn1==0.6.5',
];

export interface AwsCli {
  /** The venv's `aws` executable. */
  aws: string;
  /** The venv's python, which has boto3. */
  python: string;
}

export function awsCliVenvDir(dataDir: string): string {
  return path.join(dataDir, 'aws-cli');
}

/**
 * A venv at `<dataDir>/aws-cli` with the pinned awscli and boto3, made from the system CPython.
 * Idempotent: a venv whose marker names the same pins and the same place is only checked (a venv
 * holds its own path in every script's shebang, so a moved one is made again). Throws SetupError when
 * the venv cannot be made or pip cannot install (PyPI does not answer).
 */
export async function ensureAwsCli(dataDir: string, logger: Logger): Promise<AwsCli> {
  const venv = awsCliVenvDir(dataDir);
  const python = path.join(venv, 'bin', 'python');
  const aws = path.join(venv, 'bin', 'aws');
  const marker = path.join(venv, 'requirements.version');
  const wanted = `${AWS_CLI_REQUIREMENTS.join(' ')} in ${venv}`;
  if (existsSync(aws) && existsSync(marker) && readFileSync(marker, 'utf8').trim() === wanted) {
    logger.info({ step: 'aws-cli', venv }, `aws-cli: ${AWS_CLI_REQUIREMENTS[0]} and ${AWS_CLI_REQUIREMENTS[1]} already installed`);
    return { aws, python };
  }
  const system = findExecutable('/usr/bin/python3') ?? requireExecutable('python3', 'install python3 (apt-get install python3 python3-venv)');
  if (system === '/usr/bin/python3') await ensureDebianPackages([VENV_PACKAGE], logger);
  await step(logger, 'aws-cli', `making a venv with ${AWS_CLI_REQUIREMENTS[0]} and ${AWS_CLI_REQUIREMENTS[1]}`, async () => {
    rmSync(venv, { recursive: true, force: true });
    const made = await runCommand(system, ['-m', 'venv', venv], { timeoutMs: 5 * 60_000 });
    if (made.code !== 0) throw new SetupError(`${system} -m venv ${venv} failed (is python3-venv installed?). Last lines:\n${tail(made.output)}`);
    const installed = await runCommand(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--no-deps', ...AWS_CLI_REQUIREMENTS], { timeoutMs: 10 * 60_000 });
    if (installed.code !== 0 || !existsSync(aws)) throw new SetupError(`pip install ${AWS_CLI_REQUIREMENTS.join(' ')} failed; check that PyPI answers. Last lines:\n${tail(installed.output)}`);
    writeFileSync(marker, wanted);
  });
  return { aws, python };
}
