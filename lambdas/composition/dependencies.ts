/**
 * What the handlers are built from. The Lambda composition (environment.ts) and the local
 * gateway each produce these; handlers never read process.env themselves.
 */
import type { AsyncJoinAuthorizationHook } from '../core/authorization.js';
import type { TopicastConfig } from '../core/config.js';
import type { Clock, FanoutDispatcher, IdGenerator, Logger, MessageSender, RealtimeStore, TokenVerifier } from '../core/ports.js';
import { Broadcaster } from '../core/use-cases/broadcaster.js';
import { authorizeJoin as customAuthorizeJoin } from '../custom/authorize.js';
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

export function assembleMessaging(parts: MessagingParts): MessagingDependencies {
  const broadcaster = new Broadcaster({
    store: parts.store,
    sender: parts.sender,
    config: parts.config,
    logger: parts.logger,
    dispatcher: parts.dispatcher,
  });
  // The user's hook module is imported here, the one place both the Lambda functions and
  // the local gateway assemble their dependencies, so it runs the same in both.
  return { ...parts, authorizeHook: parts.authorizeHook ?? customAuthorizeJoin, broadcaster };
}

/** Builds once, on first use; in Lambda, at module load so the work lands in the init phase. */
export function once<T>(factory: () => T, eager: boolean): () => T {
  let value: { current: T } | undefined = eager ? { current: factory() } : undefined;
  return () => (value ??= { current: factory() }).current;
}
