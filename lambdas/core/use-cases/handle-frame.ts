/**
 * Decodes a frame and runs the matching use case. Every refusal becomes an error reply
 * with a stable reason; nothing a client sends can throw past here. Being the one place
 * every command passes, it also counts joins, leaves, pushes and refusals.
 */
import type { TopicastConfig } from '../config.js';
import { ProtocolError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { decodeFrame } from '../protocol/codec.js';
import { REASONS } from '../protocol/constants.js';
import { errorReply, type Command, type OutboundMessage, type ReplyContext, type WireFormat } from '../protocol/messages.js';
import type { Logger } from '../ports.js';
import { topicPatternOf } from '../topic-settings.js';
import type { Requester } from './requester.js';

export type CommandRunner = (requester: Requester, command: Command) => Promise<OutboundMessage[]>;

export interface FrameOutcome {
  readonly format: WireFormat;
  readonly messages: OutboundMessage[];
}

export interface HandleFrameDependencies {
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Topic patterns of the channel modules, for the metrics' TopicPattern dimension. */
  readonly topicPatterns?: readonly string[];
}

const COUNTED = { join: 'joins', leave: 'leaves', push: 'pushes' } as const;

export async function handleFrame(deps: HandleFrameDependencies, requester: Requester, body: string | null | undefined, run: CommandRunner): Promise<FrameOutcome> {
  const decoded = decodeFrame(body, deps.config.limits);
  if (!decoded.ok) {
    deps.metrics.record('refusals', 1, { reason: decoded.error.reason });
    return { format: decoded.context.format, messages: [errorReply(decoded.context, decoded.error.reason, decoded.error.message)] };
  }
  const { command } = decoded;
  const topicPattern = command.kind === 'heartbeat' ? undefined : topicPatternOf(command.topic, deps.config, deps.topicPatterns);
  if (topicPattern !== undefined) deps.logger.appendKeys?.({ topicPattern });
  try {
    const messages = await run(requester, command);
    if (command.kind !== 'heartbeat') deps.metrics.record(COUNTED[command.kind], 1, { topicPattern });
    return { format: command.format, messages };
  } catch (error) {
    return { format: command.format, messages: [replyForError(command, error, deps, requester)] };
  }
}

function replyForError(context: ReplyContext, error: unknown, deps: HandleFrameDependencies, requester: Requester): OutboundMessage {
  if (error instanceof ProtocolError) {
    deps.metrics.record('refusals', 1, { reason: error.reason });
    return errorReply(context, error.reason, error.message);
  }
  deps.metrics.record('refusals', 1, { reason: REASONS.internalError });
  // The Error itself, so its stack and cause reach the log.
  deps.logger.error('command failed', { connectionId: requester.connectionId, topic: context.topic, error });
  return errorReply(context, REASONS.internalError, 'the server could not handle this request; try again');
}
