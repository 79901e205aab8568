/**
 * The operations one WebSocket runs, tracked by the gateway rather than read off graphql-ws'
 * `ctx.subscriptions`: graphql-ws forgets an operation completed while its onSubscribe is still
 * awaited, and lets the same id subscribe again meanwhile; when the pending ones settle each stores
 * its iterator over the previous one. Repeating subscribe and complete on one id left any number of
 * iterators running, never counted by the per-socket cap, and all but the last outlived the socket.
 *
 * Here an operation is tracked from its subscribe until it ends: pending ones count, an id is
 * taken until its operation ends, one no longer wanted when it starts is returned at once, and
 * whatever is tracked when the socket closes is returned then.
 */
export class SocketOperations {
  private readonly running = new Map<string, Operation>();
  private closed = false;

  /** Operations tracked now, pending ones among them. */
  get size(): number {
    return this.running.size;
  }

  has(id: string): boolean {
    return this.running.has(id);
  }

  /** Tracks operation `id`; undefined when one of that id is tracked already, or the socket closed. */
  begin(id: string): Operation | undefined {
    if (this.closed || this.running.has(id)) return undefined;
    const operation = new Operation(() => {
      if (this.running.get(id) === operation) this.running.delete(id);
    });
    this.running.set(id, operation);
    return operation;
  }

  /**
   * What graphql-ws should run for operation `id`'s result (Operation.start); an operation no
   * longer tracked (its socket closed meanwhile) is not wanted.
   */
  start<R>(id: string, result: R, wanted: boolean): R | AsyncIterableIterator<never> {
    const operation = this.running.get(id);
    if (operation) return operation.start(result, wanted);
    const untracked = new Operation(() => undefined);
    untracked.end();
    return untracked.start(result, false);
  }

  /** The socket closed: every operation tracked ends (its iterator returned), and none begins again. */
  async close(): Promise<void> {
    this.closed = true;
    const running = [...this.running.values()];
    this.running.clear();
    await Promise.all(running.map((operation) => operation.cancel()));
  }
}

type Source = AsyncIterator<unknown> & Partial<AsyncIterable<unknown>>;

export class Operation {
  private ended = false;
  private source: Source | undefined;
  private returned = false;

  constructor(private readonly untrack: () => void) {}

  get done(): boolean {
    return this.ended;
  }

  /** The operation is over (refused, answered, or its iterator finished): its id is free again. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.untrack();
  }

  /**
   * What graphql-ws should run for this operation's result: a query's result as it is; a
   * subscription's iterator wrapped so that the operation ends with it. When the operation is no
   * longer wanted (`wanted` false: completed or its socket closing, or ended already) the iterator
   * is returned at once and an empty one runs instead.
   */
  start<R>(result: R, wanted: boolean): R | AsyncIterableIterator<never> {
    if (!isAsyncIterable(result)) {
      this.end();
      return result;
    }
    this.source = result[Symbol.asyncIterator]() as Source;
    if (this.ended || !wanted) {
      void this.cancel();
      return finished();
    }
    return this.wrapped(this.source);
  }

  /** Ends the operation and returns its iterator (once, whoever asks first); never rejects. */
  async cancel(): Promise<void> {
    this.end();
    await this.returnSource().catch(() => undefined);
  }

  private async returnSource(): Promise<IteratorResult<unknown>> {
    if (this.returned || !this.source?.return) return { done: true, value: undefined };
    this.returned = true;
    return this.source.return();
  }

  private wrapped(source: Source): AsyncIterableIterator<never> {
    const iterator: AsyncIterableIterator<never> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        try {
          const step = await source.next();
          if (step.done) this.end();
          return step as IteratorResult<never>;
        } catch (error) {
          this.end();
          throw error;
        }
      },
      return: async () => {
        this.end();
        await this.returnSource();
        return { done: true, value: undefined };
      },
      throw: async (error: unknown) => {
        this.end();
        await this.returnSource();
        throw error;
      },
    };
    return iterator;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** An iterator that has ended: what graphql-ws runs in place of an operation no longer wanted. */
function finished(): AsyncIterableIterator<never> {
  const iterator: AsyncIterableIterator<never> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => ({ done: true, value: undefined }),
    return: async () => ({ done: true, value: undefined }),
  };
  return iterator;
}
