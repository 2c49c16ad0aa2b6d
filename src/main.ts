#!/usr/bin/env node
// Whether to colour is settled before anything that prints is loaded (citty and consola decide when
// they load). In the bundle a module's static imports run before its own code, so everything else
// is imported after this, dynamically.
import "./cli/no-color.js";

await import("./cli/command.js");
