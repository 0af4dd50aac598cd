import { bucketDelta, histogramQuantile } from '../../console/src/quantile';

describe('histogramQuantile', () => {
  const buckets = [{ le: 0.01, count: 50 }, { le: 0.1, count: 90 }, { le: 1, count: 100 }, { le: null, count: 100 }];

  it('interpolates inside the bucket the rank falls in, as Prometheus does', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.01 + 0.09 * (20 / 40));
    expect(histogramQuantile(0.99, buckets)).toBeCloseTo(0.1 + 0.9 * (9 / 10));
  });

  it('is null for an empty histogram and the highest finite bound in the +Inf bucket', () => {
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: null, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: null, count: 10 }])).toBe(1);
  });
});

describe('bucketDelta', () => {
  it('keeps only what happened between two reads, and the later read alone after a restart', () => {
    const before = [{ le: 1, count: 3 }, { le: null, count: 4 }];
    expect(bucketDelta([{ le: 1, count: 5 }, { le: null, count: 9 }], before)).toEqual([{ le: 1, count: 2 }, { le: null, count: 5 }]);
    expect(bucketDelta([{ le: 1, count: 1 }, { le: null, count: 1 }], before)).toEqual([{ le: 1, count: 1 }, { le: null, count: 1 }]);
  });
});
