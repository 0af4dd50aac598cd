/**
 * The side-effect ledger of `npm run chaos`: a tiny HTTP server the chaos program runs in a
 * network namespace of its own ("the internet" as a network-enabled function sees it). Each
 * POST /effects body is one side effect a function performed; it is written to stdout as a
 * JSON line with the time it arrived, for the chaos program to count.
 *
 *   node dist/chaos/ledger-server.js <host> <port>
 */
import { createServer } from 'node:http';

const [host, port] = process.argv.slice(2);

const server = createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => (body += chunk));
  request.on('end', () => {
    try {
      const effect = JSON.parse(body) as Record<string, unknown>;
      process.stdout.write(`${JSON.stringify({ ...effect, at: Date.now() })}\n`);
      response.writeHead(204).end();
    } catch {
      response.writeHead(400).end();
    }
  });
});

server.listen(Number(port), host, () => process.stdout.write(`${JSON.stringify({ listening: `${host}:${port}` })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
