import net from 'node:net';
import { SetupError } from '../../common/errors';
import { assertPortsFree, freePort, isPortFree } from '../../infra/ports';

describe('ports', () => {
  it('reports a taken port by name and says how to change it', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const taken = (server.address() as net.AddressInfo).port;
    try {
      expect(await isPortFree(taken)).toBe(false);
      const free = await freePort();
      await expect(assertPortsFree({ 'Kafka broker': free, 'Temporal frontend': taken }, () => 'set PYFAAS_TEMPORAL_PORT')).rejects.toThrow(
        new SetupError(`Port ${taken} (Temporal frontend) is already in use; stop what listens there or set PYFAAS_TEMPORAL_PORT.`),
      );
    } finally {
      server.close();
    }
  });

  it('refuses one port configured for two services', async () => {
    const port = await freePort();
    await expect(assertPortsFree({ a: port, b: port }, () => '')).rejects.toThrow(/configured for both a and b/);
  });
});
