/**
 * A request value as text, for ids compared as keys and names quoted in messages. `String(v)` and
 * template literals throw on a JSON object with its own `toString` key ({"toString": []}), which
 * any request body can hold, so untrusted values never go through them.
 */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  if (v === null || typeof v !== "object") return String(v);
  return JSON.stringify(v) ?? "";
}

// C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), and the bidirectional overrides that can
// make a terminal show text in another order than it was sent.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escaped = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * A value a client sent, made safe to print on one terminal line: control characters (escape
 * sequences that could move the cursor, retitle or clear the terminal, newlines that could forge a
 * log line) are shown escaped, and the length is capped.
 */
export function printable(value: string, max = 200): string {
  return clip(value, max).replace(CONTROL, escaped);
}

/** Everything printed goes through this: control characters but newline and tab are shown escaped. */
export function withoutControls(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escaped);
}

/** How much of a client's value an error message or a log line quotes. */
export const ECHO_CHARS = 200;

/**
 * At most `max` characters of `s`, with an ellipsis when cut. A cut is a copy (ownCopy): a slice of a
 * 20 MB field would keep the whole field alive for as long as the message lives (in the request
 * recorder, hundreds of them).
 */
export function clip(s: string, max = ECHO_CHARS): string {
  return s.length <= max ? s : `${ownCopy(s.slice(0, max))}…`;
}

/** A client's value quoted in a message: as JSON text, at most ECHO_CHARS of it. */
export function quote(v: unknown): string {
  return JSON.stringify(clip(asText(v)));
}

/**
 * A string that shares no storage with `s`. V8 makes a substring of 13 or more characters a view
 * into its parent ("sliced string"); concatenating and slicing again flattens the characters into a
 * new string of their own, which the view then points into.
 */
export function ownCopy(s: string): string {
  return ` ${s}`.slice(1);
}
