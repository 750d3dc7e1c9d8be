// Task queues with long polls: a task waiting for a poller, or a poller waiting for a task.
// A queued task is a closure that hands out the task when a poller takes it, or returns null when the
// task went stale meanwhile (the run closed, the activity was cancelled, ...).

export type TaskOffer<R, C> = (poller: C) => R | null;

interface Poller<R, C> {
  context: C;
  deliver(response: R | null): void;
}

class Queue<R, C> {
  private tasks: TaskOffer<R, C>[] = [];
  private head = 0;
  readonly pollers: Poller<R, C>[] = [];

  push(task: TaskOffer<R, C>, front: boolean): void {
    if (front) {
      if (this.head > 0) this.tasks[--this.head] = task;
      else this.tasks.unshift(task);
    } else this.tasks.push(task);
  }

  take(poller: C): R | null {
    while (this.head < this.tasks.length) {
      const task = this.tasks[this.head]!;
      this.tasks[this.head++] = undefined as unknown as TaskOffer<R, C>;
      if (this.head > 1024 && this.head * 2 > this.tasks.length) {
        this.tasks = this.tasks.slice(this.head);
        this.head = 0;
      }
      const response = task(poller);
      if (response !== null) return response;
    }
    return null;
  }

  get size(): number {
    return this.tasks.length - this.head;
  }
}

export interface PendingPoll<R> {
  /** Resolves with a task, or null when the poll timed out or was cancelled. */
  result: Promise<R | null>;
  cancel(): void;
}

export class TaskQueues<R, C> {
  private readonly queues = new Map<string, Queue<R, C>>();

  constructor(private readonly pollTimeoutMs: number) {}

  private queue(key: string): Queue<R, C> {
    let q = this.queues.get(key);
    if (!q) {
      q = new Queue<R, C>();
      this.queues.set(key, q);
    }
    return q;
  }

  /** Offers a task: a waiting poller gets it at once, otherwise it waits in the queue. */
  add(key: string, task: TaskOffer<R, C>, front = false): void {
    const q = this.queue(key);
    const poller = q.pollers.shift();
    if (poller) {
      const response = task(poller.context);
      if (response === null) q.pollers.unshift(poller);
      else poller.deliver(response);
      return;
    }
    q.push(task, front);
  }

  poll(key: string, context: C): PendingPoll<R> {
    const q = this.queue(key);
    const ready = q.take(context);
    if (ready !== null) return { result: Promise.resolve(ready), cancel: () => {} };
    let settle: (r: R | null) => void = () => {};
    const result = new Promise<R | null>((resolve) => (settle = resolve));
    const poller: Poller<R, C> = {
      context,
      deliver: (r) => {
        clearTimeout(timer);
        settle(r);
      },
    };
    const remove = (): void => {
      const i = q.pollers.indexOf(poller);
      if (i >= 0) q.pollers.splice(i, 1);
    };
    const timer = setTimeout(() => {
      remove();
      settle(null);
    }, this.pollTimeoutMs);
    q.pollers.push(poller);
    return {
      result,
      cancel: () => {
        clearTimeout(timer);
        remove();
        settle(null);
      },
    };
  }

  /** Answers every waiting poll of a queue with no task (used on shutdown). */
  releasePollers(key?: string): void {
    for (const [k, q] of this.queues) {
      if (key !== undefined && k !== key) continue;
      for (const p of q.pollers.splice(0)) p.deliver(null);
    }
  }

  backlog(key: string): number {
    return this.queues.get(key)?.size ?? 0;
  }
}
