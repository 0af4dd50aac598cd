import Router from '@koa/router';
import type { NodeService } from '../../modules/meta/nodes';

/** GET /v1/nodes — the live worker nodes: capacity, task queue, what each holds warm, last heartbeat. */
export function createNodeRouter(deps: { nodes: NodeService }): Router {
  const router = new Router({ prefix: '/v1' });
  router.get('/nodes', async (ctx) => {
    ctx.body = { items: await deps.nodes.alive() };
  });
  return router;
}
