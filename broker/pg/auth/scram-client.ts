import { timingSafeEqual } from 'node:crypto';
import { scramPasswordBytes } from './saslprep.ts';
import {
  SCRAM_KEY_LENGTH,
  SCRAM_SHA_256,
  clientKeyOf,
  hmacSha256,
  randomScramNonce,
  saltedPassword,
  serverKeyOf,
  sha256,
  xorBuffers,
} from './scram-crypto.ts';
import { decodeBase64Strictly, decodeScramText, encodeSaslName, isValidNonce, splitAttributes } from './scram-message.ts';

/**
 * The client half of SCRAM-SHA-256, used by the proxy to log in to the upstream PostgreSQL.
 * We cannot bind the channel (the proxy terminates TLS itself), so the gs2 header is `n,,`;
 * the username is sent empty as libpq does, because PostgreSQL takes it from the startup packet.
 * Every method throws an Error with a message fit for the log on anything unexpected; the
 * caller then drops the upstream connection.
 */

export const DEFAULT_MIN_SCRAM_ITERATIONS = 1000;
export const DEFAULT_MAX_SCRAM_ITERATIONS = 10_000_000;

export interface ScramClientOptions {
  /** Channel binding is not implemented; the option exists so callers state that explicitly. */
  allowChannelBinding?: false;
  /** Fixes the client nonce; only tests should pass it. */
  nonce?: string;
  /** The `n=` saslname; PostgreSQL ignores it, so the default is empty. Tests use it for RFC vectors. */
  username?: string;
  /** Below this a stolen exchange is cheap to brute-force; above the maximum a hostile server burns our CPU. */
  minIterations?: number;
  maxIterations?: number;
}

const GS2_HEADER = 'n,,';

type ClientState =
  | { step: 'initial' }
  | { step: 'sent-client-first'; clientFirstBare: string }
  | { step: 'sent-client-final'; expectedServerSignature: Buffer }
  | { step: 'verified' }
  | { step: 'failed' };

export class ScramClientSession {
  private state: ClientState = { step: 'initial' };
  private readonly passwordBytes: Buffer;
  private readonly clientNonce: string;
  private readonly username: string;
  private readonly minIterations: number;
  private readonly maxIterations: number;

  constructor(password: string, opts: ScramClientOptions = {}) {
    const clientNonce = opts.nonce ?? randomScramNonce();
    if (!isValidNonce(clientNonce)) throw new RangeError('ScramClientSession: nonce must be printable ASCII without commas');
    this.passwordBytes = scramPasswordBytes(password);
    this.clientNonce = clientNonce;
    this.username = opts.username ?? '';
    this.minIterations = opts.minIterations ?? DEFAULT_MIN_SCRAM_ITERATIONS;
    this.maxIterations = opts.maxIterations ?? DEFAULT_MAX_SCRAM_ITERATIONS;
  }

  /** True once the server has proved it knows the password's verifier. */
  get verified(): boolean {
    return this.state.step === 'verified';
  }

  /** Only plain SCRAM-SHA-256: the -PLUS variant needs channel binding we cannot provide. */
  chooseMechanism(offered: string[]): string | null {
    return offered.includes(SCRAM_SHA_256) ? SCRAM_SHA_256 : null;
  }

  /** 'n,,n=,r=<nonce>' */
  clientFirst(): Buffer {
    if (this.state.step !== 'initial') throw this.fail('SCRAM client-first message was already sent');
    const clientFirstBare = `n=${encodeSaslName(this.username)},r=${this.clientNonce}`;
    this.state = { step: 'sent-client-first', clientFirstBare };
    return Buffer.from(GS2_HEADER + clientFirstBare, 'utf8');
  }

  /** server-first → client-final */
  handleServerFirst(data: Buffer): Buffer {
    const state = this.state;
    if (state.step !== 'sent-client-first') throw this.fail('unexpected SCRAM server-first message');
    const text = decodeScramText(data);
    const attributes = text === null ? null : splitAttributes(text);
    if (text === null || !attributes) throw this.fail('malformed SCRAM server-first message');
    if (attributes[0]?.name === 'm') throw this.fail('SCRAM server requires an unsupported extension');
    if (attributes.length !== 3) throw this.fail('malformed SCRAM server-first message (expected r=, s=, i=)');
    const [nonce, salt, iterations] = attributes;

    if (nonce?.name !== 'r' || !isValidNonce(nonce.value)) throw this.fail('malformed SCRAM server-first message (nonce)');
    // The server must echo our nonce and add its own; otherwise this is a replay or a confused server.
    if (!nonce.value.startsWith(this.clientNonce) || nonce.value.length === this.clientNonce.length) {
      throw this.fail('SCRAM server nonce does not extend the client nonce');
    }
    const saltBytes = salt?.name === 's' ? decodeBase64Strictly(salt.value) : null;
    if (!saltBytes || saltBytes.length === 0) throw this.fail('malformed SCRAM server-first message (salt)');
    if (iterations?.name !== 'i' || !/^[1-9][0-9]{0,9}$/.test(iterations.value)) {
      throw this.fail('malformed SCRAM server-first message (iteration count)');
    }
    const iterationCount = Number(iterations.value);
    if (iterationCount < this.minIterations) {
      throw this.fail(`SCRAM iteration count ${iterationCount} is below the minimum of ${this.minIterations}`);
    }
    if (iterationCount > this.maxIterations) {
      throw this.fail(`SCRAM iteration count ${iterationCount} is above the maximum of ${this.maxIterations}`);
    }

    const salted = saltedPassword(this.passwordBytes, saltBytes, iterationCount);
    const clientKey = clientKeyOf(salted);
    const storedKey = sha256(clientKey);
    const clientFinalWithoutProof = `c=${Buffer.from(GS2_HEADER, 'utf8').toString('base64')},r=${nonce.value}`;
    const authMessage = `${state.clientFirstBare},${text},${clientFinalWithoutProof}`;
    const clientProof = xorBuffers(clientKey, hmacSha256(storedKey, authMessage));
    this.state = { step: 'sent-client-final', expectedServerSignature: hmacSha256(serverKeyOf(salted), authMessage) };
    return Buffer.from(`${clientFinalWithoutProof},p=${clientProof.toString('base64')}`, 'utf8');
  }

  /** Throws unless the server-final message carries the signature only the real server can compute. */
  verifyServerFinal(data: Buffer): void {
    const state = this.state;
    if (state.step !== 'sent-client-final') throw this.fail('unexpected SCRAM server-final message');
    const text = decodeScramText(data);
    const attributes = text === null ? null : splitAttributes(text);
    const [first] = attributes ?? [];
    if (first?.name === 'e') throw this.fail(`SCRAM authentication failed on the server: ${first.value}`);
    if (!attributes || first?.name !== 'v') throw this.fail('malformed SCRAM server-final message');
    const signature = decodeBase64Strictly(first.value);
    if (signature?.length !== SCRAM_KEY_LENGTH || !timingSafeEqual(signature, state.expectedServerSignature)) {
      throw this.fail('SCRAM server signature is invalid: the upstream server does not know this credential');
    }
    this.state = { step: 'verified' };
  }

  private fail(message: string): Error {
    this.state = { step: 'failed' };
    return new Error(message);
  }
}
