/**
 * A store's URL (--redis-url, --database-url) may carry a password, in its user part or, as
 * PostgreSQL's client also reads it, in a `password` query parameter. Both are secrets.
 */

/** The passwords in a store URL (none for one that does not parse: config-checks refused it already). */
export function urlPasswords(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  return [decodeURIComponent(u.password), u.searchParams.get("password") ?? ""].filter((p) => p !== "");
}

/** The URL to print: without its passwords. */
export function urlForLog(url: string): string {
  const u = new URL(url);
  u.password = "";
  u.searchParams.delete("password");
  return u.toString();
}
