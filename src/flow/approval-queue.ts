/** What the person at the terminal is shown before an upstream-bound request goes out. */
export interface ApprovalInfo {
  method: string;
  path: string;
  /** The client API: chat, messages, responses or embeddings. */
  api: string;
  model?: string;
  /** Request body size in bytes. */
  bytes: number;
  /** Who started the turn, as X-Initiator will say (none for embeddings). */
  initiator?: "user" | "agent";
}

/**
 * Asks whether one request may go upstream. `signal` aborts when the client has gone away: the
 * approver must then take its prompt down and settle promptly (the queue waits for it to settle
 * before showing the next prompt, so prompts never overlap).
 */
export interface Approver {
  ask(info: ApprovalInfo, signal: AbortSignal): Promise<boolean>;
}

/** The queue of waiting requests is at its bound: the request is refused at once (503). */
export class ApprovalQueueFull extends Error {
  constructor(readonly max: number) {
    super(`${max} requests are already waiting for approval`);
  }
}

/**
 * Why a prompt was taken down when the client is still there (a prompt for another instance's
 * request whose answer could no longer reach it): the terminal says so instead of "disconnected".
 */
export class PromptWithdrawn extends Error {}

export interface RequestOptions {
  /** Most requests that may wait (not counting those being asked about); more reject with ApprovalQueueFull. */
  max?: number;
  /** Told once the request waits in the queue, with how many wait or are being asked about. */
  onQueued?: (waiting: number) => void;
}

interface Pending {
  info: ApprovalInfo;
  resolve(approved: boolean): void;
  reject(reason: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Aborts the prompt itself when the client leaves while being asked about. */
  prompt: AbortController;
  done: boolean;
}

/**
 * One prompt at a time, in arrival order. The original's --manual prompted for every request at
 * once, so concurrent requests produced overlapping prompts on one terminal (known-failures §9).
 * A request whose client disconnects leaves the queue, or has its prompt cancelled if it is the one
 * being asked about. An approver that fails counts as a refusal: fail closed.
 */
export class ApprovalQueue {
  private readonly queue: Pending[] = [];
  private current?: Pending;

  constructor(
    private readonly approver: Approver,
    /** Called whenever the last prompt is answered and nothing waits: the terminal is free. */
    private readonly onIdle?: () => void,
  ) {}

  /** Requests waiting for their prompt (not counting the one being asked about). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Whether a prompt is showing. */
  get asking(): boolean {
    return this.current !== undefined;
  }

  /** No prompt showing and none waiting. */
  get idle(): boolean {
    return this.current === undefined && this.queue.length === 0;
  }

  /** Resolves with the answer; rejects with the signal's reason if the client leaves first. */
  request(info: ApprovalInfo, signal?: AbortSignal, options: RequestOptions = {}): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (options.max !== undefined && this.queue.length >= options.max) return Promise.reject(new ApprovalQueueFull(options.max));
    return new Promise<boolean>((resolve, reject) => {
      const pending: Pending = { info, resolve, reject, signal, prompt: new AbortController(), done: false };
      if (signal) {
        pending.onAbort = () => this.abort(pending);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.next();
      options.onQueued?.(this.queue.length + (this.current ? 1 : 0));
    });
  }

  private next(): void {
    if (this.current) return;
    const pending = this.queue.shift();
    if (!pending) {
      this.onIdle?.();
      return;
    }
    this.current = pending;
    let answer: Promise<boolean>;
    try {
      answer = Promise.resolve(this.approver.ask(pending.info, pending.prompt.signal));
    } catch (error) {
      answer = Promise.reject(error);
    }
    void answer
      .then(
        (approved) => approved === true,
        () => false,
      )
      .then((approved) => {
        this.settle(pending, approved);
        this.current = undefined;
        this.next();
      });
  }

  private settle(pending: Pending, approved: boolean): void {
    if (pending.done) return;
    pending.done = true;
    if (pending.onAbort) pending.signal?.removeEventListener("abort", pending.onAbort);
    pending.resolve(approved);
  }

  private abort(pending: Pending): void {
    if (pending.done) return;
    pending.done = true;
    const i = this.queue.indexOf(pending);
    if (i >= 0) this.queue.splice(i, 1);
    pending.prompt.abort(pending.signal?.reason);
    pending.reject(pending.signal?.reason);
  }
}
