import { InputError } from '../../../common/errors';
import { fixed } from '../../../modules/scaling';
import { T0, sample } from './fixtures';

describe('fixed scaling module', () => {
  it('always wants the configured instances, whatever the load', () => {
    const params = fixed.parseParams({ instances: 3 });
    for (const [samples, current] of [[[], 0], [[sample(T0, 500, { queued: 90 })], 1], [[sample(T0, 0)], 12]] as const) {
      expect(fixed.decide({ params, samples: [...samples], now: T0, current })).toEqual({
        desired: 3,
        mode: 'fixed',
        reason: 'fixed at 3',
        state: { desired: 3 },
      });
    }
    expect(fixed.historyMs(params)).toBe(0);
  });

  it('allows 0 to switch a function off', () => {
    expect(fixed.decide({ params: fixed.parseParams({ instances: 0 }), samples: [sample(T0, 4)], now: T0, current: 2 }).desired).toBe(0);
  });

  it.each([
    [{}, 'params.instances: Required'],
    [undefined, 'params.instances: Required'],
    [{ instances: -1 }, 'params.instances'],
    [{ instances: 1001 }, 'params.instances'],
    [{ instances: 2.5 }, 'params.instances'],
    [{ instances: '3' }, 'params.instances'],
    [{ instances: 3, min: 1 }, "params: Unrecognized key(s) in object: 'min'"],
  ])('rejects %j with an InputError naming the field', (params, text) => {
    expect(() => fixed.parseParams(params)).toThrow(InputError);
    expect(() => fixed.parseParams(params)).toThrow(text);
  });
});
