import { InputError } from '../../../common/errors';
import { decodeCodeSource } from '../../../modules/artifacts';

describe('decodeCodeSource', () => {
  const zipBytes = Buffer.from('PK\x03\x04 pretend zip');

  it('decodes inline code, naming it after the handler file unless told otherwise', () => {
    expect(decodeCodeSource({ inline: 'x = 1\n' }, 'main.py')).toEqual({ kind: 'inline', filename: 'main.py', content: Buffer.from('x = 1\n') });
    expect(decodeCodeSource({ inline: '', filename: './pkg//app.py' }, 'main.py')).toMatchObject({ filename: 'pkg/app.py' });
  });

  it('decodes base64 archives, line breaks allowed', () => {
    const wrapped = zipBytes.toString('base64').replace(/(.{8})/g, '$1\n');
    expect(decodeCodeSource({ zipBase64: wrapped }, 'main.py')).toEqual({ kind: 'zip', bytes: zipBytes });
    expect(decodeCodeSource({ tarGzBase64: zipBytes.toString('base64') }, 'main.py')).toEqual({ kind: 'tarGz', bytes: zipBytes });
  });

  it.each([
    ['not an object', 'print(1)', /exactly one of inline, zipBase64 or tarGzBase64/],
    ['no kind', {}, /\(got none\)/],
    ['two kinds', { inline: 'x', zipBase64: 'AAAA' }, /\(got inline and zipBase64\)/],
    ['an unknown field', { inline: 'x', language: 'py' }, /unknown field language/],
    ['a non-string', { inline: 42 }, /code.inline must be a string/],
    ['invalid base64', { zipBase64: 'not base64!' }, /code.zipBase64 is not valid base64/],
    ['unpadded base64', { tarGzBase64: 'AAA' }, /code.tarGzBase64 is not valid base64/],
    ['empty base64', { zipBase64: '' }, /not valid base64/],
    ['a filename with an archive', { zipBase64: 'AAAA', filename: 'a.py' }, /filename goes only with code.inline/],
    ['a filename outside the root', { inline: 'x', filename: '../a.py' }, /relative file path inside the code/],
    ['an absolute filename', { inline: 'x', filename: '/etc/a.py' }, /relative file path inside the code/],
  ])('refuses %s with an InputError', (_, value, message) => {
    expect(() => decodeCodeSource(value, 'main.py')).toThrow(InputError);
    expect(() => decodeCodeSource(value, 'main.py')).toThrow(message);
  });
});
