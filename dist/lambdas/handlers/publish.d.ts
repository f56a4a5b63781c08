import { servePublishApi } from './publish-api.js';
export interface FunctionUrlEvent {
    readonly rawPath?: string;
    readonly body?: string | null;
    readonly isBase64Encoded?: boolean;
    readonly requestContext: {
        readonly http: {
            readonly method: string;
            readonly path?: string;
        };
    };
}
export interface FunctionUrlResponse {
    readonly statusCode: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body: string;
}
export type PublishApiDependencies = Parameters<typeof servePublishApi>[0];
export declare const createPublishHandler: (dependencies: () => PublishApiDependencies) => (event: FunctionUrlEvent) => Promise<FunctionUrlResponse>;
export declare const handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResponse>;
