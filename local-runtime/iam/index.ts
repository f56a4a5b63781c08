/**
 * IAM for a local runtime: allow or deny the AWS calls a function makes, from the role
 * policies of a synthesized CloudFormation template.
 *
 *   const resolver = syntheticResolver(template, { account, region });
 *   const role = roleOfFunction(template, 'JoinFunctionLogicalId');
 *   const iam = new RolePolicyEvaluator(rolePolicies(template, role, resolver), resolver.getAtt(role, 'Arn'));
 *   const requests = dynamoDbRequests('UpdateItem', input, { arnOf: (t) => resolver.getAtt('Table', 'Arn'), partitionKeyOf: () => 'pk' });
 *   for (const request of requests) if (!(await iam.evaluate(request)).allowed) throw accessDeniedError({ request, principal });
 *   // or, on a DynamoDB client: enforceRoleOnDynamoDb(client, iam, principal, tables)
 *
 * - synthetic-resolver.ts: a {@link TemplateResolver} naming each resource after its logical id (tests, local stand-ins),
 *   for the intrinsics of ../assembly/intrinsics.ts;
 * - role-policies.ts: the identity policies a template gives a role (and a function's role);
 * - aws-requests.ts: the authorizations one call needs (DynamoDB with `dynamodb:LeadingKeys`,
 *   `execute-api:ManageConnections`, `lambda:InvokeFunction`, `events:PutEvents`);
 * - policy-evaluator.ts: IAM's decision, by @cloud-copilot/iam-simulate (also the local runtime's `PolicyEvaluator`);
 * - dynamodb-enforcement.ts: a client middleware that refuses what the role does not allow, as DynamoDB does.
 */
export { syntheticResolver, type AccountEnvironment, type TemplateResolver } from './synthetic-resolver.js';
export { roleOfFunction, rolePolicies, type CfnTemplate, type NamedPolicy, type PolicyDocument, type RolePolicies } from './role-policies.js';
export { dynamoDbRequests, invokeFunctionRequest, manageConnectionsRequest, putEventsRequest, type DynamoDbTables, type ExecuteApiStage } from './aws-requests.js';
export { iamSimulateEvaluator, PolicyEvaluationError, RolePolicyEvaluator, type AuthorizationRequest, type Decision, type IamDecision, type IamRequest, type PolicyEvaluator } from './policy-evaluator.js';
export { accessDeniedError, enforceRoleOnDynamoDb, type AccessDenial, type MiddlewareClient } from './dynamodb-enforcement.js';
