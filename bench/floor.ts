import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionPool, FunctionVersionSpec } from '../modules/worker/contract';

/**
 * The floor of `npm run bench`: HTTP in → the same warm sandboxed instance → HTTP out, with
 * no Temporal, no auth, no meta store. What the platform costs is a warm invocation minus this.
 */
export async function serveFloor(pool: ExecutionPool, spec: FunctionVersionSpec): Promise<{ url: string; close: () => Promise<void> }> {
  let sequence = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      sequence += 1;
      pool.invoke(spec, { invocationId: `floor-${sequence}`, event: JSON.parse(body || 'null'), attempt: 1 }).then(
        (outcome) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: outcome.status, result: outcome.result })),
        (err: Error) => response.writeHead(500).end(err.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
