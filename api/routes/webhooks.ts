import { z } from 'zod';
import { ConflictError, InputError, NotFoundError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Invoker } from '../../modules/task/invoker';
import { triggerLabel, type WebhookReceipt } from '../../modules/trigger/contract';
import { TriggerPausedError } from '../../modules/trigger/http';
import { readBytes } from '../../modules/trigger/http/read-body';
import { TriggerNotFoundError, type TriggerService } from '../../modules/trigger/service';
import { FUNCTION_NAME } from '../../modules/meta/function-input';
import { defineRoute, pathParam, type ApiContext, type RouteSpec } from '../route';
import * as schemas from '../schemas';

/** No trigger of that name takes webhooks: there is none, or its kind has no `receive` (one code for both, to anonymous callers). */
export class HookNotFoundError extends NotFoundError {
  override readonly code: string = 'HOOK_NOT_FOUND';
}

/** The trigger exists but the module of its kind is not installed now (uninstalled from the hub): reinstall it or delete the trigger. */
export class TriggerKindNotInstalledError extends ConflictError {
  override readonly code: string = 'TRIGGER_KIND_NOT_INSTALLED';
}

export interface WebhookRoutesDeps {
  triggers: TriggerService;
  invoker: Invoker;
  bodyLimitBytes: number;
  logger: Logger;
}

const INVOCATION_HEADER = 'X-PyFaaS-Invocation-Id';
/** A delivery id joins the idempotency key `webhook:<trigger>:<id>`, which must stay within 255 printable ASCII characters. */
const DELIVERY_ID = /^[\x21-\x7e]{1,180}$/;

const ignoredDeliverySchema = z
  .object({ status: z.literal('ignored'), reason: z.string() })
  .describe('The delivery checked out but the trigger acts on none of it (an event it does not subscribe to): nothing started');

/**
 * `POST /hooks/{trigger name}`: webhook deliveries to triggers whose kind has `receive`
 * (modules/trigger/contract.ts), e.g. the hub's `github-webhook`. The kind checks the
 * sender's proof over the raw body (401 when it fails) and turns the delivery into the
 * function's event; the gateway starts an async invocation of the bound function (trigger
 * label `<kind>:<name>`) and answers 202 with its id, as an async HTTP trigger does. A
 * delivery id the kind reports makes the start idempotent: a redelivery joins the first
 * invocation. No such trigger, or one whose kind takes no webhooks, is a 404 HOOK_NOT_FOUND;
 * a trigger whose kind was uninstalled a 409 TRIGGER_KIND_NOT_INSTALLED; a paused one a 503
 * TRIGGER_PAUSED (after the proof, so only the sender learns it); a body over the API's limit
 * a 413. Public to the API's auth (the kind's proof guards it), rate-limited per client
 * address like every route.
 */
export function webhookRoutes(deps: WebhookRoutesDeps): RouteSpec[] {
  const receive = async (ctx: ApiContext, { params }: { params: { name: string } }) => {
    const { name } = params;
    const trigger = FUNCTION_NAME.test(name) ? await deps.triggers.get(name).catch(notFoundAs(name)) : hookNotFound(name);
    const kind = deps.triggers.kindOf(trigger.kind);
    if (!kind) throw new TriggerKindNotInstalledError(`Trigger ${JSON.stringify(name)} is of kind ${JSON.stringify(trigger.kind)}, which is not installed; it takes no deliveries until the module is installed again.`);
    if (!kind.receive) hookNotFound(name);

    const body = await readBytes(ctx.req, deps.bodyLimitBytes);
    const receipt: WebhookReceipt = await kind.receive(trigger, { headers: ctx.headers, body });
    if (receipt.ignored !== undefined) {
      ctx.state.logger.info({ trigger: name, reason: receipt.ignored }, 'webhook delivery ignored');
      ctx.status = 202;
      ctx.body = { status: 'ignored', reason: String(receipt.ignored) };
      return;
    }
    if (trigger.paused) throw new TriggerPausedError(`Trigger ${JSON.stringify(name)} is paused.`);
    const deliveryId = receipt.deliveryId;
    if (deliveryId !== undefined && (typeof deliveryId !== 'string' || !DELIVERY_ID.test(deliveryId))) {
      throw new InputError('The delivery id must be 1 to 180 printable ASCII characters.');
    }
    const { invocationId } = await deps.invoker.invokeAsync(trigger.functionName, receipt.event, {
      trigger: triggerLabel(trigger.kind, trigger.name),
      ...(deliveryId !== undefined ? { idempotencyKey: `webhook:${trigger.name}:${deliveryId}` } : {}),
    });
    ctx.state.logger.info({ trigger: name, kind: trigger.kind, invocationId, deliveryId }, 'webhook delivery started an invocation');
    ctx.set(INVOCATION_HEADER, invocationId);
    ctx.set('Location', `/v1/invocations/${invocationId}`);
    ctx.status = 202;
    ctx.body = { invocationId, status: 'queued' };
  };

  return [
    defineRoute({
      method: 'post', path: '/hooks/{name}', access: 'public', tag: 'Webhooks', rawBody: true,
      summary: "Deliver a webhook to a trigger whose kind takes them (the kind checks the sender's signature)",
      params: z.object({ name: pathParam('The trigger name') }),
      responses: {
        202: { description: 'Queued (X-PyFaaS-Invocation-Id), or ignored by the trigger', schema: z.union([schemas.queuedInvocationSchema, ignoredDeliverySchema]) },
        401: { description: 'UNAUTHENTICATED: missing or bad signature', schema: schemas.errorBodySchema },
        404: { description: 'HOOK_NOT_FOUND', schema: schemas.errorBodySchema },
        409: { description: 'TRIGGER_KIND_NOT_INSTALLED', schema: schemas.errorBodySchema },
        503: { description: 'TRIGGER_PAUSED', schema: schemas.errorBodySchema },
      },
      handler: receive,
    }),
  ];
}

function hookNotFound(name: string): never {
  throw new HookNotFoundError(`No webhook trigger named ${JSON.stringify(name)}.`);
}

function notFoundAs(name: string) {
  return (err: unknown): never => {
    if (err instanceof TriggerNotFoundError) hookNotFound(name);
    throw err;
  };
}
