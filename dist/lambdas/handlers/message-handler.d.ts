/**
 * The shape every message route shares: decode, run one use case, reply. A single reply
 * is returned as the route response (two-way route: API Gateway sends it back); several
 * (a join's reply then presence_state) are posted in order so the client sees the reply first.
 */
import type { MessagingDependencies } from '../composition/dependencies.js';
import type { Command, OutboundMessage } from '../core/protocol/messages.js';
import type { Logger, MessageSender } from '../core/ports.js';
import type { TopicastConfig } from '../core/config.js';
import type { Requester } from '../core/use-cases/requester.js';
import { type GatewayHandler, type GatewayRequestContext } from './api-gateway-event.js';
interface FrameDependencies {
    readonly config: TopicastConfig;
    readonly logger: Logger;
    readonly endpointFor: (context: GatewayRequestContext) => string;
    readonly sender?: MessageSender;
}
export type CommandRun<D> = (deps: D, requester: Requester, command: Command) => Promise<OutboundMessage[]>;
export declare function createMessageHandler<D extends FrameDependencies>(dependencies: () => D, run: CommandRun<D>): GatewayHandler;
/** A route that serves one command kind; API Gateway routing makes a mismatch impossible. */
export declare function only<K extends Command['kind'], D>(kind: K, run: (deps: D, requester: Requester, command: Extract<Command, {
    kind: K;
}>) => Promise<OutboundMessage[]>): CommandRun<D>;
export type { MessagingDependencies };
