/**
 * Decodes a frame and runs the matching use case. Every refusal becomes an error reply
 * with a stable reason; nothing a client sends can throw past here.
 */
import type { TopicastConfig } from '../config.js';
import { type Command, type OutboundMessage, type WireFormat } from '../protocol/messages.js';
import type { Logger } from '../ports.js';
import type { Requester } from './requester.js';
export type CommandRunner = (requester: Requester, command: Command) => Promise<OutboundMessage[]>;
export interface FrameOutcome {
    readonly format: WireFormat;
    readonly messages: OutboundMessage[];
}
export declare function handleFrame(deps: {
    readonly config: TopicastConfig;
    readonly logger: Logger;
}, requester: Requester, body: string | null | undefined, run: CommandRunner): Promise<FrameOutcome>;
