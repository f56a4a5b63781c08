/**
 * cdk-nag 3 (AwsSolutions pack) on the default TopicastStack: no unacknowledged finding,
 * and every acknowledgment carries a real reason. cdk-nag 3 is a policy-validation plugin;
 * `validateScope` runs the same checks `cdk synth` runs and returns the violations.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TopicastStack } from '../../lib/topicast-stack.js';
import { newApp } from './helpers.js';

let stack: TopicastStack;

beforeAll(() => {
  stack = new TopicastStack(newApp({ bundling: false }), 'Topicast');
  Template.fromStack(stack); // synthesize, as `cdk synth` does before validation
});

/** All acknowledgments recorded in the tree: construct path, rule id and reason. */
function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}: ${v.description}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledges only the inherent findings, each with a reason of at least 20 characters', () => {
    const acks = acknowledgments(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(20);
    }
    const rules = new Set(acks.map((a) => a.id.replace(/^annotation::/i, '').replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-SMG4', 'AwsSolutions-SQS3']);
    // IAM5 is acknowledged for @connections/* only, never for a blanket wildcard: POST for the
    // functions that post, and DELETE for the publisher alone (the server SDK's disconnect);
    // and for the table's own streams (ListStreams, which the presence stream mapping needs).
    const iam5 = acks.filter((a) => a.id.includes('IAM5'));
    for (const ack of iam5) expect(ack.id).toMatch(/\/prod\/(POST|DELETE)\/@connections\/\*\]$|AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/stream\/\*\]$/);
    expect(new Set(iam5.filter((a) => a.id.includes('/DELETE/')).map((a) => a.path.split('/').slice(0, 3).join('/')))).toEqual(new Set(['Topicast/Realtime/PublishRole']));
  });

  it('would flag what it should: the same checks catch a wildcard policy nobody acknowledged', () => {
    const scratch = new Stack(newApp({ bundling: false }), 'Scratch');
    new iam.Role(scratch, 'Wide', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
    );
    const report = new AwsSolutionsChecks().validateScope(scratch);
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-IAM5[Action::dynamodb:*]', 'AwsSolutions-IAM5[Resource::*]']),
    );
  });
});
