import { z } from 'zod';
import type { ModuleService } from '../../modules/hub/service';
import { MODULE_KINDS } from '../../modules/model';
import { boolParam } from '../body';
import { defineRoute, pathParam, queryParam, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/** What the hub search route needs (modules/hub/client.ts). */
export interface HubSearch {
  search(query: string, options: { kind?: string }): Promise<Array<z.infer<typeof schemas.hubModuleSchema>>>;
}

export interface ModuleRoutesDeps {
  modules: ModuleService;
  hub: HubSearch;
}

const moduleKey = z.object({ kind: pathParam('The module kind, e.g. scaling'), id: pathParam('The module id') });
const tag = 'Modules';

/**
 * The Module Hub, admin side: search the hub, list what this platform serves, install a
 * version (201 once every live process serves it; 202 with `?wait=false`), read an install,
 * uninstall (409 MODULE_IN_USE while used).
 */
export function moduleRoutes(deps: ModuleRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get', path: '/v1/hub/modules', access: 'module:read', tag, summary: 'Search the hub for modules',
      query: z.object({ q: queryParam('Words to look for (name, description, keywords)'), kind: z.enum(MODULE_KINDS).optional().describe('Only modules of this kind') }),
      responses: { 200: { description: 'Matching packages with a pyfaas manifest', schema: schemas.hubSearchSchema } },
      async handler(ctx, { query }) {
        ctx.body = { items: await deps.hub.search(query.q ?? '', { kind: query.kind }) };
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/modules', access: 'module:read', tag, summary: 'Built-in and installed modules, with who uses each',
      responses: { 200: { description: 'Modules', schema: schemas.moduleListSchema } },
      async handler(ctx) {
        ctx.body = { items: await deps.modules.list() };
      },
    }),
    defineRoute({
      method: 'post', path: '/v1/modules', access: 'module:install', tag, summary: 'Install a module version from the hub (an upgrade or rollback too), on every process, without a restart',
      query: z.object({ wait: queryParam('false: answer 202 at once and install in the background') }),
      body: { schema: z.object({ package: z.string().min(1).max(214), version: z.string().min(1).max(64) }).strict(), what: 'module install' },
      responses: { 201: { description: 'Installed and serving on every live process', schema: schemas.installationSchema }, 202: { description: 'Installing (`?wait=false`)', schema: schemas.installationSchema } },
      audit: { resource: 'module', name: ({ body }) => body && `${body.package}@${body.version}` },
      async handler(ctx, { query, body, principal }) {
        const wait = query.wait === undefined || boolParam(query.wait);
        const installation = await deps.modules.install(body, principal!.id, wait);
        ctx.status = wait ? 201 : 202;
        ctx.set('Location', `/v1/modules/installations/${installation.installationId}`);
        ctx.body = installation;
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/modules/installations/{installationId}', access: 'module:read', tag, summary: "An install's progress or outcome",
      params: z.object({ installationId: pathParam('As POST /v1/modules answered') }),
      responses: { 200: { description: 'The installation', schema: schemas.installationSchema } },
      async handler(ctx, { params }) {
        ctx.body = await deps.modules.installation(params.installationId);
      },
    }),
    defineRoute({
      method: 'get', path: '/v1/modules/{kind}/{id}', access: 'module:read', tag, summary: 'One module',
      params: moduleKey,
      responses: { 200: { description: 'The module', schema: schemas.moduleViewSchema } },
      async handler(ctx, { params }) {
        ctx.body = await deps.modules.get(params.kind, params.id);
      },
    }),
    defineRoute({
      method: 'delete', path: '/v1/modules/{kind}/{id}', access: 'module:install', tag, summary: 'Uninstall a hub module on every process (refused while in use)',
      params: moduleKey,
      responses: { 200: { description: 'Uninstalled', schema: schemas.moduleViewSchema } },
      audit: { resource: 'module', name: ({ params }) => `${params.kind}/${params.id}` },
      async handler(ctx, { params }) {
        ctx.body = await deps.modules.uninstall(params.kind, params.id);
      },
    }),
  ];
}
