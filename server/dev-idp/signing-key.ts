import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

/**
 * The dev IdP's RS256 signing key as a private JWK. Without a file it lives only as long as
 * the process (every restart invalidates issued tokens); with one it is kept, readable by the
 * owner only, so a restarted demo server still accepts the desktop app's session.
 */
export async function loadOrCreateSigningKey(keyFile?: string): Promise<JWK> {
  if (keyFile !== undefined) {
    const stored = await readStoredKey(keyFile);
    if (stored !== undefined) return stored;
  }
  const key = await generateSigningKey();
  if (keyFile !== undefined) await storeKey(keyFile, key);
  return key;
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg: 'RS256', use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

async function readStoredKey(keyFile: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = JSON.parse(text) as JWK;
  if (key.kty !== 'RSA' || typeof key.d !== 'string' || typeof key.kid !== 'string') {
    throw new Error(`dev IdP key file ${keyFile} does not hold a private RSA JWK with a kid`);
  }
  return key;
}

async function storeKey(keyFile: string, key: JWK): Promise<void> {
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const temporary = `${keyFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(key)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, keyFile);
}
