/**
 * A {@link TemplateResolver} that names every resource after its logical id, in one
 * account and region: enough to evaluate a template's policies against requests built
 * with the same resolver (tests, or a local runtime that creates its resources under
 * these names). ARNs follow each service's documented format, so an evaluator that checks
 * resource types (iam-simulate does) accepts them.
 */
import { UnresolvableError, type IntrinsicContext } from '../assembly/intrinsics.js';

/** What the template's references stand for: every Ref and GetAtt is a string here. */
export interface TemplateResolver extends IntrinsicContext {
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
}

export interface AccountEnvironment {
  readonly account: string;
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
}

type Resources = Readonly<Record<string, { readonly Type: string }>>;

/** Physical names and ARNs derived from logical ids; `overrides.ref` replaces the name of chosen resources. */
export function syntheticResolver(template: { readonly Resources?: Resources }, environment: AccountEnvironment, overrides: { readonly ref?: Readonly<Record<string, string>> } = {}): TemplateResolver {
  const { account, region } = environment;
  const partition = environment.partition ?? 'aws';
  const resources = template.Resources ?? {};
  const typeOf = (logicalId: string): string => {
    const resource = resources[logicalId];
    if (!resource) throw new UnresolvableError(`no resource ${logicalId} in the template`);
    return resource.Type;
  };
  const nameOf = (logicalId: string) => overrides.ref?.[logicalId] ?? logicalId;
  const arnOf = (logicalId: string): string => {
    const type = typeOf(logicalId);
    const name = nameOf(logicalId);
    const base = (service: string) => `arn:${partition}:${service}:${region}:${account}`;
    switch (type) {
      case 'AWS::DynamoDB::Table':
        return `${base('dynamodb')}:table/${name}`;
      case 'AWS::Lambda::Function':
        return `${base('lambda')}:function:${name}`;
      case 'AWS::Events::EventBus':
        return `${base('events')}:event-bus/${name}`;
      case 'AWS::Logs::LogGroup':
        return `${base('logs')}:log-group:${name}:*`;
      case 'AWS::SQS::Queue':
        return `${base('sqs')}:${name}`;
      case 'AWS::SNS::Topic':
        return `${base('sns')}:${name}`;
      case 'AWS::SecretsManager::Secret':
        return `${base('secretsmanager')}:secret:${name}-AbCdEf`;
      case 'AWS::KMS::Key':
        return `${base('kms')}:key/${name}`;
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role/${name}`;
      case 'AWS::ApiGatewayV2::Api':
        return `arn:${partition}:apigateway:${region}::/apis/${name}`;
      default:
        throw new UnresolvableError(`no ARN format known for ${logicalId} (${type})`);
    }
  };
  const queueUrlOf = (logicalId: string) => `https://sqs.${region}.${partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com'}/${account}/${nameOf(logicalId)}`;
  return {
    ref(logicalId) {
      switch (logicalId) {
        case 'AWS::Region':
          return region;
        case 'AWS::AccountId':
          return account;
        case 'AWS::Partition':
          return partition;
        case 'AWS::URLSuffix':
          return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
        case 'AWS::StackName':
          return 'stack';
        default:
          break;
      }
      const type = typeOf(logicalId);
      // Ref is the ARN for these types, the queue's URL for a queue, the name for the others.
      if (['AWS::SecretsManager::Secret', 'AWS::SNS::Topic'].includes(type)) return arnOf(logicalId);
      if (type === 'AWS::SQS::Queue') return queueUrlOf(logicalId);
      return nameOf(logicalId);
    },
    getAtt(logicalId, attribute) {
      if (attribute === 'Arn') return arnOf(logicalId);
      if (attribute === 'StreamArn' && typeOf(logicalId) === 'AWS::DynamoDB::Table') return `${arnOf(logicalId)}/stream/2026-01-01T00:00:00.000`;
      if (attribute === 'ApiId' || attribute === 'Name' || attribute === 'QueueName') return nameOf(logicalId);
      if (attribute === 'QueueUrl' && typeOf(logicalId) === 'AWS::SQS::Queue') return queueUrlOf(logicalId);
      throw new UnresolvableError(`no value known for ${logicalId}.${attribute} (${typeOf(logicalId)})`);
    },
    condition(name) {
      throw new UnresolvableError(`condition ${name}: a synthetic resolver evaluates no conditions`);
    },
  };
}
