type Column = Float64Array | Uint32Array | Uint16Array | Uint8Array;

/** A column of numbers kept in a typed array that doubles as it fills: nothing per number for the collector. */
export class Numbers<T extends Column> {
  #values: T;
  #length = 0;

  constructor(readonly make: (length: number) => T) {
    this.#values = make(1024);
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#values.length) this.#grow(this.#length + 1);
    this.#values[this.#length++] = value;
  }

  /**
   * Makes room for `count` more numbers, which the caller writes from the old `length` on: one
   * loop over a listing with each column in a variable of its own type stays monomorphic,
   * where `push` on columns of four types does not.
   */
  extend(count: number): T {
    if (this.#length + count > this.#values.length) this.#grow(this.#length + count);
    this.#length += count;
    return this.#values;
  }

  /** Adds a whole column; into an empty one it is taken as it is, not copied. */
  append(values: T): void {
    if (this.#length === 0) {
      this.#values = values;
      this.#length = values.length;
      return;
    }
    if (this.#length + values.length > this.#values.length) this.#grow(this.#length + values.length);
    this.#values.set(values, this.#length);
    this.#length += values.length;
  }

  /** Exactly the numbers pushed, copied: a structured clone copies the whole buffer of a view. */
  take(): T {
    return this.#values.slice(0, this.#length) as T;
  }

  /** The numbers pushed, not copied. */
  view(): T {
    return this.#values.subarray(0, this.#length) as T;
  }

  #grow(needed: number): void {
    let size = Math.max(1024, this.#values.length * 2);
    while (size < needed) size *= 2;
    const grown = this.make(size);
    grown.set(this.#values.subarray(0, this.#length));
    this.#values = grown;
  }
}
