/**
 * `pyfaas module …`: the module developer's side of the CLI. create copies a kind's template
 * (modules/kit/templates), check runs the authoring kit's harness, keygen makes an ed25519
 * signing key, sign writes the package's pyfaas-signature.json (modules/hub/signature.ts).
 * None of them needs the platform running or its configuration.
 *
 * Exit codes: 0 done; 1 the work failed (a check failed, the key cannot sign); 2 the command
 * line is wrong (unknown kind, bad id, missing argument).
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../common/errors';
import { generateSigningKey, packedFiles, signModuleDir, SIGNATURE_FILE } from '../modules/hub/signature';
import { checkModuleDir, describeError, type HarnessReport } from '../modules/kit/harness';
import { MODULE_KINDS } from '../modules/model';
import { readModulePackage } from '../modules/package';

/** Every kind has a template under modules/kit/templates/<kind> (plus `common`, the files they share). */
export const TEMPLATE_KINDS = MODULE_KINDS;

export const MODULE_USAGE = `Usage: pyfaas module <command>

Commands:
  create --kind <kind> --id <id> [--dir <dir>] [--name <package>]
              a new module package from the kind's template (kinds: ${TEMPLATE_KINDS.join(', ')})
  check <dir> [--json]
              run the module harness on a package; exits 1 when a check fails
  keygen [--out <dir>]
              write an ed25519 signing key pair (default dir ~/.pyfaas); prints the public key
  sign <dir> --key <private.pem>
              sign the package's files (writes ${SIGNATURE_FILE}); run before every npm publish`;

/** A wrong command line: printed with the usage, exit 2. */
class UsageError extends Error {}

const MODULE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;
const PLACEHOLDERS = { __PACKAGE_NAME__: 'name', __MODULE_ID__: 'id' } as const;
const KEY_FILE = 'module-key.pem';
const PUBLIC_KEY_FILE = 'module-key.pub.pem';

/** Where the templates are, from cli/ (ts) or dist/cli/ (built): the repository's modules/kit/templates. */
export function templatesDir(): string {
  for (let dir = __dirname, i = 0; i < 4; i += 1, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'modules', 'kit', 'templates');
    if (existsSync(path.join(candidate, 'scaling', 'package.json'))) return candidate;
  }
  throw new InputError(`The module templates are not beside this pyfaas (looked above ${__dirname}).`);
}

