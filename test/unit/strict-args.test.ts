import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ArgsDef } from "citty";
import { checkArgs } from "../../src/cli/strict-args.js";

const defs = {
  port: { type: "string", alias: "p" },
  wait: { type: "boolean", alias: "w" },
  verbose: { type: "boolean", alias: "v" },
  "api-key": { type: "string" },
} as ArgsDef;

describe("checkArgs", () => {
  test("accepts every spelling citty accepts", () => {
    for (const args of [
      ["--port", "1"],
      ["--port=1"],
      ["-p", "1"],
      ["-p1"],
      ["-wv"],
      ["-wp", "1"],
      ["--no-wait"],
      ["--apiKey", "k"],
      ["--api-key=-starts-with-dash"],
      ["--help"],
      ["-h"],
      ["--wait", "--", "anything", "--goes"],
    ]) {
      assert.equal(checkArgs(args, defs, "start"), undefined, args.join(" "));
    }
  });

  test("refuses unknown options (with the closest name), missing values and stray arguments", () => {
    assert.match(checkArgs(["--apikey", "x"], defs, "start")!, /Unknown option --apikey for copilot-api start: did you mean --api-key\?/);
    assert.match(checkArgs(["--no-port"], defs, "start")!, /Unknown option --no-port/);
    assert.match(checkArgs(["-wx"], defs, "start")!, /Unknown option -x/);
    assert.match(checkArgs(["--port"], defs, "start")!, /--port needs a value/);
    assert.match(checkArgs(["--api-key", "--wait"], defs, "start")!, /--api-key needs a value.*--api-key=--wait/);
    assert.match(checkArgs(["extra"], defs, "start")!, /takes no argument "extra"/);
  });

  test("takes as many positional arguments as the command declares", () => {
    const withOne = { ...defs, since: { type: "positional" } } as ArgsDef;
    assert.equal(checkArgs(["7d", "--wait"], withOne, "usage"), undefined);
    assert.match(checkArgs(["7d", "8d"], withOne, "usage")!, /takes no argument "8d"/);
  });

  test("a switch takes no value but true or false: =0 or =no would be read as on", () => {
    // citty reads --image-urls-allow-private=0 as on, and --no-image-urls=1 as image URLs left on:
    // the opposite of what was meant, for the options that guard private addresses.
    for (const args of [["--wait=true"], ["--wait=false"], ["-w=true"]]) assert.equal(checkArgs(args, defs, "start"), undefined, args.join(" "));
    for (const [args, pattern] of [
      [["--wait=0"], /--wait takes no value \(or =true, =false\), got "0"/],
      [["--wait=no"], /--wait takes no value/],
      [["--verbose="], /--verbose takes no value/],
      [["-w=1"], /--wait takes no value/],
      [["--no-wait=1"], /--no-wait takes no value/],
      [["--no-wait=false"], /--no-wait takes no value/],
    ] as const) {
      assert.match(checkArgs(args, defs, "start") ?? "accepted", pattern, args.join(" "));
    }
  });
});
