import { matchesPattern } from './topic-patterns.js';
const ALLOW = { allowed: true };
const USER_TOPIC = /^user:([^:]+)(?::.*)?$/s;
export function authorizeJoin(request, rules, hook) {
    const decision = builtInDecision(request) ?? ruleDecision(request, rules) ?? ALLOW;
    if (!decision.allowed || !hook)
        return decision;
    return hook(request) ?? decision;
}
/**
 * As `authorizeJoin`, with a hook that may be async. The hook runs only when the rules
 * allowed the join, so it can never re-allow what they refused. Anything but an explicit
 * `allowed: true` from it is a refusal.
 */
export async function authorizeJoinAsync(request, rules, hook) {
    const decision = authorizeJoin(request, rules);
    if (!decision.allowed || !hook)
        return decision;
    const verdict = await hook(request);
    if (verdict === undefined || verdict === null)
        return decision;
    if (verdict.allowed === true)
        return ALLOW;
    const message = 'message' in verdict && typeof verdict.message === 'string' && verdict.message.length > 0 ? verdict.message : `${request.topic} was refused`;
    return { allowed: false, message };
}
function builtInDecision({ topic, identity }) {
    const match = USER_TOPIC.exec(topic);
    if (!match)
        return undefined;
    if (!identity)
        return { allowed: false, message: `${topic} needs an authenticated connection` };
    if (identity.sub !== match[1])
        return { allowed: false, message: `${topic} belongs to another user` };
    return ALLOW;
}
function ruleDecision({ topic, identity }, rules) {
    for (const rule of rules) {
        if (!matchesPattern(rule.pattern, topic))
            continue;
        if (!identity) {
            if (rule.allowAnonymous === false || rule.claims)
                return { allowed: false, message: `${topic} needs an authenticated connection` };
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
function claimMatches(value, accepted) {
    if (Array.isArray(value))
        return value.some((item) => accepted.includes(String(item)));
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        return accepted.includes(String(value));
    return false;
}
