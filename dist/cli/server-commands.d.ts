import { type PublishApiClients } from './publish-api-client.js';
export declare const SERVER_USAGE: Readonly<Record<string, string>>;
declare const OPTIONS: {
    readonly publish: {
        readonly topic: {
            readonly type: "string";
        };
        readonly event: {
            readonly type: "string";
        };
        readonly payload: {
            readonly type: "string";
        };
        readonly url: {
            readonly type: "string";
        };
        readonly stack: {
            readonly type: "string";
        };
        readonly region: {
            readonly type: "string";
        };
    };
    readonly presence: {
        readonly topic: {
            readonly type: "string";
        };
        readonly url: {
            readonly type: "string";
        };
        readonly stack: {
            readonly type: "string";
        };
        readonly region: {
            readonly type: "string";
        };
    };
    readonly disconnect: {
        readonly connection: {
            readonly type: "string";
        };
        readonly user: {
            readonly type: "string";
        };
        readonly url: {
            readonly type: "string";
        };
        readonly stack: {
            readonly type: "string";
        };
        readonly region: {
            readonly type: "string";
        };
    };
};
export type ServerCommand = keyof typeof OPTIONS;
export declare function isServerCommand(command: string): command is ServerCommand;
/** Runs one command; returns what to print. Throws UsageError (exit 2) or Error (exit 1). */
export declare function serverCommand(command: ServerCommand, args: readonly string[], env: Readonly<Record<string, string | undefined>>, clients: PublishApiClients): Promise<string>;
export {};
