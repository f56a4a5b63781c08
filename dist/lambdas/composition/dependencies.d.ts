/**
 * What the handlers are built from. The Lambda composition (environment.ts) and the local
 * gateway each produce these; handlers never read process.env themselves.
 */
import type { AsyncJoinAuthorizationHook } from '../core/authorization.js';
import type { TopicastConfig } from '../core/config.js';
import type { Clock, FanoutDispatcher, IdGenerator, Logger, MessageSender, RealtimeStore, TokenVerifier } from '../core/ports.js';
import { Broadcaster } from '../core/use-cases/broadcaster.js';
import type { GatewayRequestContext } from '../handlers/api-gateway-event.js';
export interface BaseDependencies {
    readonly config: TopicastConfig;
    readonly logger: Logger;
}
export interface ConnectDependencies extends BaseDependencies {
    readonly store: RealtimeStore;
    readonly clock: Clock;
    readonly verifier?: TokenVerifier | undefined;
    /** The Management API endpoint that reaches a connection of this request's gateway. */
    readonly endpointFor: (context: GatewayRequestContext) => string;
}
export interface MessagingDependencies extends ConnectDependencies {
    readonly sender: MessageSender;
    readonly broadcaster: Broadcaster;
    readonly ids: IdGenerator;
    /** Custom join policy; defaults to the `authorizeJoin` export of lambdas/custom/authorize.ts. */
    readonly authorizeHook?: AsyncJoinAuthorizationHook | undefined;
}
export interface MessagingParts extends Omit<MessagingDependencies, 'broadcaster'> {
    readonly dispatcher?: FanoutDispatcher | undefined;
}
export declare function assembleMessaging(parts: MessagingParts): MessagingDependencies;
/** Builds once, on first use; in Lambda, at module load so the work lands in the init phase. */
export declare function once<T>(factory: () => T, eager: boolean): () => T;
