import type { Recorder, RequestRecord } from "../../src/observability/recorder.js";

/**
 * The next request record that matches, as an event: a stream is recorded when its body has ended,
 * which can be after the client has read its last line. Call before sending the request.
 */
export function nextRecord(recorder: Recorder, match: (r: RequestRecord) => boolean = () => true): Promise<RequestRecord> {
  return new Promise((resolve) => {
    const off = recorder.subscribe((r) => {
      if (!match(r)) return;
      off();
      resolve(r);
    });
  });
}
