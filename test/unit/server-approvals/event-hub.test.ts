import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../../server/events/event-hub.ts';
import { publishEvent } from '../../../server/events/publish-event.ts';
import type { EventAudience } from '../../../server/events/publish-event.ts';
import type { Database } from '../../../server/store/database.ts';
import { migrate } from '../../../server/store/migrate.ts';
import { openPgliteDatabase } from '../../../server/store/pglite-database.ts';
import { alice, bob, carol } from './principals.ts';

let db: Database;
let hub: EventHub;

beforeAll(async () => {
  db = await openPgliteDatabase();
  await migrate(db);
  hub = new EventHub({ db, log: pino({ level: 'silent' }), heartbeatMs: 50, maxBufferedBytes: 4096, pageSize: 3 });
  await hub.start();
});

afterAll(async () => {
  await hub.stop();
  await db.close();
});

/** A stand-in for the HTTP response that a test can read, or leave unread. */
function sink(opts: { read: boolean }): { res: ServerResponse; stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  if (opts.read) stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { res: stream as unknown as ServerResponse, stream, text: () => text };
}

async function publish(connection: string, audience: EventAudience): Promise<number> {
  return db.transaction((tx) => publishEvent(tx, { type: 'policy.changed', connection, version: 1 }, audience));
}

function idsIn(text: string): number[] {
  return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
}

async function until(what: string, condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('EventHub', () => {
  it('sends each live event only to the clients its audience names, and heartbeats to all', async () => {
    const forBob = sink({ read: true });
    const forAlice = sink({ read: true });
    await hub.connect(bob, forBob.res, null);
    await hub.connect(alice, forAlice.res, null);
    const toApprovers = await publish('a', { groups: ['db-approvers'] });
    const toAlice = await publish('b', { subjects: ['alice'] });
    await until('both events', () => idsIn(forBob.text()).includes(toApprovers) && idsIn(forAlice.text()).includes(toAlice));
    expect(idsIn(forBob.text())).toEqual([toApprovers]);
    expect(idsIn(forAlice.text())).toEqual([toAlice]);
    const frame = /^id: (\d+)\ndata: (.*)\n\n/.exec(forBob.text().replace(/^(: .*\n\n)+/, ''));
    expect(frame?.[1]).toBe(String(toApprovers));
    expect(JSON.parse(frame?.[2] ?? 'null')).toEqual({ type: 'policy.changed', connection: 'a', version: 1 });
    await until('a heartbeat', () => forAlice.text().includes(': keepalive\n\n'));
    forBob.stream.destroy();
    forAlice.stream.destroy();
  });

  it('replays stored events after Last-Event-ID, page by page, then goes live without gaps or repeats', async () => {
    const before = await publish('c', { roles: ['auditor'] });
    const missed: number[] = [];
    for (let i = 0; i < 7; i++) missed.push(await publish(`m${i}`, { roles: ['auditor'] }));
    await publish('not-for-carol', { groups: ['db-approvers'] });
    const resumed = sink({ read: true });
    await hub.connect(carol, resumed.res, before);
    const live = await publish('live', { roles: ['auditor'] });
    await until('the live event', () => idsIn(resumed.text()).includes(live));
    expect(idsIn(resumed.text())).toEqual([...missed, live]);
    resumed.stream.destroy();
  });

  it('cuts off a client that does not read, and forgets it', async () => {
    const stuck = sink({ read: false });
    await hub.connect(bob, stuck.res, null);
    const count = hub.clientCount;
    for (let i = 0; i < 40; i++) await publish('x'.repeat(2000), { groups: ['db-approvers'] });
    await until('the stuck client to be dropped', () => stuck.stream.destroyed);
    await until('the hub to forget it', () => hub.clientCount === count - 1);
  });

  it('ends every stream when stopped', async () => {
    const open = sink({ read: true });
    const local = new EventHub({ db, log: pino({ level: 'silent' }) });
    await local.start();
    await local.connect(alice, open.res, null);
    await local.stop();
    expect(open.stream.writableEnded).toBe(true);
    const late = sink({ read: true });
    await local.connect(alice, late.res, null);
    expect(late.stream.writableEnded).toBe(true);
  });
});
