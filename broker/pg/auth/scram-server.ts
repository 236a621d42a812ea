import { timingSafeEqual } from 'node:crypto';
import { SCRAM_KEY_LENGTH, SCRAM_SHA_256, hmacSha256, randomScramNonce, sha256, xorBuffers } from './scram-crypto.ts';
import { decodeBase64Strictly, decodeScramText, isValidNonce, splitAttributes } from './scram-message.ts';
import type { ScramVerifier } from './scram-verifier.ts';

export { makeScramVerifier } from './scram-verifier.ts';
export type { ScramVerifier } from './scram-verifier.ts';

/**
 * The server half of SCRAM-SHA-256 as PostgreSQL speaks it, used to authenticate local clients.
 * The username inside the SCRAM message is ignored (PostgreSQL takes it from the startup
 * packet), and channel binding is never offered: we only advertise SCRAM-SHA-256, so a client
 * asking for binding (`p=`) is refused while `n` and `y` ("I could bind, you did not offer") pass.
 */

/** The SQLSTATE PostgreSQL reports for each kind of refusal, for the ErrorResponse the proxy sends. */
export type ScramRefusalSqlState = '28P01' | '08P01' | '0A000';

export type ScramServerFailure = { ok: false; reason: string; sqlState: ScramRefusalSqlState };

type ServerState =
  | { step: 'awaiting-client-first' }
  | { step: 'awaiting-client-final'; gs2Header: string; clientFirstBare: string; serverFirst: string; nonce: string }
  | { step: 'succeeded' }
  | { step: 'failed' };

export class ScramServerSession {
  readonly mechanisms: string[] = [SCRAM_SHA_256];
  private state: ServerState = { step: 'awaiting-client-first' };
  private readonly verifier: ScramVerifier;
  private readonly serverNonce: string;

  /** `nonce` fixes the server's half of the nonce; only tests should pass it. */
  constructor(verifier: ScramVerifier, opts: { nonce?: string } = {}) {
    if (verifier.storedKey.length !== SCRAM_KEY_LENGTH || verifier.serverKey.length !== SCRAM_KEY_LENGTH) {
      throw new RangeError('ScramServerSession: verifier keys must be 32 bytes');
    }
    const serverNonce = opts.nonce ?? randomScramNonce();
    if (!isValidNonce(serverNonce)) throw new RangeError('ScramServerSession: nonce must be printable ASCII without commas');
    this.verifier = verifier;
    this.serverNonce = serverNonce;
  }

  /** True once a client-final message carried a valid proof. */
  get succeeded(): boolean {
    return this.state.step === 'succeeded';
  }

  /** client-first → server-first */
  handleClientFirst(mechanism: string, data: Buffer): { ok: true; serverFirst: Buffer } | ScramServerFailure {
    if (this.state.step !== 'awaiting-client-first') return this.fail('08P01', 'unexpected SCRAM client-first message');
    if (mechanism === `${SCRAM_SHA_256}-PLUS`) {
      return this.fail('08P01', 'client selected SCRAM-SHA-256-PLUS, but channel binding was not offered');
    }
    if (mechanism !== SCRAM_SHA_256) return this.fail('08P01', `client selected an invalid SASL authentication mechanism: ${mechanism}`);

    const text = decodeScramText(data);
    if (text === null) return this.fail('08P01', 'malformed SCRAM message (invalid text)');
    const [cbindFlag = '', authzid = '', ...bareParts] = text.split(',');
    if (cbindFlag.startsWith('p=')) {
      return this.fail('08P01', 'client requires SCRAM channel binding, but it was not offered');
    }
    if (cbindFlag !== 'n' && cbindFlag !== 'y') return this.fail('08P01', 'malformed SCRAM message (unexpected channel-binding flag)');
    if (authzid.startsWith('a=')) return this.fail('0A000', 'client uses authorization identity, but it is not supported');
    if (authzid !== '') return this.fail('08P01', 'malformed SCRAM message (unexpected authorization identity field)');

    const clientFirstBare = bareParts.join(',');
    const attributes = splitAttributes(clientFirstBare);
    if (!attributes || attributes.length < 2) return this.fail('08P01', 'malformed SCRAM message (client-first-message-bare)');
    const [user, nonce] = attributes;
    if (user?.name === 'm') return this.fail('0A000', 'client requires an unsupported SCRAM extension');
    if (user?.name !== 'n') return this.fail('08P01', 'malformed SCRAM message (expected username attribute)');
    if (nonce?.name !== 'r' || !isValidNonce(nonce.value)) {
      return this.fail('08P01', 'malformed SCRAM message (expected a printable client nonce)');
    }
    // Any further attributes are optional extensions, which RFC 5802 says to ignore.

    const combinedNonce = nonce.value + this.serverNonce;
    const serverFirst = `r=${combinedNonce},s=${this.verifier.salt.toString('base64')},i=${this.verifier.iterations}`;
    this.state = {
      step: 'awaiting-client-final',
      gs2Header: `${cbindFlag},${authzid},`,
      clientFirstBare,
      serverFirst,
      nonce: combinedNonce,
    };
    return { ok: true, serverFirst: Buffer.from(serverFirst, 'utf8') };
  }

