import { describe, expect, it } from 'vitest';
import { SeqTracker } from '../../client/seq-tracker.js';

describe('SeqTracker', () => {
  it('starts at the join reply seq and rejoins with the last seq seen', () => {
    const seen = new SeqTracker();
    expect(seen.joinParams({ name: 'a' })).toEqual({ name: 'a' });

    seen.joined({ replayed: 0, truncated: false, seq: 100 });
    expect(seen.since).toBe(100);
    expect(seen.accept(101)).toBe(true);
    expect(seen.accept('102')).toBe(true);
    expect(seen.joinParams({ name: 'a' })).toEqual({ name: 'a', since: 102 });
  });

  it('drops a seq seen before: a replayed one that also arrived live, in either order', () => {
    const seen = new SeqTracker({ since: 10 });
    expect([11, 13, 12, 13, 11, 9, 10].map((seq) => seen.accept(seq))).toEqual([true, true, true, false, false, false, false]);
    expect(seen.since).toBe(13);
  });

  it('keeps since below an open gap, so a rejoin asks for the missing message again', () => {
    let now = 0;
    const seen = new SeqTracker({ since: 10, now: () => now, settleMs: 1000 });
    seen.accept(11);
    seen.accept(13);
    expect(seen.since).toBe(11);

    now = 999;
    expect(seen.since).toBe(11);
    expect(seen.accept(12)).toBe(true);
    expect(seen.since).toBe(13);
  });

  it('gives up a gap that stays open longer than settleMs (a publisher that failed)', () => {
    let now = 0;
    const seen = new SeqTracker({ since: 10, now: () => now, settleMs: 1000 });
    seen.accept(13);
    seen.accept(14);

    now = 1001;
    expect(seen.since).toBe(14);
    expect(seen.accept(12)).toBe(false);
  });

  it('gives up what retention dropped when a replay was cut short', () => {
    const seen = new SeqTracker({ since: 10 });
    seen.accept(50);
    seen.accept(51);
    seen.joined({ replayed: 2, truncated: true, seq: 51 });
    expect(seen.since).toBe(51);
  });

  it('after joining a topic with no message yet, asks for everything retained, then from just below the lowest seq seen', () => {
    const seen = new SeqTracker();
    seen.joined({ replayed: 0, truncated: false, seq: 0 });
    expect(seen.joinParams()).toEqual({ since: 0 });

    // Seqs begin where the topic's history began, not at 1; two concurrent first messages may arrive swapped.
    expect(seen.accept(5001)).toBe(true);
    expect(seen.accept(5000)).toBe(true);
    expect(seen.accept(5001)).toBe(false);
    expect(seen.since).toBe(4999);
  });

  it('passes messages without a seq (topics without history, presence events)', () => {
    const seen = new SeqTracker();
    expect(seen.accept(null)).toBe(true);
    expect(seen.accept(undefined)).toBe(true);
    expect(seen.since).toBeNull();
  });
});

describe('SeqTracker, a replay stopped at the server deadline (more, resumeSince)', () => {
  it('joins again from resumeSince, even across a hole it never saw filled, and says when to', () => {
    let now = 0;
    const seen = new SeqTracker({ since: 10, now: () => now, settleMs: 1000 });
    expect(seen.joinParams()).toEqual({ since: 10 });
    // Seq 11 was a hole (its publisher died); 12..20 replayed before the deadline.
    for (let seq = 12; seq <= 20; seq += 1) expect(seen.accept(seq)).toBe(true);
    expect(seen.joined({ replayed: 9, truncated: false, seq: 50, more: true, resumeSince: 20 })).toBe(true);
    expect(seen.joinParams()).toEqual({ since: 20 });

    // The next join replays the rest; seqs it repeats, or live ones seen meanwhile, are dropped once.
    expect(seen.accept(51)).toBe(true);
    for (let seq = 21; seq <= 50; seq += 1) expect(seen.accept(seq)).toBe(true);
    expect(seen.accept(20)).toBe(false);
    expect(seen.accept(51)).toBe(false);
    expect(seen.joined({ replayed: 30, truncated: false, seq: 51 })).toBe(false);
    // Never below where the replay moved on; the hole itself is given up as any gap is.
    expect(seen.since).toBe(20);
    now = 1001;
    expect(seen.since).toBe(51);
  });

  it('answers false when the replay could send nothing (no progress), so a client never loops', () => {
    const seen = new SeqTracker({ since: 10 });
    expect(seen.joinParams()).toEqual({ since: 10 });
    expect(seen.joined({ replayed: 0, truncated: false, seq: 50, more: true, resumeSince: 10 })).toBe(false);
    expect(seen.since).toBe(10);
  });

  it('ignores a malformed resumeSince', () => {
    const seen = new SeqTracker({ since: 10 });
    seen.joinParams();
    expect(seen.joined({ replayed: 0, truncated: false, seq: 50, more: true, resumeSince: '20' })).toBe(false);
    expect(seen.since).toBe(10);
  });
});
