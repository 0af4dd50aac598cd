import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import type { TemporalClientTls } from '../tls/temporal-connection';
import { ManagedProcess } from './managed-process';

export interface TemporalUiServerOptions {
  binary: string;
  /** Holds the generated config (`config/pyfaas.yaml`). */
  stateDir: string;
  logDir: string;
  host: string;
  port: number;
  /** The frontend it talks to, and how (the same TLS settings PyFaaS's clients use). */
  frontendAddress: string;
  tls?: TemporalClientTls;
  namespace: string;
  startTimeoutMs?: number;
}

/** The UI server's config (modelled on its config/development.yaml); JSON, which its YAML loader reads as is. */
export function temporalUiConfig(options: TemporalUiServerOptions): Record<string, unknown> {
  const { tls } = options;
  return {
    temporalGrpcAddress: options.frontendAddress,
    host: options.host,
    port: options.port,
    enableUi: true,
    defaultNamespace: options.namespace,
    // The UI is served over plain HTTP on the stack's host: a secure-only cookie would never come back.
    cors: { cookieInsecure: true },
    notifyOnNewVersion: false,
    ...(tls
      ? { tls: { caFile: tls.ca ?? '', certFile: tls.cert ?? '', keyFile: tls.key ?? '', serverName: tls.serverName ?? '', enableHostVerification: true } }
      : {}),
  };
}

async function uiAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.status === 200;
}

/** Starts the Temporal Web UI server for the real server (the dev server embeds its own) and waits until it answers. */
export async function startTemporalUiServer(options: TemporalUiServerOptions, logger: Logger): Promise<ManagedProcess> {
  const configDir = path.join(options.stateDir, 'config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(path.join(configDir, 'pyfaas.yaml'), JSON.stringify(temporalUiConfig(options), null, 2));
  const service = ManagedProcess.start(
    { name: 'temporal-ui', command: options.binary, args: ['--root', options.stateDir, '--config', 'config', '--env', 'pyfaas', 'start'], logFile: path.join(options.logDir, 'temporal-ui.log') },
    logger,
  );
  await service.waitUntilHealthy(() => uiAnswers(`http://${options.host}:${options.port}/`), options.startTimeoutMs ?? 60_000);
  return service;
}
