import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { cachedCredentials, credentialsFromVariables } from '../../adapters/management-api/credentials.js';
import { SignedHttpMessageSender } from '../../adapters/management-api/signed-http-sender.js';
import { jsonLogger, randomIds, systemClock } from '../system.js';
import { configFromEnvironment, endpointFromEnvironment, storeFromEnvironment } from './shared.js';
/** Everything a messaging function needs but the fan-out dispatcher (which needs the Lambda client). */
export function messagingPartsFromEnvironment(env = process.env) {
    const config = configFromEnvironment(env);
    return {
        config,
        logger: jsonLogger(),
        store: storeFromEnvironment(env),
        clock: systemClock,
        ids: randomIds,
        endpointFor: endpointFromEnvironment(env),
        // The fan-out hot path: SigV4-signed posts over a lean keep-alive pool, one socket per
        // post in flight (docs/performance.md). The region comes from each endpoint's host.
        sender: new SignedHttpMessageSender({
            credentials: signingCredentials(env),
            region: env.AWS_REGION ?? 'us-east-1',
            timeoutMs: config.fanout.postTimeoutMs,
            maxAttempts: config.fanout.maxAttempts,
            maxSockets: config.fanout.concurrency,
        }),
    };
}
/**
 * Lambda puts the execution role's credentials in the environment, valid for the life of
 * the execution environment: the cheapest correct source. Anywhere else (a container, a
 * laptop) the SDK's default chain finds them. Either way they are resolved once and
 * refreshed five minutes before they expire.
 */
export function signingCredentials(env = process.env) {
    const fromVariables = credentialsFromVariables(env);
    return cachedCredentials(fromVariables ? () => Promise.resolve(fromVariables) : defaultProvider());
}
