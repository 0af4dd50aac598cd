import { OverloadedError } from '../../../modules/task/errors';
import { SyncTurns } from '../../../modules/task/sync-turns';

/** A call that answers when told to, noting when it began. */
function controlled(started: string[], name: string) {
  let finish!: (value: string) => void;
  const answer = new Promise<string>((resolve) => (finish = resolve));
  return { run: () => { started.push(name); return answer; }, finish: () => finish(name) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('sync invocation turns', () => {
  it('runs as many at once as there are turns, the others first come first served', async () => {
    const turns = new SyncTurns({ inFlight: 2, queueLimit: 10, turnMs: 60_000 });
    const started: string[] = [];
    const calls = ['a', 'b', 'c', 'd'].map((name) => controlled(started, name));
    const answers = calls.map((call) => turns.run(call.run));
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(turns.waiting).toBe(2);
    calls[1].finish();
    await expect(answers[1]).resolves.toBe('b');
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    calls[0].finish();
    calls[2].finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    calls[3].finish();
    await expect(Promise.all(answers)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('ends a slow invocation\'s turn after turnMs, without cutting its answer short', async () => {
    const turns = new SyncTurns({ inFlight: 1, queueLimit: 10, turnMs: 50 });
    const started: string[] = [];
    const slow = controlled(started, 'slow');
    const next = controlled(started, 'next');
    const slowAnswer = turns.run(slow.run);
    const nextAnswer = turns.run(next.run);
    await tick();
    expect(started).toEqual(['slow']);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(started).toEqual(['slow', 'next']);
    next.finish();
    slow.finish();
    await expect(Promise.all([slowAnswer, nextAnswer])).resolves.toEqual(['slow', 'next']);
  });

  it('passes a failed invocation\'s error to its caller and frees the turn', async () => {
    const turns = new SyncTurns({ inFlight: 1, queueLimit: 10, turnMs: 60_000 });
    await expect(turns.run(() => Promise.reject(new Error('function vanished')))).rejects.toThrow('function vanished');
    await expect(turns.run(async () => 'after')).resolves.toBe('after');
  });

  it('refuses one more waiting caller than the queue holds with 503 OVERLOADED and Retry-After', async () => {
    const turns = new SyncTurns({ inFlight: 1, queueLimit: 1, turnMs: 60_000 });
    const started: string[] = [];
    const first = controlled(started, 'first');
    const second = controlled(started, 'second');
    const answers = [turns.run(first.run), turns.run(second.run)];
    const refused = await turns.run(async () => 'third').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused).toMatchObject({ code: 'OVERLOADED', status: 503, details: { retryAfterSeconds: 1 } });
    first.finish();
    second.finish();
    await expect(Promise.all(answers)).resolves.toEqual(['first', 'second']);
  });
});
