/**
 * The wake-ups of readers waiting for another process's fill of a key: a fill or a release
 * message for the key wakes every watch on it at once. A watch remembers a message that came
 * while its reader was busy (looking in Redis), so that no fill between two looks is slept through.
 */
export class FillSignals {
  readonly #watches = new Map<string, Set<FillWatch>>();

  /** Starts watching a key: do it before the first look, so that a fill after it always wakes. */
  watch(id: string): FillWatch {
    const watches = this.#watches.get(id) ?? new Set<FillWatch>();
    this.#watches.set(id, watches);
    const watch = new FillWatch(() => {
      watches.delete(watch);
      if (watches.size === 0 && this.#watches.get(id) === watches) this.#watches.delete(id);
    });
    watches.add(watch);
    return watch;
  }

  /** A fill or a release of the key was heard. */
  notify(id: string): void {
    for (const watch of this.#watches.get(id) ?? []) watch.wake();
  }
}

/** One reader's watch on a key. */
export class FillWatch {
  #woken = false;
  #resolve?: () => void;
  #timer?: ReturnType<typeof setTimeout>;

  constructor(private readonly onClose: () => void) {}

  /** Resolves on the next message for the key (at once if one came since the last wait), or after `ms`. */
  wait(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(() => this.#settle(), Math.max(1, ms));
    });
  }

  wake(): void {
    if (this.#resolve) this.#settle();
    else this.#woken = true;
  }

  close(): void {
    this.#settle();
    this.onClose();
  }

  #settle(): void {
    clearTimeout(this.#timer);
    const resolve = this.#resolve;
    this.#resolve = undefined;
    this.#woken = false;
    resolve?.();
  }
}
