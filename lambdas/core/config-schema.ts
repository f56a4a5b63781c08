/**
 * The shape and ranges of a topicast config (TOPICAST_CONFIG, `--config`, construct props),
 * checked with valibot so that a wrong type or range fails `cdk synth` and the local
 * gateway's start with a message naming the field, never at the first request: a string
 * `connectionTtlSeconds` would make TTL attributes DynamoDB ignores, a small one would let
 * TTL delete live connections.
 */
import * as v from 'valibot';
import { API_GATEWAY_LIMITS, ENVELOPE_RESERVE_BYTES } from './api-gateway-limits.js';
import type { FanoutSettings, HistoryRetention, Limits, PresenceSettings, TopicastConfigInput } from './config.js';
import { PRESENCE_LIMITS } from './presence-readers.js';

export class ConfigError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(`invalid topicast config: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** 2 h (API Gateway's cap on a connection) plus a minute for `$disconnect` to run. */
export const MIN_CONNECTION_TTL_SECONDS = API_GATEWAY_LIMITS.maxConnectionSeconds + 60;
/** A missed `$disconnect` leaves items behind for at most this long. */
export const MAX_CONNECTION_TTL_SECONDS = 7 * 24 * 60 * 60;

const integer = (min: number, max: number = Number.MAX_SAFE_INTEGER, why = '') => {
  const message = `must be ${max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`}${why}`;
  return v.pipe(v.number(message), v.finite(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
};
const nonEmptyString = (what: string) => v.pipe(v.string(`must be ${what}`), v.minLength(1, `must be ${what}`));
const patternList = v.array(nonEmptyString('a non-empty topic pattern'), 'must be a list of topic patterns');

const LIMIT_ENTRIES = {
  maxPayloadBytes: integer(1, API_GATEWAY_LIMITS.messageBytes - ENVELOPE_RESERVE_BYTES, ' (API Gateway refuses messages over 128 KB)'),
  maxMetaBytes: integer(1),
  maxTopicsPerConnection: integer(1),
  maxPushesPerWindow: integer(1),
  pushesPerCounterWrite: integer(1),
  maxJoinsPerWindow: integer(1),
  rateLimitWindowSeconds: integer(1),
  maxJsonDepth: integer(1),
  maxAssignsBytes: integer(1),
  // A channel callback must end within the route's own timeout (29 s at most).
  channelTimeoutMs: integer(1, API_GATEWAY_LIMITS.integrationTimeoutSeconds * 1000),
} satisfies Record<keyof Limits, v.GenericSchema>;

const FANOUT_ENTRIES = {
  concurrency: integer(1),
  workerThreshold: integer(1),
  workerBatchSize: integer(1),
  postTimeoutMs: integer(1),
  maxAttempts: integer(1, 10),
  retryBaseDelayMs: integer(1),
  retryMaxDelayMs: integer(1),
  // Kept back from a route's time (29 s at most) for handing the rest to workers and replying.
  deadlineMarginMs: integer(0, API_GATEWAY_LIMITS.integrationTimeoutSeconds * 1000),
} satisfies Record<keyof FanoutSettings, v.GenericSchema>;

/** Replay posts one frame per message, in order, within the join's 10 s: keep it bounded. */
export const MAX_HISTORY_MESSAGES = 1000;
/** A week: history is for catching up after a reconnect, not an archive. */
export const MAX_HISTORY_TTL_SECONDS = 7 * 24 * 60 * 60;

const HISTORY_ENTRIES = {
  maxMessages: integer(1, MAX_HISTORY_MESSAGES, ' (a replaying join posts one frame per message within its timeout)'),
  ttlSeconds: integer(1, MAX_HISTORY_TTL_SECONDS, ' (seconds, up to 7 days)'),
} satisfies Record<keyof HistoryRetention, v.GenericSchema>;

// EventBridge: 1 to 256 characters, and `aws.` sources belong to AWS services.
const EVENT_SOURCE = v.pipe(
  v.string('must be an EventBridge source such as myapp.realtime'),
  v.regex(/^(?!aws\.)\S{1,256}$/, 'must be 1-256 characters without spaces, not starting with aws.'),
);

const windowMs = integer(0, PRESENCE_LIMITS.maxWindowMs, " (milliseconds; Lambda's batching window is at most 300 s)");

const maxMembers = integer(1, PRESENCE_LIMITS.maxMaxMembers, ' (a join reads up to this many members plus one for its presence_state)');

const graceMs = integer(0, PRESENCE_LIMITS.maxGraceMs, ' (milliseconds; the grace timer is an SQS delay, at most 900 s)');

const PRESENCE_ENTRIES = {
  windowMs,
  maxMembers,
  graceMs,
  topics: v.array(
    v.strictObject(
      { pattern: nonEmptyString('a non-empty topic pattern'), windowMs: v.optional(windowMs), maxMembers: v.optional(maxMembers), graceMs: v.optional(graceMs) },
      'must be { pattern, windowMs?, maxMembers?, graceMs? }',
    ),
    'must be a list of { pattern, windowMs?, maxMembers?, graceMs? }',
  ),
} satisfies Record<keyof PresenceSettings, v.GenericSchema>;

const partial = <E extends v.ObjectEntries>(entries: E, what: string) =>
  v.strictObject(
    Object.fromEntries(Object.entries(entries).map(([key, schema]) => [key, v.optional(schema)])) as { [K in keyof E]: v.OptionalSchema<E[K], undefined> },
    `must be an object of ${what}`,
  );

// Every key of TopicastConfigInput must be listed: adding a setting without its schema fails to compile.
const CONFIG_ENTRIES = {
  auth: v.picklist(['none', 'optional', 'required'], 'must be one of none, optional, required'),
  allowedOrigins: v.array(
    v.pipe(v.string('must be an origin such as https://example.com'), v.regex(/^\S+$/, 'must be a non-empty origin without spaces')),
    'must be a list of origins',
  ),
  limits: partial(LIMIT_ENTRIES, 'limits'),
  presenceDisabled: patternList,
  topicRules: v.array(
    v.strictObject(
      {
        pattern: nonEmptyString('a non-empty topic pattern'),
        claims: v.optional(v.record(v.string(), v.array(v.string('must be a string'), 'must be a list of allowed values'), 'must map claim names to lists of values')),
        allowAnonymous: v.optional(v.boolean('must be true or false')),
      },
      'must be a topic rule { pattern, claims?, allowAnonymous? }',
    ),
    'must be a list of topic rules',
  ),
  sharding: v.array(
    v.strictObject({ pattern: nonEmptyString('a non-empty topic pattern'), shards: integer(1, 100) }, 'must be { pattern, shards }'),
    'must be a list of { pattern, shards }',
  ),
  fanout: partial(FANOUT_ENTRIES, 'fan-out settings'),
  presence: v.pipe(
    partial(PRESENCE_ENTRIES, 'presence settings'),
    v.check(
      (presence) => distinctWindows(presence).length <= PRESENCE_LIMITS.maxStreamReaders,
      `must use at most ${PRESENCE_LIMITS.maxStreamReaders} distinct windows (whole seconds): each is one reader of the table's stream, and DynamoDB Streams serves two per shard`,
    ),
  ),
  connectionTtlSeconds: integer(
    MIN_CONNECTION_TTL_SECONDS,
    MAX_CONNECTION_TTL_SECONDS,
    ' (seconds; API Gateway keeps a connection up to 2 h, and TTL must never delete a live one)',
  ),
  history: v.record(nonEmptyString('a non-empty topic pattern'), partial(HISTORY_ENTRIES, 'history settings { maxMessages?, ttlSeconds? }'), 'must map topic patterns to { maxMessages?, ttlSeconds? }'),
  lifecycleEvents: v.union(
    [v.boolean(), v.strictObject({ source: v.optional(EVENT_SOURCE) })],
    'must be true, false or { source }',
  ),
} satisfies Record<keyof TopicastConfigInput, v.GenericSchema>;

const CONFIG_INPUT = partial(CONFIG_ENTRIES, 'settings');

function distinctWindows(presence: { windowMs?: number | undefined; topics?: readonly { windowMs?: number | undefined }[] | undefined }): number[] {
  const windows = [presence.windowMs ?? PRESENCE_LIMITS.defaultWindowMs, ...(presence.topics ?? []).map((topic) => topic.windowMs)].filter((w): w is number => w !== undefined);
  return [...new Set(windows.map((w) => Math.ceil(w / 1000)))];
}

/** Checks a config as users write it; throws a ConfigError naming every bad field. */
export function validateConfigInput(input: unknown): TopicastConfigInput {
  const result = v.safeParse(CONFIG_INPUT, input ?? {});
  if (result.success) return result.output as TopicastConfigInput;
  throw new ConfigError(result.issues.map(describeIssue));
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue) ?? 'config';
  // valibot reports an unknown key of a strict object with the key as the last path item.
  if (issue.kind === 'schema' && issue.expected === 'never') return `${path} is not a setting`;
  return `${path} ${issue.message}, got ${shown(issue.input)}`;
}

function shown(value: unknown): string {
  if (typeof value === 'number' || value === undefined) return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
