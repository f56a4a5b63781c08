/**
 * Decodes a frame and runs the matching use case. Every refusal becomes an error reply
 * with a stable reason; nothing a client sends can throw past here.
 */
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import { decodeFrame } from '../protocol/codec.js';
import { REASONS } from '../protocol/constants.js';
import { errorReply, type Command, type OutboundMessage, type ReplyContext, type WireFormat } from '../protocol/messages.js';
import type { Logger } from '../ports.js';
import type { Requester } from './requester.js';

export type CommandRunner = (requester: Requester, command: Command) => Promise<OutboundMessage[]>;

export interface FrameOutcome {
  readonly format: WireFormat;
  readonly messages: OutboundMessage[];
}

export async function handleFrame(
  deps: { readonly config: TopicastConfig; readonly logger: Logger },
  requester: Requester,
  body: string | null | undefined,
  run: CommandRunner,
): Promise<FrameOutcome> {
  const decoded = decodeFrame(body, deps.config.limits);
  if (!decoded.ok) return { format: decoded.context.format, messages: [errorReply(decoded.context, decoded.error.reason, decoded.error.message)] };
  const { command } = decoded;
  try {
    return { format: command.format, messages: await run(requester, command) };
  } catch (error) {
    return { format: command.format, messages: [replyForError(command, error, deps.logger, requester)] };
  }
}

function replyForError(context: ReplyContext, error: unknown, logger: Logger, requester: Requester): OutboundMessage {
  if (error instanceof ProtocolError) return errorReply(context, error.reason, error.message);
  logger.error('command failed', { connectionId: requester.connectionId, topic: context.topic, error: describe(error) });
  return errorReply(context, REASONS.internalError, 'the server could not handle this request; try again');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
