import { describe, expect, it } from 'vitest';
import { initialColumnWidth } from '../../../renderer/features/query/column-width.ts';
import { completionNamespace } from '../../../renderer/features/query/completion-schema.ts';
import { QueryHistory, type KeyValueStorage } from '../../../renderer/features/query/query-history.ts';
import { ResultBuffer } from '../../../renderer/features/query/result-buffer.ts';
import { textToRun } from '../../../renderer/features/query/run-selection.ts';
import { createThrottle, type ThrottleClock } from '../../../renderer/features/query/throttle.ts';

const columns = [
  { name: 'id', typeName: 'int4', masked: null },
  { name: 'email', typeName: 'text', masked: { rule: 'public.customers.email', style: 'partial' } },
];

describe('ResultBuffer', () => {
  it('appends batches in place and counts versions', () => {
    const buffer = new ResultBuffer();
    let notified = 0;
    buffer.subscribe(() => notified++);
    buffer.reset(columns);
    const before = buffer.rows;
    buffer.append([['1', 'a***@x.com']]);
    buffer.append([]);
    buffer.append([['2', null]]);
    expect(buffer.size).toBe(2);
    expect(buffer.rows).toBe(before);
    expect(buffer.row(1)).toEqual(['2', null]);
    expect(buffer.row(2)).toBeUndefined();
    expect(buffer.version).toBe(3);
    expect(notified).toBe(3);
  });

  it('takes 100k rows in one batch without overflowing the stack, and resets for a new result set', () => {
    const buffer = new ResultBuffer();
    buffer.reset(columns);
    const batch = Array.from({ length: 200_000 }, (_, i) => [String(i), null]);
    buffer.append(batch);
    expect(buffer.size).toBe(200_000);
    buffer.reset([columns[0]!]);
    expect(buffer.size).toBe(0);
    expect(buffer.columns).toHaveLength(1);
  });
});

function manualClock(): ThrottleClock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.id !== handle);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

describe('createThrottle', () => {
  it('runs at once, then at most once per interval, and never loses the last call', () => {
    const clock = manualClock();
    let runs = 0;
    const throttle = createThrottle(() => runs++, 100, clock);
    throttle.trigger();
    expect(runs).toBe(1);
    for (let i = 0; i < 50; i++) throttle.trigger();
    expect(runs).toBe(1);
    clock.advance(99);
    expect(runs).toBe(1);
    clock.advance(1);
    expect(runs).toBe(2);
    clock.advance(500);
    expect(runs).toBe(2);
    throttle.trigger();
    expect(runs).toBe(3);
  });

  it('flush runs a pending call now; cancel drops it', () => {
    const clock = manualClock();
    let runs = 0;
    const throttle = createThrottle(() => runs++, 100, clock);
    throttle.trigger();
    throttle.trigger();
    throttle.flush();
    expect(runs).toBe(2);
    throttle.flush();
    expect(runs).toBe(2);
    clock.advance(10);
    throttle.trigger();
    throttle.cancel();
    clock.advance(1000);
    expect(runs).toBe(2);
  });
});

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
}

describe('QueryHistory', () => {
  it('keeps statements per connection, newest first, without duplicates, up to the limit', () => {
    const storage = new MemoryStorage();
    const history = new QueryHistory(storage, 3);
    history.record('demo', 'select 1', new Date('2025-01-01T00:00:01Z'));
    history.record('demo', ' select 2 ', new Date('2025-01-01T00:00:02Z'));
    history.record('other', 'select 9', new Date('2025-01-01T00:00:03Z'));
    history.record('demo', 'select 1', new Date('2025-01-01T00:00:04Z'));
    history.record('demo', 'select 3', new Date('2025-01-01T00:00:05Z'));
    history.record('demo', 'select 4', new Date('2025-01-01T00:00:06Z'));
    history.record('demo', '   ', new Date('2025-01-01T00:00:07Z'));
    expect(history.list('demo').map((e) => e.sql)).toEqual(['select 4', 'select 3', 'select 1']);
    expect(history.list('demo')[2]!.at).toBe('2025-01-01T00:00:04.000Z');
    expect(history.list('other').map((e) => e.sql)).toEqual(['select 9']);
    history.clear('demo');
    expect(history.list('demo')).toEqual([]);
  });

  it('stores only SQL text and time', () => {
    const storage = new MemoryStorage();
    new QueryHistory(storage).record('demo', 'select email from customers', new Date(0));
    expect(JSON.parse(storage.map.get('gatehouse.history.demo')!)).toEqual([{ sql: 'select email from customers', at: '1970-01-01T00:00:00.000Z' }]);
  });

  it('survives corrupt or failing storage', () => {
    const storage = new MemoryStorage();
    storage.setItem('gatehouse.history.demo', '{not json');
    const history = new QueryHistory(storage);
    expect(history.list('demo')).toEqual([]);
    storage.setItem('gatehouse.history.demo', JSON.stringify([{ sql: 'ok', at: 'x' }, { sql: 5 }, null]));
    expect(history.list('demo')).toEqual([{ sql: 'ok', at: 'x' }]);
    const failing: KeyValueStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const broken = new QueryHistory(failing);
    expect(broken.record('demo', 'select 1', new Date(0))).toEqual([{ sql: 'select 1', at: '1970-01-01T00:00:00.000Z' }]);
    expect(broken.list('demo')).toEqual([]);
    expect(() => broken.clear('demo')).not.toThrow();
  });
});

describe('textToRun', () => {
  const doc = 'select 1;\nupdate t set x = 1;\n';
  it('runs the selection when there is one, else everything', () => {
    expect(textToRun(doc, [{ from: 10, to: 29 }])).toBe('update t set x = 1;');
    expect(textToRun(doc, [{ from: 3, to: 3 }])).toBe('select 1;\nupdate t set x = 1;');
    expect(textToRun(doc, [{ from: 29, to: 10 }])).toBe('update t set x = 1;');
  });

  it('joins several selections, falls back to the whole text for a blank one, and gives null for blank text', () => {
    expect(textToRun(doc, [{ from: 0, to: 9 }, { from: 10, to: 29 }])).toBe('select 1;\nupdate t set x = 1;');
    expect(textToRun(doc, [{ from: 9, to: 10 }])).toBe('select 1;\nupdate t set x = 1;');
    expect(textToRun('  \n ', [])).toBeNull();
  });
});

describe('completionNamespace and initialColumnWidth', () => {
  it('nests tables under schemas, without duplicate columns', () => {
    expect(
      completionNamespace([
        { schema: 'public', name: 'customers', columns: ['id', 'email', 'id'] },
        { schema: 'public', name: 'orders', columns: ['id'] },
        { schema: 'audit', name: 'log', columns: [] },
      ]),
    ).toEqual({ public: { customers: ['id', 'email'], orders: ['id'] }, audit: { log: [] } });
  });

  it('sizes numbers narrower than text, long names wider, within bounds', () => {
    expect(initialColumnWidth({ name: 'id', typeName: 'int4' })).toBe(100);
    expect(initialColumnWidth({ name: 'email', typeName: 'text' })).toBe(180);
    expect(initialColumnWidth({ name: 'created_at', typeName: 'timestamptz' })).toBe(200);
    expect(initialColumnWidth({ name: 'x'.repeat(100), typeName: 'text' })).toBe(420);
  });
});
