/**
 * Allow or deny one AWS request against a role's identity policies, as IAM decides it:
 * actions and resources with wildcards, explicit denies, and conditions with every
 * operator and set qualifier (`ForAllValues:StringLike` on `dynamodb:LeadingKeys`).
 *
 * The decision is @cloud-copilot/iam-simulate's (a maintained simulator of IAM's
 * evaluation logic, checked against AWS's documented behaviour, with its own data on every
 * action, resource type and condition key): a hand-written matcher would have to get the
 * set operators, the `...IfExists` forms, `NotAction`/`NotResource` and ARN matching right
 * by itself. Only identity policies take part (no resource policies, permission
 * boundaries, SCPs or session policies), which is what decides a Lambda role's calls to
 * DynamoDB, the Management API, Lambda and EventBridge within one account.
 *
 * This module is the only one that knows the simulator. Two front ends share its one
 * simulation: {@link RolePolicyEvaluator} (one role, throws when a request cannot be
 * evaluated: tests) and {@link iamSimulateEvaluator} (any role's documents, a decision
 * that says why it denied: the local runtime's AWS endpoint).
 */
import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, PolicyDocument, RolePolicies } from './role-policies.js';

/** One authorization IAM makes for a call, e.g. `dynamodb:UpdateItem` on a table with its leading keys. */
export interface IamRequest {
  /** `service:Action`, e.g. `dynamodb:UpdateItem`. */
  readonly action: string;
  /** The resource ARN the call addresses. */
  readonly resource: string;
  /** Request context keys, e.g. `{ 'dynamodb:LeadingKeys': ['c#abc'] }`. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export interface IamDecision {
  readonly allowed: boolean;
  readonly result: EvaluationResult;
}

export class PolicyEvaluationError extends Error {
  public override readonly name = 'PolicyEvaluationError';
}

/**
 * IAM's decision for `request` made by `principal` under `policies`. Throws
 * {@link PolicyEvaluationError} when the simulator cannot evaluate it (an invalid policy,
 * an unknown action, a resource of the wrong type for the action, or a context key it
 * would silently ignore), never a quiet deny.
 */
async function simulate(policies: readonly NamedPolicy[], principal: string, accountId: string, request: IamRequest): Promise<IamDecision> {
  const contextVariables = Object.fromEntries(Object.entries(request.context ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : [...value]]));
  const outcome = await runSimulation(
    {
      identityPolicies: policies.map((policy) => ({ name: policy.name, policy: policy.document as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { principal, action: request.action, resource: { resource: request.resource, accountId }, contextVariables },
    },
    {},
  );
  if (outcome.resultType === 'error') throw new PolicyEvaluationError(`cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(outcome.errors)}`);
  const ignored = outcome.resultType === 'single' ? (outcome.result.ignoredContextKeys ?? []) : outcome.results.flatMap((result) => result.ignoredContextKeys ?? []);
  if (ignored.length > 0) throw new PolicyEvaluationError(`${request.action} on ${request.resource} does not take the context keys ${ignored.join(', ')}`);
  return { allowed: outcome.overallResult === 'Allowed', result: outcome.overallResult };
}

export class RolePolicyEvaluator {
  private readonly decisions = new Map<string, Promise<IamDecision>>();

  /**
   * @param policies what {@link rolePolicies} found for the role
   * @param principal the role's ARN (its account is the request's)
   */
  public constructor(
    private readonly policies: RolePolicies,
    private readonly principal: string,
  ) {}

  public get policyNames(): readonly string[] {
    return this.policies.policies.map((policy) => policy.name);
  }

  /** IAM's decision for `request`; throws {@link PolicyEvaluationError} when it cannot be evaluated. */
  public evaluate(request: IamRequest): Promise<IamDecision> {
    const key = JSON.stringify([request.action, request.resource, request.context ?? {}]);
    let decision = this.decisions.get(key);
    if (!decision) {
      const accountId = /^arn:[^:]+:iam::(\d{12}):/.exec(this.principal)?.[1];
      decision = accountId
        ? simulate(this.policies.policies, this.principal, accountId, request)
        : Promise.reject(new PolicyEvaluationError(`principal ${this.principal} is not an IAM ARN with an account`));
      this.decisions.set(key, decision);
    }
    return decision;
  }
}

/** A request as the local AWS endpoint authorizes it: the caller as AWS names it in a denial. */
export interface AuthorizationRequest extends IamRequest {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  readonly principalArn: string;
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'EvaluationError'; readonly detail?: string };

export interface PolicyEvaluator {
  decide(policies: readonly PolicyDocument[], request: AuthorizationRequest): Promise<Decision>;
}

/**
 * The maintained evaluator for any role's documents, each decision remembered (a hot path
 * asks the same question often). A request it cannot evaluate is denied, with the reason.
 */
export function iamSimulateEvaluator(cacheSize = 10_000): PolicyEvaluator {
  const cache = new Map<string, Decision>();
  return {
    async decide(policies, request) {
      // The principal names the role, hence its policies.
      const key = JSON.stringify([request.principalArn, request.action, request.resource, request.context ?? {}]);
      const known = cache.get(key);
      if (known) return known;
      const accountId = request.resource.split(':')[4] || request.principalArn.split(':')[4] || '000000000000';
      const named = policies.map((document, index) => ({ name: `policy${index}`, document }));
      let decision: Decision;
      try {
        const { allowed, result } = await simulate(named, request.principalArn, accountId, request);
        decision = allowed ? { allowed: true } : { allowed: false, reason: result === 'ExplicitlyDenied' ? 'ExplicitlyDenied' : 'ImplicitlyDenied' };
      } catch (error) {
        if (!(error instanceof PolicyEvaluationError)) throw error;
        decision = { allowed: false, reason: 'EvaluationError', detail: error.message };
      }
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value as string);
      cache.set(key, decision);
      return decision;
    },
  };
}
