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
 */
import { runSimulation, type EvaluationResult } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, RolePolicies } from './role-policies.js';

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

  /**
   * IAM's decision for `request`. Throws {@link PolicyEvaluationError} when the simulator
   * cannot evaluate it (an invalid policy, an unknown action, a resource of the wrong type
   * for the action, or a context key it would silently ignore), never a quiet deny.
   */
  public evaluate(request: IamRequest): Promise<IamDecision> {
    const key = JSON.stringify([request.action, request.resource, request.context ?? {}]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.simulate(request);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private async simulate(request: IamRequest): Promise<IamDecision> {
    const accountId = /^arn:[^:]+:iam::(\d{12}):/.exec(this.principal)?.[1];
    if (!accountId) throw new PolicyEvaluationError(`principal ${this.principal} is not an IAM ARN with an account`);
    const contextVariables = Object.fromEntries(Object.entries(request.context ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : [...value]]));
    const outcome = await runSimulation(
      {
        identityPolicies: this.policies.policies.map((policy: NamedPolicy) => ({ name: policy.name, policy: policy.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: { principal: this.principal, action: request.action, resource: { resource: request.resource, accountId }, contextVariables },
      },
      {},
    );
    if (outcome.resultType === 'error') throw new PolicyEvaluationError(`cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(outcome.errors)}`);
    const ignored = outcome.resultType === 'single' ? outcome.result.ignoredContextKeys ?? [] : outcome.results.flatMap((result) => result.ignoredContextKeys ?? []);
    if (ignored.length > 0) throw new PolicyEvaluationError(`${request.action} on ${request.resource} does not take the context keys ${ignored.join(', ')}`);
    return { allowed: outcome.overallResult === 'Allowed', result: outcome.overallResult };
  }
}
