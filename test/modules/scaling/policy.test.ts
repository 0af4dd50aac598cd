import { InputError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { ModuleRegistry } from '../../../modules/registry';
import {
  DEFAULT_SCALING_POLICY,
  fixedScaling,
  kpaScaling,
  parseScalingPolicy,
  type ScalingModule,
} from '../../../modules/scaling';
import { T0, sample } from './fixtures';

describe('scaling policy', () => {
  it('defaults to kpa with its default params', () => {
    expect(DEFAULT_SCALING_POLICY).toEqual({ module: 'kpa', params: {} });
    expect(parseScalingPolicy(undefined)).toEqual({ module: 'kpa', params: {} });
    expect(parseScalingPolicy({})).toEqual({ module: 'kpa', params: {} });
    expect(parseScalingPolicy({ module: 'fixed', params: { instances: 2 } })).toEqual({ module: 'fixed', params: { instances: 2 } });
  });

  it('throws one InputError naming every bad field', () => {
    let error: unknown;
    try {
      parseScalingPolicy({ module: 'My_Scaler', params: 3, extra: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const paths = ((error as InputError).details?.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths.sort()).toEqual(['', 'module', 'params']);
    expect((error as InputError).message).toContain('module: must be a scaling module id');
    expect(() => parseScalingPolicy('kpa')).toThrow(InputError);
  });

  describe('modules', () => {
    const registry = new ModuleRegistry({ logger: silentLogger(), dataDir: '/nonexistent' }).register(kpaScaling).register(fixedScaling).validate();

    it('declares kpa and fixed as scaling modules', () => {
      expect(registry.ids('scaling')).toEqual(['kpa', 'fixed']);
      expect(kpaScaling.manifest).toMatchObject({ id: 'kpa', kind: 'scaling', version: '0.1.0', platform: '^0.1.0' });
      expect(fixedScaling.manifest).toMatchObject({ id: 'fixed', kind: 'scaling', version: '0.1.0', platform: '^0.1.0' });
    });

    it('turns a stored policy into a decision through the registry', () => {
      const decideFor = (raw: unknown, current: number) => {
        const policy = parseScalingPolicy(raw);
        const module = registry.get<ScalingModule>('scaling', policy.module);
        return module.decide({ params: module.parseParams(policy.params), samples: [sample(T0, 3)], now: T0, current });
      };
      expect(decideFor(undefined, 3)).toMatchObject({ desired: 3, mode: 'stable' });
      expect(decideFor({ module: 'fixed', params: { instances: 1 } }, 3)).toMatchObject({ desired: 1, mode: 'fixed' });
    });

    it('answers an unknown module id with a typed error', () => {
      const policy = parseScalingPolicy({ module: 'hpa' });
      expect(() => registry.get('scaling', policy.module)).toThrow(expect.objectContaining({ code: 'MODULE_NOT_FOUND' }));
    });
  });
});
