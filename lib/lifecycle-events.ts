/**
 * Lifecycle events on AWS (docs/events.md): the default window's presence function also
 * reads created and deleted connection items from the table's stream, keeps one occupancy
 * marker per topic (`l#<topic>`), and publishes to an EventBridge bus, with exactly those
 * grants: `events:PutEvents` on that bus, UpdateItem on `l#` items.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { CONNECTION_ITEM_STREAM_FILTER, OCCUPANCY_MARKER_PREFIX } from '../lambdas/core/lifecycle-events.js';

export interface LifecycleEventsOptions {
  /**
   * The bus the events go to (an ARN-imported bus of another account works: its policy
   * must let this account put events).
   * @default - a new bus, `RealtimeApi.eventBus`
   */
  readonly bus?: events.IEventBus;
  /**
   * EventBridge `source` of the events (1-256 characters, not starting with `aws.`); give
   * each API its own when several publish to one bus.
   * @default 'topicast'
   */
  readonly source?: string;
}

/** What the occupancy markers need beyond the presence function's table grants (Query it has). */
export const OCCUPANCY_MARKER_ACTIONS = ['dynamodb:UpdateItem'] as const;

/** The bus of `lifecycleEvents`, created unless given; undefined when events are off. */
export function lifecycleEventBus(scope: Construct, option: boolean | LifecycleEventsOptions | undefined): events.IEventBus | undefined {
  if (!option) return undefined;
  if (typeof option === 'object' && option.bus) return option.bus;
  return new events.EventBus(scope, 'LifecycleEvents', { description: 'topicast lifecycle events: connected, disconnected, joined, left, occupied, vacated' });
}

/** `lifecycleEvents` as the runtime's config holds it (the bus is not config: it reaches the function as TOPICAST_EVENT_BUS). */
export function lifecycleEventsConfig(option: boolean | LifecycleEventsOptions | undefined): boolean | { source: string } | undefined {
  if (option === undefined || typeof option === 'boolean') return option;
  return option.source === undefined ? true : { source: option.source };
}

/** The event source mapping filter that passes created and deleted connection items. */
export function connectionItemFilter(): Record<string, unknown> {
  return lambda.FilterCriteria.filter({
    eventName: lambda.FilterRule.or(...CONNECTION_ITEM_STREAM_FILTER.eventNames),
    dynamodb: {
      Keys: {
        pk: { S: lambda.FilterRule.beginsWith(CONNECTION_ITEM_STREAM_FILTER.pkPrefix) },
        sk: { S: lambda.FilterRule.isEqual(CONNECTION_ITEM_STREAM_FILTER.sortKey) },
      },
    },
  });
}

/** PutEvents on the bus only, and the occupancy markers only. */
export function grantLifecycleEvents(fn: lambda.IFunction, bus: events.IEventBus, tableArn: string): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [...OCCUPANCY_MARKER_ACTIONS],
      resources: [tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${OCCUPANCY_MARKER_PREFIX}*`] } },
    }),
  );
}
