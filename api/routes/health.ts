import Router from '@koa/router';
import type { Readiness } from '../../process/readiness';

/** GET /healthz: the process is alive. GET /readyz: every dependency answers (503 if not). */
export function createHealthRouter(readiness: Readiness): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const report = await readiness.report();
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.body = report;
  });
  return router;
}
