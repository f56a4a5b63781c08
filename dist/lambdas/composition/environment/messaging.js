import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaFanoutDispatcher } from '../../adapters/fanout/lambda-fanout-dispatcher.js';
import { assembleMessaging } from '../dependencies.js';
import { messagingPartsFromEnvironment } from './messaging-parts.js';
export { signingCredentials } from './messaging-parts.js';
/** The route functions: they hand topics above `fanout.workerThreshold` to the fan-out worker. */
export function messagingDependenciesFromEnvironment(env = process.env) {
    return assembleMessaging({
        ...messagingPartsFromEnvironment(env),
        dispatcher: env.TOPICAST_FANOUT_FUNCTION ? new LambdaFanoutDispatcher(new LambdaClient({}), env.TOPICAST_FANOUT_FUNCTION) : undefined,
    });
}
