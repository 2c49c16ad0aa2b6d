// Bench-only preload for the copilot-api child (node --expose-gc --import …/gc-on-signal.js): on
// SIGUSR2 it runs a full GC, so the bench can tell memory that is held from memory not yet collected.
// Never part of the server itself.
// Under Bun (bun --preload …): Bun.gc(true) is its synchronous full collection.
const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
const gc = bun ? () => bun.gc(true) : (globalThis as { gc?: () => void }).gc;
if (gc) process.on("SIGUSR2", () => gc());
