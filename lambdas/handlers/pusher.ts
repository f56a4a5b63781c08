/**
 * Pusher's HTTP API function, behind a Lambda Function URL with auth NONE: the `pusher`
 * server SDKs sign with the app secret, not SigV4, so the signature (verified in
 * pusher-api.ts before anything is read or sent) is the only authentication, as on Pusher.
 * Function URL events use payload format 2.0.
 */
import { once } from '../composition/dependencies.js';
import { serverOperations, serverSettingsFromEnvironment } from '../composition/environment/server.js';
import { pusherAppFromEnvironment } from '../composition/environment/pusher.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { lambdaEntry, lambdaObservability } from '../composition/observability.js';
import { systemClock } from '../composition/system.js';
import { resolveConfig } from '../core/config.js';
import { connectionIdOfSocketId } from '../core/pusher/socket-id.js';
import type { LambdaContextLike } from './api-gateway-event.js';
import type { FunctionUrlEvent, FunctionUrlResponse } from './publish.js';
import { MAX_PUSHER_BODY_BYTES, servePusherApi, type PusherApiDependencies } from './pusher-api.js';

export interface PusherFunctionUrlEvent extends FunctionUrlEvent {
  readonly rawQueryString?: string;
}

export const createPusherHandler = (dependencies: () => PusherApiDependencies) =>
  async (event: PusherFunctionUrlEvent, context?: LambdaContextLike): Promise<FunctionUrlResponse> => {
    const raw = typeof event.body === 'string' ? event.body : '';
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    const { status, body } =
      Buffer.byteLength(text) > MAX_PUSHER_BODY_BYTES
        ? { status: 413, body: { reason: 'payload_too_large', message: `the body is over ${MAX_PUSHER_BODY_BYTES} bytes` } }
        : await servePusherApi(dependencies(), {
            method: event.requestContext.http.method,
            path: event.rawPath ?? event.requestContext.http.path ?? '/',
            query: event.rawQueryString ?? '',
            body: text,
            deadlineMs: context ? Date.now() + context.getRemainingTimeInMillis() : undefined,
          });
    return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  };

export const handler = lambdaEntry(
  'pusher',
  createPusherHandler(
    once(() => {
      const settings = serverSettingsFromEnvironment();
      const { logger, metrics } = lambdaObservability();
      const app = pusherAppFromEnvironment();
      if (!app) throw new Error('TOPICAST_PUSHER_APP_ID and TOPICAST_PUSHER_KEY are not set: this function serves the construct\'s `pusher` prop');
      return {
        operations: serverOperations({ ...settings, logger, metrics, channelIndex: true }),
        app,
        connectionIdOfSocketId,
        limits: resolveConfig(settings.config ?? {}).limits,
        clock: systemClock,
        logger,
      };
    }, IN_LAMBDA),
  ),
);
