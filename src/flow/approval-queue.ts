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

  constructor(private readonly approver: Approver) {}

  /** Requests waiting for their prompt (not counting the one being asked about). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Whether a prompt is showing. */
  get asking(): boolean {
    return this.current !== undefined;
  }

  /** Resolves with the answer; rejects with the signal's reason if the client leaves first. */
  request(info: ApprovalInfo, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<boolean>((resolve, reject) => {
      const pending: Pending = { info, resolve, reject, signal, prompt: new AbortController(), done: false };
      if (signal) {
        pending.onAbort = () => this.abort(pending);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.queue.push(pending);
      this.next();
    });
  }

  private next(): void {
    if (this.current) return;
    const pending = this.queue.shift();
    if (!pending) return;
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
