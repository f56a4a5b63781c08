/**
 * Who may join which topic. Built-in rule: `user:<sub>` and `user:<sub>:*` belong to that
 * sub alone. Configured rules add claim requirements per topic pattern. Anything beyond
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
}

const ALLOW: AuthorizationDecision = { allowed: true };
const USER_TOPIC = /^user:([^:]+)(?::.*)?$/s;

/** The built-in rule, then the configured rules. A channel module's `join` decides after them. */
export function authorizeJoin(request: JoinRequest, rules: readonly TopicRule[]): AuthorizationDecision {
  return builtInDecision(request) ?? ruleDecision(request, rules) ?? ALLOW;
}

function builtInDecision({ topic, identity }: JoinRequest): AuthorizationDecision | undefined {
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
