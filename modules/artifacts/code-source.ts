import { InputError } from '../../common/errors';
import { normaliseRelativePath } from './relative-path';

/**
 * Function code as the API receives it: exactly one kind. `inline` is a single source file
 * named `filename` (default: the handler's file); the archives hold a whole code root.
 */
export type CodeSource = { inline: string; filename?: string } | { zipBase64: string } | { tarGzBase64: string };

/** A CodeSource checked and decoded, ready to be written to disk. */
export type DecodedCode =
  | { kind: 'inline'; filename: string; content: Buffer }
  | { kind: 'zip' | 'tarGz'; bytes: Buffer };

const KINDS = ['inline', 'zipBase64', 'tarGzBase64'] as const;
const FIELDS = new Set<string>([...KINDS, 'filename']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks that `value` is a CodeSource and decodes it. Throws InputError with a sentence
 * naming the field when it is not an object, holds none or several kinds, holds an unknown
 * field, a base64 string that does not decode, or an inline filename outside the code root.
 */
export function decodeCodeSource(value: unknown, handlerFile: string): DecodedCode {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('code must be an object with exactly one of inline, zipBase64 or tarGzBase64.');
  }
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw new InputError(`code has unknown field ${unknown.join(', ')}; it takes one of inline (with an optional filename), zipBase64 or tarGzBase64.`);
  }
  const kinds = KINDS.filter((kind) => fields[kind] !== undefined);
  if (kinds.length !== 1) {
    const got = kinds.length === 0 ? 'none' : kinds.join(' and ');
    throw new InputError(`code must have exactly one of inline, zipBase64 or tarGzBase64 (got ${got}).`);
  }
  const kind = kinds[0];
  const text = fields[kind];
  if (typeof text !== 'string') throw new InputError(`code.${kind} must be a string.`);
  if (kind !== 'inline') {
    if (fields.filename !== undefined) throw new InputError('code.filename goes only with code.inline; an archive names its own files.');
    return { kind: kind === 'zipBase64' ? 'zip' : 'tarGz', bytes: decodeBase64(text, `code.${kind}`) };
  }
  return { kind: 'inline', filename: inlineFilename(fields.filename, handlerFile), content: Buffer.from(text, 'utf8') };
}

function inlineFilename(filename: unknown, handlerFile: string): string {
  if (filename === undefined) return handlerFile;
  const normalised = typeof filename === 'string' ? normaliseRelativePath(filename) : undefined;
  if (normalised === undefined || normalised === '.') {
    throw new InputError('code.filename must be a relative file path inside the code, such as main.py or pkg/main.py.');
  }
  return normalised;
}

/** Standard base64 (RFC 4648 §4, padded); line breaks and spaces are ignored. */
function decodeBase64(text: string, field: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new InputError(`${field} is not valid base64: use standard, padded base64 of the archive's bytes.`);
  }
  return Buffer.from(compact, 'base64');
}
