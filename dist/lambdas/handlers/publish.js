/**
 * The HTTP publish function, behind a Lambda Function URL with AWS_IAM auth (callers sign
 * with SigV4, service `lambda`). Function URL events use payload format 2.0.
 */
import { once } from '../composition/dependencies.js';
import { serverOperations, serverSettingsFromEnvironment } from '../composition/environment/server.js';
import { IN_LAMBDA } from '../composition/environment/shared.js';
import { resolveConfig } from '../core/config.js';
import { jsonLogger } from '../composition/system.js';
import { servePublishApi } from './publish-api.js';
export const createPublishHandler = (dependencies) => async (event) => {
    const text = typeof event.body === 'string' ? (event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body) : '';
    const request = { method: event.requestContext.http.method, path: event.rawPath ?? event.requestContext.http.path ?? '/', body: text };
    const { status, body } = await servePublishApi(dependencies(), request);
    return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
};
export const handler = createPublishHandler(once(() => {
    const settings = serverSettingsFromEnvironment();
    return { operations: serverOperations(settings), limits: resolveConfig(settings.config ?? {}).limits, logger: jsonLogger() };
}, IN_LAMBDA));
