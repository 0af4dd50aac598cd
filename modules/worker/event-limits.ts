import { InputError, LimitExceededError } from '../../common/errors';

/**
 * How deep and how large an event may be before it is refused at the worker, never
 * reaching a shim.
 *
 * Depth 128 is serde_json's default recursion limit: deep enough for real documents (ASTs,
 * nested configs), far below where Python's json raises RecursionError (~1,000 levels,
 * less what the handler's own recursion needs). Size 6 MiB is the API's body limit and
 * Lambda's synchronous payload limit, so an event the API accepted is never refused here
 * for its size alone (the envelope around it is not counted).
 */
export interface EventLimits {
  /** Most levels of nested arrays/objects; a scalar is depth 0, `{}` and `[]` depth 1. */
  maxDepth: number;
  /** Most bytes of the event as UTF-8 JSON. */
  maxBytes: number;
}

export const DEFAULT_EVENT_LIMITS: Readonly<EventLimits> = Object.freeze({ maxDepth: 128, maxBytes: 6 * 1024 * 1024 });

/**
 * The event as JSON, after checking its depth and size. Throws LimitExceededError when it
 * is nested deeper than `maxDepth` or larger than `maxBytes`, InputError when it is not
 * JSON (a cycle, a BigInt). The depth walk is iterative, with a node budget (every JSON
 * value takes at least a byte), so neither a hostile depth nor a shared-reference graph can
 * exhaust the worker's own stack or time before JSON.stringify (which recurses) runs.
 */
export function encodeEvent(event: unknown, limits: EventLimits = DEFAULT_EVENT_LIMITS): string {
  checkDepth(event, limits);
  let json: string | undefined;
  try {
    json = JSON.stringify(event);
  } catch (err) {
    throw new InputError(`The event cannot be sent as JSON: ${(err as Error).message}`);
  }
  if (json === undefined) return 'null';
  // UTF-8 is at most 3 bytes per UTF-16 unit: most events skip the byte count.
  if (json.length * 3 > limits.maxBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > limits.maxBytes) throw new LimitExceededError(`The event is ${bytes} bytes of JSON, over the ${limits.maxBytes}-byte limit.`, { limit: 'eventBytes', bytes, maxBytes: limits.maxBytes });
  }
  return json;
}

function checkDepth(event: unknown, { maxDepth, maxBytes }: EventLimits): void {
  if (event === null || typeof event !== 'object') return;
  const values: unknown[] = [event];
  const depths: number[] = [1];
  let visited = 0;
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) throw new LimitExceededError(`The event is nested more than ${maxDepth} levels deep, the limit.`, { limit: 'eventDepth', maxDepth });
    const children = Array.isArray(value) ? value : typeof (value as { toJSON?: unknown }).toJSON === 'function' ? [] : Object.values(value);
    visited += children.length;
    if (visited > maxBytes) throw new LimitExceededError(`The event holds more than ${maxBytes} values, over the ${maxBytes}-byte limit.`, { limit: 'eventBytes', maxBytes });
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
}
