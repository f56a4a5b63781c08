/**
 * Routes API Gateway answers itself: a MOCK integration, its integration response and a
 * route response, from the one definition the local gateway emulates
 * (lambdas/core/protocol/heartbeat-route.ts). The L2 `WebSocketMockIntegration` has no
 * integration responses, and without one a MOCK route answers nothing: the L1 resources
 * say everything explicitly.
 */
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import type { MockRouteDefinition } from '../lambdas/core/protocol/heartbeat-route.js';

export function addMockRoute(scope: Construct, id: string, api: apigwv2.WebSocketApi, route: MockRouteDefinition): apigwv2.CfnRoute {
  const integration = new apigwv2.CfnIntegration(scope, `${id}Integration`, {
    apiId: api.apiId,
    integrationType: 'MOCK',
    templateSelectionExpression: route.templateSelectionExpression,
    requestTemplates: { ...route.requestTemplates },
  });
  for (const [index, response] of route.integrationResponses.entries()) {
    new apigwv2.CfnIntegrationResponse(scope, `${id}IntegrationResponse${index}`, {
      apiId: api.apiId,
      integrationId: integration.ref,
      integrationResponseKey: response.integrationResponseKey,
      ...(response.templateSelectionExpression === undefined ? {} : { templateSelectionExpression: response.templateSelectionExpression }),
      responseTemplates: { ...response.responseTemplates },
    });
  }
  const cfnRoute = new apigwv2.CfnRoute(scope, `${id}Route`, {
    apiId: api.apiId,
    routeKey: route.routeKey,
    target: `integrations/${integration.ref}`,
    ...(route.routeResponseSelectionExpression === undefined ? {} : { routeResponseSelectionExpression: route.routeResponseSelectionExpression }),
  });
  if (route.routeResponseSelectionExpression !== undefined) {
    new apigwv2.CfnRouteResponse(scope, `${id}RouteResponse`, { apiId: api.apiId, routeId: cfnRoute.ref, routeResponseKey: '$default' });
  }
  return cfnRoute;
}
