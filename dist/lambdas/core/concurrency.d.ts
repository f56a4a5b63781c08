/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export declare function mapWithConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]>;
export declare function chunk<T>(items: readonly T[], size: number): T[][];
