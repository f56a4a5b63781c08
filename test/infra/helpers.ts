/**
 * Shared helpers of the infra tests: an App with the same context as `cdk synth` (cdk.json),
 * and readers that gather the IAM statements that apply to one function.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

/** The feature flags and context of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return (JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/**
 * A new App with cdk.json's context. `bundling: false` skips esbuild (assets become
 * placeholders), for tests that only look at resources and policies.
 */
export function newApp(options: { bundling?: boolean; context?: Record<string, unknown> } = {}): App {
  return new App({
    context: {
      ...cdkJsonContext(),
      ...(options.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
}

export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  readonly resources: unknown[];
  readonly conditions?: unknown;
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/** Every statement granted to the role of `fn`: inline policies, attached AWS::IAM::Policy and managed policies. */
export function statementsOf(template: Template, fn: IFunction): { statements: Statement[]; managedPolicies: unknown[] } {
  const resources = template.toJSON().Resources as Resources;
  const functionProps = resources[logicalIdOf(fn)]?.Properties;
  const roleRef = functionProps?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  if (!roleRef) throw new Error(`function ${fn.node.path} has no role`);
  const roleId = roleRef['Fn::GetAtt'][0];
  const role = resources[roleId]?.Properties ?? {};

  const documents: { Statement: unknown }[] = [];
  for (const inline of asArray(role.Policies as { PolicyDocument: { Statement: unknown } }[] | undefined)) {
    documents.push(inline.PolicyDocument);
  }
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = asArray(resource.Properties?.Roles as unknown[] | undefined);
    if (roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      documents.push(resource.Properties?.PolicyDocument as { Statement: unknown });
    }
  }
  const statements = documents.flatMap((doc) =>
    asArray(doc.Statement as Record<string, unknown>[]).map((s) => ({
      effect: s.Effect as string,
      actions: asArray(s.Action as string | string[]),
      resources: asArray(s.Resource as unknown),
      conditions: s.Condition,
    })),
  );
  return { statements, managedPolicies: asArray(role.ManagedPolicyArns as unknown[] | undefined) };
}

/** Actions granted on resources with a given prefix (e.g. 'dynamodb:'), sorted. */
export function actionsWithPrefix(statements: Statement[], prefix: string): string[] {
  return [...new Set(statements.flatMap((s) => s.actions.filter((a) => a.startsWith(prefix))))].sort();
}

/** The resources of the statements that grant `action`. */
export function resourcesFor(statements: Statement[], action: string): unknown[] {
  return statements.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources);
}

/** The event source mappings that read the table's stream (the grace queue's SQS mapping has no StartingPosition). */
export function streamMappings(template: Template): unknown[] {
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((mapping) => (mapping as { Properties?: { StartingPosition?: unknown } }).Properties?.StartingPosition !== undefined);
}
