/**
 * The trigger kind contract. A trigger binds an event source to a function; its kind (http,
 * kafka, schedule, or a third-party module) validates the kind-specific `config`, says which
 * triggers cannot coexist, and keeps any outside system (a Temporal Schedule) in step with the
 * stored trigger. The meta store holds every trigger the same way (modules/meta/entities.ts).
 */
import type { Client } from '@temporalio/client';
import type { Logger } from '../../common/logger';
import type { TriggerRecord } from '../meta/entities';

/** What a trigger kind module's factory is given. */
export interface TriggerKindDeps {
  client: Client;
  taskQueue: string;
  logger: Logger;
}

/** A stored trigger whose `config` the kind has parsed. */
export type Trigger<Config = Record<string, unknown>> = Omit<TriggerRecord, 'config'> & { config: Config };

export interface TriggerKind<Config = Record<string, unknown>> {
  /** The value of a trigger's `kind` field, e.g. `http`. */
  readonly kind: string;
  /**
   * Validates the kind's `config` object and applies its defaults. Throws InputError listing
   * every bad field (the API answers 400).
   */
  parseConfig(config: unknown): Config;
  /**
   * A sentence when `candidate` cannot coexist with `existing` (another trigger of the same
   * kind), e.g. the same HTTP route or Kafka consumer group; the API answers 409.
   */
  conflict?(candidate: Trigger<Config>, existing: Trigger<Config>): string | undefined;
  /** True when callers of this trigger must present an API key (the platform issues one). */
  needsApiKey?(config: Config): boolean;
  /**
   * Brings an outside system in step after the trigger was created (`previous` absent) or
   * changed. Runs inside the meta store transaction: a throw undoes the change, so nothing is
   * half-written. An InputError from the outside system (e.g. a cron it refuses) is a 400.
   */
  apply?(trigger: Trigger<Config>, previous?: Trigger<Config>): Promise<void>;
  /** Undoes `apply` when the trigger is deleted; must succeed when there is nothing to undo. */
  remove?(trigger: Trigger<Config>): Promise<void>;
  /** What the outside system says about the trigger now (e.g. a schedule's next runs), for its GET view. */
  describe?(trigger: Trigger<Config>): Promise<Record<string, unknown> | undefined>;
  /**
   * For kinds fed by webhooks: turns one request to `POST /hooks/{trigger name}` into the
   * function's event, after checking that the sender is who the trigger trusts (a signature
   * over the raw body, say). Throws UnauthenticatedError (401) for a bad or missing proof and
   * InputError (400) for a body it cannot read; the gateway then starts nothing.
   */
  receive?(trigger: Trigger<Config>, request: WebhookRequest): Promise<WebhookReceipt> | WebhookReceipt;
}

/** What a kind makes of one webhook delivery whose proof it checked. */
export interface WebhookReceipt {
  /** The function's event. */
  event: unknown;
  /** The sender's id of this delivery (GitHub's X-GitHub-Delivery): a repeated id joins the invocation the first one started. */
  deliveryId?: string;
  /** Why the trigger acts on none of this delivery (an event it does not subscribe to): the gateway answers 202 and starts nothing. */
  ignored?: string;
}

/** One webhook delivery as the gateway read it: the raw body (signatures are over bytes) and lowercased headers. */
export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What a trigger module's `create` returns: the kind, built once the Temporal client exists. */
export type TriggerKindFactory<Config = Record<string, unknown>> = (deps: TriggerKindDeps) => TriggerKind<Config>;

/** The `trigger` field of every invocation a trigger starts, e.g. `kafka:orders`, shown in the Temporal UI. */
export function triggerLabel(kind: string, name: string): string {
  return `${kind}:${name}`;
}
