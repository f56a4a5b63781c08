import { DynamoOccupancyMarkers } from '../../adapters/dynamodb/occupancy-markers.js';
import { DEFAULT_TABLE_NAME } from '../../adapters/dynamodb/table-schema.js';
import { eventsEndpointOf, PutEventsPublisher, regionOfBusArn } from '../../adapters/eventbridge/put-events-publisher.js';
import { readerPublishesEvents } from '../../core/lifecycle-events.js';
import { readerFor } from '../../core/presence-readers.js';
import type { LifecycleDependencies } from '../../core/use-cases/publish-lifecycle-events.js';
import type { PresenceFunctionDependencies } from '../../handlers/presence-stream.js';
import { messagingDependenciesFromEnvironment, signingCredentials } from './messaging.js';
import { documentClient, type Environment } from './shared.js';
import type { MessagingDependencies } from '../dependencies.js';

/** The variable that tells a presence function which stream reader it is (set by the construct). */
export const PRESENCE_WINDOW_ENV = 'TOPICAST_PRESENCE_WINDOW_SECONDS';
/** The EventBridge bus (name or ARN) lifecycle events go to (set by the construct when they are on). */
export const EVENT_BUS_ENV = 'TOPICAST_EVENT_BUS';
/**
 * Another PutEvents endpoint than `https://events.{region}.amazonaws.com` (an emulator,
 * LocalStack). Without it, `AWS_ENDPOINT_URL_EVENTBRIDGE` or `AWS_ENDPOINT_URL` points it
 * elsewhere as they point the SDK's client (`topicast local` sets `AWS_ENDPOINT_URL`).
 */
export const EVENTS_ENDPOINT_ENV = 'TOPICAST_EVENTS_ENDPOINT';

/** The presence function: a messaging function (it fans out, hands big topics to workers) that is one stream reader. */
export function presenceDependenciesFromEnvironment(env: Environment = process.env): PresenceFunctionDependencies {
  const deps = messagingDependenciesFromEnvironment(env);
  const windowSeconds = Number(env[PRESENCE_WINDOW_ENV] ?? Number.NaN);
  if (!Number.isInteger(windowSeconds)) throw new Error(`${PRESENCE_WINDOW_ENV} must be the reader's window in whole seconds`);
  const reader = readerFor(windowSeconds, deps.config.presence);
  const lifecycle = deps.config.lifecycleEvents.enabled && readerPublishesEvents(reader) ? lifecycleFromEnvironment(deps, env) : undefined;
  return { ...deps, reader, lifecycle };
}

function lifecycleFromEnvironment(deps: MessagingDependencies, env: Environment): LifecycleDependencies {
  const bus = env[EVENT_BUS_ENV];
  if (!bus) throw new Error(`lifecycleEvents is on but ${EVENT_BUS_ENV} names no event bus`);
  const region = regionOfBusArn(bus) ?? env.AWS_REGION ?? 'us-east-1';
  return {
    publisher: new PutEventsPublisher({
      eventBusName: bus,
      source: deps.config.lifecycleEvents.source,
      endpoint: env[EVENTS_ENDPOINT_ENV] ?? env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? env.AWS_ENDPOINT_URL ?? eventsEndpointOf(region),
      region,
      credentials: signingCredentials(env),
      logger: deps.logger,
    }),
    markers: new DynamoOccupancyMarkers(documentClient(env), env.TABLE_NAME ?? DEFAULT_TABLE_NAME),
  };
}
