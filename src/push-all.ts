/**
 * target.push(...items) without the spread: a spread passes every item as an argument, and past
 * ~100,000 of them (a body of that many messages, or of content parts) the call overflows the
 * stack and the request fails with a 500.
 */
export function pushAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
