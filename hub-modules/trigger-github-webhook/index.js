// @ts-check
/**
 * `github-webhook`: a trigger kind fed by GitHub webhooks. Point a repository's webhook at
 * `POST <PyFaaS>/hooks/<trigger name>` with the trigger's secret; each delivery starts an
 * async invocation of the bound function with `{ event, delivery, payload }`.
 *
 * A delivery is taken only when `X-Hub-Signature-256: sha256=<hex>` is the HMAC-SHA256 of the
 * raw body under the trigger's secret, compared in constant time (401 otherwise: nothing
 * starts). An event not in the trigger's `events` is ignored (the gateway answers 202 and
 * starts nothing, so GitHub records a success). The body is JSON, or GitHub's form encoding
 * (`payload=<json>`); anything else is a 400. X-GitHub-Delivery becomes the delivery id, so a
 * redelivery joins the invocation the first one started. GitHub signs only the body, so
 * these headers are not proven — the signature is, and that is what lets a delivery in.
 *
 * It requires nothing from PyFaaS: errors and zod come from `context.kit`.
 */
const crypto = require('node:crypto');

/** @typedef {import('../../modules/model').ModuleContext} ModuleContext */
/** @typedef {import('../../modules/trigger/contract').TriggerKindFactory<GithubWebhookConfig>} GithubWebhookFactory */
/** @typedef {import('../../modules/trigger/contract').Trigger<GithubWebhookConfig>} GithubWebhookTrigger */
/** @typedef {import('../../modules/trigger/contract').WebhookRequest} WebhookRequest */
/** @typedef {import('../../modules/trigger/contract').WebhookReceipt} WebhookReceipt */
/**
 * @typedef {object} GithubWebhookConfig
 * @property {string} secret The webhook's secret (declared writeOnly: trigger views leave it out).
 * @property {string[]} events GitHub event names to accept; `*` accepts all.
 */

const KIND = 'github-webhook';
const ANY_EVENT = '*';
const EVENT_NAME = /^[a-z][a-z_]{0,63}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const DELIVERY_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * @param {ModuleContext} context
 * @returns {GithubWebhookFactory}
 */
function create(context) {
  const { z } = /** @type {typeof import('zod')} */ (context.kit.require('zod'));
  const { InputError, UnauthenticatedError } = context.kit.errors;
  const schema = z
    .object({
      secret: z.string().min(16, 'must be at least 16 characters').max(256),
      events: z
        .array(z.string().refine((name) => name === ANY_EVENT || EVENT_NAME.test(name), 'must be a GitHub event name (e.g. push, pull_request) or *'))
        .min(1)
        .max(100)
        .default([ANY_EVENT])
        .refine((events) => new Set(events).size === events.length, 'must not repeat an event'),
    })
    .strict();

  /**
   * Throws InputError listing every bad field as `config.<field>` (`details.issues`).
   * @param {unknown} config
   * @returns {GithubWebhookConfig}
   */
  function parseConfig(config) {
    const result = schema.safeParse(config ?? {});
    if (result.success) return result.data;
    const issues = result.error.issues.map((issue) => ({ path: ['config', ...issue.path].join('.'), message: issue.message }));
    throw new InputError(`Invalid GitHub webhook trigger: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
  }

  /**
   * Throws UnauthenticatedError for a missing or wrong signature, InputError for a body or
   * header it cannot read. Headers are the gateway's, lowercased.
   * @param {GithubWebhookTrigger} trigger
   * @param {WebhookRequest} request
   * @returns {WebhookReceipt}
   */
  function receive(trigger, { headers, body }) {
    const signature = header(headers, 'x-hub-signature-256');
    if (signature === undefined) throw new UnauthenticatedError('The delivery has no X-Hub-Signature-256 header; set the webhook\'s secret in GitHub.');
    const hex = SIGNATURE.exec(signature)?.[1];
    if (!hex || !signatureMatches(trigger.config.secret, body, hex)) {
      throw new UnauthenticatedError('X-Hub-Signature-256 does not match the body under the trigger\'s secret.');
    }
    const event = header(headers, 'x-github-event');
    if (event === undefined || !EVENT_NAME.test(event)) throw new InputError('The delivery has no valid X-GitHub-Event header.');
    const delivery = header(headers, 'x-github-delivery');
    if (delivery !== undefined && !DELIVERY_ID.test(delivery)) throw new InputError('X-GitHub-Delivery must be 1 to 128 printable ASCII characters.');
    const events = trigger.config.events;
    if (!events.includes(ANY_EVENT) && !events.includes(event)) {
      return { event: undefined, ignored: `event ${event} is not one of this trigger's events (${events.join(', ')})` };
    }
    const payload = parseBody(body, header(headers, 'content-type'), InputError);
    return { event: { event, ...(delivery !== undefined ? { delivery } : {}), payload }, ...(delivery !== undefined ? { deliveryId: delivery } : {}) };
  }

  return () => ({ kind: KIND, parseConfig, receive });
}

/**
 * True when `hex` (64 hex digits) is HMAC-SHA256(secret, body). Both sides are 32-byte
 * digests, compared with crypto.timingSafeEqual: the time taken does not tell how much of a
 * guess was right.
 * @param {string} secret
 * @param {Buffer} body
 * @param {string} hex
 */
function signatureMatches(secret, body, hex) {
  const expected = crypto.createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(hex, 'hex');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/**
 * The JSON payload: the body itself, or its `payload` field when GitHub sends the form encoding.
 * @param {Buffer} body
 * @param {string | undefined} contentType
 * @param {new (message: string) => Error} InputError
 * @returns {unknown}
 */
function parseBody(body, contentType, InputError) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new InputError('The delivery body is not UTF-8 text.');
  }
  if (/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) {
    const form = new URLSearchParams(text).get('payload');
    if (form === null) throw new InputError('The form-encoded delivery has no payload field.');
    text = form;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError('The delivery body is not JSON.');
  }
}

/**
 * One header's value; a repeated header (an array) counts as absent, since which one GitHub meant is unknown.
 * @param {Record<string, string | string[] | undefined>} headers
 * @param {string} name lowercase
 */
function header(headers, name) {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

module.exports = { create, signatureMatches };
