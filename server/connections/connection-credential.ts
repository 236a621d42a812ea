import { credentialInputSchema } from '../../shared/api/connections.ts';
import type { CredentialInput } from '../../shared/api/connections.ts';
import type { SealedSecret, SecretBox } from '../crypto/secret-box.ts';

/*
 * A connection's credential at rest: the JSON of the credential, sealed under the secrets key
 * with the connection name as context, so a sealed credential only opens for its own connection.
 */

export function sealCredential(box: SecretBox, connection: string, credential: CredentialInput): SealedSecret {
  return box.seal(Buffer.from(JSON.stringify(credential), 'utf8'), credentialContext(connection));
}

/** Throws SecretOpenFailed when the key is wrong or the stored bytes were altered or moved. */
export function openCredential(box: SecretBox, connection: string, sealed: SealedSecret): CredentialInput {
  const plaintext = box.open(sealed, credentialContext(connection));
  return credentialInputSchema.parse(JSON.parse(plaintext.toString('utf8')));
}

// Prefixed so that a secret sealed for some other purpose under the same key never opens as a credential.
function credentialContext(connection: string): string {
  return `gatehouse/connection-credential/v1/${connection}`;
}
