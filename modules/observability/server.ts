import { createServer, type Server } from 'node:http';
import { UnavailableError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { ProcessMetrics } from './metrics';

/**
 * The metrics listener (metrics.port, PYFAAS_METRICS_PORT): `GET /metrics` without
 * credentials, for a Prometheus server on a network the operator trusts, and the only way
 * to scrape a worker-only or bridge-only process. Any other path is 404 and any other
 * method 405; request bodies are never read. Throws UnavailableError when the port is taken.
 */
export function serveMetrics(metrics: ProcessMetrics, host: string, port: number, logger: Logger): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this port serves GET /metrics only.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed.\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        logger.warn({ err }, 'could not render the metrics');
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('The metrics could not be rendered.\n');
      },
    );
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new UnavailableError(`Port ${port} (metrics) is already in use; set PYFAAS_METRICS_PORT to another port.`) : err),
    );
    server.listen(port, host, () => resolve(server));
  });
}
