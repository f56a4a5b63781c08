import { describe, expect, it } from 'vitest';
import { endpointFromEnvironment } from '../../lambdas/composition/environment/settings.js';
import type { GatewayRequestContext } from '../../lambdas/handlers/api-gateway-event.js';

/** What a request through a custom domain carries: domainName is the custom domain, stage the real stage. */
const throughCustomDomain = {
  routeKey: 'push',
  eventType: 'MESSAGE',
  connectionId: 'Ti835f_GEowCETQ=',
  domainName: 'chat.example.com',
  stage: 'prod',
  apiId: 'a1b2c3d4e5',
  connectedAt: 0,
  requestTimeEpoch: 0,
} satisfies GatewayRequestContext;

describe('Management API endpoint of a request', () => {
  it('is built from the API id and region, not the custom domain the client used', () => {
    const endpointFor = endpointFromEnvironment({ AWS_REGION: 'eu-west-1' });
    expect(endpointFor(throughCustomDomain)).toBe('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod');
  });

  it('uses the China regions’ domain there', () => {
    const endpointFor = endpointFromEnvironment({ AWS_REGION: 'cn-north-1' });
    expect(endpointFor(throughCustomDomain)).toBe('https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/prod');
  });

  it('is TOPICAST_MANAGEMENT_ENDPOINT when set (the construct always sets it)', () => {
    const endpointFor = endpointFromEnvironment({ AWS_REGION: 'eu-west-1', TOPICAST_MANAGEMENT_ENDPOINT: 'https://ws.example.com/chat' });
    expect(endpointFor(throughCustomDomain)).toBe('https://ws.example.com/chat');
  });
});
