/**
 * Pieces of hand-written WebSocket API templates for the runtime's tests: a route with a
 * Lambda proxy integration, as CDK's WebSocketLambdaIntegration synthesizes it (the
 * integration, the route and, for a two-way route, its `$default` route response).
 */
export function lambdaRoute(key: string, functionLogicalId: string, options: { readonly twoWay: boolean }): Record<string, unknown> {
  // Logical ids are alphanumeric: `$connect` becomes `connect`, `$default` `default`.
  const id = key.replace(/\W/g, '') || 'Default';
  return {
    [`${id}Integration`]: {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'Api' },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [functionLogicalId, 'Arn'] }, '/invocations']] },
      },
    },
    [`${id}Route`]: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Api' }, RouteKey: key, Target: { 'Fn::Join': ['', ['integrations/', { Ref: `${id}Integration` }]] } } },
    ...(options.twoWay ? { [`${id}Response`]: { Type: 'AWS::ApiGatewayV2::RouteResponse', Properties: { ApiId: { Ref: 'Api' }, RouteId: { Ref: `${id}Route` }, RouteResponseKey: '$default' } } } : {}),
  };
}