/** The path of the CLI that is running, for the next steps printed by create. */
function cliPath(): string {
  const built = path.join(__dirname, 'pyfaas.js');
  return existsSync(built) ? built : path.join(path.dirname(templatesDir()), '..', '..', 'dist', 'cli', 'pyfaas.js');
}

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { kind: { type: 'string' }, id: { type: 'string' }, dir: { type: 'string' }, name: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`module create takes no positional arguments (got ${positionals.join(' ')}).`);
  const kind = values.kind as string | undefined;
  const id = values.id as string | undefined;
  if (!kind) throw new UsageError('module create needs --kind.');
  if (!(MODULE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`Unknown module kind ${JSON.stringify(kind)}; kinds are ${MODULE_KINDS.join(', ')}.`);
  if (!id) throw new UsageError('module create needs --id.');
  if (!MODULE_ID.test(id)) throw new UsageError(`Module id ${JSON.stringify(id)} is not a lowercase DNS label (a-z, 0-9 and -, at most 63, not starting with -).`);
  const name = (values.name as string | undefined) ?? `pyfaas-${kind}-${id}`;
  if (!PACKAGE_NAME.test(name) || name.length > 214) throw new UsageError(`Package name ${JSON.stringify(name)} is not a valid npm package name.`);
  const dir = path.resolve((values.dir as string | undefined) ?? name.replace(/^@[^/]+\//, ''));
  if (existsSync(dir) && (await fs.readdir(dir)).length > 0) throw new UsageError(`${dir} already exists and is not empty; pick another --dir.`);

  await writeFromTemplate(kind as TemplateKind, { id, name, dir });
  const shown = path.relative(process.cwd(), dir) || '.';
  console.log(`Created ${name}, a ${kind} module with id ${id}, in ${shown}.

Next steps:
  cd ${shown}
  # edit index.js; what a ${kind} module must do: ${path.join(path.dirname(templatesDir()), '..', kind, 'CONTRACT.md')}
  PYFAAS_CLI=${cliPath()} npm test                # the harness, as your tests run it
  pyfaas module check .                           # the same, as a table
  pyfaas module keygen                            # once: your signing key, in ~/.pyfaas
  pyfaas module sign . --key ~/.pyfaas/${KEY_FILE}  # after every change
  npm publish --registry <the hub's URL>          # README "Write and publish a module"`);
  return 0;
}

export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** The folder beside the kinds' templates holding the files every template shares. */
const COMMON_TEMPLATE = 'common';

/**
 * Writes a new module package of `kind` into `dir` (created): the template with its id and
 * package name filled in. The caller has checked both (they are pasted into JSON and JS text).
 */
export async function writeFromTemplate(kind: TemplateKind, target: { id: string; name: string; dir: string }): Promise<void> {
  const filled = { name: target.name, id: target.id };
  const fill = (text: string) => text.replace(/__PACKAGE_NAME__|__MODULE_ID__/g, (token) => filled[PLACEHOLDERS[token as keyof typeof PLACEHOLDERS]]);
  // Every package gets the files all kinds share (its harness test), then its kind's own.
  await copyTemplate(path.join(templatesDir(), COMMON_TEMPLATE), target.dir, fill);
  await copyTemplate(path.join(templatesDir(), kind), target.dir, fill);
}

/** Copies `from` to `to` (created), passing every file's text through `fill`. */
async function copyTemplate(from: string, to: string, fill: (text: string) => string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const entry of await fs.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTemplate(source, target, fill);
    else if (entry.isFile()) await fs.writeFile(target, fill(await fs.readFile(source, 'utf8')));
  }
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('module check takes one package directory.');
  const report = await checkModuleDir(positionals[0]);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}

/** The report as a table: one line per check, then a verdict. */
export function formatReport(report: HarnessReport): string {
  const width = Math.max(5, ...report.checks.map((c) => c.name.length));
  const title = report.manifest ? `${report.packageName}@${report.manifest.version} (${report.manifest.kind}/${report.manifest.id})` : report.dir;
  const lines = report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.message}`);
  const failed = report.checks.filter((c) => !c.ok).length;
  const verdict = report.ok ? `all ${report.checks.length} checks passed` : `${failed} check${failed === 1 ? '' : 's'} failed`;
  return [title, '', `      ${'check'.padEnd(width)}  result`, ...lines, '', verdict].join('\n');
}

async function keygen(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError('module keygen takes no positional arguments.');
  const out = path.resolve((values.out as string | undefined) ?? path.join(os.homedir(), '.pyfaas'));
  await fs.mkdir(out, { recursive: true, mode: 0o700 });
  const key = generateSigningKey();
  const privateFile = path.join(out, KEY_FILE);
  try {
    await fs.writeFile(privateFile, key.privateKeyPem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError(`${privateFile} already exists; keygen never overwrites a key (move it away, or pick another --out).`);
    throw err;
  }
  await fs.chmod(privateFile, 0o600); // the umask may have narrowed it further, never widened; be exact
  await fs.writeFile(path.join(out, PUBLIC_KEY_FILE), key.publicKeyPem, { mode: 0o644 });
  console.log(`Wrote ${privateFile} (private, mode 0600: keep it secret) and ${path.join(out, PUBLIC_KEY_FILE)}.
Key id: ${key.keyId}

An admin trusts your modules by adding this to the module policy's trustedKeys:
${JSON.stringify({ name: os.userInfo().username, publicKey: key.publicKeyPem })}

${key.publicKeyPem.trimEnd()}`);
  return 0;
}

async function sign(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { key: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('module sign takes one package directory.');
  if (!values.key) throw new UsageError('module sign needs --key <private key PEM file> (pyfaas module keygen makes one).');
  const dir = path.resolve(positionals[0]);
  const keyFile = path.resolve(values.key as string);
  const pkg = await readModulePackage(dir); // signing something that is not a module helps nobody
  let pem: string;
  try {
    pem = await fs.readFile(keyFile, 'utf8');
    createPrivateKey(pem);
  } catch (err) {
    throw new InputError(`${keyFile} is not a readable private key in PEM form (${(err as Error).message}).`);
  }
  const relativeKey = path.relative(dir, keyFile);
  if (!relativeKey.startsWith('..') && !path.isAbsolute(relativeKey) && (await packedFiles(dir)).includes(relativeKey.split(path.sep).join('/'))) {
    throw new InputError(`The private key ${relativeKey} is inside ${pkg.packageName} and npm would publish it; move it out of the package.`);
  }
  const stat = await fs.stat(keyFile);
  if ((stat.mode & 0o077) !== 0) console.error(`warning: ${keyFile} is readable by others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it.`);
  const signature = await signModuleDir(dir, pem);
  console.log(`Signed ${Object.keys(signature.files).length} files of ${signature.package}@${signature.version} with key ${signature.keyId}; wrote ${path.join(dir, SIGNATURE_FILE)}.`);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { create, check, keygen, sign };

/** Runs `pyfaas module <argv>`; returns the exit code. PyFaaS errors print one sentence, exit 1. */
export async function runModuleCommand(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.log(MODULE_USAGE);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`Unknown module command ${JSON.stringify(command)}.\n\n${MODULE_USAGE}`);
    return 2;
  }
  try {
    return await run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`pyfaas module ${command}: ${err.message}\n\n${MODULE_USAGE}`);
      return 2;
    }
    console.error(`pyfaas module ${command}: ${describeError(err)}`);
    return 1;
  }
}
