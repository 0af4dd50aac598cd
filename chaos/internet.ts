import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';

/** One side effect a function performed, as the ledger received it. */
export interface Effect {
  /** The load item's key (the request's own key; a Kafka record's value carries it). */
  key: string;
  invocationId: string;
  /** Kafka-triggered: where the record was. */
  partition?: number;
  offset?: string;
  /** When the ledger received it (ms since the epoch, this host's clock). */
  at: number;
}

export interface Internet {
  /** Where a network-enabled function posts its side effects. */
  ledgerUrl: string;
  /** Every side effect received so far, in arrival order. */
  readonly effects: Effect[];
  stop(): void;
}

const ip = (args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/**
 * A /30 of TEST-NET-2 (198.51.100.0/24) per run, so two runs on one host do not collide:
 * not a range the function network blocks, so a function reaches it through slirp4netns
 * as it would reach any address on the internet.
 */
function subnetFor(pid: number): { host: string; far: string } {
  const base = (pid % 64) * 4;
  return { host: `198.51.100.${base + 1}`, far: `198.51.100.${base + 2}` };
}

/** Removes the namespace and veth of a run that died without cleaning up. */
function removeStale(namespace: string, veth: string): void {
  for (const args of [['link', 'delete', veth], ['netns', 'delete', namespace]]) {
    try {
      ip(args);
    } catch {
      // not there
    }
  }
}

/**
 * "The internet" for the chaos run: a network namespace behind a veth pair, running the
 * side-effect ledger. Needs root (ip netns), as the sandbox's own network does.
 */
export async function startInternet(): Promise<Internet> {
  const namespace = `pyfaas-chaos-${process.pid}`;
  const veth = `pfc${process.pid % 100000}`;
  const { host, far } = subnetFor(process.pid);
  removeStale(namespace, veth);
  ip(['netns', 'add', namespace]);
  ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}i`]);
  ip(['link', 'set', `${veth}i`, 'netns', namespace]);
  ip(['addr', 'add', `${host}/30`, 'dev', veth]);
  ip(['link', 'set', veth, 'up']);
  ip(['-n', namespace, 'addr', 'add', `${far}/30`, 'dev', `${veth}i`]);
  ip(['-n', namespace, 'link', 'set', `${veth}i`, 'up']);
  ip(['-n', namespace, 'link', 'set', 'lo', 'up']);

  try {
    const ledger = await startLedger(['ip', 'netns', 'exec', namespace], far);
    return {
      ...ledger,
      stop: () => {
        ledger.stop();
        removeStale(namespace, veth);
      },
    };
  } catch (err) {
    removeStale(namespace, veth);
    throw err;
  }
}

/**
 * Runs the ledger server on `host`:8080, started through `prefix` (e.g. `ip netns exec <ns>`;
 * empty: in this process's own namespace), and collects the side effects it receives.
 */
export async function startLedger(prefix: string[], host: string): Promise<Internet> {
  const port = 8080;
  const argv = [...prefix, process.execPath, path.join(__dirname, 'ledger-server.js'), host, String(port)];
  const server: ChildProcess = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const effects: Effect[] = [];
  const listening = new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the ledger server exited with code ${code} before listening`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const parsed = JSON.parse(line) as Effect & { listening?: string };
      if (parsed.listening) resolve();
      else effects.push(parsed);
    });
  });
  const stop = () => void server.kill('SIGKILL');
  try {
    await listening;
  } catch (err) {
    stop();
    throw err;
  }
  return { ledgerUrl: `http://${host}:${port}/effects`, effects, stop };
}
