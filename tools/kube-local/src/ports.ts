import { createServer, type Server } from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 (free at the time of the call). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('kube-local: could not get a free port'))));
    });
  });
}

/** Starts `server` listening on `host` (default 127.0.0.1) and `port` (default: a free one); resolves the port it got. */
export async function listenOn(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error(`kube-local: ${host}:${port} gave no TCP address`);
  return address.port;
}
