/**
 * Settings from environment variables, with no AWS SDK import: the ping function (which
 * touches neither the table nor the Management API) bundles only this.
 */
import { resolveConfig } from '../../core/config.js';
/** True inside Lambda, where work done at module load is part of the (free) init phase. */
export const IN_LAMBDA = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
/**
 * TOPICAST_CONFIG (JSON, written by the construct) plus the single-purpose variables of
 * DESIGN.md, which win so a developer can flip one setting without editing JSON.
 */
export function configFromEnvironment(env = process.env) {
    let input = {};
    if (env.TOPICAST_CONFIG) {
        try {
            input = JSON.parse(env.TOPICAST_CONFIG);
        }
        catch (error) {
            throw new Error('TOPICAST_CONFIG is not valid JSON', { cause: error });
        }
    }
    return resolveConfig({
        ...input,
        ...(env.TOPICAST_AUTH ? { auth: env.TOPICAST_AUTH } : {}),
        ...(env.TOPICAST_ALLOWED_ORIGINS !== undefined ? { allowedOrigins: splitList(env.TOPICAST_ALLOWED_ORIGINS) } : {}),
    });
}
export function splitList(value) {
    return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}
/** API Gateway's callback URL is https://{domain}/{stage}; a custom domain needs the override. */
export function endpointFromEnvironment(env = process.env) {
    const override = env.TOPICAST_MANAGEMENT_ENDPOINT;
    return (context) => override ?? `https://${context.domainName}/${context.stage}`;
}
