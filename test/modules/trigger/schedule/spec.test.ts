import { InputError } from '../../../../common/errors';
import { durationMs } from '../../../../modules/trigger/schedule/duration';
import { canonicalTimeZone, parseScheduleConfig } from '../../../../modules/trigger/schedule/spec';

function issuesOf(config: unknown): Array<{ path: string; message: string }> {
  try {
    parseScheduleConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as InputError).details!.issues as Array<{ path: string; message: string }>;
  }
  throw new Error('expected an InputError');
}

describe('durationMs', () => {
  it.each([
    [1500, 1500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['250ms', 250],
  ])('reads %j', (input, ms) => expect(durationMs(input)).toBe(ms));

  it.each(['', '30', '5 m', '1.5s', '-1s', 'soon', '1w'])('refuses %j', (input) => expect(durationMs(input)).toBeUndefined());
  it.each([-1, 1.5, Number.NaN])('refuses the number %p', (input) => expect(durationMs(input)).toBeUndefined());
});

describe('canonicalTimeZone', () => {
  it('keeps known names, fixes their case, and refuses unknown ones', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    // A link keeps the name the user chose rather than ICU's target.
    expect(canonicalTimeZone('US/Pacific')).toBe('US/Pacific');
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
    expect(canonicalTimeZone('+05:00')).toBeUndefined();
    expect(canonicalTimeZone('')).toBeUndefined();
  });
});

describe('parseScheduleConfig', () => {
  it('applies the defaults and keeps durations as written', () => {
    expect(parseScheduleConfig({ interval: '30s' })).toEqual({ interval: '30s', timezone: 'UTC', overlap: 'skip' });
    expect(parseScheduleConfig({ cron: '@hourly', timezone: 'europe/paris', overlap: 'buffer_one', catchupWindow: '5m', jitter: 2000, event: { a: 1 } })).toEqual({
      cron: '@hourly', timezone: 'Europe/Paris', overlap: 'buffer_one', catchupWindow: '5m', jitter: 2000, event: { a: 1 },
    });
  });

  it('parses its own output to the same value (the stored config is parsed again on read)', () => {
    const once = parseScheduleConfig({ cron: '0 9 * * mon-fri', timezone: 'america/new_york', event: null });
    expect(parseScheduleConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
    expect(once.event).toBeNull();
  });

  it('wants exactly one of cron and interval', () => {
    expect(issuesOf({})).toEqual([{ path: 'config', message: 'give exactly one of cron and interval' }]);
    expect(issuesOf({ cron: '@daily', interval: '1h' })).toEqual([{ path: 'config', message: 'give exactly one of cron and interval' }]);
  });

  it('lists every bad field with its config path', () => {
    const issues = issuesOf({ cron: '61 * * * *', timezone: 'Mars/Olympus', overlap: 'sometimes', jitter: 'soon', extra: 1 });
    expect(issues.map((i) => i.path).sort()).toEqual(['config', 'config.cron', 'config.jitter', 'config.overlap', 'config.timezone']);
    expect(issues.find((i) => i.path === 'config.cron')!.message).toMatch(/invalid cron expression: minute "61"/);
    expect(issues.find((i) => i.path === 'config.timezone')!.message).toMatch(/unknown time zone "Mars\/Olympus"/);
    expect(issues.find((i) => i.path === 'config')!.message).toMatch(/Unrecognized key.*extra/);
  });

  it('puts the fields in the error message', () => {
    expect(() => parseScheduleConfig({ cron: 'nope' })).toThrow(/^Invalid schedule trigger: config.cron: invalid cron expression: must have 5 fields/);
  });

  it('holds intervals to whole seconds of at least 1 s, and the catch-up window to at least 10 s', () => {
    expect(parseScheduleConfig({ interval: 1000 }).interval).toBe(1000);
    expect(issuesOf({ interval: '500ms' })[0]).toEqual({ path: 'config.interval', message: 'must be at least 1 s' });
    expect(issuesOf({ interval: 1500 })[0]!.message).toMatch(/whole number of seconds/);
    expect(issuesOf({ interval: '1x' })[0]!.message).toMatch(/duration like 30s/);
    expect(issuesOf({ interval: '1h', catchupWindow: '5s' })[0]).toEqual({ path: 'config.catchupWindow', message: 'must be at least 10 s' });
    expect(issuesOf({ interval: '100000d' })[0]!.message).toMatch(/at most 10 years/);
  });

  it('keeps the fixed event under 64 KiB', () => {
    expect(parseScheduleConfig({ interval: '1m', event: { blob: 'x'.repeat(60_000) } }).event).toBeDefined();
    expect(issuesOf({ interval: '1m', event: { blob: 'x'.repeat(70_000) } })[0]).toMatchObject({ path: 'config.event', message: expect.stringMatching(/at most 65536 bytes/) });
  });
});
