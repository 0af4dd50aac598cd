import { FunctionSchema, TriggerSchema } from '../meta/entities';
import { PolicySchema } from '../meta/policies';
import type { MetaStore } from '../meta/store';
import type { ModuleKind } from '../model';

/**
 * Who uses module `kind/id` now, as `function:<name>`, `trigger:<name>` or `policy:<kind>`:
 * a function's runtime, scaling module or executor (worker adapter), a trigger's kind, the
 * auth policy's module, the scaling policy's default module. Uninstalling refuses while this
 * is not empty.
 */
export async function moduleUsers(store: MetaStore, kind: ModuleKind, id: string): Promise<string[]> {
  const em = store.em();
  const users: string[] = [];
  if (kind === 'runtime' || kind === 'scaling' || kind === 'worker') {
    const functions = await em.find(FunctionSchema, {}, { orderBy: { name: 'asc' } });
    for (const fn of functions as unknown as Array<{ name: string; runtime: string; scaling?: { module: string } | null; executor?: { module: string } | null }>) {
      const uses = kind === 'runtime' ? fn.runtime === id : kind === 'scaling' ? (fn.scaling?.module ?? 'kpa') === id : fn.executor?.module === id;
      if (uses) users.push(`function:${fn.name}`);
    }
  }
  if (kind === 'trigger') {
    for (const trigger of await em.find(TriggerSchema, { kind: id }, { orderBy: { name: 'asc' } })) users.push(`trigger:${trigger.name}`);
  }
  if (kind === 'auth') {
    const policy = await em.findOne(PolicySchema, { kind: 'auth' });
    if ((policy?.value as { module?: string } | undefined)?.module === id) users.push('policy:auth');
  }
  if (kind === 'scaling') {
    // The scaling policy's default: what a function created without `scaling` gets.
    const policy = await em.findOne(PolicySchema, { kind: 'scaling' });
    if ((policy?.value as { default?: { module?: string } } | undefined)?.default?.module === id) users.push('policy:scaling');
  }
  return users;
}
