/**
 * Decodes client frames (native objects or Phoenix V2 arrays) into commands and encodes
 * outbound messages into either format. Pure: no I/O, never throws on any input.
 */
import type { Limits } from '../config.js';
import { ProtocolError } from '../errors.js';
import type { Command, OutboundMessage, ReplyContext, WireFormat } from './messages.js';
export type DecodeResult = {
    readonly ok: true;
    readonly command: Command;
} | {
    readonly ok: false;
    readonly error: ProtocolError;
    readonly context: ReplyContext;
};
type DecodeLimits = Pick<Limits, 'maxJsonDepth' | 'maxPayloadBytes'>;
export declare function decodeFrame(body: string | null | undefined, limits: DecodeLimits): DecodeResult;
/** Serializes a message for a client speaking `format`. */
export declare function encodeMessage(message: OutboundMessage, format: WireFormat): string;
export {};
