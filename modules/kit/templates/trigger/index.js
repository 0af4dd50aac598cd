// @ts-check
/**
 * A PyFaaS trigger kind (see modules/trigger/CONTRACT.md in PyFaaS). Triggers of this kind
 * are webhooks: the gateway hands each `POST /hooks/{trigger name}` to receive(), which checks
 * that the sender holds the trigger's token and turns the body into the function's event.
 * The trigger's config keeps only the token's sha256, so reading a trigger leaks nothing.
 */
const { createHash, timingSafeEqual } = require('node:crypto');
const { id } = require('./package.json').pyfaas;

/** @typedef {{ tokenSha256: string, header: string }} Config */
/** @typedef {{ name: string, config: Config }} Trigger */
/** @typedef {{ headers: Record<string, string | string[] | undefined>, body: Buffer }} WebhookRequest */
/** @typedef {new (message: string, details?: Record<string, unknown>) => Error} ErrorClass */
/** @typedef {{ errors: { InputError: ErrorClass, UnauthenticatedError: ErrorClass } }} Kit */

module.exports = {
  /**
   * Returns the kind's factory: the platform calls it once its Temporal client exists.
   * @param {{ kit: Kit }} context
   */
  create({ kit }) {
    const { InputError, UnauthenticatedError } = kit.errors;

    /**
     * @param {unknown} config
     * @returns {Config}
     */
    function parseConfig(config) {
      if (config === null || typeof config !== 'object' || Array.isArray(config)) throw new InputError('A trigger config must be an object.', { issues: [{ path: 'config', message: 'must be an object' }] });
      const { tokenSha256, header = 'x-webhook-token', ...rest } = /** @type {Record<string, unknown>} */ (config);
      const issues = Object.keys(rest).map((key) => ({ path: `config.${key}`, message: 'unknown field' }));
      if (typeof tokenSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(tokenSha256)) issues.push({ path: 'config.tokenSha256', message: 'must be 64 lowercase hex digits (the sha256 of the token)' });
      if (typeof header !== 'string' || !/^[a-z0-9-]{1,64}$/.test(header)) issues.push({ path: 'config.header', message: 'must be a lowercase header name' });
      if (issues.length > 0) throw new InputError(`Invalid ${id} trigger config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
      return { tokenSha256: String(tokenSha256), header: String(header) };
    }

    /**
     * @param {Trigger} trigger
     * @param {WebhookRequest} request
     */
    function receive(trigger, request) {
      const presented = request.headers[trigger.config.header];
      if (typeof presented !== 'string' || presented.length === 0) throw new UnauthenticatedError(`Webhook ${trigger.name} needs its token in the ${trigger.config.header} header.`);
      const digest = createHash('sha256').update(presented).digest();
      if (!timingSafeEqual(digest, Buffer.from(trigger.config.tokenSha256, 'hex'))) throw new UnauthenticatedError(`Webhook ${trigger.name}: the token is not this trigger's.`);
      const type = String(request.headers['content-type'] ?? '');
      const text = request.body.toString('utf8');
      if (!/^application\/(.+\+)?json\b/i.test(type)) return { event: { contentType: type || undefined, body: text } };
      try {
        return { event: JSON.parse(text) };
      } catch {
        throw new InputError(`Webhook ${trigger.name}: the body says it is JSON but does not parse.`);
      }
    }

    return () => ({ kind: id, parseConfig, receive });
  },
};
