import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommandOrThrow } from './demo-processes.ts';

/**
 * A private CA and a certificate for 127.0.0.1 it signed, so the demo database speaks TLS and
 * the demo connection can use sslmode verify-full, as a real one should. Made once per data
 * dir and kept: the connection stored on the server pins this CA.
 */
export interface DemoTls {
  caCertFile: string;
  caPem: string;
  serverCertFile: string;
  serverKeyFile: string;
}

const VALID_DAYS = '825';
// EC P-256: generated in milliseconds, unlike RSA.
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function serial(): string {
  return `0x${randomBytes(12).toString('hex')}`;
}

export async function ensureDemoTls(dir: string): Promise<DemoTls> {
  const caCertFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca.key');
  const serverCertFile = join(dir, 'server.crt');
  const serverKeyFile = join(dir, 'server.key');
  if (![caCertFile, serverCertFile, serverKeyFile].every((file) => existsSync(file))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await runCommandOrThrow('openssl', [
      'req', '-x509', '-new', ...EC_KEY, '-keyout', caKeyFile, '-out', caCertFile, '-days', VALID_DAYS, '-set_serial', serial(),
      '-subj', `/CN=Gatehouse demo CA ${randomBytes(4).toString('hex')}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const csr = join(dir, 'server.csr');
    const extensions = join(dir, 'server.ext');
    await runCommandOrThrow('openssl', ['req', '-new', ...EC_KEY, '-keyout', serverKeyFile, '-out', csr, '-subj', '/CN=127.0.0.1']);
    await writeFile(
      extensions,
      ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost', ''].join('\n'),
    );
    await runCommandOrThrow('openssl', [
      'x509', '-req', '-in', csr, '-CA', caCertFile, '-CAkey', caKeyFile, '-set_serial', serial(), '-days', VALID_DAYS, '-extfile', extensions, '-out', serverCertFile,
    ]);
    // The CA signs nothing else: its key has done its job.
    await Promise.all([rm(csr), rm(extensions), rm(caKeyFile)]);
  }
  return { caCertFile, caPem: await readFile(caCertFile, 'utf8'), serverCertFile, serverKeyFile };
}
