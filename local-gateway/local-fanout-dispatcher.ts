/**
 * Runs fan-out worker batches the way an asynchronous Lambda invoke does: the dispatcher
 * returns once the batches are handed over, and each batch runs the real worker handler
 * on its own, in this process. With `wait`, as a synchronous invoke: it returns once every
 * batch has run.
 */
import type { DispatchOptions, DispatchResult, FanoutBatch, FanoutDispatcher, GreetingEvent, Logger } from '../lambdas/core/ports.js';
import type { ConnectionGreeter, Greeting } from '../lambdas/core/pusher/greeting.js';

export class LocalFanoutDispatcher implements FanoutDispatcher, ConnectionGreeter {
  private worker: ((batch: FanoutBatch) => Promise<unknown>) | undefined;
  private greeter: ((event: GreetingEvent) => Promise<unknown>) | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  public constructor(private readonly logger: Logger) {}

  /** The worker is bound after the dependencies exist, as it is built from them. */
  public bind(worker: (batch: FanoutBatch) => Promise<unknown>, greeter?: (event: GreetingEvent) => Promise<unknown>): void {
    this.worker = worker;
    this.greeter = greeter;
  }

  public async dispatch(batches: readonly FanoutBatch[], options: DispatchOptions = {}): Promise<DispatchResult> {
    const worker = this.worker;
    if (!worker) throw new Error('fan-out worker is not bound');
    if (options.wait === true) {
      // A synchronous invoke: every worker runs, and the caller waits for all of them.
      const errors = await Promise.all(
        batches.map(async (batch) => {
          try {
            await worker(JSON.parse(JSON.stringify(batch)) as FanoutBatch);
            return null;
          } catch (error) {
            return String(error);
          }
        }),
      );
      const failed = errors.flatMap((error, index) => (error === null ? [] : [{ batch: batches[index] as FanoutBatch, error }]));
      return { dispatched: batches.length - failed.length, failed };
    }
    for (const batch of batches) {
      // A JSON round trip, as the Invoke payload would be.
      const payload = JSON.parse(JSON.stringify(batch)) as FanoutBatch;
      const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => worker(payload));
      const tracked = run.catch((error: unknown) => this.logger.error('fan-out worker failed', { topic: batch.topic, error }));
      this.inFlight.add(tracked);
      void tracked.finally(() => this.inFlight.delete(tracked));
    }
    return { dispatched: batches.length, failed: [] };
  }

  /** A greeting, handed over as an asynchronous invoke of the worker, as `$connect` does in Lambda. */
  public greet(greeting: Greeting): Promise<void> {
    const greeter = this.greeter;
    if (!greeter) return Promise.reject(new Error('the fan-out worker takes no greetings here'));
    this.track(new Promise<void>((resolve) => setImmediate(resolve)).then(() => greeter(JSON.parse(JSON.stringify({ greeting })) as GreetingEvent)), greeting.connectionId);
    return Promise.resolve();
  }

  private track(run: Promise<unknown>, label: string): void {
    const tracked = run.catch((error: unknown) => this.logger.error('fan-out worker failed', { label, error }));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Waits for every batch handed over so far (used on shutdown). */
  public async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
