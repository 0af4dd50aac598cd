import type { IncomingHttpHeaders } from 'node:http';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { PolicyService } from '../meta/policies';
import type { ChangeFeed } from '../meta/revisions';
import type { MetaStore } from '../meta/store';
import { validateModuleConfig } from '../config-schema';
import type { ModuleManifest } from '../model';
import { bearerCredential, type AuthModule, type AuthModuleFactory, type Principal } from './contract';
import { RateLimitedError } from './errors';
import { AUTH_POLICY, type AuthPolicy } from './policy';
import { RateLimiter } from './rate-limit';
import { looksLikePlatformToken } from './tokens/format';

export class UnknownAuthModuleError extends InputError {
  override readonly code: string = 'UNKNOWN_AUTH_MODULE';
}

/**
 * An auth policy names a module this process does not have. Modules other than the built-in
 * `tokens` come from the Module Hub (the `jwt` module is the package `pyfaas-auth-jwt`), so
 * the sentence says how to install it; hub packages are named `pyfaas-<kind>-<id>`.
 */
function notInstalled(id: string, installed: string[]): UnknownAuthModuleError {
  const pkg = `pyfaas-auth-${id}`;
  return new UnknownAuthModuleError(
    `Auth module ${JSON.stringify(id)} is not installed on this platform (installed: ${installed.join(', ') || 'none'}). ` +
      `An admin installs it from the Module Hub first: POST /v1/modules {"package":"${pkg}","version":"<version>"} ` +
      `(hub packages are named pyfaas-<kind>-<id>; GET /v1/hub/modules?kind=auth lists the hub's auth modules).`,
    { module: id, installed, package: pkg },
  );
}

export interface AuthGateDeps {
  /** The registered auth modules' factories, by id. */
  module(id: string): AuthModuleFactory | undefined;
  moduleIds(): string[];
  /** The auth module's manifest: its configSchema checks a policy's options after the module accepted them. */
  manifest?(id: string): ModuleManifest | undefined;
  policies: PolicyService;
  changes: ChangeFeed;
  store: MetaStore;
  logger: Logger;
}

/**
 * The process's door: reads credentials with the auth module the auth policy names (plus the
 * platform's own tokens module for `pyf_…` tokens unless the policy turns that off) and
 * admits requests under the policy's rates. When the change feed says auth data changed (a
 * token revoked, the policy replaced) it drops every cached answer and, if the policy
 * changed, builds the module again — on every process, within one poll.
 */
export class AuthGate {
  private policy!: AuthPolicy;
  private revision = -1;
  /** The factory that built `chosen`: a module swapped under the same id is rebuilt. */
  private factory?: unknown;
  private tokens!: AuthModule;
  private chosen!: AuthModule;
  private readonly limiter = new RateLimiter();
  private unsubscribe?: () => void;
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly deps: AuthGateDeps) {}

  async start(): Promise<void> {
    this.tokens = this.build('tokens', {});
    await this.reload();
    const onAuth = this.deps.changes.on('auth', () => {
      this.tokens.invalidate?.();
      this.chosen.invalidate?.();
      this.queueReload();
    });
    // An auth module installed, upgraded or rolled back: the policy naming it uses the new code at once.
    const onModules = this.deps.changes.on('modules', () => this.queueReload());
    this.unsubscribe = () => {
      onAuth();
      onModules();
    };
  }

  private queueReload(): void {
    this.reloading = this.reloading.then(() => this.reload()).catch((err) => this.deps.logger.error({ err }, 'could not reload the auth policy; keeping the previous one'));
  }

  /** The policy in force on this process. */
  current(): AuthPolicy {
    return this.policy;
  }

  /** Who the headers prove (undefined: no credential); throws an UnauthenticatedError subclass for a bad one. */
  async authenticate(headers: IncomingHttpHeaders): Promise<Principal | undefined> {
    const credential = bearerCredential(headers);
    if (credential !== undefined && this.policy.acceptPlatformTokens && looksLikePlatformToken(credential)) return this.tokens.authenticate(headers);
    return this.chosen.authenticate(headers);
  }

  /** Throws RateLimitedError when the principal (else the client address) is over its rate. */
  admit(address: string, principal: Principal | undefined): void {
    const limits = this.policy.rateLimit;
    const [key, limit] = principal ? [principal.id, principal.rateLimit ?? limits.perPrincipal] : [`addr:${address}`, limits.anonymousPerAddress];
    const answer = this.limiter.take(key, limit);
    if (!answer.ok) {
      throw new RateLimitedError(`Over the rate of ${limit.requestsPerSecond} requests per second (burst ${limit.burst}); retry after ${answer.retryAfterSeconds} s.`, answer.retryAfterSeconds);
    }
  }

  /**
   * Checks a policy before it is stored: the module exists and accepts its options, then its
   * manifest's configSchema accepts them too (InputError under `options` otherwise).
   */
  check(policy: AuthPolicy): void {
    const built = this.build(policy.module, policy.options);
    void built.close?.();
    const manifest = this.deps.manifest?.(policy.module);
    if (manifest) validateModuleConfig(manifest, policy.options, 'options');
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.reloading;
    if (this.chosen !== this.tokens) await this.chosen?.close?.();
    await this.tokens?.close?.();
  }

  private async reload(): Promise<void> {
    const { value, revision } = await this.deps.policies.get<AuthPolicy>(AUTH_POLICY.kind);
    const factory = this.deps.module(value.module);
    if (revision === this.revision && factory === this.factory) return;
    const previous = this.chosen;
    this.chosen = value.module === 'tokens' ? this.tokens : this.build(value.module, value.options);
    this.factory = factory;
    this.policy = value;
    this.revision = revision;
    if (previous && previous !== this.tokens && previous !== this.chosen) await previous.close?.();
    this.deps.logger.info({ module: value.module, revision }, 'auth policy in force');
  }

  private build(id: string, options: Record<string, unknown>): AuthModule {
    const factory = this.deps.module(id);
    if (!factory) throw notInstalled(id, this.deps.moduleIds());
    return factory(options, { store: this.deps.store, changes: this.deps.changes, logger: this.deps.logger });
  }
}
