/**
 * Who may join which topic. Built-in rule: `user:<sub>` and `user:<sub>:*` belong to that
 * sub alone. Configured rules add claim requirements per topic pattern; a custom hook,
 * when given, runs last and may refuse anything the rules allowed.
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

/** Custom policy code; return a decision or `undefined` to keep the rules' verdict. */
export type JoinAuthorizationHook = (request: JoinRequest) => AuthorizationDecision | undefined;

/** A hook that may look something up first (a table, an API); see lambdas/custom/authorize.ts. */
export type AsyncJoinAuthorizationHook = (request: JoinRequest) => AuthorizationDecision | undefined | Promise<AuthorizationDecision | undefined>;

const ALLOW: AuthorizationDecision = { allowed: true };
const USER_TOPIC = /^user:([^:]+)(?::.*)?$/s;

export function authorizeJoin(request: JoinRequest, rules: readonly TopicRule[], hook?: JoinAuthorizationHook): AuthorizationDecision {
  const decision = builtInDecision(request) ?? ruleDecision(request, rules) ?? ALLOW;
  if (!decision.allowed || !hook) return decision;
  return hook(request) ?? decision;
}

/**
 * As `authorizeJoin`, with a hook that may be async. The hook runs only when the rules
 * allowed the join, so it can never re-allow what they refused. Anything but an explicit
 * `allowed: true` from it is a refusal.
 */
export async function authorizeJoinAsync(request: JoinRequest, rules: readonly TopicRule[], hook?: AsyncJoinAuthorizationHook): Promise<AuthorizationDecision> {
  const decision = authorizeJoin(request, rules);
  if (!decision.allowed || !hook) return decision;
  const verdict = await hook(request);
  if (verdict === undefined || verdict === null) return decision;
  if (verdict.allowed === true) return ALLOW;
  const message = 'message' in verdict && typeof verdict.message === 'string' && verdict.message.length > 0 ? verdict.message : `${request.topic} was refused`;
  return { allowed: false, message };
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
