/**
 * Settings from environment variables, with no AWS SDK import: the ping function (which
 * touches neither the table nor the Management API) bundles only this.
 */
import { type TopicastConfig } from '../../core/config.js';
import type { GatewayRequestContext } from '../../handlers/api-gateway-event.js';
export type Environment = Readonly<Record<string, string | undefined>>;
/** True inside Lambda, where work done at module load is part of the (free) init phase. */
export declare const IN_LAMBDA: boolean;
/**
 * TOPICAST_CONFIG (JSON, written by the construct) plus the single-purpose variables of
 * DESIGN.md, which win so a developer can flip one setting without editing JSON.
 */
export declare function configFromEnvironment(env?: Environment): TopicastConfig;
export declare function splitList(value: string): string[];
/** API Gateway's callback URL is https://{domain}/{stage}; a custom domain needs the override. */
export declare function endpointFromEnvironment(env?: Environment): (context: GatewayRequestContext) => string;
