/**
 * Pusher's HTTP API (the one the official server SDKs call), independent of how the
 * request arrived: a Lambda Function URL deployed, the local gateway's own port locally.
 * Every request is authenticated by Pusher's signature alone (core/pusher/http-signature.ts):
 *   POST /apps/{id}/events                         {name, data, channels|channel, socket_id?, info?} -> {} | {channels:{..}}
 *   POST /apps/{id}/batch_events                   {batch:[{name, channel, data, socket_id?, info?}]} -> {} | {batch:[..]}
 *   GET  /apps/{id}/channels/{name}?info=..        -> {occupied, subscription_count?, user_count?}
 *   GET  /apps/{id}/channels/{name}/users          -> {users:[{id}]}  (presence- channels)
 *   POST /apps/{id}/users/{user_id}/terminate_connections -> {}
 *   GET  /apps/{id}/channels?filter_by_prefix=..&info=user_count -> {channels:{name:{user_count?}}} (occupied ones, from the channel index)
 * Refusals answer Pusher's status with {"reason","message"}.
 */
import type { Limits } from '../core/config.js';
import type { Clock, Logger } from '../core/ports.js';
import type { PusherApp } from '../core/pusher/app.js';
import { verifyPusherSignature } from '../core/pusher/http-signature.js';
import {
  assertPusherChannel,
  parseBatch,
  parseChannelListing,
  type ChannelListing,
  parseInfo,
  parseTrigger,
  PUSHER_HTTP_LIMITS,
  PUSHER_HTTP_REASONS,
  PusherHttpError,
  type ChannelAttribute,
  type PusherTrigger,
} from '../core/pusher/http-requests.js';
import { pusherChannelKind } from '../core/pusher/app.js';
import type { DeliveryOptions, ServerOperations } from '../core/use-cases/server-operations.js';

export interface PusherApiRequest {
  readonly method: string;
  /** The path without the query string, e.g. `/apps/1/events`. */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  readonly body: string;
  /** When the invocation ends (epoch ms); what cannot be posted in time goes to the workers. */
  readonly deadlineMs?: number | undefined;
}

