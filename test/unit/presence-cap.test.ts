/** The presence cap's pure parts: a topic's cap, occupancy counts, and what a window sends. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambdas/core/config-schema.js';
import { resolveConfig } from '../../lambdas/core/config.js';
import { cappedWindowPlan, occupancyOf, presenceCapFor } from '../../lambdas/core/presence-cap.js';

describe('presenceCapFor', () => {
  it('is 200 by default, the first pattern that sets one wins, and window-0 topics are not capped', () => {
    // Prepare
    const config = resolveConfig({
      presence: { topics: [{ pattern: 'dm:*', windowMs: 0 }, { pattern: 'stage:main', windowMs: 1000 }, { pattern: 'stage:*', maxMembers: 50 }, { pattern: 'stage:*', maxMembers: 9 }] },
    });

    // Act / Assess
    expect(presenceCapFor('room:a', config)).toBe(200);
    expect(presenceCapFor('stage:main', config)).toBe(50);
    expect(presenceCapFor('dm:x', config)).toBe(Number.POSITIVE_INFINITY);
  });

  it('takes the config-wide cap', () => {
    expect(presenceCapFor('room:a', resolveConfig({ presence: { maxMembers: 1000 } }))).toBe(1000);
  });

  it('refuses caps outside 1 to 10,000 with the field named', () => {
    expect(() => resolveConfig({ presence: { maxMembers: 10_001 } })).toThrow(ConfigError);
    expect(() => resolveConfig({ presence: { maxMembers: 1.5 } })).toThrow(/presence\.maxMembers must be an integer from 1 to 10000/);
    expect(() => resolveConfig({ presence: { topics: [{ pattern: 'a:*', maxMembers: -1 }] } })).toThrow(/presence\.topics\.0\.maxMembers/);
  });
});

describe('occupancyOf', () => {
  it('counts subscriptions and distinct presence keys (one user on two connections is one key)', () => {
    expect(occupancyOf([{ presenceKey: 'u1' }, { presenceKey: 'u1' }, { presenceKey: 'u2' }, { presenceKey: null }])).toEqual({ subscribers: 4, presence: 2 });
  });
});

describe('cappedWindowPlan', () => {
  // cappedJoins ahead of settledCappedJoins: a join found the topic over its cap after the last decision.
  const counted = (capped: boolean, cappedJoins = 0, settledCappedJoins = cappedJoins) => ({ capped, cappedJoins, settledCappedJoins });

  it('sends the diff under the cap, as without one', () => {
    expect(cappedWindowPlan(3, 3, null)).toBe('diff');
    expect(cappedWindowPlan(3, 3, counted(false))).toBe('diff');
    expect(cappedWindowPlan(3, 3, counted(false, 4, 4))).toBe('diff');
  });

  it('caps (empty state and count) on going over, then only counts', () => {
    expect(cappedWindowPlan(4, 3, null)).toBe('cap');
    expect(cappedWindowPlan(4, 3, counted(false))).toBe('cap');
    expect(cappedWindowPlan(4, 3, counted(true))).toBe('count');
    expect(cappedWindowPlan(10, 3, counted(true), 6)).toBe('count');
  });

  it('resets the window\'s joiners when one of them may have found the topic at or under the cap', () => {
    // 5 at the end with 2 joins in the window: the first joiner may have counted 3 (the cap)
    expect(cappedWindowPlan(5, 3, counted(true), 2)).toBe('count-and-reset-joiners');
    expect(cappedWindowPlan(5, 3, counted(true), 1)).toBe('count');
  });

  it('resends the whole state back under the cap, or after a join that found it over and no decision covered', () => {
    expect(cappedWindowPlan(3, 3, counted(true))).toBe('uncap');
    expect(cappedWindowPlan(2, 3, counted(false, 1, 0))).toBe('uncap');
    expect(cappedWindowPlan(2, 3, counted(false, 5, 4))).toBe('uncap');
  });
});
