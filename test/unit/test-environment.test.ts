import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';

describe('test environment', () => {
  it('silences the AWS SDK Node version warning, as the local gateway does', () => {
    // Prepare
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);

    // Act: the first client built in a process is where the SDK checks the Node version
    new ApiGatewayManagementApiClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' }).destroy();

    // Assess
    process.off('warning', onWarning);
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
    expect(warnings.filter((message) => message.includes('NodeVersionSupportWarning'))).toEqual([]);
  });
});
