/**
 * What the local runtime runs, read from the synthesized templates: WebSocket APIs with
 * their routes and stages, functions (code folder, handler, environment, timeout, memory,
 * role), roles with their policy documents, DynamoDB tables, stream event source
 * mappings, async invoke settings, event buses and Function URLs. Every intrinsic is
 * resolved to a local value: the local table, function and bus names, local ARNs in
 * account 000000000000, and execute-api hosts that the runtime maps to its own port.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { AssemblyStack, TemplateResource } from './cloud-assembly.js';
import type { PolicyDocument } from '../iam/role-policies.js';
import { resolve, UnresolvableError, type IntrinsicContext, type Json } from './intrinsics.js';
import type { MockRouteDefinition } from '../../lambdas/core/protocol/heartbeat-route.js';
import { compileMockRoute } from '../../local-gateway/mock-integration.js';
import { LOCAL_BUNDLE_METADATA, parseLocalBundleSpec, type LocalBundleSpec } from './local-bundling.js';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';

export type { PolicyDocument } from '../iam/role-policies.js';

export interface RoleModel {
  readonly logicalId: string;
  readonly roleName: string;
  readonly arn: string;
  /** Inline policies and attached AWS::IAM::Policy / ManagedPolicy documents, resolved. */
  readonly policies: { readonly name: string; readonly document: PolicyDocument }[];
  /** AWS managed policies the role attaches: their documents are not known locally. */
  readonly managedPolicyArns: string[];
}

export interface FunctionModel {
  readonly logicalId: string;
  readonly stackName: string;
  readonly functionName: string;
  readonly arn: string;
  /** The code folder: an asset folder of the assembly, or a folder written for inline code. */
  readonly codeDir: string;
  /** `file.export` as in the template (`index.handler`, `src/app.handler`). */
  readonly handler: string;
  readonly runtime: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The execution role's ARN (a role of this app, or one it imports). */
  readonly roleArn: string | undefined;
  /** What the runtime bundles for it, when the template's code is a placeholder (local-bundling.ts). */
  readonly bundle?: LocalBundleSpec;
}

export interface RouteModel {
  readonly routeKey: string;
  /** The function its AWS_PROXY integration invokes (by ARN). */
  readonly functionArn: string | undefined;
  /** A MOCK integration: API Gateway answers from its templates, no function runs. */
  readonly mock?: MockRouteDefinition;
  /** Why the route cannot run locally (an HTTP integration, a MOCK one with VTL, an authorizer), if so. */
  readonly unsupported: string | undefined;
  /** Whether the route has a route response: only then does the client get the function's body. */
  readonly twoWay: boolean;
}

export interface WebSocketApiModel {
  readonly logicalId: string;
  readonly stackName: string;
  readonly name: string;
  readonly apiId: string;
  /** The execute-api host this API has on AWS: functions' environments name it; the runtime serves it locally. */
  readonly awsHost: string;
  readonly routeSelectionExpression: string;
  readonly stageNames: string[];
  readonly routes: RouteModel[];
}

export interface TableModel {
  readonly logicalId: string;
  readonly tableName: string;
  readonly arn: string;
  readonly streamArn: string | undefined;
  readonly streamViewType: string | undefined;
  readonly ttlAttribute: string | undefined;
  /** The CreateTable request that makes it locally (keys, attribute definitions, indexes). */
  readonly createTable: Record<string, Json>;
}

export interface EventSourceMappingModel {
  readonly logicalId: string;
  readonly eventSourceArn: string;
  readonly functionArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** Each filter's pattern, parsed. */
  readonly filters: Json[];
  readonly reportBatchItemFailures: boolean;
  /** -1: until the record expires (the AWS default). */
  readonly maximumRetryAttempts: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly enabled: boolean;
  /** ScalingConfig.MaximumConcurrency (SQS sources): batches in flight at once. */
  readonly maximumConcurrency: number | undefined;
}

export interface QueueModel {
  readonly logicalId: string;
  readonly queueName: string;
  /** `https://sqs.<region>.amazonaws.com/<account>/<name>`: the runtime serves that host on its own port. */
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly contentBasedDeduplication: boolean;
  readonly delaySeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly messageRetentionSeconds: number;
  readonly receiveMessageWaitTimeSeconds: number;
  readonly maximumMessageSize: number;
  readonly redrivePolicy: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number } | undefined;
}

