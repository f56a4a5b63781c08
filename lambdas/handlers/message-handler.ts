/**
 * The shape every message route shares: decode, run one use case, reply. A single reply
 * is returned as the route response (two-way route: API Gateway sends it back); several
 * (a join's reply then presence_state) are posted in order so the client sees the reply first.
 */
import type { MessagingDependencies } from '../composition/dependencies.js';
import { ProtocolError } from '../core/errors.js';
import { encodeFrames } from '../core/protocol/codec.js';
import type { Metrics } from '../core/metrics.js';
import { PRESENCE_EVENTS, REASONS } from '../core/protocol/constants.js';
import { utf8ByteLength } from '../core/protocol/safe-json.js';
import type { Command, OutboundMessage } from '../core/protocol/messages.js';
import type { Logger, MessageSender } from '../core/ports.js';
import type { TopicastConfig } from '../core/config.js';
import { topicPatternOf } from '../core/topic-settings.js';
import { handleFrame, type FrameOutcome } from '../core/use-cases/handle-frame.js';
import type { Requester } from '../core/use-cases/requester.js';
import { bodyText, type GatewayEvent, type GatewayHandler, type GatewayRequestContext, type GatewayResponse, type LambdaContextLike } from './api-gateway-event.js';

interface FrameDependencies {
  readonly config: TopicastConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly topicPatterns?: readonly string[];
  readonly endpointFor: (context: GatewayRequestContext) => string;
  readonly sender?: MessageSender;
}

export type CommandRun<D> = (deps: D, requester: Requester, command: Command) => Promise<OutboundMessage[]>;

export function createMessageHandler<D extends FrameDependencies>(dependencies: () => D, run: CommandRun<D>): GatewayHandler {
  return async (event: GatewayEvent, context?: LambdaContextLike): Promise<GatewayResponse> => {
    const deps = dependencies();
    const requester: Requester = {
      connectionId: event.requestContext.connectionId,
      endpoint: deps.endpointFor(event.requestContext),
      ...(context ? { deadlineMs: Date.now() + context.getRemainingTimeInMillis() } : {}),
    };
    const outcome = await handleFrame(deps, requester, bodyText(event), (who, command) => run(deps, who, command));
    return respond(deps, requester, outcome);
  };
}

async function respond(deps: FrameDependencies, requester: Requester, outcome: FrameOutcome): Promise<GatewayResponse> {
  // A Pusher client gets no frame for the replies Pusher never sends (an unsubscribe's ok).
  const encoded = outcome.messages.flatMap((message) => encodeFrames(message, outcome.format).map((data) => ({ message, data })));
  const frames = encoded.map(({ data }) => data);
  for (const { message, data } of encoded) {
    if (message.event !== PRESENCE_EVENTS.state) continue;
    deps.metrics.record('presenceFrameBytes', utf8ByteLength(data), { topicPattern: topicPatternOf(message.topic, deps.config, deps.topicPatterns) });
  }
  if (frames.length === 0) return { statusCode: 200 };
  if (frames.length === 1) return { statusCode: 200, body: frames[0] };
  // Only routes built without a sender (ping) reach here with one frame; anything else is a wiring bug.
  const { sender, logger } = deps;
  if (!sender) throw new Error(`${frames.length} frames to send but this route has no Management API sender`);
  // In order, one at a time: the client must see its reply before the presence_state.
  // No deadline here: these few frames have no worker to go to, and refusing to start them
  // would lose the reply on a function whose timeout is shorter than one post's.
  for (const [index, data] of frames.entries()) {
    const result = await sender.send({ endpoint: requester.endpoint, connectionId: requester.connectionId, data });
    // 410: the client left meanwhile, and $disconnect cleans up.
    if (result.outcome === 'gone') break;
    if (result.outcome === 'delivered') continue;
    const { message } = encoded[index] as { message: OutboundMessage };
    logger.warn('post failed', { connectionId: requester.connectionId, topic: message.topic, event: message.event, status: result.status, reason: result.reason ?? null, endpoint: requester.endpoint });
  }
  return { statusCode: 200 };
}

/** A route that serves one command kind; API Gateway routing makes a mismatch impossible. */
export function only<K extends Command['kind'], D>(
  kind: K,
  run: (deps: D, requester: Requester, command: Extract<Command, { kind: K }>) => Promise<OutboundMessage[]>,
): CommandRun<D> {
  return async (deps, requester, command) => {
    if (command.kind !== kind) throw new ProtocolError(REASONS.unknownAction, `this route handles ${kind} only`);
    return run(deps, requester, command as Extract<Command, { kind: K }>);
  };
}

export type { MessagingDependencies };
