import type { Readable } from 'node:stream';

export interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Reads a text/event-stream (the HTML standard's rules: `field: value` lines, a blank line
 * ends an event, `:` lines are comments such as keepalives) and yields each event with data.
 */
export async function* readEvents(stream: Readable): AsyncGenerator<ServerSentEvent> {
  let buffer = '';
  let event: { id?: string; event?: string; data: string[] } = { data: [] };
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    buffer += chunk as string;
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (event.data.length > 0) yield { id: event.id, event: event.event, data: event.data.join('\n') };
        event = { data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data.push(value);
      else if (field === 'id') event.id = value;
      else if (field === 'event') event.event = value;
    }
  }
}