export interface RuleTargetModel {
  readonly id: string;
  readonly arn: string;
  /** `Input`: a constant JSON text instead of the event. */
  readonly input: string | undefined;
  /** `InputPath`: the part of the event (`$.detail`) instead of the whole. */
  readonly inputPath: string | undefined;
  readonly inputTransformer: { readonly inputPathsMap: Readonly<Record<string, string>>; readonly inputTemplate: string } | undefined;
  /** RetryPolicy.MaximumRetryAttempts (EventBridge's default: 185). */
  readonly maximumRetryAttempts: number;
  /** RetryPolicy.MaximumEventAgeInSeconds (EventBridge's default: 24 h). */
  readonly maximumEventAgeSeconds: number;
  /** DeadLetterConfig.Arn: an SQS queue for the events EventBridge could not deliver. */
  readonly deadLetterArn: string | undefined;
}

export interface RuleModel {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** The bus's name (`default` when the rule names none). */
  readonly busName: string;
  /** The event pattern, parsed; undefined for a scheduled rule. */
  readonly eventPattern: Json | undefined;
  readonly enabled: boolean;
  readonly targets: RuleTargetModel[];
}

/** `AWS::Lambda::Permission`: who may invoke which function (EventBridge needs one per rule). */
export interface InvokePermissionModel {
  readonly functionArn: string;
  readonly principal: string;
  readonly sourceArn: string | undefined;
}

export interface InvokeConfigModel {
  readonly functionArn: string;
  readonly maximumEventAgeSeconds: number;
  readonly maximumRetryAttempts: number;
  readonly onFailureDestination: string | undefined;
}

export interface SecretModel {
  readonly logicalId: string;
  /** The construct path (`Stack/Realtime/TokenSecret/Resource`), when the template records it. */
  readonly path: string | undefined;
  readonly name: string;
  readonly arn: string;
  readonly secretString: string | undefined;
  /** `GenerateSecretString`, resolved. */
  readonly generate:
    | {
        readonly PasswordLength?: number;
        readonly ExcludeCharacters?: string;
        readonly ExcludePunctuation?: boolean;
        readonly ExcludeUppercase?: boolean;
        readonly ExcludeLowercase?: boolean;
        readonly ExcludeNumbers?: boolean;
        readonly IncludeSpace?: boolean;
        readonly SecretStringTemplate?: string;
        readonly GenerateStringKey?: string;
      }
    | undefined;
}

export interface EventBusModel {
  readonly name: string;
  readonly arn: string;
}

export interface FunctionUrlModel {
  readonly logicalId: string;
  readonly functionArn: string;
  readonly authType: string;
  /** The URL's id: its host's first label. */
  readonly urlId: string;
  /** The URL it has on AWS (`https://<id>.lambda-url.<region>.on.aws/`): functions' environments may name it. */
  readonly awsHost: string;
}

export interface LocalApp {
  readonly apis: WebSocketApiModel[];
  readonly functions: FunctionModel[];
  readonly roles: RoleModel[];
  readonly tables: TableModel[];
  readonly eventSourceMappings: EventSourceMappingModel[];
  readonly invokeConfigs: InvokeConfigModel[];
  readonly eventBuses: EventBusModel[];
  readonly secrets: SecretModel[];
  readonly functionUrls: FunctionUrlModel[];
  readonly queues: QueueModel[];
  readonly rules: RuleModel[];
  readonly invokePermissions: InvokePermissionModel[];
  /** What the runtime will not run, one line each (printed at start). */
  readonly warnings: string[];
}

