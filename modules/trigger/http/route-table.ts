import type { Trigger } from '../contract';
import type { HttpTriggerConfig } from './config';
import { compareSpecificity, compileTemplate, matchTemplate, methodMatches, methodsOf, requestSegments, type HttpMethod, type Segment } from './route';

export interface CompiledRoute {
  trigger: Trigger<HttpTriggerConfig>;
  template: Segment[];
}

export type RouteLookup =
  | { kind: 'found'; route: CompiledRoute; pathParams: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: HttpMethod[] }
  | { kind: 'not-found' };

/**
 * The HTTP triggers compiled for matching, most specific route first. Among the routes whose
 * path matches, the most specific one that takes the request's method answers; when none
 * takes it, the lookup says which methods would. The trigger service keeps two routes of the
 * same shape and method from being stored, but should they be (two API processes creating
 * at once), the trigger whose name sorts first wins, so every process answers alike.
 */
export class RouteTable {
  private readonly routes: CompiledRoute[];

  /** Throws Error when a trigger's path is not a valid template (parseConfig has checked it). */
  constructor(triggers: Array<Trigger<HttpTriggerConfig>>) {
    this.routes = triggers
      .map((trigger) => ({ trigger, template: compileTemplate(trigger.config.path) }))
      .sort((a, b) => compareSpecificity(a.template, b.template) || (a.trigger.name < b.trigger.name ? -1 : a.trigger.name > b.trigger.name ? 1 : 0));
  }

  get size(): number {
    return this.routes.length;
  }

  /** `path` is the request's raw path, e.g. `/t/orders/42`; `method` is uppercase. */
  lookup(method: string, path: string): RouteLookup {
    const segments = requestSegments(path);
    if (!segments) return { kind: 'not-found' };
    const allow = new Set<HttpMethod>();
    for (const route of this.routes) {
      const pathParams = matchTemplate(route.template, segments);
      if (!pathParams) continue;
      if (methodMatches(route.trigger.config.method, method)) return { kind: 'found', route, pathParams };
      for (const allowed of methodsOf(route.trigger.config.method)) allow.add(allowed);
    }
    return allow.size > 0 ? { kind: 'method-not-allowed', allow: [...allow] } : { kind: 'not-found' };
  }
}
