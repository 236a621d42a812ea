import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export const DEMO_HOST = '127.0.0.1';

/** Binds `port` on 127.0.0.1 (0: any) and releases it; the port bound, or null when taken. */
async function probe(port: number): Promise<number | null> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, DEMO_HOST, () => resolve());
    });
  } catch {
    return null;
  }
  const bound = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/**
 * The port remembered from an earlier run when it is still free, else one the kernel picks.
 * A child that binds it later may still lose a race for it; callers retry with a new one.
 */
export async function choosePort(remembered: number | undefined): Promise<number> {
  if (remembered !== undefined && (await probe(remembered)) !== null) return remembered;
  const fresh = await probe(0);
  if (fresh === null) throw new Error(`no free TCP port on ${DEMO_HOST}`);
  return fresh;
}
