/**
 * The identity policies a template gives one IAM role: the role's inline `Policies`, and
 * every `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` of the template that names the
 * role in `Roles`, with their intrinsic functions resolved. Managed policies referenced by
 * ARN (`ManagedPolicyArns`, e.g. AWS-managed ones) have no content in the template: they
 * are listed, not evaluated.
 */
import { resolve, type IntrinsicContext, type Json } from '../assembly/intrinsics.js';

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly Record<string, unknown>[] | Record<string, unknown>;
}

export interface NamedPolicy {
  /** The policy's logical id, or `<role>/<PolicyName>` for an inline policy. */
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface RolePolicies {
  readonly roleLogicalId: string;
  readonly policies: readonly NamedPolicy[];
  /** `ManagedPolicyArns` of the role (and of policies attached by ARN): not evaluated. */
  readonly unevaluatedManagedPolicies: readonly string[];
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
}

const asArray = <T>(value: T | readonly T[] | undefined): readonly T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value as T]);

/** The logical id of the role a function runs as (`Role: { Fn::GetAtt: [role, Arn] }`). */
export function roleOfFunction(template: CfnTemplate, functionLogicalId: string): string {
  const fn = template.Resources?.[functionLogicalId];
  if (fn?.Type !== 'AWS::Lambda::Function') throw new Error(`${functionLogicalId} is not an AWS::Lambda::Function of the template`);
  const role = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`function ${functionLogicalId} has no role of this template (Role: ${JSON.stringify(role)})`);
  return roleId;
}

/** Every policy that applies to `roleLogicalId`, resolved with `resolver`. */
export function rolePolicies(template: CfnTemplate, roleLogicalId: string, resolver: IntrinsicContext): RolePolicies {
  const resources = template.Resources ?? {};
  const role = resources[roleLogicalId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleLogicalId} is not an AWS::IAM::Role of the template`);
  const policies: NamedPolicy[] = [];
  const unevaluated: string[] = [];
  for (const inline of asArray(role.Properties?.Policies as { PolicyName: unknown; PolicyDocument: unknown }[] | undefined)) {
    policies.push({ name: `${roleLogicalId}/${String(resolve(inline.PolicyName as Json, resolver))}`, document: resolve(inline.PolicyDocument as Json, resolver) as unknown as PolicyDocument });
  }
  for (const arn of asArray(role.Properties?.ManagedPolicyArns as unknown[] | undefined)) unevaluated.push(String(resolve(arn as Json, resolver)));
  const namesThisRole = (roles: unknown) => asArray(roles as unknown[] | undefined).some((entry) => (entry as { Ref?: unknown } | null)?.Ref === roleLogicalId);
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    if (!namesThisRole(resource.Properties?.Roles)) continue;
    policies.push({ name: logicalId, document: resolve(resource.Properties?.PolicyDocument as Json, resolver) as unknown as PolicyDocument });
  }
  return { roleLogicalId, policies, unevaluatedManagedPolicies: unevaluated };
}
