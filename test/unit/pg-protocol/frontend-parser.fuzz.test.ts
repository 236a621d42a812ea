import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { serialize } from 'pg-protocol';
import { FrameReader } from '../../../broker/pg/protocol/frame-reader.ts';
import { decodeFrontendMessage } from '../../../broker/pg/protocol/frontend-messages.ts';
import { MessageBuilder } from '../../../broker/pg/protocol/message-builder.ts';
import { ProtocolError } from '../../../broker/pg/protocol/protocol-error.ts';
import { decodeStartupPacket, MAX_STARTUP_PACKET_BYTES, startupPacketLength } from '../../../broker/pg/protocol/startup-packet.ts';

/**
 * Everything a client sends before it is trusted goes through these parsers, so they must turn
 * any byte sequence into either messages or a ProtocolError: never another exception, never a
 * stall, never a buffer beyond the configured limit.
 */

// The limit the proxy applies to a client before it has authenticated: the surface bad input hits.
// It also keeps the garbage from frames announced at the limit small, so GC pauses stay short.
const LIMIT = 64 * 1024;
const SLOW_INPUT_MS = 50;
const KNOWN_SQLSTATES = new Set(['08P01', '54000', '0A000', '28000']);

// Messages as node-postgres and libpq write them (the same encodings the proxy sees in practice).
const frontendCorpus: Buffer[] = [
  serialize.query("select * from accounts where email = 'a@b.c'"),
  serialize.parse({ name: 'st1', text: 'select $1::int, $2::text', types: [23, 25] }),
  serialize.bind({ portal: 'p1', statement: 'st1', values: ['7', Buffer.from([0, 1, 2]), null], binary: true }),
  serialize.describe({ type: 'S', name: 'st1' }),
  serialize.describe({ type: 'P', name: 'p1' }),
  serialize.execute({ portal: 'p1', rows: 50 }),
  serialize.close({ type: 'S', name: 'st1' }),
  serialize.sync(),
  serialize.flush(),
  serialize.end(),
  serialize.copyData(Buffer.from('1\tana\n2\tbob\n')),
  serialize.copyDone(),
  serialize.copyFail('aborted by user'),
  serialize.password('secret'),
  serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', 'n,,n=,r=rOprNGfwEbeRWgbNEkqO'),
  serialize.sendSCRAMClientFinalMessage('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
  new MessageBuilder().uint32(1598).int16(1).int16(0).int16(1).int32(2).bytes(Buffer.from('42')).int16(0).build(0x46),
];

const startupCorpus: Buffer[] = [
  serialize.startup({ user: 'analyst', database: 'prod', application_name: 'psql' }),
  serialize.requestSsl(),
  serialize.cancel(4242, 123456789),
  (() => {
    const b = Buffer.alloc(8);
    b.writeUInt32BE(8, 0);
    b.writeUInt32BE(80877104, 4); // GSSENCRequest
    return b;
  })(),
];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'length'; frame: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const interestingLength = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 5, 7, 8, LIMIT - 2, LIMIT - 1, LIMIT, LIMIT + 1, MAX_STARTUP_PACKET_BYTES, MAX_STARTUP_PACKET_BYTES + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  fc.integer({ min: 0, max: 64 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('length' as const), frame: fc.nat(), value: interestingLength }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
);

/** Applies mutations to a stream whose messages begin at `starts` (where their length words are found). */
function mutate(messages: Buffer[], mutations: Mutation[], lengthOffset: number): Buffer {
  let bytes = Buffer.concat(messages);
  const starts: number[] = [];
  let o = 0;
  for (const m of messages) {
    starts.push(o);
    o += m.length;
  }
  for (const m of mutations) {
    const n = bytes.length;
    switch (m.kind) {
      case 'flip':
        if (n > 0) bytes[m.at % n] = bytes[m.at % n]! ^ (1 << m.bit);
        break;
      case 'length': {
        const at = starts[m.frame % starts.length]! + lengthOffset;
        if (at + 4 <= n) bytes.writeUInt32BE(m.value, at);
        break;
      }
      case 'truncate':
        bytes = bytes.subarray(0, m.at % (n + 1));
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      }
      case 'delete': {
        const at = m.at % (n + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.count)]);
        break;
      }
      default:
        return m satisfies never;
    }
  }
  return bytes;
}

/** Cuts `bytes` into chunks at the given positions, as a socket might deliver them. */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function expectOnlyProtocolErrors(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`parser threw something other than a ProtocolError: ${String(e)}`, { cause: e });
    expect(KNOWN_SQLSTATES.has(e.sqlstate), `unexpected SQLSTATE ${e.sqlstate}`).toBe(true);
  }
}

