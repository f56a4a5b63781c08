import { describe, it, expect } from 'vitest';
import { authorizeJoin, type AuthorizationDecision } from '../../lambdas/core/authorization.js';
import type { TopicRule } from '../../lambdas/core/config.js';
import type { Identity } from '../../lambdas/core/identity.js';
import { presenceKeyOf } from '../../lambdas/core/identity.js';

const user = (sub: string, claims: Record<string, unknown> = {}): Identity => ({ sub, claims: { sub, ...claims } });
const decide = (topic: string, identity: Identity | null, rules: readonly TopicRule[] = []): AuthorizationDecision =>
  authorizeJoin({ topic, identity, payload: {} }, rules);

describe('authorization', () => {
  describe('user topics', () => {
    it.each([
      ['user:alice', 'alice', true],
      ['user:alice:inbox', 'alice', true],
      ['user:alice:a:b', 'alice', true],
      ['user:alice', 'bob', false],
      ['user:alice:inbox', 'bob', false],
      ['user:alice', 'alice2', false],
      ['user:alice2', 'alice', false],
      ['user:alice', 'ALICE', false],
      ['user:alice:inbox', 'alice:inbox', false],
    ])('%s joined by sub %s: allowed %s', (topic, sub, allowed) => {
      // Act
      const decision = decide(topic, user(sub));

      // Assess
      expect(decision.allowed).toBe(allowed);
    });

    it.each(['user:alice', 'user:alice:inbox'])('refuses %s to an anonymous connection', (topic) => {
      // Act
      const decision = decide(topic, null);

      // Assess
      expect(decision).toEqual({ allowed: false, message: expect.stringContaining('authenticated') });
    });

    it('tells the other user the topic belongs to someone else', () => {
      // Act
      const decision = decide('user:alice', user('bob'));

      // Assess
      expect(decision).toEqual({ allowed: false, message: expect.stringContaining('another user') });
    });

    it.each(['users:alice', 'room:user:alice', 'userx:alice'])('does not treat %s as a user topic', (topic) => {
      // Act & Assess
      expect(decide(topic, null).allowed).toBe(true);
      expect(decide(topic, user('bob')).allowed).toBe(true);
    });

    it('allows other topics to anyone without rules', () => {
      // Act & Assess
      expect(decide('room:lobby', null).allowed).toBe(true);
      expect(decide('room:lobby', user('bob')).allowed).toBe(true);
    });
  });

  describe('claim rules', () => {
    const rules: TopicRule[] = [{ pattern: 'admin:*', claims: { role: ['admin', 'owner'] } }];

    it('allows a string claim with an accepted value', () => {
      // Act & Assess
      expect(decide('admin:panel', user('ada', { role: 'admin' })).allowed).toBe(true);
      expect(decide('admin:panel', user('ada', { role: 'owner' })).allowed).toBe(true);
    });

    it('allows an array claim containing an accepted value (Cognito groups)', () => {
      // Prepare
      const groupRules: TopicRule[] = [{ pattern: 'admin:*', claims: { 'cognito:groups': ['admin'] } }];

      // Act & Assess
      expect(decide('admin:panel', user('ada', { 'cognito:groups': ['staff', 'admin'] }), groupRules).allowed).toBe(true);
      expect(decide('admin:panel', user('ada', { 'cognito:groups': ['staff'] }), groupRules).allowed).toBe(false);
      expect(decide('admin:panel', user('ada', { 'cognito:groups': [] }), groupRules).allowed).toBe(false);
    });

    it('refuses a claim with another value', () => {
      // Act
      const decision = decide('admin:panel', user('bob', { role: 'user' }), rules);

      // Assess
      expect(decision).toEqual({ allowed: false, message: expect.stringContaining('role') });
    });

    it('refuses a missing claim and claims of the wrong type', () => {
      // Act & Assess
      expect(decide('admin:panel', user('bob'), rules).allowed).toBe(false);
      expect(decide('admin:panel', user('bob', { role: { name: 'admin' } }), rules).allowed).toBe(false);
      expect(decide('admin:panel', user('bob', { role: null }), rules).allowed).toBe(false);
    });

    it('refuses anonymous connections on a topic with claim requirements', () => {
      // Act & Assess
      expect(decide('admin:panel', null, rules).allowed).toBe(false);
    });

    it('does not apply to topics outside the pattern', () => {
      // Act & Assess
      expect(decide('room:lobby', null, rules).allowed).toBe(true);
      expect(decide('admins', user('bob'), rules).allowed).toBe(true);
    });

    it('requires every listed claim', () => {
      // Prepare
      const both: TopicRule[] = [{ pattern: 'ops:*', claims: { role: ['admin'], tenant: ['acme'] } }];

      // Act & Assess
      expect(decide('ops:x', user('a', { role: 'admin', tenant: 'acme' }), both).allowed).toBe(true);
      expect(decide('ops:x', user('a', { role: 'admin', tenant: 'other' }), both).allowed).toBe(false);
      expect(decide('ops:x', user('a', { tenant: 'acme' }), both).allowed).toBe(false);
    });

    it('applies every matching rule, not only the first', () => {
      // Prepare
      const layered: TopicRule[] = [
        { pattern: 'team:*', claims: { role: ['member'] } },
        { pattern: 'team:secret:*', claims: { clearance: ['high'] } },
      ];

      // Act & Assess
      expect(decide('team:secret:x', user('a', { role: 'member' }), layered).allowed).toBe(false);
      expect(decide('team:secret:x', user('a', { role: 'member', clearance: 'high' }), layered).allowed).toBe(true);
      expect(decide('team:open', user('a', { role: 'member' }), layered).allowed).toBe(true);
    });

    it('still enforces user topics when a rule would allow them', () => {
      // Prepare
      const open: TopicRule[] = [{ pattern: 'user:*', allowAnonymous: true }];

      // Act & Assess
      expect(decide('user:alice', user('bob'), open).allowed).toBe(false);
      expect(decide('user:alice', null, open).allowed).toBe(false);
    });
  });

  describe('allowAnonymous', () => {
    const rules: TopicRule[] = [{ pattern: 'members:*', allowAnonymous: false }];

    it('refuses anonymous connections when false', () => {
      // Act & Assess
      expect(decide('members:lounge', null, rules)).toEqual({ allowed: false, message: expect.stringContaining('authenticated') });
    });

    it('allows any authenticated connection when no claims are listed', () => {
      // Act & Assess
      expect(decide('members:lounge', user('bob'), rules).allowed).toBe(true);
    });

    it('allows anonymous connections by default', () => {
      // Act & Assess
      expect(decide('members:lounge', null, [{ pattern: 'members:*' }]).allowed).toBe(true);
    });
  });

  describe('presenceKeyOf', () => {
    it('is the sub when authenticated, else the connection id', () => {
      // Act & Assess
      expect(presenceKeyOf(user('alice'), 'conn-1')).toBe('alice');
      expect(presenceKeyOf(null, 'conn-1')).toBe('conn-1');
    });
  });
});
