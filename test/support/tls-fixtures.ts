import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommandOrThrow } from './child-processes.ts';

export interface TlsFixture {
  dir: string;
  caCertFile: string;
  caKeyFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  caCertPem: string;
}

const OPENSSL = 'openssl';
// EC P-256 keys are generated in milliseconds, unlike RSA.
const EC_KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const VALID_DAYS = '7';

async function fixtureDir(dir: string | undefined): Promise<string> {
  return dir ?? (await mkdtemp(join(tmpdir(), 'gatehouse-tls-')));
}

function randomSerial(): string {
  return `0x${randomBytes(12).toString('hex')}`;
}

async function createCa(dir: string, baseName: string, commonName: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${baseName}.crt`);
  const keyFile = join(dir, `${baseName}.key`);
  await runCommandOrThrow(OPENSSL, [
    'req', '-x509', '-new', ...EC_KEY_ARGS,
    '-keyout', keyFile, '-out', certFile,
    '-days', VALID_DAYS, '-set_serial', randomSerial(),
    '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile };
}

/** A fresh CA and a server certificate it signed, valid for exactly the given host names and IPs. */
export async function createTlsFixture(opts: { hostnames: string[]; ips: string[]; dir?: string }): Promise<TlsFixture> {
  const subjectAltNames = [...opts.hostnames.map((h) => `DNS:${h}`), ...opts.ips.map((ip) => `IP:${ip}`)];
  if (subjectAltNames.length === 0) throw new Error('createTlsFixture: at least one host name or IP is required');
  const dir = await fixtureDir(opts.dir);
  // A random suffix in the CA name keeps two fixtures from ever looking like the same issuer.
  const ca = await createCa(dir, 'ca', `Gatehouse Test CA ${randomBytes(4).toString('hex')}`);

  const serverKeyFile = join(dir, 'server.key');
  const csrFile = join(dir, 'server.csr');
  const serverCertFile = join(dir, 'server.crt');
  const extensionsFile = join(dir, 'server.ext');
  await runCommandOrThrow(OPENSSL, [
    'req', '-new', ...EC_KEY_ARGS,
    '-keyout', serverKeyFile, '-out', csrFile,
    '-subj', `/CN=${opts.hostnames[0] ?? opts.ips[0]}`,
  ]);
  await writeFile(
    extensionsFile,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${subjectAltNames.join(',')}`,
      '',
    ].join('\n'),
  );
  await runCommandOrThrow(OPENSSL, [
    'x509', '-req', '-in', csrFile,
    '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', randomSerial(),
    '-days', VALID_DAYS, '-extfile', extensionsFile, '-out', serverCertFile,
  ]);

  return {
    dir,
    caCertFile: ca.certFile,
    caKeyFile: ca.keyFile,
    serverCertFile,
    serverKeyFile,
    caCertPem: await readFile(ca.certFile, 'utf8'),
  };
}

/** A CA that signed nothing we serve: trusting it alone must make verification fail. */
export async function createStrayCa(dir?: string): Promise<{ caCertFile: string }> {
  const ca = await createCa(await fixtureDir(dir), `stray-ca-${randomBytes(4).toString('hex')}`, 'Gatehouse Stray CA');
  return { caCertFile: ca.certFile };
}
