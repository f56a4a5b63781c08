import { type MessagingDependencies } from '../composition/dependencies.js';
import type { FanoutBatch } from '../core/ports.js';
import type { DeliveryReport } from '../core/use-cases/deliver.js';
/** Delivers one batch of a big topic's fan-out, invoked asynchronously by the pusher. */
export declare const createFanoutWorkerHandler: (dependencies: () => MessagingDependencies) => (batch: FanoutBatch) => Promise<DeliveryReport>;
export declare const handler: (batch: FanoutBatch) => Promise<DeliveryReport>;
