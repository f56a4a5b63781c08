/**
 * The HTTP publish API, independent of how the request arrived (a Lambda Function URL
 * deployed, the local gateway's own port locally):
 *   POST /publish     {"topic","event","payload"} | {"messages":[...]}  -> {"results":[{"topic","delivered","gone",...}]}
 *   POST /presence    {"topic"}                                        -> {"topic","presence":{<key>:{"metas":[...]}}}
 *   POST /occupancy   {"topic"}                                        -> {"topic","subscribers","presence"}
 *   POST /disconnect  {"connectionId"} | {"user"}                       -> {"closed","gone"}
 *   POST /history     {"topic","since"?,"limit"?}                      -> {"topic","seq","truncated","messages":[{"seq","event","payload"}]}
 * Bad input answers 400 {"reason","message"} and sends nothing.
 */
import type { Limits } from '../core/config.js';
import { ProtocolError } from '../core/errors.js';
import { PUBLISH_REASONS, REASONS } from '../core/protocol/constants.js';
import { parseJsonObject } from '../core/publish-request.js';
import type { Logger } from '../core/ports.js';
import type { DeliveryOptions, ServerOperations } from '../core/use-cases/server-operations.js';

export interface PublishApiRequest {
  readonly method: string;
  /** The path without query string, e.g. `/publish`. */
  readonly path: string;
  readonly body: string;
  /** When the invocation ends (epoch ms); publishing hands what cannot be posted in time to the workers. */
  readonly deadlineMs?: number | undefined;
}

export interface PublishApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Largest body read: a Lambda Function URL refuses requests over 6 MB; 25 messages of 128 KB fit. */
export const MAX_PUBLISH_BODY_BYTES = 6 * 1024 * 1024;

type Operation = (operations: ServerOperations, body: Record<string, unknown>, options: DeliveryOptions) => Promise<unknown>;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  '/publish': async (operations, body, options) => {
    if (body.messages === undefined) return { results: [await operations.publish(body.topic as string, body.event as string, body.payload, options)] };
    if (!Array.isArray(body.messages)) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, '"messages" must be an array of messages');
    if (body.topic !== undefined || body.event !== undefined) throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'send either one message or "messages", not both');
    return { results: await operations.publishBatch(body.messages, options) };
  },
  '/presence': async (operations, body) => ({ topic: body.topic, presence: await operations.presence(body.topic as string) }),
  '/occupancy': (operations, body) => operations.occupancy(body.topic as string),
  '/history': (operations, body) => operations.history(body.topic as string, { since: body.since as number | undefined, limit: body.limit as number | undefined }),
  '/disconnect': (operations, body) => {
    if ((body.connectionId === undefined) === (body.user === undefined)) {
      throw new ProtocolError(PUBLISH_REASONS.invalidRequest, 'send either "connectionId" or "user"');
    }
    return body.user !== undefined ? operations.disconnectUser(body.user as string) : operations.disconnect(body.connectionId as string);
  },
};

export async function servePublishApi(
  deps: { readonly operations: ServerOperations; readonly limits: Pick<Limits, 'maxJsonDepth'>; readonly logger: Logger },
  request: PublishApiRequest,
): Promise<PublishApiResponse> {
  const operation = OPERATIONS[request.path.replace(/\/+$/, '')];
  if (!operation) return refusal(404, 'not_found', `no such path ${request.path}; try POST /publish`);
  if (request.method !== 'POST') return refusal(405, 'method_not_allowed', `${request.path} takes POST with a JSON body`);
  try {
    const options = request.deadlineMs === undefined ? {} : { deadlineMs: request.deadlineMs };
    return { status: 200, body: await operation(deps.operations, parseJsonObject(request.body, deps.limits), options) };
  } catch (error) {
    if (error instanceof ProtocolError) return refusal(400, error.reason, error.message);
    deps.logger.error('publish api request failed', { path: request.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return refusal(500, REASONS.internalError, 'the request could not be completed; some messages may have been delivered');
  }
}

function refusal(status: number, reason: string, message: string): PublishApiResponse {
  return { status, body: { reason, message } };
}
