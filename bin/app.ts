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
 *   removalPolicy     retain | destroy (default retain)
 *   managementEndpoint where functions post (default https://{apiId}.execute-api.{region}.amazonaws.com/{stage})
 *
 * The stack is environment-agnostic unless CDK_DEPLOY_ACCOUNT/CDK_DEPLOY_REGION are set,
 * so `cdk synth` works offline without credentials.
 */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { AuthMode } from '../lambdas/core/config.js';
import { TopicastStack } from '../lib/topicast-stack.js';

const app = new App();

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
const account = process.env.CDK_DEPLOY_ACCOUNT;
const region = process.env.CDK_DEPLOY_REGION;

new TopicastStack(app, context('stackName') ?? 'Topicast', {
  description: 'topicast: Phoenix Channels on API Gateway WebSockets, Lambda and DynamoDB',
  ...(account || region ? { env: { account, region } } : {}),
  realtime: {
    stageName: context('stageName'),
    auth: context('auth') as AuthMode | undefined,
    jwksUrl: context('jwksUrl'),
    tokenIssuer: context('tokenIssuer'),
    tokenAudience: context('tokenAudience'),
    allowedOrigins: list('allowedOrigins'),
    presenceDisabled: list('presenceDisabled'),
    channels: list('channels'),
    managementEndpoint: context('managementEndpoint'),
    removalPolicy: removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : undefined,
  },
});

// cdk-nag 3 is a policy-validation plugin: unacknowledged findings fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
