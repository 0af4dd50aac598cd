import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../infra/config';
import { HUB_PLATFORM_TOKEN_FILE } from '../../infra/services/hub-server';
import { HubClient } from './client';

/** Where this process finds the hub: PYFAAS_HUB_URL, else the port `pyfaas up` gives it on this machine. */
export function hubUrl(config: Config): string {
  return config.hub.url ?? `http://127.0.0.1:${config.stack.hubPort}`;
}

/**
 * The platform's read-only hub credential: PYFAAS_HUB_TOKEN, else the secret the hub
 * generated into `<dataDir>/hub/platform-token` (read on each request, so a hub started
 * after this process still works); undefined when neither exists.
 */
export function hubPlatformToken(config: Config): () => string | undefined {
  if (config.hub.token) {
    const token = config.hub.token;
    return () => token;
  }
  const file = path.join(config.dataDir, 'hub', HUB_PLATFORM_TOKEN_FILE);
  return () => {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

/** The HubClient this process reads the hub with. */
export function hubClientFor(config: Config, options: { timeoutMs?: number } = {}): HubClient {
  return new HubClient({ url: hubUrl(config), token: hubPlatformToken(config), ...options });
}

/**
 * The /readyz check of the hub: only when PYFAAS_HUB_URL names one (as `pyfaas up` does),
 * so a process run without a hub is not reported unready for it.
 */
export function hubReadinessChecks(config: Config, client: HubClient = hubClientFor(config, { timeoutMs: 1500 })): Record<string, () => Promise<unknown>> {
  return config.hub.url ? { hub: () => client.health() } : {};
}
