/**
 * Stands in for `mnemonist/lru-cache` inside the Lambda bundles (an esbuild alias:
 * BUNDLE_ALIASES in lib/realtime-api-defaults.ts). The DynamoDB client builds its
 * endpoint-discovery cache with it when it is constructed and only uses it when endpoint
 * discovery is turned on, which topicast never does; mnemonist and its dependency are 7 KB
 * of every bundle. The same behaviour on a Map: the least recently used entry goes when
 * the capacity is passed, `get` refreshes an entry, `peek` does not.
 */
export default class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();

  public constructor(private readonly capacity: number) {}

  public get size(): number {
    return this.entries.size;
  }

  public has(key: K): boolean {
    return this.entries.has(key);
  }

  public peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  public get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    // A Map iterates in insertion order: re-inserting makes the entry the most recent.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  public set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  public clear(): void {
    this.entries.clear();
  }
}
