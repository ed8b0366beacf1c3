/**
 * A map that keeps at most `capacity` entries, dropping the least recently used: what the verifiers remember of
 * credentials that checked out. A Map iterates in insertion order, so re-inserting on use keeps the oldest first.
 */
export class BoundedMemory<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`capacity must be at least 1 (got ${capacity})`);
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Stores (or refreshes) an entry as the most recently used, dropping the oldest beyond capacity. */
  remember(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  forget(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
