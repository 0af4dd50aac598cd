import { readFileSync } from 'node:fs';
import { InputError } from '../../../common/errors';
import { parseRequirements, requirementsFile } from '../../../modules/runtime/python/requirements';

/** The InputError parseRequirements throws for `text`. */
async function refusal(text: string, options?: { allowUrls?: boolean }): Promise<InputError> {
  const error = await parseRequirements(text, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('parseRequirements', () => {
  it('keeps package requirements, as packaging renders them, and drops comments and blank lines', async () => {
    const text = '# pinned\nsix==1.16.0\n\n  requests[socks] >= 2.0 ; python_version >= "3.8"  # why\nattrs\n';
    const parsed = await parseRequirements(text);
    expect(parsed).toEqual(['six==1.16.0', 'requests[socks]>=2.0; python_version >= "3.8"', 'attrs']);
    expect(requirementsFile(parsed)).toBe('six==1.16.0\nrequests[socks]>=2.0; python_version >= "3.8"\nattrs\n');
  });

  it('refuses an include of another file by line number, without echoing that file', async () => {
    const error = await refusal('-r /etc/passwd\n');
    expect(error.message).toMatch(/line 1: option lines/);
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n')[0];
    expect(passwd).not.toBe('');
    expect(error.message).not.toContain(passwd);
    expect(error.message).not.toContain('root:');
  });

  it.each([
    ['--index-url http://evil.example/simple', /line 2: option lines/],
    ['-e .', /line 2: option lines/],
    ['--pre', /line 2: option lines/],
    ['-c constraints.txt', /line 2: option lines/],
    ['six==1.16.0 --hash=sha256:abc', /line 2: it is not a valid requirement/],
    ['six \\', /line 2: line continuations/],
    ['./local-pkg', /line 2: local paths/],
    ['/abs/pkg', /line 2: local paths/],
    ['pkg.tar.gz', /line 2: local paths/],
    ['pkg @ file:///x', /line 2: URLs are not allowed/],
    ['https://files.example/x-1.0-py3-none-any.whl', /line 2: URLs are not allowed/],
    ['git+https://example/repo.git', /line 2: URLs are not allowed/],
  ])('refuses %j naming its line', async (line, reason) => {
    expect((await refusal(`six==1.16.0\n${line}\n`)).message).toMatch(reason);
  });

  it('lets https URLs through only when allowed, and never other schemes', async () => {
    await refusal('pkg @ https://files.example/pkg-1.0-py3-none-any.whl');
    expect(await parseRequirements('pkg @ https://files.example/pkg-1.0-py3-none-any.whl', { allowUrls: true })).toEqual([
      'pkg@ https://files.example/pkg-1.0-py3-none-any.whl',
    ]);
    expect((await refusal('pkg @ file:///etc/x', { allowUrls: true })).message).toMatch(/line 1: only https/);
  });

  it('names every refused line and quotes at most about 100 characters of each', async () => {
    const long = `-r ${'x'.repeat(500)}`;
    const error = await refusal(`six\n${long}\n./a\n`);
    expect(error.message).toMatch(/line 2: option lines/);
    expect(error.message).toMatch(/line 3: local paths/);
    expect(error.message).not.toContain('x'.repeat(101));
  });
});