export function functionArn(name: string): string {
  return `arn:${PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
}

/** A short lowercase id, stable for one stack and logical id (API ids, URL ids). */
function stableId(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(digest.subarray(0, length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** CloudFormation's generated physical names: `<stack>-<logicalId>-<suffix>`, here without the random suffix. */
function generatedName(stackName: string, logicalId: string, maxLength: number): string {
  return `${stackName}-${logicalId}`.slice(0, maxLength);
}

export function buildLocalApp(stacks: readonly AssemblyStack[]): LocalApp {
  const app: LocalApp = { apis: [], functions: [], roles: [], tables: [], eventSourceMappings: [], invokeConfigs: [], eventBuses: [], secrets: [], functionUrls: [], queues: [], rules: [], invokePermissions: [], warnings: [] };
  for (const stack of stacks) readStack(stack, app);
  return app;
}

function readStack(stack: AssemblyStack, app: LocalApp): void {
  const resources = Object.entries(stack.template.Resources ?? {});
  const byId = new Map(resources);
  const { stackName } = stack;
  const conditions = new Map<string, boolean>();

  const context: IntrinsicContext = {
    ref(logicalId) {
      switch (logicalId) {
        case 'AWS::Region':
          return LOCAL_REGION;
        case 'AWS::AccountId':
          return LOCAL_ACCOUNT;
        case 'AWS::Partition':
          return PARTITION;
        case 'AWS::URLSuffix':
          return URL_SUFFIX;
        case 'AWS::StackName':
          return stackName;
        case 'AWS::StackId':
          return `arn:${PARTITION}:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${stackName}/local`;
        case 'AWS::NoValue':
          return null;
        default:
          break;
      }
      const parameter = stack.template.Parameters?.[logicalId];
      if (parameter) return parameter.Default ?? '';
      const resource = byId.get(logicalId);
      if (!resource) throw new UnresolvableError(`Ref to ${logicalId}, which is not in stack ${stackName}`);
      return physicalRef(logicalId, resource);
    },
    getAtt(logicalId, attribute) {
      const resource = byId.get(logicalId);
      if (!resource) throw new UnresolvableError(`Fn::GetAtt of ${logicalId}, which is not in stack ${stackName}`);
      return attributeOf(logicalId, resource, attribute);
    },
    condition(name) {
      const known = conditions.get(name);
      if (known !== undefined) return known;
      const value = evaluateCondition(stack.template.Conditions?.[name] ?? false);
      conditions.set(name, value);
      return value;
    },
  };

  function evaluateCondition(expression: Json): boolean {
    if (typeof expression === 'boolean') return expression;
    if (expression === null || typeof expression !== 'object' || Array.isArray(expression)) return Boolean(expression);
    const [key] = Object.keys(expression) as [string];
    const argument = expression[key] as Json[];
    switch (key) {
      case 'Fn::Equals':
        return JSON.stringify(resolve(argument[0], context)) === JSON.stringify(resolve(argument[1], context));
      case 'Fn::Not':
        return !evaluateCondition(argument[0] as Json);
      case 'Fn::And':
        return argument.every((item) => evaluateCondition(item));
      case 'Fn::Or':
        return argument.some((item) => evaluateCondition(item));
      case 'Condition':
        return context.condition(String(argument));
      default:
        return Boolean(resolve(expression, context));
    }
  }

  const props = (resource: TemplateResource) => resource.Properties ?? {};
  const text = (value: Json | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const resolved = resolve(value, context);
    return resolved === null ? undefined : String(resolved);
  };

  function physicalRef(logicalId: string, resource: TemplateResource): Json {
    const p = props(resource);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return text(p.TableName) ?? generatedName(stackName, logicalId, 255);
      case 'AWS::Lambda::Function':
        return text(p.FunctionName) ?? generatedName(stackName, logicalId, 64);
      case 'AWS::IAM::Role':
        return text(p.RoleName) ?? generatedName(stackName, logicalId, 64);
      case 'AWS::ApiGatewayV2::Api':
        return stableId(`${stackName}/${logicalId}`, 10);
      case 'AWS::ApiGatewayV2::Stage':
        return text(p.StageName) ?? '$default';
      case 'AWS::Events::EventBus':
        return text(p.Name) ?? generatedName(stackName, logicalId, 256);
      case 'AWS::SQS::Queue': {
        // CloudFormation ends a generated FIFO queue name with `.fifo`, as SQS requires.
        const fifo = resolve(p.FifoQueue ?? false, context) === true || resolve(p.FifoQueue ?? false, context) === 'true';
        const name = text(p.QueueName) ?? (fifo ? `${generatedName(stackName, logicalId, 75)}.fifo` : generatedName(stackName, logicalId, 80));
        return `https://sqs.${LOCAL_REGION}.${URL_SUFFIX}/${LOCAL_ACCOUNT}/${name}`;
      }
      case 'AWS::Events::Rule': {
        // A rule on a custom bus is `bus|rule`, as CloudFormation's Ref returns it.
        const name = text(p.Name) ?? generatedName(stackName, logicalId, 64);
        const bus = busNameOf(p.EventBusName);
        return bus === 'default' ? name : `${bus}|${name}`;
      }
      case 'AWS::SNS::Topic':
        return `arn:${PARTITION}:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${text(p.TopicName) ?? generatedName(stackName, logicalId, 256)}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:${PARTITION}:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${text(p.Name) ?? generatedName(stackName, logicalId, 256)}-${stableId(logicalId, 6)}`;
      case 'AWS::Logs::LogGroup':
        return text(p.LogGroupName) ?? generatedName(stackName, logicalId, 512);
      default:
        // Integrations, routes, permissions and the rest: an id of the right kind of shape.
        return stableId(`${stackName}/${logicalId}`, 7);
    }
  }

  function attributeOf(logicalId: string, resource: TemplateResource, attribute: string): Json {
    const ref = String(physicalRef(logicalId, resource));
    const p = props(resource);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable': {
        const arn = `arn:${PARTITION}:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${ref}`;
        if (attribute === 'Arn') return arn;
        if (attribute === 'StreamArn') return `${arn}/stream/1970-01-01T00:00:00.000`;
        break;
      }
      case 'AWS::Lambda::Function':
        if (attribute === 'Arn') return functionArn(ref);
        break;
      case 'AWS::IAM::Role':
        if (attribute === 'Arn') return `arn:${PARTITION}:iam::${LOCAL_ACCOUNT}:role/${ref}`;
        if (attribute === 'RoleId') return `AROA${stableId(ref, 17).toUpperCase()}`;
        break;
      case 'AWS::ApiGatewayV2::Api':
        if (attribute === 'ApiId') return ref;
        if (attribute === 'ApiEndpoint') return `${text(p.ProtocolType) === 'WEBSOCKET' ? 'wss' : 'https'}://${ref}.execute-api.${LOCAL_REGION}.${URL_SUFFIX}`;
        break;
      case 'AWS::Events::EventBus':
        if (attribute === 'Arn') return `arn:${PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:event-bus/${ref}`;
        if (attribute === 'Name') return ref;
        break;
      case 'AWS::Lambda::Url':
        if (attribute === 'FunctionUrl') return `https://${lambdaUrlId(logicalId)}.lambda-url.${LOCAL_REGION}.on.aws/`;
        if (attribute === 'FunctionArn') return text(p.TargetFunctionArn) ?? '';
        break;
      case 'AWS::SQS::Queue': {
        const name = ref.slice(ref.lastIndexOf('/') + 1);
        if (attribute === 'Arn') return `arn:${PARTITION}:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
        if (attribute === 'QueueName') return name;
        if (attribute === 'QueueUrl') return ref;
        break;
      }
      case 'AWS::Events::Rule': {
        const [bus, name] = ref.includes('|') ? ref.split('|') : ['default', ref];
        if (attribute === 'Arn') return `arn:${PARTITION}:events:${LOCAL_REGION}:${LOCAL_ACCOUNT}:rule/${bus === 'default' ? '' : `${String(bus)}/`}${String(name)}`;
        break;
      }
      case 'AWS::SNS::Topic':
        if (attribute === 'TopicArn') return ref;
        if (attribute === 'TopicName') return ref.slice(ref.lastIndexOf(':') + 1);
        break;
      case 'AWS::Logs::LogGroup':
        if (attribute === 'Arn') return `arn:${PARTITION}:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${ref}:*`;
        break;
      case 'AWS::SecretsManager::Secret':
        if (attribute === 'Id') return ref;
        break;
      default:
        break;
    }
    if (attribute === 'Arn') return `arn:${PARTITION}:${resource.Type.split('::')[1]?.toLowerCase() ?? 'local'}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${ref}`;
    return `${ref}-${attribute}`;
  }

  /** A bus named by name or ARN (`Ref` of a bus is its name; `GetAtt Arn` its ARN). */
  function busNameOf(value: Json | undefined): string {
    const named = text(value) ?? 'default';
    return named.startsWith('arn:') ? named.slice(named.lastIndexOf('/') + 1) : named;
  }

  function lambdaUrlId(logicalId: string): string {
    return stableId(`${stackName}/${logicalId}/url`, 32);
  }

  const present = resources.filter(([, resource]) => resource.Condition === undefined || context.condition(resource.Condition));
  const ofType = (type: string) => present.filter(([, resource]) => resource.Type === type);
  const warn = (line: string) => app.warnings.push(`${stackName}: ${line}`);

  // Roles and their policies.
  const roles = new Map<string, RoleModel>();
  for (const [logicalId, resource] of ofType('AWS::IAM::Role')) {
    const p = props(resource);
    const inline = Array.isArray(p.Policies) ? (p.Policies as { PolicyName: Json; PolicyDocument: Json }[]) : [];
    const role: RoleModel = {
      logicalId,
      roleName: String(context.ref(logicalId)),
      arn: String(context.getAtt(logicalId, 'Arn')),
      policies: inline.map((policy) => ({ name: String(text(policy.PolicyName)), document: resolve(policy.PolicyDocument, context) as unknown as PolicyDocument })),
      managedPolicyArns: ((resolve(p.ManagedPolicyArns ?? [], context) as Json[]) ?? []).map(String),
    };
    roles.set(logicalId, role);
    app.roles.push(role);
  }
  for (const [logicalId, resource] of [...ofType('AWS::IAM::Policy'), ...ofType('AWS::IAM::ManagedPolicy'), ...ofType('AWS::IAM::RolePolicy')]) {
    const p = props(resource);
    const document = resolve(p.PolicyDocument, context) as unknown as PolicyDocument;
    const targets = resource.Type === 'AWS::IAM::RolePolicy' ? [p.RoleName] : Array.isArray(p.Roles) ? p.Roles : [];
    for (const target of targets) {
      const roleLogicalId = typeof target === 'object' && target !== null && !Array.isArray(target) && 'Ref' in target ? String(target.Ref) : undefined;
      const role = roleLogicalId ? roles.get(roleLogicalId) : app.roles.find((candidate) => candidate.roleName === text(target));
      role?.policies.push({ name: text(p.PolicyName) ?? text(p.ManagedPolicyName) ?? logicalId, document });
    }
  }

  // Tables.
  for (const [logicalId, resource] of [...ofType('AWS::DynamoDB::Table'), ...ofType('AWS::DynamoDB::GlobalTable')]) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const tableName = String(context.ref(logicalId));
    const stream = p.StreamSpecification as { StreamViewType?: string } | null | undefined;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | null | undefined;
    const indexes = (key: string) => (Array.isArray(p[key]) ? (p[key] as Record<string, Json>[]).map(({ IndexName, KeySchema, Projection }) => ({ IndexName: IndexName ?? null, KeySchema: KeySchema ?? null, Projection: Projection ?? null })) : undefined);
    const globalIndexes = indexes('GlobalSecondaryIndexes');
    const localIndexes = indexes('LocalSecondaryIndexes');
    app.tables.push({
      logicalId,
      tableName,
      arn: String(context.getAtt(logicalId, 'Arn')),
      streamViewType: stream?.StreamViewType,
      streamArn: stream?.StreamViewType ? String(context.getAtt(logicalId, 'StreamArn')) : undefined,
      ttlAttribute: ttl?.Enabled === false ? undefined : ttl?.AttributeName,
      createTable: {
        TableName: tableName,
        KeySchema: p.KeySchema as Json,
        AttributeDefinitions: p.AttributeDefinitions as Json,
        BillingMode: 'PAY_PER_REQUEST',
        ...(globalIndexes ? { GlobalSecondaryIndexes: globalIndexes } : {}),
        ...(localIndexes ? { LocalSecondaryIndexes: localIndexes } : {}),
      },
    });
  }

  // Functions.
  for (const [logicalId, resource] of ofType('AWS::Lambda::Function')) {
    const p = props(resource);
    const functionName = String(context.ref(logicalId));
    let environment: Record<string, string> = {};
    try {
      const variables = resolve((p.Environment as { Variables?: Json } | undefined)?.Variables ?? {}, context) as Record<string, Json>;
      environment = Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== null).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      warn(`function ${logicalId}: its environment cannot be resolved locally (${error.message})`);
    }
    const bundle = parseLocalBundleSpec(resource.Metadata?.[LOCAL_BUNDLE_METADATA]);
    app.functions.push({
      logicalId,
      stackName,
      functionName,
      arn: String(context.getAtt(logicalId, 'Arn')),
      ...(bundle ? { bundle } : {}),
      codeDir: codeDirOf(stack, logicalId, resource),
      handler: text(p.Handler) ?? 'index.handler',
      runtime: text(p.Runtime) ?? 'unknown',
      environment,
      timeoutSeconds: Number(text(p.Timeout) ?? 3),
      memoryMb: Number(text(p.MemorySize) ?? 128),
      roleArn: text(p.Role),
    });
  }

  // WebSocket APIs: routes, integrations, route responses, stages.
  const apiOf = (resource: TemplateResource) => {
    const apiId = (props(resource).ApiId as { Ref?: string } | undefined)?.Ref;
    return apiId;
  };
  for (const [logicalId, resource] of ofType('AWS::ApiGatewayV2::Api')) {
    const p = props(resource);
    if (text(p.ProtocolType) !== 'WEBSOCKET') continue;
    const apiId = String(context.ref(logicalId));
    const integrations = new Map(ofType('AWS::ApiGatewayV2::Integration').filter(([, integration]) => apiOf(integration) === logicalId).map(([id, integration]) => [String(context.ref(id)), integration]));
    // An integration response names its integration by Ref (the integration's id, as routes' targets do).
    const integrationResponsesOf = (integrationId: string) =>
      ofType('AWS::ApiGatewayV2::IntegrationResponse')
        .filter(([, response]) => apiOf(response) === logicalId && String(context.ref((props(response).IntegrationId as { Ref?: string } | undefined)?.Ref ?? '')) === integrationId)
        .map(([, response]) => props(response));
    const routeResponses = new Set(ofType('AWS::ApiGatewayV2::RouteResponse').filter(([, response]) => apiOf(response) === logicalId).map(([, response]) => (props(response).RouteId as { Ref?: string } | undefined)?.Ref));
    const routes: RouteModel[] = ofType('AWS::ApiGatewayV2::Route')
      .filter(([, route]) => apiOf(route) === logicalId)
      .map(([routeId, route]) => {
        const rp = props(route);
        const routeKey = String(text(rp.RouteKey));
        const target = text(rp.Target) ?? '';
        const integration = integrations.get(target.replace(/^integrations\//, ''));
        const ip = integration ? props(integration) : {};
        const uri = text(ip.IntegrationUri) ?? '';
        const arn = /functions\/(arn:[^/]+)\/invocations/.exec(uri)?.[1] ?? (uri.startsWith('arn:') && uri.includes(':function:') ? uri : undefined);
        const type = text(ip.IntegrationType);
        const authorization = text(rp.AuthorizationType) ?? 'NONE';
        const twoWay = routeResponses.has(routeId);
        const mock = type === 'MOCK' && integration ? mockRouteOf(routeKey, ip, integrationResponsesOf(target.replace(/^integrations\//, '')), twoWay ? (text(rp.RouteResponseSelectionExpression) ?? '$default') : undefined) : undefined;
        const unsupported = !integration
          ? 'it has no integration'
          : type === 'MOCK'
            ? mock?.unsupported
            : type !== 'AWS_PROXY' || !arn
              ? `its ${String(type)} integration is not a Lambda proxy integration`
              : undefined;
        const refused = unsupported ?? (authorization !== 'NONE' ? `its ${authorization} authorization is not emulated` : undefined);
        if (refused) warn(`route ${routeKey} of ${logicalId} is not served: ${refused}`);
        return { routeKey, functionArn: arn, ...(mock?.definition ? { mock: mock.definition } : {}), unsupported: refused, twoWay };
      });
    const stageNames = ofType('AWS::ApiGatewayV2::Stage')
      .filter(([, stageResource]) => apiOf(stageResource) === logicalId)
      .map(([stageId]) => String(context.ref(stageId)));
    app.apis.push({
      logicalId,
      stackName,
      name: text(p.Name) ?? logicalId,
      apiId,
      awsHost: `${apiId}.execute-api.${LOCAL_REGION}.${URL_SUFFIX}`,
      routeSelectionExpression: text(p.RouteSelectionExpression) ?? '$request.body.action',
      stageNames,
      routes,
    });
  }

  // Event source mappings, async invoke settings, buses, Function URLs.
  const functionArnOf = (value: Json | undefined) => {
    const name = text(value) ?? '';
    return name.startsWith('arn:') ? name.replace(/:(\$LATEST|\d+)$/, '') : functionArn(name);
  };
  for (const [logicalId, resource] of ofType('AWS::Lambda::EventSourceMapping')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const filters = ((p.FilterCriteria as { Filters?: { Pattern: string }[] } | null)?.Filters ?? []).map((filter) => JSON.parse(filter.Pattern) as Json);
    app.eventSourceMappings.push({
      logicalId,
      eventSourceArn: String(p.EventSourceArn ?? ''),
      functionArn: functionArnOf(p.FunctionName as Json),
      // Lambda's defaults: 10 for SQS, 100 for streams.
      batchSize: Number(p.BatchSize ?? (String(p.EventSourceArn ?? '').startsWith('arn:aws:sqs:') ? 10 : 100)),
      maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      filters,
      reportBatchItemFailures: Array.isArray(p.FunctionResponseTypes) && p.FunctionResponseTypes.includes('ReportBatchItemFailures'),
      maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
      bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
      enabled: p.Enabled !== false,
      maximumConcurrency: (p.ScalingConfig as { MaximumConcurrency?: number } | null)?.MaximumConcurrency,
    });
  }
  for (const [, resource] of ofType('AWS::Lambda::EventInvokeConfig')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const destination = (p.DestinationConfig as { OnFailure?: { Destination?: string } } | null)?.OnFailure?.Destination;
    app.invokeConfigs.push({
      functionArn: functionArnOf(p.FunctionName as Json),
      maximumEventAgeSeconds: Number(p.MaximumEventAgeInSeconds ?? 21_600),
      maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? 2),
      onFailureDestination: destination,
    });
  }
  for (const [logicalId] of ofType('AWS::Events::EventBus')) {
    app.eventBuses.push({ name: String(context.ref(logicalId)), arn: String(context.getAtt(logicalId, 'Arn')) });
  }
  for (const [logicalId, resource] of ofType('AWS::SecretsManager::Secret')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const arn = String(context.ref(logicalId));
    const path = resource.Metadata?.['aws:cdk:path'];
    app.secrets.push({
      logicalId,
      path: typeof path === 'string' ? path : undefined,
      name: typeof p.Name === 'string' ? p.Name : arn.slice(arn.indexOf(':secret:') + ':secret:'.length, -7),
      arn,
      secretString: typeof p.SecretString === 'string' ? p.SecretString : undefined,
      generate: (p.GenerateSecretString ?? undefined) as SecretModel['generate'],
    });
  }
  for (const [logicalId, resource] of ofType('AWS::SQS::Queue')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const url = String(context.ref(logicalId));
    const redrive = (typeof p.RedrivePolicy === 'string' ? JSON.parse(p.RedrivePolicy) : p.RedrivePolicy) as { deadLetterTargetArn?: string; maxReceiveCount?: number | string } | null;
    const flag = (value: Json | undefined) => value === true || value === 'true';
    app.queues.push({
      logicalId,
      queueName: url.slice(url.lastIndexOf('/') + 1),
      url,
      arn: String(context.getAtt(logicalId, 'Arn')),
      fifo: flag(p.FifoQueue),
      contentBasedDeduplication: flag(p.ContentBasedDeduplication),
      // SQS's defaults.
      delaySeconds: Number(p.DelaySeconds ?? 0),
      visibilityTimeoutSeconds: Number(p.VisibilityTimeout ?? 30),
      messageRetentionSeconds: Number(p.MessageRetentionPeriod ?? 345_600),
      receiveMessageWaitTimeSeconds: Number(p.ReceiveMessageWaitTimeSeconds ?? 0),
      maximumMessageSize: Number(p.MaximumMessageSize ?? 262_144),
      redrivePolicy: redrive?.deadLetterTargetArn ? { deadLetterTargetArn: redrive.deadLetterTargetArn, maxReceiveCount: Number(redrive.maxReceiveCount ?? 10) } : undefined,
    });
  }
  for (const [logicalId, resource] of ofType('AWS::Events::Rule')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    const ref = String(context.ref(logicalId));
    if (p.EventPattern === null || p.EventPattern === undefined) {
      warn(`rule ${logicalId} is not run: scheduled rules (${String(p.ScheduleExpression)}) are not emulated`);
      continue;
    }
    const targets = (Array.isArray(p.Targets) ? p.Targets : []) as Record<string, Json>[];
    app.rules.push({
      logicalId,
      name: ref.slice(ref.indexOf('|') + 1),
      arn: String(context.getAtt(logicalId, 'Arn')),
      busName: busNameOf(p.EventBusName ?? undefined),
      eventPattern: typeof p.EventPattern === 'string' ? (JSON.parse(p.EventPattern) as Json) : p.EventPattern,
      enabled: p.State === undefined || p.State === null || p.State === 'ENABLED',
      targets: targets.map((target) => {
        const retry = (target.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
        const transformer = target.InputTransformer as { InputPathsMap?: Record<string, string>; InputTemplate?: string } | null | undefined;
        return {
          id: String(target.Id ?? ''),
          arn: String(target.Arn ?? ''),
          input: typeof target.Input === 'string' ? target.Input : undefined,
          inputPath: typeof target.InputPath === 'string' ? target.InputPath : undefined,
          inputTransformer: transformer?.InputTemplate !== undefined ? { inputPathsMap: transformer.InputPathsMap ?? {}, inputTemplate: transformer.InputTemplate } : undefined,
          maximumRetryAttempts: Number(retry.MaximumRetryAttempts ?? 185),
          maximumEventAgeSeconds: Number(retry.MaximumEventAgeInSeconds ?? 86_400),
          deadLetterArn: (target.DeadLetterConfig as { Arn?: string } | null | undefined)?.Arn,
        };
      }),
    });
  }
  for (const [, resource] of ofType('AWS::Lambda::Permission')) {
    const p = resolve(props(resource), context) as Record<string, Json>;
    app.invokePermissions.push({ functionArn: functionArnOf(p.FunctionName as Json), principal: String(p.Principal ?? ''), sourceArn: typeof p.SourceArn === 'string' ? p.SourceArn : undefined });
  }
  for (const [logicalId, resource] of ofType('AWS::Lambda::Url')) {
    const p = props(resource);
    app.functionUrls.push({
      logicalId,
      functionArn: functionArnOf(p.TargetFunctionArn),
      authType: text(p.AuthType) ?? 'AWS_IAM',
      urlId: lambdaUrlId(logicalId),
      awsHost: `${lambdaUrlId(logicalId)}.lambda-url.${LOCAL_REGION}.on.aws`,
    });
  }
}

/** A function's code folder: the asset named in its metadata or by its S3 key; inline code is written out. */
function codeDirOf(stack: AssemblyStack, logicalId: string, resource: TemplateResource): string {
  const metadata = resource.Metadata ?? {};
  if (metadata['aws:asset:property'] === 'Code' && typeof metadata['aws:asset:path'] === 'string') {
    const dir = resolvePath(stack.assemblyDir, metadata['aws:asset:path']);
    if (existsSync(dir)) return dir;
  }
  const code = (resource.Properties?.Code ?? {}) as Record<string, Json>;
  if (typeof code.S3Key === 'string') {
    const dir = stack.assetDirs.get(code.S3Key);
    if (dir && existsSync(dir)) return dir;
  }
  if (typeof code.ZipFile === 'string') {
    const dir = join(tmpdir(), 'topicast-inline-code', stableId(`${stack.stackName}/${logicalId}/${code.ZipFile}`, 16));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), code.ZipFile);
    return dir;
  }
  throw new UnresolvableError(`function ${logicalId} of ${stack.stackName}: its code is neither an asset of this assembly nor inline`);
}

/**
 * A MOCK route from its Integration, IntegrationResponse and Route properties, as the local
 * gateway's MOCK emulation reads them; a template the emulation cannot evaluate (VTL) makes
 * the route unsupported rather than answered differently from AWS.
 */
function mockRouteOf(
  routeKey: string,
  integration: Record<string, Json>,
  responses: readonly Record<string, Json>[],
  routeResponseSelectionExpression: string | undefined,
): { definition?: MockRouteDefinition; unsupported?: string } {
  const templates = (value: Json | undefined): Record<string, string> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
  const definition: MockRouteDefinition = {
    routeKey,
    templateSelectionExpression: typeof integration.TemplateSelectionExpression === 'string' ? integration.TemplateSelectionExpression : '',
    requestTemplates: templates(integration.RequestTemplates),
    integrationResponses: responses.map((response) => ({
      integrationResponseKey: typeof response.IntegrationResponseKey === 'string' ? response.IntegrationResponseKey : '$default',
      ...(typeof response.TemplateSelectionExpression === 'string' ? { templateSelectionExpression: response.TemplateSelectionExpression } : {}),
      responseTemplates: templates(response.ResponseTemplates),
    })),
    routeResponseSelectionExpression,
  };
  try {
    compileMockRoute(definition);
    return { definition };
  } catch (error) {
    return { unsupported: `its MOCK integration is not emulated (${error instanceof Error ? error.message : String(error)})` };
  }
}