/**
 * The session's client path: frames from a FrameReader, each decoded strictly. The reader may
 * never hold more than the limit, and until it throws, the frames it returns plus what it
 * holds must be exactly the bytes pushed (nothing lost, duplicated or reordered).
 */
function runFramePath(chunks: Buffer[]): void {
  const reader = new FrameReader({ maxMessageBytes: LIMIT, peer: 'client' });
  const seen: Buffer[] = [];
  let pushed = 0;
  expectOnlyProtocolErrors(() => {
    for (const c of chunks) {
      const frames = reader.push(c);
      pushed += c.length;
      expect(reader.bufferedBytes).toBeLessThanOrEqual(LIMIT);
      for (const f of frames) {
        expect(f.raw.length).toBeLessThanOrEqual(LIMIT);
        seen.push(Buffer.from(f.raw));
      }
      const returned = seen.reduce((sum, f) => sum + f.length, 0);
      expect(returned + reader.bufferedBytes).toBe(pushed);
      for (const f of frames) decodeFrontendMessage({ type: f.type, payload: f.payload, raw: f.raw });
    }
  });
  const all = Buffer.concat(chunks);
  const returned = Buffer.concat(seen);
  expect(returned.equals(all.subarray(0, returned.length))).toBe(true);
}

/** The startup path as the client handshake drives it: accumulate, check the length word early, decode. */
function runStartupPath(chunks: Buffer[]): void {
  expectOnlyProtocolErrors(() => {
    let held = Buffer.alloc(0);
    for (const c of chunks) {
      held = Buffer.concat([held, c]);
      const len = startupPacketLength(held);
      if (len === null) continue;
      expect(len).toBeLessThanOrEqual(MAX_STARTUP_PACKET_BYTES);
      if (held.length < len) continue;
      decodeStartupPacket(held.subarray(0, len));
      return;
    }
  });
}

const stats = { inputs: 0, slowestMs: 0, retried: 0 };

function timed(run: () => void): number {
  const t = performance.now();
  run();
  return performance.now() - t;
}

/** A pause in this shared machine (GC, another process) is retried; a real stall repeats every time. */
function expectPrompt(run: () => void): void {
  stats.inputs += 1;
  let best = timed(run);
  if (best > SLOW_INPUT_MS) stats.retried += 1;
  for (let retry = 0; best > SLOW_INPUT_MS && retry < 4; retry++) best = Math.min(best, timed(run));
  stats.slowestMs = Math.max(stats.slowestMs, best);
  expect(best, 'one input took too long to parse').toBeLessThanOrEqual(SLOW_INPUT_MS);
}

const cuts = fc.array(fc.nat(), { maxLength: 6 });

describe('frontend parsing under fuzzing', () => {
  afterAll(() => {
    console.log(
      `frontend parser fuzz: ${stats.inputs} inputs tested, slowest ${stats.slowestMs.toFixed(2)} ms (${stats.retried} re-timed after a pause)`,
    );
    expect(stats.inputs).toBeGreaterThanOrEqual(100_000);
  });

  it('framer and decoders survive random bytes in random chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), cuts, (bytes, at) => {
        expectPrompt(() => runFramePath(chunk(Buffer.from(bytes), at)));
      }),
      { numRuns: 20_000 },
    );
  });

  it('framer and decoders survive mutated valid message streams', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...frontendCorpus), { minLength: 1, maxLength: 4 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        cuts,
        (messages, mutations, at) => {
          expectPrompt(() => runFramePath(chunk(mutate(messages, mutations, 1), at)));
        },
      ),
      { numRuns: 45_000 },
    );
  });

  it('startup packet parsing survives random bytes in random chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), cuts, (bytes, at) => {
        expectPrompt(() => runStartupPath(chunk(Buffer.from(bytes), at)));
      }),
      { numRuns: 10_000 },
    );
  });

  it('startup packet parsing survives mutated valid startup packets', () => {
    fc.assert(
      fc.property(fc.constantFrom(...startupCorpus), fc.array(mutation, { minLength: 1, maxLength: 3 }), cuts, (packet, mutations, at) => {
        expectPrompt(() => runStartupPath(chunk(mutate([packet], mutations, 0), at)));
      }),
      { numRuns: 25_000 },
    );
  });

  it('the corpus itself parses cleanly, so mutations start from valid input', () => {
    const frames = new FrameReader({ maxMessageBytes: LIMIT, peer: 'client' }).push(Buffer.concat(frontendCorpus));
    expect(frames).toHaveLength(frontendCorpus.length);
    for (const f of frames) expect(() => decodeFrontendMessage(f)).not.toThrow();
    for (const p of startupCorpus) {
      expect(startupPacketLength(p)).toBe(p.length);
      expect(() => decodeStartupPacket(p)).not.toThrow();
    }
  });
});
