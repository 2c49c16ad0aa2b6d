import type { Context, Handler, Next } from "hono";

/**
 * A route whose module is imported on its first request rather than at start: the bundle keeps each
 * such module (and the dialect code only it uses) in a chunk of its own, which a server that never
 * gets that kind of request never reads or compiles (scripts/bundle.mjs, docs/benchmark.md). The
 * first request waits for the import, a few ms; later ones call the handler directly.
 */
export function lazyRoute<M>(load: () => Promise<M>, make: (module: M) => Handler): Handler {
  let handler: Handler | undefined;
  let loading: Promise<Handler> | undefined;
  return (c: Context, next: Next) => {
    if (handler) return handler(c, next);
    // A failed import is not kept: the next request tries again (and fails the same way if the file is gone).
    loading ??= load().then(
      (m) => (handler = make(m)),
      (error: unknown) => {
        loading = undefined;
        throw error;
      },
    );
    return loading.then((h) => h(c, next));
  };
}
