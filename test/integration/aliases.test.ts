import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const CODE = (word: string) => ({ inline: `def handler(event, context):\n    return "${word}"\n` });

/** Runs `count` calls of `task`, `concurrency` at a time; resolves with their results in order. */
async function pooled<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

describe('aliases over the HTTP API', () => {
  let pyfaas: TestPyFaaS;
  /** A function with versions 1 ("one") and 2 ("two"), both ready. */
  const twoVersions = async (prefix: string, extra: object = {}) => {
    const name = functionName(prefix);
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: CODE('one'), ...extra })).status).toBe(201);
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: CODE('two') })).body.function.activeVersion).toBe(2);
    return name;
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(() => pyfaas.close());

  it('creates, replaces, reads, lists and deletes aliases; invoking by alias pins its version', async () => {
    const name = await twoVersions('alias');
    const put = await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 100 }] });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'live', functionName: name, versions: [{ version: 1, weight: 100 }] });
    const replaced = await pyfaas.request('PUT', `/v1/functions/${name}/aliases/canary`, { versions: [{ version: 2, weight: 100 }] });
    expect(replaced.status).toBe(200);

    const list = await pyfaas.request('GET', `/v1/functions/${name}/aliases`);
    expect(list.body.items.map((a: any) => [a.name, a.versions])).toEqual([
      ['canary', [{ version: 2, weight: 100 }]],
      ['live', [{ version: 1, weight: 100 }]],
    ]);
    expect((await pyfaas.request('GET', `/v1/functions/${name}/aliases/live`)).body.versions).toEqual([{ version: 1, weight: 100 }]);

    // The active version is 2; the alias pins 1, a version number pins its own.
    const byAlias = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live`, {});
    expect(byAlias.body).toMatchObject({ status: 'succeeded', result: 'one', version: 1, alias: 'live' });
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=canary`, {})).body.result).toBe('two');
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?version=1`, {})).body.result).toBe('one');
    const started = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live&async=true`, {});
    expect(await waitForInvocation(pyfaas, started.body.invocationId)).toMatchObject({ status: 'succeeded', result: 'one', version: 1, alias: 'live' });

    await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 2, weight: 100 }] });
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live`, {})).body.result).toBe('two');

    expect((await pyfaas.request('DELETE', `/v1/functions/${name}/aliases/canary`)).status).toBe(204);
    const gone = await pyfaas.request('GET', `/v1/functions/${name}/aliases/canary`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('ALIAS_NOT_FOUND');
    expect((await pyfaas.request('DELETE', `/v1/functions/${name}/aliases/canary`)).status).toBe(404);
  });

  it('answers bad input with 400 naming the fields, missing versions with 409, unknown aliases with 404', async () => {
    const name = await twoVersions('aliasbad');
    const put = (alias: string, body: unknown) => pyfaas.request('PUT', `/v1/functions/${name}/aliases/${alias}`, body);

    const sum = await put('live', { versions: [{ version: 1, weight: 60 }, { version: 2, weight: 30 }] });
    expect(sum.status).toBe(400);
    expect(sum.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [{ path: 'versions', message: 'weights must sum to 100' }] } });
    const three = await put('live', { versions: [{ version: 1, weight: 50 }, { version: 2, weight: 25 }, { version: 1, weight: 25 }] });
    expect(three.status).toBe(400);
    expect(three.body.error.message).toMatch(/one or two versions/);
    const fraction = await put('live', { versions: [{ version: 1, weight: 'all' }] });
    expect(fraction.status).toBe(400);
    expect(fraction.body.error.details.issues[0].path).toBe('versions.0.weight');
    expect((await put('live', { versions: [{ version: 1, weight: 100 }], weight: 3 })).status).toBe(400);
    expect((await put('Not_A_Label', { versions: [{ version: 1, weight: 100 }] })).status).toBe(400);
    const notJson = await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, '{', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);

    const unknownVersion = await put('live', { versions: [{ version: 1, weight: 50 }, { version: 9, weight: 50 }] });
    expect(unknownVersion.status).toBe(409);
    expect(unknownVersion.body.error).toMatchObject({ code: 'VERSION_NOT_READY', message: expect.stringContaining('no version 9') });
    const unknownFunction = await pyfaas.request('PUT', '/v1/functions/no-such-fn/aliases/live', { versions: [{ version: 1, weight: 100 }] });
    expect(unknownFunction.status).toBe(404);
    expect(unknownFunction.body.error.code).toBe('FUNCTION_NOT_FOUND');
    expect((await pyfaas.request('GET', `/v1/functions/${name}/aliases`)).body.items).toEqual([]);

    const unknownAlias = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=nope`, {});
    expect(unknownAlias.status).toBe(404);
    expect(unknownAlias.body.error.code).toBe('ALIAS_NOT_FOUND');
    await put('live', { versions: [{ version: 1, weight: 100 }] });
    const both = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live&version=1`, {});
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/version or an alias, not both/);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=BAD!`, {})).status).toBe(400);
  });

  it('deletes the aliases with their function', async () => {
    const name = await twoVersions('aliasdel');
    await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 100 }] });
    expect((await pyfaas.request('DELETE', `/v1/functions/${name}`)).status).toBe(204);
    expect((await pyfaas.request('GET', `/v1/functions/${name}/aliases`)).status).toBe(404);
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: CODE('again') })).status).toBe(201);
    expect((await pyfaas.request('GET', `/v1/functions/${name}/aliases`)).body.items).toEqual([]);
  });

  it('splits 1,000 invocations by an alias 70/30 within ±5 points', async () => {
    const name = await twoVersions('split', { maxConcurrency: 25 });
    await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 70 }, { version: 2, weight: 30 }] });
    const n = 1000;
    const started = Date.now();
    const results = await pooled(n, 20, async () => {
      const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live`, {});
      expect(response.body.status).toBe('succeeded');
      // The version the record names ran the code of that version.
      expect(response.body.result).toBe(response.body.version === 1 ? 'one' : 'two');
      return response.body.version as number;
    });
    const second = results.filter((v) => v === 2).length;
    expect(results.filter((v) => v === 1).length + second).toBe(n);
    // sd of the share at n = 1000 is ≈ 1.45 points: ±5 points is ~3.4 sd.
    expect(Math.abs(second / n - 0.3)).toBeLessThanOrEqual(0.05);
    console.log(`1,000 alias invocations in ${Date.now() - started} ms: version 1 ${n - second}, version 2 ${second}`);
  }, 600_000);
});
