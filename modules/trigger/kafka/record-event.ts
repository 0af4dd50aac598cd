import { isUtf8 } from 'node:buffer';
import type { KafkaTrigger, RecordEvent } from './contract';

/** A consumed record as the Kafka client hands it over (kafkajs's KafkaMessage has this shape). */
export interface ConsumedRecord {
  key: Buffer | null;
  value: Buffer | null;
  /** Milliseconds since the epoch as a decimal string; negative when the record has none. */
  timestamp: string;
  offset: string;
  headers?: Record<string, Buffer | string | Array<Buffer | string> | undefined>;
}

export type DeadLetterReason = 'record-too-large' | 'start-rejected';

export type Conversion = { ok: true; event: RecordEvent } | { ok: false; reason: DeadLetterReason; detail: string };

/**
 * The workflow id of one record for one trigger: `kafka:<trigger>:<topic>:<partition>:<offset>`.
 * Trigger ids (DNS labels) and topic names cannot hold `:`, so no two records of two triggers
 * share an id; anything outside Kafka's topic alphabet is %-escaped all the same, so an id
 * never carries spaces, slashes or control characters whatever the client reports.
 */
export function workflowIdFor(triggerId: string, topic: string, partition: number, offset: string): string {
  return `kafka:${escape(triggerId)}:${escape(topic)}:${partition}:${escape(offset)}`;
}

/** The prefix of every workflow id a trigger starts (for visibility queries). */
export function workflowIdPrefix(triggerId: string): string {
  return `kafka:${escape(triggerId)}:`;
}

function escape(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** Key, value, header names and header values, in bytes: what the size limit measures. */
export function recordBytes(record: ConsumedRecord): number {
  let bytes = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, values] of Object.entries(record.headers ?? {})) {
    for (const value of [values ?? []].flat()) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

/** Turns a record into its event, or says why it cannot become one (it is then dead-lettered). */
export function toRecordEvent(record: ConsumedRecord, topic: string, partition: number, trigger: Pick<KafkaTrigger, 'maxRecordBytes'>): Conversion {
  const bytes = recordBytes(record);
  if (bytes > trigger.maxRecordBytes) {
    return { ok: false, reason: 'record-too-large', detail: `The record has ${bytes} bytes (key, value and headers); the trigger's limit is ${trigger.maxRecordBytes}.` };
  }
  const { headers, base64Headers } = decodeHeaders(record.headers);
  const key = record.key === null ? null : decodeText(record.key);
  const event: RecordEvent = {
    topic,
    partition,
    offset: record.offset,
    key: key?.text ?? null,
    keyEncoding: key?.encoding ?? 'utf8',
    headers,
    ...(base64Headers.length > 0 ? { base64Headers } : {}),
    timestamp: isoTimestamp(record.timestamp),
    ...decodeValue(record.value),
  };
  return { ok: true, event };
}

function decodeText(bytes: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  return isUtf8(bytes) ? { text: bytes.toString('utf8'), encoding: 'utf8' } : { text: bytes.toString('base64'), encoding: 'base64' };
}

function decodeValue(value: Buffer | null): Pick<RecordEvent, 'value' | 'valueEncoding'> {
  if (value === null) return { value: null, valueEncoding: 'none' };
  const { text, encoding } = decodeText(value);
  if (encoding === 'base64') return { value: text, valueEncoding: 'base64' };
  try {
    return { value: JSON.parse(text), valueEncoding: 'json' };
  } catch {
    return { value: text, valueEncoding: 'text' };
  }
}

function decodeHeaders(raw: ConsumedRecord['headers']): { headers: Record<string, string>; base64Headers: string[] } {
  const headers: Record<string, string> = {};
  const base64 = new Set<string>();
  for (const [name, values] of Object.entries(raw ?? {})) {
    const last = [values ?? []].flat().at(-1);
    if (last === undefined) continue;
    if (typeof last === 'string') {
      headers[name] = last;
      continue;
    }
    const { text, encoding } = decodeText(last);
    headers[name] = text;
    if (encoding === 'base64') base64.add(name);
  }
  return { headers, base64Headers: [...base64] };
}

function isoTimestamp(millis: string): string | null {
  const ms = Number(millis);
  if (!Number.isFinite(ms) || ms < 0) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
