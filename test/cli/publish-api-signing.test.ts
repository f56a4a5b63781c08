/**
 * How the CLI signs calls to a deployed publish URL (an AWS_IAM Function URL): SigV4 for
 * the service `lambda` in the region the host names, the same headers the AWS SDK's
 * signer produces; a local gateway (http) is called unsigned.
 */
import { describe, expect, it } from 'vitest';
import { publishApiHeaders } from '../../cli/publish-api-client.js';
import { SmithySigV4 } from '../../bench/reference/smithy-signer.js';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEJr//token=' };
const provider = async () => CREDENTIALS;

describe('publish API request headers', () => {
  it('sign an https Function URL with SigV4 for lambda in its region, as the SDK signer does', async () => {
    const at = new Date('2026-11-28T21:00:00.000Z');
    const url = new URL('https://abcdefghij0123456789.lambda-url.eu-west-1.on.aws/publish');
    const body = JSON.stringify({ topic: 'user:alice', event: 'order_shipped', payload: { orderId: 42 } });

    const headers = await publishApiHeaders(url, body, provider, () => at.getTime());
    const { host, ...expected } = await new SmithySigV4('lambda', 'eu-west-1', provider, () => at).sign(url.host, url.pathname, body);

    expect(host).toBe(url.host);
    expect(headers).toEqual({ 'content-type': 'application/json', ...expected });
    expect(headers.authorization).toMatch(/Credential=AKIDEXAMPLE\/20261128\/eu-west-1\/lambda\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, /);
  });

  it('leave a local gateway (http) unsigned and refuse an https host that is no Function URL', async () => {
    expect(await publishApiHeaders(new URL('http://127.0.0.1:3001/publish'), '{}', provider)).toEqual({ 'content-type': 'application/json' });
    await expect(publishApiHeaders(new URL('https://example.com/publish'), '{}', provider)).rejects.toThrow(/lambda-url\.<region>\.on\.aws/);
  });
});
