import { InputError } from '../../../../common/errors';
import { DEAD_LETTER_HEADERS, deadLetterMessage } from '../../../../modules/trigger/kafka/dead-letter';
import { toRecordEvent, workflowIdFor, workflowIdPrefix, type ConsumedRecord } from '../../../../modules/trigger/kafka/record-event';
import { parseKafkaTrigger } from '../../../../modules/trigger/kafka/trigger-spec';

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x80]);

function record(fields: Partial<ConsumedRecord> = {}): ConsumedRecord {
  return { key: null, value: null, timestamp: '1700000000000', offset: '42', headers: {}, ...fields };
}

function convert(fields: Partial<ConsumedRecord>, maxRecordBytes = 1024) {
  const result = toRecordEvent(record(fields), 'orders', 2, { maxRecordBytes });
  if (!result.ok) throw new Error(`expected an event, got ${result.reason}`);
  return result.event;
}

describe('toRecordEvent', () => {
  it('carries topic, partition, offset and the timestamp as ISO 8601', () => {
    const event = convert({ value: Buffer.from('{}') });
    expect(event).toMatchObject({ topic: 'orders', partition: 2, offset: '42', timestamp: '2023-11-14T22:13:20.000Z' });
  });

  it('parses a JSON value, keeps text as text and binary as base64, and marks a tombstone', () => {
    expect(convert({ value: Buffer.from('{"n":1,"s":"é"}') })).toMatchObject({ value: { n: 1, s: 'é' }, valueEncoding: 'json' });
    expect(convert({ value: Buffer.from('42') })).toMatchObject({ value: 42, valueEncoding: 'json' });
    expect(convert({ value: Buffer.from('hello, world') })).toMatchObject({ value: 'hello, world', valueEncoding: 'text' });
    expect(convert({ value: BINARY })).toMatchObject({ value: BINARY.toString('base64'), valueEncoding: 'base64' });
    expect(convert({ value: null })).toMatchObject({ value: null, valueEncoding: 'none' });
  });

  it('decodes a UTF-8 key, base64-encodes a binary one, and keeps a missing key null', () => {
    expect(convert({ key: Buffer.from('clé') })).toMatchObject({ key: 'clé', keyEncoding: 'utf8' });
    expect(convert({ key: BINARY })).toMatchObject({ key: BINARY.toString('base64'), keyEncoding: 'base64' });
    expect(convert({ key: null })).toMatchObject({ key: null, keyEncoding: 'utf8' });
  });

  it('flattens headers to one value each (the last of a repeated name) and names the base64 ones', () => {
    const event = convert({ headers: { a: Buffer.from('one'), b: 'two', c: [Buffer.from('first'), Buffer.from('last')], bin: BINARY, none: undefined } });
    expect(event.headers).toEqual({ a: 'one', b: 'two', c: 'last', bin: BINARY.toString('base64') });
    expect(event.base64Headers).toEqual(['bin']);
    expect(convert({ headers: { a: 'x' } }).base64Headers).toBeUndefined();
  });

  it('answers a null timestamp when the record has none', () => {
    expect(convert({ timestamp: '-1' }).timestamp).toBeNull();
  });

  it('refuses a record over the limit, counting key, value and headers, with a reason for the dead-letter topic', () => {
    expect(toRecordEvent(record({ value: Buffer.alloc(100) }), 't', 0, { maxRecordBytes: 100 }).ok).toBe(true);
    const over = toRecordEvent(record({ key: Buffer.from('k'), value: Buffer.alloc(100) }), 't', 0, { maxRecordBytes: 100 });
    expect(over).toEqual({ ok: false, reason: 'record-too-large', detail: expect.stringContaining('101 bytes') });
    const headers = toRecordEvent(record({ value: Buffer.alloc(90), headers: { name: Buffer.alloc(10) } }), 't', 0, { maxRecordBytes: 100 });
    expect(headers.ok).toBe(false);
  });
});

