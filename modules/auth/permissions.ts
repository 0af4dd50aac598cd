/**
 * Permissions are `resource:action` strings; a role is a named set of them (DESIGN §5).
 * Every API route names the one permission it needs (api/routes), and a token or JWT may
 * narrow its role to fewer.
 */
export const PERMISSIONS = [
  'function:create',
  'function:read',
  'function:update',
  'function:delete',
  'function:invoke',
  /** Read the invocations this principal started. */
  'invocation:read',
  /** Read every invocation, whoever (or whatever trigger) started it. */
  'invocation:read-any',
  'invocation:cancel',
  'trigger:read',
  'trigger:write',
  'alias:read',
  'alias:write',
  'rollout:read',
  'rollout:write',
  'node:read',
  'policy:read',
  'policy:write',
  /** Query modules in the hub and the installed ones. */
  'module:read',
  /** Create, update, deprecate and delete modules in the hub (module developers). */
  'module:publish',
  /** Install and uninstall modules on this platform (admins). */
  'module:install',
  'token:manage',
  'audit:read',
  /** Scrape GET /metrics (admins; a Prometheus server gets a token narrowed to this one). */
  'metrics:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_NAMES = ['admin', 'module-developer', 'invoker'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/**
 * The seed's three roles: the PyFaaS user (admin) manages everything; the module developer
 * works on modules in the hub; the user (invoker) only invokes and reads its own invocations.
 */
export const ROLE_PERMISSIONS: Readonly<Record<RoleName, readonly Permission[]>> = Object.freeze({
  admin: PERMISSIONS,
  'module-developer': ['module:read', 'module:publish'],
  invoker: ['function:invoke', 'invocation:read'],
});

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function isRoleName(value: string): value is RoleName {
  return (ROLE_NAMES as readonly string[]).includes(value);
}