  /** client-final → server-final (verifies the proof in constant time) */
  handleClientFinal(data: Buffer): { ok: true; serverFinal: Buffer } | ScramServerFailure {
    const state = this.state;
    if (state.step !== 'awaiting-client-final') return this.fail('08P01', 'unexpected SCRAM client-final message');

    const text = decodeScramText(data);
    const attributes = text === null ? null : splitAttributes(text);
    if (text === null || !attributes || attributes.length < 3) return this.fail('08P01', 'malformed SCRAM message (client-final)');
    const channelBinding = attributes[0];
    const nonce = attributes[1];
    const proof = attributes[attributes.length - 1];
    const extensions = attributes.slice(2, -1);

    if (channelBinding?.name !== 'c') return this.fail('08P01', 'malformed SCRAM message (expected channel-binding attribute)');
    const bindingData = decodeBase64Strictly(channelBinding.value);
    // With no binding in use, c= must echo the gs2 header exactly; anything else is a downgrade or a mix-up.
    if (!bindingData || !bindingData.equals(Buffer.from(state.gs2Header, 'utf8'))) {
      return this.fail('08P01', 'SCRAM channel binding check failed');
    }
    if (nonce?.name !== 'r') return this.fail('08P01', 'malformed SCRAM message (expected nonce attribute)');
    if (nonce.value !== state.nonce) return this.fail('08P01', 'SCRAM nonce does not match');
    if (extensions.some((attribute) => attribute.name === 'p')) return this.fail('08P01', 'malformed SCRAM message (proof is not last)');
    if (proof?.name !== 'p') return this.fail('08P01', 'malformed SCRAM message (expected proof attribute)');
    const clientProof = decodeBase64Strictly(proof.value);
    if (clientProof?.length !== SCRAM_KEY_LENGTH) return this.fail('08P01', 'malformed SCRAM message (invalid proof)');

    const clientFinalWithoutProof = text.slice(0, text.lastIndexOf(',p='));
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${clientFinalWithoutProof}`;
    const clientSignature = hmacSha256(this.verifier.storedKey, authMessage);
    const claimedClientKey = xorBuffers(clientProof, clientSignature);
    if (!timingSafeEqual(sha256(claimedClientKey), this.verifier.storedKey)) {
      return this.fail('28P01', 'password authentication failed');
    }

    this.state = { step: 'succeeded' };
    const serverSignature = hmacSha256(this.verifier.serverKey, authMessage);
    return { ok: true, serverFinal: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8') };
  }

  private fail(sqlState: ScramRefusalSqlState, reason: string): ScramServerFailure {
    this.state = { step: 'failed' };
    return { ok: false, reason, sqlState };
  }
}
