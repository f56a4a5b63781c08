/**
 * `topicast/cdk`: the constructs for your own CDK app.
 *
 *   import { RealtimeApi } from 'topicast/cdk';
 *   const realtime = new RealtimeApi(this, 'Realtime', { auth: 'required' });
 *   realtime.bindPublisher(myFunction);   // lets it `import { publish } from 'topicast/server'`
 */
export { RealtimeApi, type RealtimeApiProps, type RealtimeFunctionName, ROUTE_KEYS, MESSAGE_ROUTE_KEYS, type RouteKey } from './realtime-api.js';
export { TopicastStack, type TopicastStackProps } from './topicast-stack.js';
export { PUBLISHER_CONNECTION_METHODS, PUBLISHER_TABLE_ACCESS, PUBLISHER_TABLE_ACTIONS } from './publish-access.js';
export type { AuthMode, FanoutSettings, Limits, TopicRule, TopicSharding } from '../lambdas/core/config.js';
