import { cronProblems, isValidCron } from '../../../../modules/trigger/schedule/cron';

describe('cronProblems', () => {
  it.each([
    '* * * * *',
    '*/5 * * * *',
    '0 9 * * 1-5',
    '0 9 * JAN-MAR mon-fri',
    '15,45 0-6/2 1,15 * *',
    '5/15 * * * *',
    '0 0 * * 7',
    '0 0 31 dec sun',
    '  0   12 * * *  ',
    '@hourly',
    '@DAILY',
    '@midnight',
    '@annually',
  ])('accepts %j', (expression) => {
    expect(cronProblems(expression)).toEqual([]);
  });

  it.each([
    ['', /is empty/],
    ['61 * * * *', /minute "61": "61" is not 0-59/],
    ['* 24 * * *', /hour "24"/],
    ['* * 0 * *', /day-of-month "0"/],
    ['* * * 13 *', /month "13": "13" is not 1-12 or JAN-DEC/],
    ['* * * * 8', /day-of-week "8"/],
    ['* * * * *  *', /must have 5 fields .* not 6/],
    ['0 0 0 * * * *', /not 7/],
    ['0 12 * *', /not 4/],
    ['*/0 * * * *', /step must be between 1 and 59/],
    ['*/x * * * *', /step must be a whole number/],
    ['1/2/3 * * * *', /more than one \//],
    ['30-10 * * * *', /ends before it starts/],
    ['1-2-3 * * * *', /more than one -/],
    ['1,,2 * * * *', /is empty/],
    ['? * * * *', /"\?" is not 0-59/],
    ['0 0 L * *', /day-of-month "L"/],
    ['0 0 15W * *', /day-of-month "15W"/],
    ['0 0 * * 1#2', /must not contain #/],
    ['0 0 * * * # nightly', /must not contain #/],
    ['@every 5m', /set interval instead/],
    ['@fortnightly', /not a known shorthand/],
    ['CRON_TZ=Europe/Paris 0 9 * * *', /set the trigger's timezone instead/],
    ['TZ=UTC 0 9 * * *', /timezone/],
    ['0 0 * janu *', /month "janu"/],
    ['x'.repeat(300), /longer than 256/],
  ])('refuses %j', (expression, message) => {
    const problems = cronProblems(expression);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('; ')).toMatch(message);
    expect(isValidCron(expression)).toBe(false);
  });

  it('names every bad field, not only the first', () => {
    expect(cronProblems('60 25 * * *')).toEqual([expect.stringMatching(/^minute "60"/), expect.stringMatching(/^hour "25"/)]);
  });
});
