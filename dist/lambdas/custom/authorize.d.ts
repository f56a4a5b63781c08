/**
 * Your own join policy. topicast imports `authorizeJoin` from this file in its composition
 * (lambdas/composition/dependencies.ts), so it is bundled into the deployed functions and
 * runs in the local gateway alike; edit it in place, nothing else needs wiring.
 *
 * It runs on every join the built-in rules allowed (`user:<sub>` topics, `topicRules`),
 * after them, and gets the topic, the connection's identity (null when anonymous: the
 * verified token's `sub` and all its claims) and the join payload. Return
 *   { allowed: true }                   to allow,
 *   { allowed: false, message: '...' }  to refuse (the client gets `unauthorized` and the message),
 *   undefined                           to keep the rules' verdict.
 * It may be async. It cannot re-allow what the rules refused. If it throws, the join is
 * refused with `internal_error` and the error is logged.
 *
 * Example: private rooms whose members your own service knows.
 *
 *   export const authorizeJoin: AsyncJoinAuthorizationHook = async ({ topic, identity }) => {
 *     const room = /^room:private:(.+)$/.exec(topic)?.[1];
 *     if (room === undefined) return undefined;
 *     if (identity === null) return { allowed: false, message: 'private rooms need a token' };
 *     return (await isMember(identity.sub, room)) ? { allowed: true } : { allowed: false, message: 'not a member' };
 *   };
 *
 * Deployed, the hook runs in the `join` and `$default` functions; grant them whatever it
 * calls, e.g. `api.functions.join.addToRolePolicy(...)` and the same for `$default`.
 */
import type { AsyncJoinAuthorizationHook } from '../core/authorization.js';
export declare const authorizeJoin: AsyncJoinAuthorizationHook | undefined;
