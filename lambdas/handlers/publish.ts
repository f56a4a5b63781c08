/**
 * The HTTP publish function, behind a Lambda Function URL with AWS_IAM auth (callers sign
 * with SigV4, service `lambda`). Function URL events use payload format 2.0.
 */
import { once } from '../composition/dependencies.js';
import { serverOperations, serverSettingsFromEnvironment } from '../composition/environment/server.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { resolveConfig } from '../core/config.js';
import type { LambdaContextLike } from './api-gateway-event.js';
import { lambdaEntry, lambdaObservability } from '../composition/observability.js';
import { servePublishApi, type PublishApiRequest } from './publish-api.js';

export interface FunctionUrlEvent {
  readonly rawPath?: string;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly http: { readonly method: string; readonly path?: string } };
}

export interface FunctionUrlResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type PublishApiDependencies = Parameters<typeof servePublishApi>[0];

export const createPublishHandler = (dependencies: () => PublishApiDependencies) =>
  async (event: FunctionUrlEvent, context?: LambdaContextLike): Promise<FunctionUrlResponse> => {
    const text = typeof event.body === 'string' ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
    const request: PublishApiRequest = {
      method: event.requestContext.http.method,
      path: event.rawPath ?? event.requestContext.http.path ?? '/',
      body: text,
      // Big fan-outs that would outlive the invocation go to the workers instead.
      deadlineMs: context ? Date.now() + context.getRemainingTimeInMillis() : undefined,
    };
    const { status, body } = await servePublishApi(dependencies(), request);
    return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  };

export const handler = lambdaEntry(
  'publish',
  createPublishHandler(
    once(() => {
      const settings = serverSettingsFromEnvironment();
      const { logger, metrics } = lambdaObservability();
      return { operations: serverOperations({ ...settings, logger, metrics }), limits: resolveConfig(settings.config ?? {}).limits, logger };
    }, IN_LAMBDA),
  ),
);
