import { describe, expect, it } from 'vitest';
import { mayReceive } from '../../../server/events/event-audience.ts';
import { commentFrame, eventFrame } from '../../../server/events/sse-frames.ts';
import { alice, bob, carol, dave } from './principals.ts';

const none = { subjects: [], groups: [], roles: [] };

describe('mayReceive', () => {
  const updated = { type: 'approval.updated', request: { requester: 'alice' } };

  it('matches a subject, any group or any role', () => {
    expect(mayReceive(alice, { ...none, subjects: ['alice'] }, updated)).toBe(true);
    expect(mayReceive(bob, { ...none, groups: ['dba-leads', 'db-approvers'] }, updated)).toBe(true);
    expect(mayReceive(dave, { ...none, roles: ['admin'] }, { type: 'policy.changed' })).toBe(true);
  });

  it('matches nobody else', () => {
    expect(mayReceive(carol, { subjects: ['alice'], groups: ['db-approvers'], roles: ['admin'] }, updated)).toBe(false);
    expect(mayReceive(alice, none, updated)).toBe(false);
  });

  it('does not announce a request to its own requester as one to decide', () => {
    const requested = { type: 'approval.requested', request: { requester: 'bob' } };
    expect(mayReceive(bob, { ...none, groups: ['db-approvers'] }, requested)).toBe(false);
    expect(mayReceive(bob, { ...none, groups: ['db-approvers'] }, { ...requested, request: { requester: 'alice' } })).toBe(true);
  });
});

describe('SSE frames', () => {
  it('writes the id and one data line, and comments that cannot break the stream', () => {
    expect(eventFrame(42, JSON.stringify({ text: 'a\nb' }))).toBe('id: 42\ndata: {"text":"a\\nb"}\n\n');
    expect(commentFrame('keep\nalive')).toBe(': keep alive\n\n');
  });
});
