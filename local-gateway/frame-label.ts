/**
 * What a client frame was, for the request log and the dashboard: API Gateway routes every
 * Phoenix V2 array to `$default`, so the route key alone says nothing about a join or a push
 * from the official client. The frame is decoded by the protocol's own codec, so the label
 * is what the handler saw: `phoenix join room:lobby`, `push room:lobby shout`, `heartbeat`,
 * or `refused: invalid_frame` for a frame the handler answers with an error.
 */
import type { Limits } from '../lambdas/core/config.js';
import { decodeFrame } from '../lambdas/core/protocol/codec.js';

export function frameLabel(body: string, limits: Pick<Limits, 'maxJsonDepth' | 'maxPayloadBytes'>): string {
  const decoded = decodeFrame(body, limits);
  if (!decoded.ok) return `refused: ${decoded.error.reason}`;
  const { command } = decoded;
  const prefix = command.format === 'phoenix' ? 'phoenix ' : '';
  switch (command.kind) {
    case 'heartbeat':
      return `${prefix}heartbeat`;
    case 'push':
      return `${prefix}push ${command.topic} ${command.event}`;
    default:
      return `${prefix}${command.kind} ${command.topic}`;
  }
}
