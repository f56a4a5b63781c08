/**
 * CDK app entry: `npx cdk synth` / `npx cdk deploy`.
 *
 * Optional context (`-c key=value`):
 *   stackName         stack name (default Topicast)
 *   stageName         API Gateway stage (default prod)
 *   auth              none | optional | required (default required)
 *   jwksUrl           JWKS URL for RS256/ES256 tokens (e.g. Cognito)
 *   tokenIssuer       required `iss` claim of tokens
 *   tokenAudience     required `aud` claim of tokens
 *   allowedOrigins    comma-separated Origin values (default: any origin)
 *   presenceDisabled  comma-separated topic patterns without presence, e.g. broadcast:*
 *   channels          comma-separated channel module files, e.g. examples/chat/room.ts,examples/chat/inbox.ts
 *   history           JSON retention per topic pattern, e.g. '{"room:*":{"maxMessages":100,"ttlSeconds":3600}}'
 *   lifecycleEvents   true, or the events' EventBridge source (e.g. myapp.realtime): publish lifecycle events to a new bus
 *   removalPolicy     retain | destroy (default retain)
 *   managementEndpoint where functions post (default https://{apiId}.execute-api.{region}.amazonaws.com/{stage})
 *   pusherAppId, pusherKey   turn Pusher compatibility on (docs/pusher.md); the secret is generated in Secrets Manager
 *   pusherDomain, pusherCertificateArn   custom domain for pusher-js (`app/{key}` mapped to the stage)
 *   pusherWebhookUrl  where Pusher webhooks are POSTed (turns lifecycle events on)
 *   config            JSON settings in TOPICAST_CONFIG's shape (auth, limits, presence, fanout, ...), under the keys above;
 *                     `npm start` passes --config, TOPICAST_CONFIG and --lifecycle-events this way
 *
 * The stack is environment-agnostic unless CDK_DEPLOY_ACCOUNT/CDK_DEPLOY_REGION are set,
 * so `cdk synth` works offline without credentials.
 */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { AuthMode, TopicastConfigInput } from '../lambdas/core/config.js';
import { TopicastStack } from '../lib/topicast-stack.js';
import { bundledLocally } from '../lib/function-code.js';

// Exported for a test app that takes one grant away (test/fixtures/without-push-grant/app.ts).
export const app = new App();

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const list = (key: string): string[] | undefined =>
  context(key)
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const removalPolicy = context('removalPolicy');
if (removalPolicy !== undefined && removalPolicy !== 'retain' && removalPolicy !== 'destroy') {
  throw new Error(`context removalPolicy must be 'retain' or 'destroy', got '${removalPolicy}'`);
}
// From `-c` it arrives as JSON text; from cdk.json's context it may already be an object.
const historyContext: unknown = app.node.tryGetContext('history');
let history: Record<string, Record<string, number>> | undefined;
if (typeof historyContext === 'string' && historyContext.length > 0) {
  try {
    history = JSON.parse(historyContext) as Record<string, Record<string, number>>;
  } catch (error) {
    throw new Error(`context history must be JSON such as {"room:*":{"maxMessages":100}}, got '${historyContext}'`, { cause: error });
  }
} else if (typeof historyContext === 'object' && historyContext !== null) {
  history = historyContext as Record<string, Record<string, number>>;
}
// TOPICAST_CONFIG's shape, whose keys are props of the construct (the keys above win).
const configContext: unknown = app.node.tryGetContext('config');
let config: TopicastConfigInput = {};
if (typeof configContext === 'string' && configContext.length > 0) {
  try {
    config = JSON.parse(configContext) as TopicastConfigInput;
  } catch (error) {
    throw new Error(`context config must be JSON settings such as {"auth":"optional"}, got '${configContext}'`, { cause: error });
  }
} else if (typeof configContext === 'object' && configContext !== null) {
  config = configContext as TopicastConfigInput;
}
const lifecycleContext = context('lifecycleEvents');
const lifecycleEvents = lifecycleContext === undefined || lifecycleContext === 'false' ? undefined : lifecycleContext === 'true' ? true : { source: lifecycleContext };
const pusherAppId = context('pusherAppId');
const pusherKey = context('pusherKey');
const pusherCertificateArn = context('pusherCertificateArn');
const pusherWebhookUrl = context('pusherWebhookUrl');
const account = process.env.CDK_DEPLOY_ACCOUNT;
const region = process.env.CDK_DEPLOY_REGION;

new TopicastStack(app, context('stackName') ?? 'Topicast', {
  description: 'topicast: Phoenix Channels on API Gateway WebSockets, Lambda and DynamoDB',
  ...(account || region ? { env: { account, region } } : {}),
  realtime: {
    ...config,
    stageName: context('stageName'),
    auth: (context('auth') as AuthMode | undefined) ?? config.auth,
    jwksUrl: context('jwksUrl'),
    tokenIssuer: context('tokenIssuer'),
    tokenAudience: context('tokenAudience'),
    allowedOrigins: list('allowedOrigins') ?? config.allowedOrigins,
    presenceDisabled: list('presenceDisabled') ?? config.presenceDisabled,
    channels: list('channels'),
    managementEndpoint: context('managementEndpoint'),
    history: history ?? config.history,
    lifecycleEvents: lifecycleEvents ?? config.lifecycleEvents,
    removalPolicy: removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : undefined,
    ...(pusherAppId !== undefined || pusherKey !== undefined
      ? {
          pusher: {
            appId: pusherAppId ?? '',
            key: pusherKey ?? '',
            ...(context('pusherDomain') ? { domainName: context('pusherDomain') } : {}),
            ...(pusherWebhookUrl ? { webhooks: { url: pusherWebhookUrl } } : {}),
          },
        }
      : {}),
  },
  pusherCertificateArn,
});

// cdk-nag 3 is a policy-validation plugin: unacknowledged findings fail `cdk synth`. Not in
// `topicast local`'s synthesis: it changes no template, and costs a second or more of each start.
if (!bundledLocally(app)) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
