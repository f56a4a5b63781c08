/**
 * Settings from environment variables, with no AWS SDK import: the ping function (which
 * touches neither the table nor the Management API) bundles only this.
 */
import { resolveConfig, type AuthMode, type TopicastConfig, type TopicastConfigInput } from '../../core/config.js';
import type { GatewayRequestContext } from '../../handlers/api-gateway-event.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** True inside Lambda, where work done at module load is part of the (free) init phase. */
export const IN_LAMBDA = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

/**
 * TOPICAST_CONFIG (JSON, written by the construct) plus the single-purpose variables of
 * DESIGN.md, which win so a developer can flip one setting without editing JSON.
 */
export function configFromEnvironment(env: Environment = process.env): TopicastConfig {
  let input: TopicastConfigInput = {};
  if (env.TOPICAST_CONFIG) {
    try {
      input = JSON.parse(env.TOPICAST_CONFIG) as TopicastConfigInput;
    } catch (error) {
      throw new Error('TOPICAST_CONFIG is not valid JSON', { cause: error });
    }
  }
  return resolveConfig({
    ...input,
    ...(env.TOPICAST_AUTH ? { auth: env.TOPICAST_AUTH as AuthMode } : {}),
    ...(env.TOPICAST_ALLOWED_ORIGINS !== undefined ? { allowedOrigins: splitList(env.TOPICAST_ALLOWED_ORIGINS) } : {}),
  });
}

export function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

/**
 * The Management API endpoint for a request: TOPICAST_MANAGEMENT_ENDPOINT (the construct
 * always sets it: its `managementEndpoint` prop, else the stage's callback URL), else one
 * built from the API id and region. Never from the request's `domainName`, which names
 * the custom domain when clients connect through one.
 */
export function endpointFromEnvironment(env: Environment = process.env): (context: GatewayRequestContext) => string {
  const override = env.TOPICAST_MANAGEMENT_ENDPOINT;
  const region = env.AWS_REGION;
  return (context) => override ?? (region ? executeApiEndpoint(context.apiId, region, context.stage) : `https://${context.domainName}/${context.stage}`);
}

/** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}` (`.com.cn` in the China regions). */
export function executeApiEndpoint(apiId: string, region: string, stage: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${apiId}.execute-api.${region}.${suffix}/${stage}`;
}
