/**
 * Who may join which topic. Built-in rules: `user:<sub>` and `user:<sub>:*` belong to that
 * sub alone; Pusher's `private-` and `presence-` channels need a signed Pusher auth or a token. Configured rules add claim requirements per topic pattern. Anything beyond
 * belongs to the topic's channel module (`join`), which runs only when these allowed.
 */
import type { TopicRule } from './config.js';
import type { Identity } from './identity.js';
import { matchesPattern } from './topic-patterns.js';

export type AuthorizationDecision = { readonly allowed: true } | { readonly allowed: false; readonly message: string };

export interface JoinRequest {
  readonly topic: string;
  readonly identity: Identity | null;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The join carries a Pusher channel auth the app server signed and that was verified. */
  readonly pusherSigned?: boolean;
}

const ALLOW: AuthorizationDecision = { allowed: true };
const USER_TOPIC = /^user:([^:]+)(?::.*)?$/s;
/** Pusher's private and presence channels (`private-encrypted-` too): the app server decides who joins. */
const PUSHER_AUTHORIZED_TOPIC = /^(private|presence)-/;

/** The built-in rule, then the configured rules. A channel module's `join` decides after them. */
export function authorizeJoin(request: JoinRequest, rules: readonly TopicRule[]): AuthorizationDecision {
  return builtInDecision(request) ?? ruleDecision(request, rules) ?? ALLOW;
}

function builtInDecision({ topic, identity, pusherSigned }: JoinRequest): AuthorizationDecision | undefined {
  // A Pusher client proves its right with the app server's signature; a Phoenix or native
  // client with a token the app issued (its channel module may ask more): never anonymously.
  if (PUSHER_AUTHORIZED_TOPIC.test(topic)) return pusherSigned === true || identity ? ALLOW : { allowed: false, message: `${topic} needs an authenticated connection (or, from a Pusher client, a signed auth)` };
  const match = USER_TOPIC.exec(topic);
  if (!match) return undefined;
  if (!identity) return { allowed: false, message: `${topic} needs an authenticated connection` };
  if (identity.sub !== match[1]) return { allowed: false, message: `${topic} belongs to another user` };
  return ALLOW;
}

function ruleDecision({ topic, identity }: JoinRequest, rules: readonly TopicRule[]): AuthorizationDecision | undefined {
  for (const rule of rules) {
    if (!matchesPattern(rule.pattern, topic)) continue;
    if (!identity) {
      if (rule.allowAnonymous === false || rule.claims) return { allowed: false, message: `${topic} needs an authenticated connection` };
      continue;
    }
    for (const [claim, accepted] of Object.entries(rule.claims ?? {})) {
      if (!claimMatches(identity.claims[claim], accepted)) {
        return { allowed: false, message: `${topic} needs claim ${claim} to be one of ${accepted.join(', ')}` };
      }
    }
  }
  return undefined;
}

/** A claim matches when it equals an accepted value, or is a list containing one (Cognito groups). */
function claimMatches(value: unknown, accepted: readonly string[]): boolean {
  if (Array.isArray(value)) return value.some((item) => accepted.includes(String(item)));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return accepted.includes(String(value));
  return false;
}