export interface PusherApiResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface PusherApiDependencies {
  readonly operations: ServerOperations;
  readonly app: () => Promise<PusherApp>;
  /** The connection a `socket_id` names (core/pusher/socket-id.ts), or null when it names none. */
  readonly connectionIdOfSocketId: (socketId: string) => string | null;
  readonly limits: Pick<Limits, 'maxJsonDepth'>;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** The largest body read (a full batch of maximal events). */
export const MAX_PUSHER_BODY_BYTES = PUSHER_HTTP_LIMITS.bodyBytes;

const R = PUSHER_HTTP_REASONS;

type Route = { readonly method: string; readonly serve: (deps: PusherApiDependencies, request: ParsedRequest) => Promise<unknown> };

interface ParsedRequest {
  readonly params: ReadonlyMap<string, string>;
  readonly body: string;
  readonly match: RegExpExecArray;
  readonly options: DeliveryOptions;
}

const ROUTES: readonly (readonly [RegExp, Route])[] = [
  [/^\/events$/, { method: 'POST', serve: (deps, request) => trigger(deps, [parseTrigger(request.body, deps.limits)], request.options).then(([first]) => first ?? {}) }],
  [
    /^\/batch_events$/,
    {
      method: 'POST',
      serve: async (deps, request) => {
        const answers = await trigger(deps, parseBatch(request.body, deps.limits), request.options);
        return answers.some((answer) => answer.channels !== undefined) ? { batch: answers.map((answer) => answer.channels?.[Object.keys(answer.channels)[0] as string] ?? {}) } : {};
      },
    },
  ],
  [/^\/channels$/, { method: 'GET', serve: (deps, request) => listChannels(deps, parseChannelListing(request.params.get('filter_by_prefix'), request.params.get('info'))) }],
  [/^\/channels\/([^/]+)$/, { method: 'GET', serve: (deps, request) => channelInfo(deps, decode(request.match[1]), parseInfo(request.params.get('info'), decode(request.match[1]))) }],
  [/^\/channels\/([^/]+)\/users$/, { method: 'GET', serve: (deps, request) => channelUsers(deps, decode(request.match[1])) }],
  [/^\/users\/([^/]+)\/terminate_connections$/, { method: 'POST', serve: async (deps, request) => (await deps.operations.disconnectUser(decode(request.match[1])), {}) }],
];

export async function servePusherApi(deps: PusherApiDependencies, request: PusherApiRequest): Promise<PusherApiResponse> {
  try {
    const app = /^\/apps\/([^/]+)(\/.*)$/.exec(request.path);
    if (!app) throw new PusherHttpError(404, 'not_found', `no such path ${request.path}; the API lives under /apps/{app_id}/`);
    const found = ROUTES.map(([pattern, route]) => [pattern.exec(app[2] as string), route] as const).find(([match]) => match !== null);
    if (!found) throw new PusherHttpError(404, 'not_found', `no such path ${request.path}`);
    const [match, route] = found as [RegExpExecArray, Route];
    if (request.method !== route.method) throw new PusherHttpError(405, 'method_not_allowed', `${request.path} takes ${route.method}`);
    const pusherApp = await deps.app();
    if (decode(app[1]) !== pusherApp.appId) throw new PusherHttpError(404, 'unknown_app', `no app ${app[1]} here`);
    const query = parseQuery(request.query);
    const check = verifyPusherSignature(pusherApp, { method: request.method, path: request.path, query, body: request.body }, deps.clock.nowMs() / 1000);
    if (!check.ok) throw new PusherHttpError(401, check.reason, check.message);
    const params = new Map(query);
    const options = request.deadlineMs === undefined ? {} : { deadlineMs: request.deadlineMs };
    return { status: 200, body: await route.serve(deps, { params, body: request.body, match, options }) };
  } catch (error) {
    if (error instanceof PusherHttpError) return { status: error.status, body: { reason: error.reason, message: error.message } };
    if (error instanceof Error && error.name === 'ProtocolError') return { status: 400, body: { reason: (error as Error & { reason: string }).reason, message: error.message } };
    deps.logger.error('pusher api request failed', { path: request.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    return { status: 500, body: { reason: 'internal_error', message: 'the request could not be completed; some events may have been delivered' } };
  }
}

/** Every event is checked (and every socket_id resolved) before any is sent. */
async function trigger(deps: PusherApiDependencies, events: readonly PusherTrigger[], options: DeliveryOptions): Promise<{ channels?: Record<string, Record<string, number>> }[]> {
  const excluded = events.map((event) => {
    if (event.socketId === null) return null;
    const connectionId = deps.connectionIdOfSocketId(event.socketId);
    // A socket_id of no connection excludes nobody: Pusher does the same for a closed socket.
    return connectionId;
  });
  const answers: { channels?: Record<string, Record<string, number>> }[] = [];
  for (const [index, event] of events.entries()) {
    await deps.operations.publishChecked(event.broadcasts, { ...options, excludeConnectionId: excluded[index] ?? null });
    answers.push(event.info.length === 0 ? {} : { channels: await infoOf(deps, event.broadcasts.map(({ topic }) => topic), event.info) });
  }
  return answers;
}

async function infoOf(deps: PusherApiDependencies, channels: readonly string[], info: readonly ChannelAttribute[]): Promise<Record<string, Record<string, number>>> {
  const entries = await Promise.all(channels.map(async (channel) => [channel, await counts(deps, channel, info)] as const));
  return Object.fromEntries(entries.map(([channel, { occupied: _occupied, ...rest }]) => [channel, rest]));
}

async function counts(deps: PusherApiDependencies, channel: string, info: readonly ChannelAttribute[]): Promise<{ occupied: boolean } & Record<string, number>> {
  const occupancy = await deps.operations.occupancy(channel);
  const answer: { occupied: boolean } & Record<string, number> = { occupied: occupancy.subscribers > 0 } as { occupied: boolean } & Record<string, number>;
  if (info.includes('subscription_count')) answer.subscription_count = occupancy.subscribers;
  // user_count is asked of presence channels only (parseInfo); on a trigger it is answered where it applies.
  if (info.includes('user_count') && pusherChannelKind(channel) === 'presence') answer.user_count = occupancy.presence;
  return answer;
}

async function channelInfo(deps: PusherApiDependencies, channel: string, info: readonly ChannelAttribute[]): Promise<unknown> {
  assertPusherChannel(channel);
  return counts(deps, channel, info);
}

async function listChannels(deps: PusherApiDependencies, listing: ChannelListing): Promise<unknown> {
  const listed = await deps.operations.occupiedChannels(listing.prefix, listing.withUserCount);
  if (listed === null) throw new PusherHttpError(501, R.unsupported, 'this deployment keeps no channel index (the Pusher protocol is off for its joins); read one channel with GET /channels/{name}');
  const channels: Record<string, { user_count?: number }> = {};
  for (const [name, { userCount }] of listed) channels[name] = userCount === undefined ? {} : { user_count: userCount };
  return { channels };
}

async function channelUsers(deps: PusherApiDependencies, channel: string): Promise<unknown> {
  assertPusherChannel(channel);
  if (pusherChannelKind(channel) !== 'presence') throw new PusherHttpError(400, R.notPresenceChannel, `${channel} is not a presence- channel: only presence channels have users`);
  const presence = await deps.operations.presence(channel);
  return { users: Object.keys(presence).map((id) => ({ id })) };
}

/** Decoded pairs; a repeated key is refused (which value was signed would be ambiguous). */
function parseQuery(query: string): [string, string][] {
  const pairs = [...new URLSearchParams(query).entries()];
  const seen = new Set<string>();
  for (const [key] of pairs) {
    const lower = key.toLowerCase();
    if (seen.has(lower)) throw new PusherHttpError(400, R.invalidRequest, `query parameter ${key} is repeated`);
    seen.add(lower);
  }
  return pairs;
}

function decode(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    throw new PusherHttpError(400, R.invalidRequest, 'the path is not valid percent-encoding');
  }
}
