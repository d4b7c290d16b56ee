/**
 * A first-in first-out queue whose `shift()` is O(1): a head index walks the array instead of
 * `Array.prototype.shift()` moving every element, which made a million queued sends quadratic.
 * The array is emptied when the head catches up and compacted once the taken half dominates,
 * so a queue that never drains completely still does not grow without bound.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The oldest item, removed; `undefined` when empty (check `length` if T includes undefined). */
  shift(): T | undefined {
    const items = this.#items;
    const head = this.#head;
    if (head === items.length) return undefined;
    const item = items[head];
    items[head] = undefined; // nothing retained by a taken item
    if (head + 1 === items.length) {
      items.length = this.#head = 0;
    } else {
      this.#head = head + 1;
      if (head >= COMPACT_AFTER && head * 2 >= items.length) this.#compact();
    }
    return item;
  }

  #compact(): void {
    this.#items.splice(0, this.#head);
    this.#head = 0;
  }
}

/** Taken slots kept before compacting: splice is O(n), so it runs at most once per n shifts. */
const COMPACT_AFTER = 4096;
