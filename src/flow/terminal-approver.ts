import { createInterface } from "node:readline";
import { printable } from "../text.js";
import { type ApprovalInfo, type Approver, PromptWithdrawn } from "./approval-queue.js";

/** One line describing the request, e.g. `POST /v1/messages (messages API) model claude-sonnet-4.6, 12.1 KB, initiator user`. */
export function describeRequest(info: ApprovalInfo): string {
  const size = info.bytes >= 1024 ? `${(info.bytes / 1024).toFixed(1)} KB (${info.bytes} bytes)` : `${info.bytes} bytes`;
  // The model and the path come from the client, and with --redis-url every field comes from Redis:
  // all printed escaped, never raw, on the terminal.
  const parts = [`model ${info.model === undefined ? "(none)" : printable(info.model)}`, size];
  if (info.initiator) parts.push(`initiator ${printable(info.initiator)}`);
  return `${printable(info.method)} ${printable(info.path)} (${printable(info.api)} API): ${parts.join(", ")}`;
}

/**
 * Asks y/N on the terminal. A fresh readline interface per prompt, closed afterwards, so stdin is
 * only read while a question is showing. Anything but y/yes refuses; so does end of input.
 */
export class TerminalApprover implements Approver {
  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
    /** Ctrl+C while a prompt is showing: readline swallows it, so hand it on to the process. */
    private readonly onInterrupt: () => void = () => process.kill(process.pid, "SIGINT"),
  ) {}

  ask(info: ApprovalInfo, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const rl = createInterface({ input: this.input, output: this.output });
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        signal.removeEventListener("abort", onAbort);
        rl.close();
        settle();
      };
      const onAbort = () =>
        finish(() => {
          const why = signal.reason instanceof PromptWithdrawn ? signal.reason.message : "the client disconnected";
          this.output.write(`\n(cancelled: ${why})\n`);
          reject(signal.reason);
        });
      signal.addEventListener("abort", onAbort, { once: true });
      rl.on("SIGINT", () => {
        finish(() => resolve(false));
        this.onInterrupt();
      });
      rl.on("close", () => finish(() => resolve(false)));
      rl.question(`Approve ${describeRequest(info)}? [y/N] `, (answer) => finish(() => resolve(/^y(es)?$/i.test(answer.trim()))));
    });
  }
}
