import { scalerShardId } from '../../../modules/scaling/scalers';

describe('scalerShardId', () => {
  const names = Array.from({ length: 200 }, (_, i) => `fn-${i}`);

  it('names one shard per task queue by default', () => {
    expect(new Set(names.map((name) => scalerShardId('pyfaas', name)))).toEqual(new Set(['scaler:pyfaas/0']));
  });

  it('spreads functions over every shard, the same way in every process', () => {
    const ids = names.map((name) => scalerShardId('pyfaas', name, 4));
    expect(new Set(ids)).toEqual(new Set([0, 1, 2, 3].map((n) => `scaler:pyfaas/${n}`)));
    expect(names.map((name) => scalerShardId('pyfaas', name, 4))).toEqual(ids);
  });
});
