/**
 * The IAM module's synthetic resolver names resources as CloudFormation's Ref and GetAtt
 * return them: an ARN for a secret or a topic, a queue's URL for a queue (SQS's Ref is
 * the URL, its name is the QueueName attribute), the name for the others.
 */
import { describe, expect, it } from 'vitest';
import { syntheticResolver } from '../../local-runtime/iam/index.js';

const template = {
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue' },
    Table: { Type: 'AWS::DynamoDB::Table' },
    Secret: { Type: 'AWS::SecretsManager::Secret' },
  },
};

describe('syntheticResolver', () => {
  const resolver = syntheticResolver(template, { account: '111111111111', region: 'eu-west-1' });

  it('resolves a queue’s Ref and QueueUrl to its URL, QueueName and Arn as CloudFormation does', () => {
    expect(resolver.ref('Queue')).toBe('https://sqs.eu-west-1.amazonaws.com/111111111111/Queue');
    expect(resolver.getAtt('Queue', 'QueueUrl')).toBe('https://sqs.eu-west-1.amazonaws.com/111111111111/Queue');
    expect(resolver.getAtt('Queue', 'QueueName')).toBe('Queue');
    expect(resolver.getAtt('Queue', 'Arn')).toBe('arn:aws:sqs:eu-west-1:111111111111:Queue');
  });

  it('resolves a table’s Ref to its name and a secret’s to its ARN', () => {
    expect(resolver.ref('Table')).toBe('Table');
    expect(resolver.ref('Secret')).toMatch(/^arn:aws:secretsmanager:eu-west-1:111111111111:secret:Secret-/);
  });
});
