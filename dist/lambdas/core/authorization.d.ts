/**
 * Who may join which topic. Built-in rule: `user:<sub>` and `user:<sub>:*` belong to that
 * sub alone. Configured rules add claim requirements per topic pattern; a custom hook,
 * when given, runs last and may refuse anything the rules allowed.
 */
import type { TopicRule } from './config.js';
import type { Identity } from './identity.js';
export type AuthorizationDecision = {
    readonly allowed: true;
} | {
    readonly allowed: false;
    readonly message: string;
};
export interface JoinRequest {
    readonly topic: string;
    readonly identity: Identity | null;
    readonly payload: Readonly<Record<string, unknown>>;
}
/** Custom policy code; return a decision or `undefined` to keep the rules' verdict. */
export type JoinAuthorizationHook = (request: JoinRequest) => AuthorizationDecision | undefined;
/** A hook that may look something up first (a table, an API); see lambdas/custom/authorize.ts. */
export type AsyncJoinAuthorizationHook = (request: JoinRequest) => AuthorizationDecision | undefined | Promise<AuthorizationDecision | undefined>;
export declare function authorizeJoin(request: JoinRequest, rules: readonly TopicRule[], hook?: JoinAuthorizationHook): AuthorizationDecision;
/**
 * As `authorizeJoin`, with a hook that may be async. The hook runs only when the rules
 * allowed the join, so it can never re-allow what they refused. Anything but an explicit
 * `allowed: true` from it is a refusal.
 */
export declare function authorizeJoinAsync(request: JoinRequest, rules: readonly TopicRule[], hook?: AsyncJoinAuthorizationHook): Promise<AuthorizationDecision>;
