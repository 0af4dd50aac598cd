import type { NodeService } from '../../modules/meta/nodes';
import { defineRoute, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/** GET /v1/nodes — the live worker nodes: capacity, task queue, what each holds warm, last heartbeat. */
export function nodeRoutes(deps: { nodes: NodeService }): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/v1/nodes', access: 'node:read', tag: 'Nodes', summary: 'The live worker nodes',
      responses: { 200: { description: 'Nodes heard from within 10 s', schema: schemas.nodeListSchema } },
      async handler(ctx) {
        ctx.body = { items: await deps.nodes.alive() };
      },
    }),
  ];
}
