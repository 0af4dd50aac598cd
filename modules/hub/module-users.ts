import { FunctionSchema, TriggerSchema } from '../meta/entities';
import { PolicySchema } from '../meta/policies';
import type { MetaStore } from '../meta/store';
import type { ModuleKind } from '../model';

/** Who uses which module: `usersOf(kind, id)` answers from one read of the meta store. */
export interface ModuleUsers {
  usersOf(kind: ModuleKind, id: string): string[];
}

/**
 * Who uses each module now, as `function:<name>`, `trigger:<name>` or `policy:<kind>`: a
 * function's runtime, scaling module or executor (worker adapter), a trigger's kind, the auth
 * policy's module, the scaling policy's default module, the function policy's meta and task
 * modules. Uninstalling refuses while a module has any. One read of functions, triggers and the three policies, whatever the number of modules.
 */
export async function readModuleUsers(store: MetaStore): Promise<ModuleUsers> {
  const em = store.em();
  const [functions, triggers, auth, scaling, functionPolicy] = await Promise.all([
    em.find(FunctionSchema, {}, { orderBy: { name: 'asc' } }),
    em.find(TriggerSchema, {}, { orderBy: { name: 'asc' } }),
    em.findOne(PolicySchema, { kind: 'auth' }),
    em.findOne(PolicySchema, { kind: 'scaling' }),
    em.findOne(PolicySchema, { kind: 'function' }),
  ]);
  const users = new Map<string, string[]>();
  const add = (kind: ModuleKind, id: string | undefined | null, user: string) => {
    if (!id) return;
    const key = `${kind}/${id}`;
    users.set(key, [...(users.get(key) ?? []), user]);
  };
  for (const fn of functions as unknown as Array<{ name: string; runtime: string; scaling?: { module: string } | null; executor?: { module: string } | null }>) {
    add('runtime', fn.runtime, `function:${fn.name}`);
    add('scaling', fn.scaling?.module ?? 'kpa', `function:${fn.name}`);
    add('worker', fn.executor?.module, `function:${fn.name}`);
  }
  for (const trigger of triggers) add('trigger', trigger.kind, `trigger:${trigger.name}`);
  add('auth', (auth?.value as { module?: string } | undefined)?.module, 'policy:auth');
  // The scaling policy's default: what a function created without `scaling` gets.
  add('scaling', (scaling?.value as { default?: { module?: string } } | undefined)?.default?.module, 'policy:scaling');
  // The function policy's meta and task modules: every create, update and invocation runs them.
  const checks = functionPolicy?.value as { metaChecks?: Array<{ module: string }>; taskChecks?: Array<{ module: string }> } | undefined;
  for (const entry of checks?.metaChecks ?? []) add('meta', entry.module, 'policy:function');
  for (const entry of checks?.taskChecks ?? []) add('task', entry.module, 'policy:function');
  return { usersOf: (kind, id) => users.get(`${kind}/${id}`) ?? [] };
}