describe('workflowIdFor', () => {
  it('is stable for a record and differs across triggers, topics, partitions and offsets', () => {
    const id = workflowIdFor('orders', 'shop.orders-v1', 2, '1234');
    expect(id).toBe('kafka:orders:shop.orders-v1:2:1234');
    expect(workflowIdFor('orders', 'shop.orders-v1', 2, '1234')).toBe(id);
    const others = [
      workflowIdFor('orders-eu', 'shop.orders-v1', 2, '1234'),
      workflowIdFor('orders', 'shop.orders-v2', 2, '1234'),
      workflowIdFor('orders', 'shop.orders-v1', 3, '1234'),
      workflowIdFor('orders', 'shop.orders-v1', 2, '1235'),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });

  it('cannot confuse where the trigger id ends and the topic begins', () => {
    expect(workflowIdFor('a-b', 'c', 0, '0')).not.toBe(workflowIdFor('a', 'b-c', 0, '0'));
    expect(workflowIdFor('orders-eu', 't', 0, '0').startsWith(workflowIdPrefix('orders'))).toBe(false);
    expect(workflowIdFor('orders', 't', 0, '0').startsWith(workflowIdPrefix('orders'))).toBe(true);
  });

  it('escapes characters outside the topic alphabet', () => {
    expect(workflowIdFor('t', 'a b/c:d', 0, '7')).toBe('kafka:t:a%20b%2Fc%3Ad:0:7');
  });
});

describe('deadLetterMessage', () => {
  it('keeps key, value and headers and adds the reason, trigger and source position', () => {
    const trigger = parseKafkaTrigger({ id: 'orders', topic: 'orders', functionName: 'handle' });
    const source = record({ key: Buffer.from('k'), value: Buffer.from('v'), headers: { trace: 'abc' } });
    const message = deadLetterMessage({ trigger, record: source, topic: 'orders', partition: 1, workflowId: 'kafka:orders:orders:1:42', reason: 'record-too-large', detail: 'too big' });
    expect(message.key).toEqual(Buffer.from('k'));
    expect(message.value).toEqual(Buffer.from('v'));
    expect(message.headers).toEqual({
      trace: 'abc',
      [DEAD_LETTER_HEADERS.reason]: 'record-too-large',
      [DEAD_LETTER_HEADERS.detail]: 'too big',
      [DEAD_LETTER_HEADERS.trigger]: 'orders',
      [DEAD_LETTER_HEADERS.functionName]: 'handle',
      [DEAD_LETTER_HEADERS.topic]: 'orders',
      [DEAD_LETTER_HEADERS.partition]: '1',
      [DEAD_LETTER_HEADERS.offset]: '42',
      [DEAD_LETTER_HEADERS.timestamp]: '1700000000000',
      [DEAD_LETTER_HEADERS.workflowId]: 'kafka:orders:orders:1:42',
    });
    expect(deadLetterMessage({ trigger, record: source, topic: 'orders', partition: 1, workflowId: 'w', reason: 'record-too-large', detail: 'd' }, { omitValue: true })).toMatchObject({
      value: null,
      headers: { [DEAD_LETTER_HEADERS.value]: 'omitted' },
    });
  });
});

describe('parseKafkaTrigger', () => {
  it('applies the defaults', () => {
    expect(parseKafkaTrigger({ id: 'orders', topic: 'orders', functionName: 'handle' })).toEqual({
      id: 'orders', topic: 'orders', functionName: 'handle', groupId: 'pyfaas-orders', startFrom: 'latest', maxInFlight: 64, paused: false, maxRecordBytes: 1024 * 1024,
    });
  });

  it('refuses a bad id, topic or pattern, and a trigger with both or neither of topic and pattern', () => {
    const bad = [
      { id: 'Orders', topic: 'orders', functionName: 'f' },
      { id: 'orders', topic: 'a topic', functionName: 'f' },
      { id: 'orders', topicPattern: '(', functionName: 'f' },
      { id: 'orders', topic: 'a', topicPattern: 'b.*', functionName: 'f' },
      { id: 'orders', functionName: 'f' },
      { id: 'orders', topic: 'a', functionName: 'f', maxInFlight: 0 },
      { id: 'orders', topic: 'a', functionName: 'f', extra: true },
    ];
    for (const spec of bad) expect(() => parseKafkaTrigger(spec)).toThrow(InputError);
    expect(() => parseKafkaTrigger(bad[0])).toThrow(/Invalid Kafka trigger "Orders": id:/);
  });
});
