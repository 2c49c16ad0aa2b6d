// Bench-only preload for the copilot-api child (node --expose-gc --import …/gc-on-signal.js): on
// SIGUSR2 it runs a full GC, so the bench can tell memory that is held from memory not yet collected.
// Never part of the server itself.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) process.on("SIGUSR2", () => gc());
