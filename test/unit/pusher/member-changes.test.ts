import { describe, expect, it } from 'vitest';
import { diffOf } from '../../../lambdas/core/presence.js';
import { memberChanges } from '../../../lambdas/core/pusher/member-changes.js';

const row = (key: string, ref: string) => ({ presenceKey: key, meta: { phx_ref: ref } });
const entry = (key: string, ref: string) => ({ key, meta: { phx_ref: ref } });

describe('Pusher member changes, counted per user', () => {
  it('adds a user with its first connection only', () => {
    expect(memberChanges(diffOf([entry('alice', '002')], []), [row('alice', '002')])).toEqual({ added: ['alice'], removed: [] });
    // A second tab of alice, joined after the first: nobody new.
    expect(memberChanges(diffOf([entry('alice', '005')], []), [row('alice', '002'), row('alice', '005')])).toEqual({ added: [], removed: [] });
  });

  it('removes a user with its last connection only', () => {
    expect(memberChanges(diffOf([], [entry('alice', '002')]), [row('alice', '005')])).toEqual({ added: [], removed: [] });
    expect(memberChanges(diffOf([], [entry('alice', '005')]), [row('bob', '001')])).toEqual({ added: [], removed: ['alice'] });
  });

  it('announces a user once when two first connections join at once and each reads the other', () => {
    const live = [row('alice', '002'), row('alice', '003')];
    const first = memberChanges(diffOf([entry('alice', '002')], []), live);
    const second = memberChanges(diffOf([entry('alice', '003')], []), live);
    expect([...first.added, ...second.added]).toEqual(['alice']);
  });

  it('adds nobody for a join already gone again, and a rejoin of the same connection changes nothing', () => {
    expect(memberChanges(diffOf([entry('alice', '002')], [entry('alice', '002')]), [])).toEqual({ added: [], removed: ['alice'] });
    expect(memberChanges(diffOf([entry('alice', '004')], [entry('alice', '002')]), [row('alice', '004')])).toEqual({ added: ['alice'], removed: [] });
    expect(memberChanges(diffOf([entry('alice', '004')], [entry('alice', '002')]), [row('alice', '001'), row('alice', '004')])).toEqual({ added: [], removed: [] });
  });
});
