import crypto, { createHmac } from 'node:crypto';
import path from 'node:path';
import { InputError, UnauthenticatedError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { validateModuleConfig } from '../../modules/config-schema';
import { loadModulePackage } from '../../modules/package';
import { ModuleRegistry } from '../../modules/registry';
import { selfCheck } from '../../modules/self-check';
import type { Trigger, TriggerKind, TriggerKindDeps, TriggerKindFactory, WebhookReceipt } from '../../modules/trigger/contract';

const PACKAGE_DIR = path.join(__dirname, '../../hub-modules/trigger-github-webhook');
const SECRET = 'a-webhook-secret-of-32-characters';

type Config = { secret: string; events: string[] };

function sign(body: Buffer | string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('hub module trigger/github-webhook', () => {
  let kind: TriggerKind<Config>;
  let manifest: Awaited<ReturnType<typeof loadModulePackage>>['manifest'];

  beforeAll(async () => {
    const module = await loadModulePackage(PACKAGE_DIR);
    expect(module.packageName).toBe('pyfaas-trigger-github-webhook');
    manifest = module.manifest;
    const factory = new ModuleRegistry({ logger: silentLogger(), dataDir: '/nonexistent' }).build<TriggerKindFactory<Config>>(module);
    selfCheck(manifest, factory);
    kind = factory({} as TriggerKindDeps);
  });

  const trigger = (config: Partial<Config> = {}): Trigger<Config> =>
    ({ id: 'x', name: 'gh', kind: 'github-webhook', functionName: 'fn', paused: false, description: '', createdAt: new Date(), updatedAt: new Date(), config: kind.parseConfig({ secret: SECRET, ...config }) }) as Trigger<Config>;

  const deliver = (body: Buffer | string, headers: Record<string, string | string[] | undefined>, config: Partial<Config> = {}) =>
    kind.receive!(trigger(config), { headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1', ...headers }, body: Buffer.from(body) }) as WebhookReceipt;

  it('is a trigger kind named github-webhook that takes webhooks', () => {
    expect(manifest).toMatchObject({ kind: 'trigger', id: 'github-webhook', platform: '^0.1.0' });
    expect(kind.kind).toBe('github-webhook');
    expect(typeof kind.receive).toBe('function');
  });

  describe('parseConfig', () => {
    it('needs a secret of at least 16 characters and accepts every event by default', () => {
      expect(kind.parseConfig({ secret: SECRET })).toEqual({ secret: SECRET, events: ['*'] });
      expect(kind.parseConfig({ secret: SECRET, events: ['push', 'pull_request'] })).toEqual({ secret: SECRET, events: ['push', 'pull_request'] });
      expect(() => kind.parseConfig({ secret: 'short' })).toThrow(/config.secret: must be at least 16 characters/);
      expect(() => kind.parseConfig({})).toThrow(InputError);
    });

    it('names every bad field under config.', () => {
      let error: any;
      try {
        kind.parseConfig({ secret: 1, events: ['Push!', 'push', 'push'], extra: true });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InputError);
      expect(error.details.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['config.secret', 'config.events.0', 'config.events', 'config']));
      expect(() => kind.parseConfig({ secret: SECRET, events: [] })).toThrow(/config.events/);
    });

    it('declares a configSchema that agrees, with the secret writeOnly', () => {
      expect(validateModuleConfig(manifest, { secret: SECRET }, 'config')).toEqual({ secret: SECRET, events: ['*'] });
      for (const bad of [{ secret: 'short' }, { secret: SECRET, events: ['Push!'] }, { secret: SECRET, events: [] }, { secret: SECRET, more: 1 }]) {
        expect(() => validateModuleConfig(manifest, bad, 'config')).toThrow(InputError);
        expect(() => kind.parseConfig(bad)).toThrow(InputError);
      }
      expect((manifest.configSchema as any).properties.secret.writeOnly).toBe(true);
    });
  });

  describe('receive: the signature', () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', commits: [{ id: 'abc' }] });

    it('takes a delivery signed with the secret and returns the event, delivery and payload', () => {
      const receipt = deliver(body, { 'x-hub-signature-256': sign(body) });
      expect(receipt).toEqual({ event: { event: 'push', delivery: 'd-1', payload: JSON.parse(body) }, deliveryId: 'd-1' });
      // GitHub sends lowercase hex; uppercase is the same digest.
      expect(deliver(body, { 'x-hub-signature-256': sign(body).toUpperCase().replace('SHA256=', 'sha256=') }).event).toMatchObject({ event: 'push' });
    });

    it('refuses a missing, malformed or wrong signature with 401 UNAUTHENTICATED', () => {
      const refused = (headers: Record<string, string | string[] | undefined>, sent = body) => {
        try {
          deliver(sent, headers);
        } catch (err) {
          expect(err).toBeInstanceOf(UnauthenticatedError);
          return (err as UnauthenticatedError).status;
        }
        return 'accepted';
      };
      const good = sign(body);
      const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === '0' ? '1' : '0') + s.slice(at + 1);
      expect(refused({})).toBe(401);
      expect(refused({ 'x-hub-signature-256': '' })).toBe(401);
      expect(refused({ 'x-hub-signature-256': good.replace('sha256=', 'sha1=') })).toBe(401);
      expect(refused({ 'x-hub-signature-256': good.slice(0, -2) })).toBe(401); // short: no RangeError from timingSafeEqual
      expect(refused({ 'x-hub-signature-256': `${good}00` })).toBe(401);
      expect(refused({ 'x-hub-signature-256': flip(good, 7) })).toBe(401); // first digit wrong
      expect(refused({ 'x-hub-signature-256': flip(good, good.length - 1) })).toBe(401); // last digit wrong
      expect(refused({ 'x-hub-signature-256': sign(body, 'another-secret-of-enough-length') })).toBe(401);
      expect(refused({ 'x-hub-signature-256': good }, `${body} `)).toBe(401); // the body changed after signing
      expect(refused({ 'x-hub-signature-256': [good, good] })).toBe(401); // a repeated header is not trusted
    });

    it('compares the digests with crypto.timingSafeEqual, whole, whatever the guess', () => {
      const compare = jest.spyOn(crypto, 'timingSafeEqual');
      try {
        const good = sign(body);
        for (const guess of [good, `sha256=${'0'.repeat(64)}`, `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`]) {
          compare.mockClear();
          try {
            deliver(body, { 'x-hub-signature-256': guess });
          } catch {
            // refused: what matters is how it compared
          }
          expect(compare).toHaveBeenCalledTimes(1);
          const [given, expected] = compare.mock.calls[0] as [Buffer, Buffer];
          expect(given.length).toBe(32);
          expect(expected.length).toBe(32);
        }
      } finally {
        compare.mockRestore();
      }
    });
  });

  describe('receive: events and body', () => {
    it('ignores an event not in the list (no event, a reason) and takes one in it', () => {
      const body = '{"zen":"Keep it logically awesome."}';
      const headers = { 'x-hub-signature-256': sign(body), 'x-github-event': 'ping' };
      expect(deliver(body, headers, { events: ['push', 'issues'] })).toEqual({ event: undefined, ignored: "event ping is not one of this trigger's events (push, issues)" });
      expect(deliver(body, headers, { events: ['push', 'ping'] }).event).toMatchObject({ event: 'ping', payload: { zen: 'Keep it logically awesome.' } });
      expect(deliver(body, headers, { events: ['*'] }).ignored).toBeUndefined();
    });

    it('checks the signature before the event filter', () => {
      expect(() => deliver('{}', { 'x-hub-signature-256': sign('{"other":1}'), 'x-github-event': 'ping' }, { events: ['push'] })).toThrow(UnauthenticatedError);
    });

    it('refuses a signed body that is not JSON, or a missing event header, with 400', () => {
      for (const body of ['not json', '{"unterminated": ', Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
        expect(() => deliver(body, { 'x-hub-signature-256': sign(body) })).toThrow(InputError);
      }
      expect(() => deliver('{}', { 'x-hub-signature-256': sign('{}'), 'x-github-event': undefined })).toThrow(/X-GitHub-Event/);
      expect(() => deliver('{}', { 'x-hub-signature-256': sign('{}'), 'x-github-delivery': 'bad id with spaces' })).toThrow(/X-GitHub-Delivery/);
    });

    it("reads GitHub's form encoding (payload=<json>) and a delivery without an id", () => {
      const body = `payload=${encodeURIComponent('{"action":"opened","number":7}')}`;
      const receipt = deliver(body, { 'x-hub-signature-256': sign(body), 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'pull_request', 'x-github-delivery': undefined });
      expect(receipt).toEqual({ event: { event: 'pull_request', payload: { action: 'opened', number: 7 } } });
      expect(() => deliver('a=1', { 'x-hub-signature-256': sign('a=1'), 'content-type': 'application/x-www-form-urlencoded' })).toThrow(/no payload field/);
    });
  });
});
