import { z } from 'zod';
import type { ProcessMetrics } from '../../modules/observability';
import { defineRoute, pathParam, type ApiContext, type RouteSpec } from '../route';
import { CONSOLE_CSP, ConsoleAssets, defaultConsoleDir } from './console-assets';
import { consoleMetrics } from './console-metrics';

/** What the console needs to know about this platform that no other route says. */
export interface ConsoleSettings {
  /** The Temporal Web UI's base URL, as the browser reaches it: each invocation links to its workflow there. */
  temporalUiUrl: string;
  temporalNamespace: string;
  /** The bundle's directory (default: dist/console). */
  assetsDir?: string;
}

/** `http://<Temporal frontend host>:<UI port>`, unless the operator named the UI's URL (PYFAAS_TEMPORAL_UI_URL). */
export function temporalUiUrlOf(temporalAddress: string, uiPort: number, configured?: string): string {
  if (configured) return configured.replace(/\/+$/, '');
  return `http://${temporalAddress.slice(0, temporalAddress.lastIndexOf(':'))}:${uiPort}`;
}

const configSchema = z
  .object({
    temporalUi: z.object({ url: z.string(), namespace: z.string() }).describe("An invocation's workflow is at <url>/namespaces/<namespace>/workflows/<invocationId>"),
    metrics: z.boolean().describe('This process records metrics (GET /v1/console/metrics has data)'),
  })
  .describe('What the web console needs to know about this platform');

const bucketSchema = z.object({ le: z.number().nullable().describe('Seconds; null is +Inf'), count: z.number() });
const metricsSchema = z
  .object({
    at: z.string(),
    enabled: z.boolean(),
    functions: z.array(z.object({
      function: z.string(), invocations: z.number(), errors: z.number(), timeouts: z.number(), coldStarts: z.number(),
      durationBuckets: z.array(bucketSchema), durationSumSeconds: z.number(),
    })),
  })
  .describe("This process's FaaS counters per function since it started (the console draws rates from two reads)");

/**
 * The web console: GET / (its page) and GET /console/{file} (its bundles) for anyone — they
 * hold no data; everything shown comes from the API with the token the person logs in with —
 * under a strict Content-Security-Policy. GET /v1/console/config tells a logged-in console
 * where the Temporal UI is; GET /v1/console/metrics feeds its charts (metrics:read).
 */
export function consoleRoutes(deps: { console?: ConsoleSettings; metrics?: ProcessMetrics }): RouteSpec[] {
  const settings = deps.console;
  if (!settings) return [];
  const assets = new ConsoleAssets(settings.assetsDir ?? defaultConsoleDir());
  const serve = (ctx: ApiContext, name: string) => {
    const asset = assets.get(name);
    ctx.set('Content-Security-Policy', CONSOLE_CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cache-Control', asset.cacheControl);
    ctx.type = asset.contentType;
    ctx.body = asset.body;
  };
  return [
    defineRoute({
      method: 'get', path: '/', access: 'public', tag: 'Console', summary: 'The web console (log in with an API token)',
      responses: { 200: { description: 'The console page (text/html)' }, 503: { description: 'The console is not built (CONSOLE_NOT_BUILT)' } },
      handler(ctx) {
        serve(ctx, 'index.html');
      },
    }),
    defineRoute({
      method: 'get', path: '/console/{file}', access: 'public', tag: 'Console', summary: "The console's scripts and styles (named by content hash, cached for good)",
      params: z.object({ file: pathParam('A bundle file name') }),
      responses: { 200: { description: 'The file' }, 404: { description: 'No such file' } },
      handler(ctx, { params }) {
        serve(ctx, params.file);
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/console/config', access: 'authenticated', tag: 'Console', summary: 'Where the console links to (the Temporal UI) and what this process offers',
      responses: { 200: { description: 'The console settings', schema: configSchema } },
      scopedMayList: true,
      handler(ctx) {
        ctx.body = { temporalUi: { url: settings.temporalUiUrl, namespace: settings.temporalNamespace }, metrics: Boolean(deps.metrics?.enabled) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/console/metrics', access: 'metrics:read', tag: 'Console', summary: "This process's invocation counters and duration histogram per function, as JSON for the console's charts",
      responses: { 200: { description: 'The counters', schema: metricsSchema } },
      async handler(ctx) {
        ctx.body = await consoleMetrics(deps.metrics?.enabled ? deps.metrics.registry : undefined);
      },
    }),
  ];
}
