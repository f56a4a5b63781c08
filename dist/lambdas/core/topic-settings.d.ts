/** Per-topic settings derived from config patterns. */
import type { TopicastConfig } from './config.js';
export declare function shardCountFor(topic: string, config: Pick<TopicastConfig, 'sharding'>): number;
export declare function presenceEnabledFor(topic: string, config: Pick<TopicastConfig, 'presenceDisabled'>): boolean;
