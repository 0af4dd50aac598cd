import { InputError } from '../../../common/errors';
import { moduleKit } from '../../../modules/kit';
import { codeFile } from '../../../modules/kit/runtime-kit';
import { SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR } from '../../../modules/runtime/contract';
import { python3Path } from '../../../modules/runtime/interpreters';
import { MAX_FRAME_BYTES } from '../../../modules/runtime/protocol';

describe('the runtime kit (context.kit.runtime)', () => {
  it('lends the sandbox paths, the frame limit and the real host interpreters, frozen', () => {
    const kit = moduleKit.runtime;
    expect(kit).toMatchObject({ SANDBOX_CODE_DIR: '/var/task', SANDBOX_SHIM_DIR: '/opt/pyfaas', MAX_FRAME_BYTES: 16 * 1024 * 1024 });
    expect([kit.SANDBOX_CODE_DIR, kit.SANDBOX_SHIM_DIR, kit.MAX_FRAME_BYTES]).toEqual([SANDBOX_CODE_DIR, SANDBOX_SHIM_DIR, MAX_FRAME_BYTES]);
    expect(kit.python3Path()).toBe(python3Path());
    expect(kit.python3Path()).toMatch(/^\/usr\/bin\/python3\.\d+$/);
    expect(kit.nodePath()).toMatch(/^\/.*node$/);
    expect(Object.isFrozen(kit)).toBe(true);
    expect(() => ((kit as { SANDBOX_CODE_DIR: string }).SANDBOX_CODE_DIR = '/')).toThrow(TypeError);
  });

  it('codeFile normalises a path inside the code root', () => {
    expect(codeFile('function.sh')).toBe('function.sh');
    expect(codeFile('./lib//tools/../main.sh')).toBe('lib/main.sh');
  });

  it.each([
    ['empty', '', /not a path inside the function's code/],
    ['the root', '.', /not a path inside/],
    ['absolute', '/etc/passwd', /not a path inside/],
    ['climbing out', '../x.sh', /not a path inside/],
    ['climbing out after a folder', 'a/../../x.sh', /not a path inside/],
    ['with a NUL', 'a\0.sh', /not a path inside/],
    ['with a backslash', 'lib\\main.sh', /holds a backslash/],
    ['513 characters', 'a'.repeat(513), /longer than 512 characters/],
  ])('codeFile refuses a path %s with a 400 saying why', (_label, file, reason) => {
    let thrown: unknown;
    try {
      codeFile(file);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect(thrown).toMatchObject({ status: 400, code: 'INVALID_INPUT', message: expect.stringMatching(reason) });
  });

  it('codeFile refuses a value that is not a string', () => {
    expect(() => codeFile(42 as unknown as string)).toThrow(InputError);
  });
});
