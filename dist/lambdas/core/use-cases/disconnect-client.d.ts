import type { TopicastConfig } from '../config.js';
import type { RealtimeStore } from '../ports.js';
import type { Broadcaster } from './broadcaster.js';
export interface DisconnectClientDependencies {
    readonly store: RealtimeStore;
    readonly broadcaster: Broadcaster;
    readonly config: TopicastConfig;
}
/** Removes the connection with one Query plus batched deletes, then announces its leaves. */
export declare function disconnectClient(deps: DisconnectClientDependencies, connectionId: string): Promise<number>;
