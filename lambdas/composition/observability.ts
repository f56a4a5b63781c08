/**
 * Logs and metrics of the Lambda functions, created in this one place: a Powertools Logger
 * (JSON lines with the Lambda context) and Powertools Metrics (CloudWatch EMF), each made
 * once per execution environment. `lambdaEntry` wraps every handler exactly once: it adds
 * the invocation's correlation fields to the log and writes the metrics in a `finally`, so
 * a failed invocation still reports what it did.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { API_ID_DIMENSION, API_ID_VARIABLE, METRICS_NAMESPACE, SERVICE_NAME } from '../adapters/observability/cloudwatch-names.js';
import { EmfMetrics } from '../adapters/observability/emf-metrics.js';
import { loggerPort } from '../adapters/observability/powertools-logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Logger } from '../core/ports.js';
import type { GatewayEvent, LambdaContextLike } from '../handlers/api-gateway-event.js';
import { IN_LAMBDA, type Environment } from './environment/settings.js';

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Starts an invocation: Lambda context and correlation fields on every log line. */
  begin(route: string, event: unknown, context: LambdaContextLike | undefined): void;
  /** Ends it: writes the metrics and drops the invocation's log fields. */
  end(): void;
}

export function createObservability(env: Environment = process.env, powertools?: { logger?: PowertoolsLogger; metrics?: PowertoolsMetrics }): Observability {
  const serviceName = env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME;
  const logger = powertools?.logger ?? new PowertoolsLogger({ serviceName });
  const apiId = env[API_ID_VARIABLE];
  const emf =
    powertools?.metrics ??
    new PowertoolsMetrics({
      namespace: env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      serviceName,
      ...(apiId ? { defaultDimensions: { [API_ID_DIMENSION]: apiId } } : {}),
    });
  const metrics = new EmfMetrics(emf);
  return {
    logger: loggerPort(logger),
    metrics,
    begin(route, event, context) {
      // Lambda passes its full context; the local gateway and tests pass a part of it.
      if (context) logger.addContext(context as Parameters<PowertoolsLogger['addContext']>[0]);
      const requestContext = (event as Partial<GatewayEvent> | null)?.requestContext;
      logger.appendKeys({
        route,
        ...(requestContext?.connectionId ? { connectionId: requestContext.connectionId } : {}),
        ...(requestContext?.requestId ? { requestId: requestContext.requestId } : {}),
      });
    },
    end() {
      metrics.flush();
      logger.resetKeys();
    },
  };
}

let shared: Observability | undefined;

/** The execution environment's one Logger and Metrics (built at module load inside Lambda). */
export function lambdaObservability(): Observability {
  return (shared ??= createObservability());
}
if (IN_LAMBDA) lambdaObservability();

type Handler<E, R> = (event: E, context?: LambdaContextLike) => Promise<R>;

/** The Lambda entry point of a route (or the fan-out worker): the handler, observed. */
export function lambdaEntry<E, R>(route: string, handler: Handler<E, R>, observability: () => Observability = lambdaObservability): Handler<E, R> {
  return async (event, context) => {
    const observed = observability();
    observed.begin(route, event, context);
    try {
      return await handler(event, context);
    } catch (error) {
      // Lambda would log a bare stack; this line carries the correlation fields too.
      observed.logger.error('invocation failed', { error });
      throw error;
    } finally {
      observed.end();
    }
  };
}
