/**
 * Server-side publish for `RealtimeApi`: the IAM-protected HTTP publish function's URL, and
 * what a user's own code (the `topicast/server` SDK) needs to publish: exactly the
 * permissions and the settings, nothing more.
 */
import { Fn, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PUBLISH_ENV } from '../lambdas/composition/environment/server.js';
import { KEY_PREFIXES } from '../lambdas/adapters/dynamodb/table-schema.js';
import { historyStatement } from './history-access.js';
import { tableActions, type TableAccess } from './realtime-api-defaults.js';
import { tableAccessStatements } from './table-grants.js';

const { connection: C, topic: T, user: U } = KEY_PREFIXES;

/**
 * What the SDK does to the table: Query the subscribers (`t#`), a user's connections
 * (`u#`, disconnectUser) and a connection's items (`c#`); and reap a gone connection as the
 * functions do (DeleteItem on its connection item first, then batches of its `c#`, `t#` and
 * `u#` items; DeleteItem on a stray topic row). History items have their own statement.
 */
export const PUBLISHER_TABLE_ACCESS: TableAccess = { BatchWriteItem: [C, T, U], DeleteItem: [C, T], Query: [C, T, U] };

/** The DynamoDB actions of {@link PUBLISHER_TABLE_ACCESS}. */
export const PUBLISHER_TABLE_ACTIONS = tableActions(PUBLISHER_TABLE_ACCESS).map((action) => `dynamodb:${action}`) as readonly string[];
/** Management API methods the SDK uses: POST to deliver, DELETE for disconnect/disconnectUser. */
export const PUBLISHER_CONNECTION_METHODS = ['POST', 'DELETE'] as const;

export interface PublishAccessProps {
  readonly table: dynamodb.ITable;
  readonly fanoutWorker: lambda.IFunction;
  /** The `TOPICAST_CONFIG` JSON the WebSocket functions run with (sharding, presence, fan-out tuning). */
  readonly config: string;
  /** `arn:...:execute-api:region:account:api/stage/METHOD/@connections/*` for a method. */
  readonly connectionsArn: (method: string) => string;
  /** Whether the config turns history on: publishing then appends to it, and `history()` reads it. */
  readonly history: boolean;
}

/** The environment the SDK reads (PUBLISH_ENV). */
export function publishEnvironment(props: PublishAccessProps): Record<string, string> {
  return {
    [PUBLISH_ENV.tableName]: props.table.tableName,
    [PUBLISH_ENV.config]: props.config,
    [PUBLISH_ENV.fanoutFunction]: props.fanoutWorker.functionName,
  };
}

/** What the SDK needs: the table (its items by prefix; history items too when history is on), POST and DELETE on this stage's connections, and the fan-out worker. */
export function grantPublishAccess(grantee: iam.IGrantable, props: PublishAccessProps): iam.Grant {
  const connectionArns = PUBLISHER_CONNECTION_METHODS.map((method) => props.connectionsArn(method));
  const tableGrants = tableAccessStatements(props.table.tableArn, PUBLISHER_TABLE_ACCESS).map((statement) =>
    iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources, conditions: statement.conditions }),
  );
  const grant = tableGrants
    .reduce((all, next) => all.combine(next))
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['execute-api:ManageConnections'], resourceArns: connectionArns }))
    .combine(iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [props.fanoutWorker.functionArn] }));
  if (!props.history) return grant;
  const statement = historyStatement(props.table.tableArn);
  return grant.combine(iam.Grant.addToPrincipal({ grantee, actions: statement.actions, resourceArns: statement.resources, conditions: statement.conditions }));
}

/** A Function URL with AWS_IAM auth: callers sign with SigV4 and need lambda:InvokeFunctionUrl. */
export function addPublishUrl(fn: lambda.Function): lambda.FunctionUrl {
  return fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
}

/** `https://<id>.lambda-url.<region>.on.aws` without the trailing slash, so `${url}/publish` reads right. */
export function publishUrlOf(functionUrl: lambda.FunctionUrl): string {
  return Fn.join('', ['https://', Fn.select(2, Fn.split('/', functionUrl.url))]);
}

/**
 * The grantee's policy names `@connections/*` on this stage, which cdk-nag reports as a
 * wildcard; connection ids exist only at runtime, so it is the narrowest resource there is.
 */
export function acknowledgeConnectionsWildcard(grantee: iam.IGrantable, findingIds: readonly string[]): void {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Construct)) return;
  for (const id of findingIds) {
    Validations.of(principal).acknowledge({
      id,
      reason:
        'execute-api:ManageConnections is granted on this API and stage only; connection ids are created at runtime ' +
        'by API Gateway, so `@connections/*` is the narrowest resource that exists.',
    });
  }
}
