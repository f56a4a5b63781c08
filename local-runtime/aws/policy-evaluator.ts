/**
 * Whether a role's identity policies allow one request, decided by a maintained IAM
 * evaluator (@cloud-copilot/iam-simulate: AWS's evaluation logic, condition operators,
 * wildcards and the service authorization reference, kept up to date by its authors)
 * rather than by matching written here. This module is the only place that knows the
 * evaluator: a different one replaces `simulate` and nothing else.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../assembly/local-app.js';

export interface AuthorizationRequest {
  /** The caller, as AWS names it in a denial (`arn:aws:sts::...:assumed-role/<role>/<session>`). */
  readonly principalArn: string;
  /** `service:Operation`, e.g. `dynamodb:PutItem`. */
  readonly action: string;
  readonly resource: string;
  /** Condition keys of the request (`dynamodb:LeadingKeys`, ...). */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'EvaluationError'; readonly detail?: string };

export interface PolicyEvaluator {
  decide(policies: readonly PolicyDocument[], request: AuthorizationRequest): Promise<Decision>;
}

/** The maintained evaluator, with each decision remembered (a hot path asks the same question often). */
export function iamSimulateEvaluator(cacheSize = 10_000): PolicyEvaluator {
  const cache = new Map<string, Decision>();
  return {
    async decide(policies, request) {
      const key = JSON.stringify([request.principalArn, request.action, request.resource, request.context ?? {}]);
      const known = cache.get(key);
      if (known) return known;
      const decision = await simulate(policies, request);
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(key, decision);
      return decision;
    },
  };
}

async function simulate(policies: readonly PolicyDocument[], request: AuthorizationRequest): Promise<Decision> {
  const accountId = request.resource.split(':')[4] || request.principalArn.split(':')[4] || '000000000000';
  const contextVariables = Object.fromEntries(Object.entries(request.context ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : [...value]]));
  const response = await runSimulation(
    {
      identityPolicies: policies.map((document, index) => ({ name: `policy${index}`, policy: document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { principal: request.principalArn, action: request.action, resource: { resource: request.resource, accountId }, contextVariables },
    },
    {},
  );
  if (response.resultType === 'error') return { allowed: false, reason: 'EvaluationError', detail: JSON.stringify(response.errors) };
  if (response.overallResult === 'Allowed') return { allowed: true };
  return { allowed: false, reason: response.overallResult === 'ExplicitlyDenied' ? 'ExplicitlyDenied' : 'ImplicitlyDenied' };
}
