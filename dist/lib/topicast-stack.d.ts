/**
 * The deployable topicast stack: one `RealtimeApi` and the outputs a client or operator needs.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { RealtimeApi, type RealtimeApiProps } from './realtime-api.js';
export interface TopicastStackProps extends StackProps {
    /**
     * Props of the `RealtimeApi` construct (auth, stage, limits, ...).
     * @default - the construct's defaults (see docs/infrastructure.md)
     */
    readonly realtime?: RealtimeApiProps;
}
export declare class TopicastStack extends Stack {
    readonly realtime: RealtimeApi;
    constructor(scope: Construct, id: string, props?: TopicastStackProps);
}
