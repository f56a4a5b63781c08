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
 * - cfn-values.ts: intrinsic functions (Ref, GetAtt, Join, Sub, Select, Split) resolved by a {@link TemplateResolver};
 * - synthetic-resolver.ts: a resolver naming each resource after its logical id (tests, local stand-ins);
 * - role-policies.ts: the identity policies a template gives a role (and a function's role);
 * - aws-requests.ts: the authorizations one call needs (DynamoDB with `dynamodb:LeadingKeys`,
 *   `execute-api:ManageConnections`, `lambda:InvokeFunction`, `events:PutEvents`);
 * - policy-evaluator.ts: IAM's decision, by @cloud-copilot/iam-simulate;
 * - dynamodb-enforcement.ts: a client middleware that refuses what the role does not allow, as DynamoDB does.
 */
export { resolveString, resolveValue, UnresolvableValueError, type TemplateResolver } from './cfn-values.js';
export { syntheticResolver, type AccountEnvironment } from './synthetic-resolver.js';
export { roleOfFunction, rolePolicies, type CfnTemplate, type NamedPolicy, type PolicyDocument, type RolePolicies } from './role-policies.js';
export { dynamoDbRequests, invokeFunctionRequest, manageConnectionsRequest, putEventsRequest, type DynamoDbTables, type ExecuteApiStage } from './aws-requests.js';
export { PolicyEvaluationError, RolePolicyEvaluator, type IamDecision, type IamRequest } from './policy-evaluator.js';
export { accessDeniedError, enforceRoleOnDynamoDb, type AccessDenial, type MiddlewareClient } from './dynamodb-enforcement.js';
