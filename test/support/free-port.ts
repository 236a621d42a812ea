import { createServer } from 'node:net';

/** Asks the kernel for an unused TCP port on 127.0.0.1 (bind to port 0, read it back, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('freePort: server has no TCP address');
  return address.port;
}
