import type { Clock, IdGenerator, Logger } from '../core/ports.js';
export declare const systemClock: Clock;
export declare const randomIds: IdGenerator;
/** One JSON line per entry, as CloudWatch Logs Insights expects. */
export declare function jsonLogger(write?: (line: string) => void): Logger;
export declare const silentLogger: Logger;
