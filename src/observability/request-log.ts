import { createWriteStream, fchmod, fstat, type WriteStream } from "node:fs";
import { promisify } from "node:util";

const fdOf = (stream: WriteStream) => (stream as unknown as { fd: number }).fd;
import type { Logger } from "../log.js";
import type { Recorder, RequestRecord } from "./recorder.js";
import { redactDeep } from "./redact-deep.js";

export interface RequestLog {
  /** Resolves once every line handed over so far is written (tests wait on it; no sleeping). */
  idle(): Promise<void>;
  /** Stops listening and closes the file after the pending lines. */
  close(): Promise<void>;
}

export interface RequestLogOptions {
  file: string;
  /** Write the prompt and the answer too (config.logBodies). Off by default: prompts are private (known-failures X8, S4). */
  bodies: boolean;
  recorder: Recorder;
  log: Logger;
}

/** One line: `at` (ISO, for people reading the file) then the record's fields, bodies only when asked for. */
export function logLine(record: RequestRecord, withBodies: boolean): string {
  const { bodies, ...rest } = record;
  const line = { at: new Date(record.time).toISOString(), ...rest, ...(withBodies && bodies ? { bodies } : {}) };
  // Everything written goes through redact(): an error message or a prompt can carry a token.
  return `${JSON.stringify(redactDeep(line))}\n`;
}

function opened(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", reject);
  });
}

/**
 * Appends one JSON line per finished request. The file is opened at start so that a bad path
 * fails there, with its name, rather than silently at the first request; created owner-only (0600)
 * because it records what was asked of which model. A write error later is reported once and
 * logging stops; requests are never affected.
 */
export async function openRequestLog(options: RequestLogOptions): Promise<RequestLog> {
  const stream = createWriteStream(options.file, { flags: "a", mode: 0o600 });
  try {
    await opened(stream);
  } catch (error) {
    throw new Error(`Cannot open the request log ${options.file}: ${(error as Error).message}`);
  }
  // `mode` only applies to a new file: an existing one is made owner-only too, or refused.
  try {
    const { mode } = await promisify(fstat)(fdOf(stream));
    if (process.platform !== "win32" && mode & 0o077) {
      await promisify(fchmod)(fdOf(stream), 0o600);
      options.log.warn(`The request log ${options.file} was readable by other users; its mode is now 0600`);
    }
  } catch (error) {
    stream.destroy();
    throw new Error(
      `The request log ${options.file} is readable by other users and its mode cannot be changed (${(error as Error).message}): ` +
        "run chmod 600 on it, or choose another --log-file.",
    );
  }
  let failed = false;
  let last: Promise<void> = Promise.resolve();
  stream.on("error", (error) => {
    if (failed) return;
    failed = true;
    options.log.warn(`Request log ${options.file}: ${error.message}; no more lines will be written`);
  });
  const unsubscribe = options.recorder.subscribe((record) => {
    if (failed) return;
    const line = logLine(record, options.bodies);
    last = new Promise((resolve) => stream.write(line, () => resolve()));
  });
  return {
    idle: () => last,
    async close() {
      unsubscribe();
      await last;
      await new Promise<void>((resolve) => stream.end(() => resolve()));
    },
  };
}
