import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { auditIngestResponseSchema, auditIngestSchema } from '../../shared/api/audit.ts';
import { generateAuditBatch } from './audit-event-batches.ts';
import type { BenchServer } from './bench-server.ts';
import { percentile } from './percentile.ts';

export interface AuditIngestResult {
  store: BenchServer['store'];
  senders: number;
  batchSize: number;
  /** From the first timed batch sent to the last answer received. */
  elapsedSeconds: number;
  batches: number;
  acceptedEvents: number;
  eventsPerSecond: number;
  batchMsP50: number | null;
  batchMsP95: number | null;
  errors: string[];
}

const MAX_ERRORS_KEPT = 5;

async function sendBatch(server: BenchServer, body: string): Promise<{ accepted: number; duplicates: number }> {
  const response = await fetch(`${server.url}/v1/audit/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.alice}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  return auditIngestResponseSchema.parse(JSON.parse(text));
}

function batchBody(brokerId: string, size: number): string {
  return JSON.stringify({ brokerId, events: generateAuditBatch(size, 'alice') });
}

/**
 * POST /v1/audit/ingest as brokers do, from several senders at once for a fixed time; each
 * sender sends its next batch when the previous one is answered. Only events the server says
 * it stored count. Bodies are built per batch (fresh ids), outside the timed request.
 */
export async function measureAuditIngest(opts: {
  server: BenchServer;
  seconds: number;
  senders: number;
  batchSize: number;
  progress: (message: string) => void;
}): Promise<AuditIngestResult> {
  const { server } = opts;
  const errors: string[] = [];
  const keepError = (message: string): void => {
    if (errors.length < MAX_ERRORS_KEPT) errors.push(message);
  };

  // The generator's output must be what the contract accepts; checked once, outside the clock.
  const sample = { brokerId: 'bench-check', events: generateAuditBatch(opts.batchSize, 'alice') };
  auditIngestSchema.parse(sample);
  const warm = await sendBatch(server, JSON.stringify(sample));
  if (warm.accepted !== opts.batchSize) throw new Error(`warm-up batch: ${warm.accepted} of ${opts.batchSize} events accepted`);

  const batchMs: number[] = [];
  let acceptedEvents = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const sender = async (index: number): Promise<void> => {
    const brokerId = `bench-broker-${index}-${randomUUID()}`;
    while (performance.now() < deadline) {
      const body = batchBody(brokerId, opts.batchSize);
      const sentAt = performance.now();
      try {
        const answer = await sendBatch(server, body);
        batchMs.push(performance.now() - sentAt);
        acceptedEvents += answer.accepted;
        if (answer.accepted !== opts.batchSize) keepError(`batch of ${opts.batchSize}: ${answer.accepted} accepted, ${answer.duplicates} duplicates`);
      } catch (error) {
        keepError((error as Error).message);
        // A failing server answers fast; do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.senders }, (_, i) => sender(i)));
  const elapsedSeconds = (performance.now() - started) / 1000;
  const eventsPerSecond = acceptedEvents / elapsedSeconds;
  opts.progress(`audit ingest (${server.store}): ${acceptedEvents} events in ${elapsedSeconds.toFixed(1)} s = ${Math.round(eventsPerSecond)} events/s`);
  return {
    store: server.store,
    senders: opts.senders,
    batchSize: opts.batchSize,
    elapsedSeconds,
    batches: batchMs.length,
    acceptedEvents,
    eventsPerSecond,
    batchMsP50: percentile(batchMs, 50) ?? null,
    batchMsP95: percentile(batchMs, 95) ?? null,
    errors,
  };
}
