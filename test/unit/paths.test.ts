import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dataDir, paths, readTextFile, writeSecretFile } from "../../src/paths.js";

const posix = process.platform !== "win32";
let root = "";

before(async () => {
  root = await mkdtemp(join(tmpdir(), "copilot-api-paths-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("dataDir / paths", () => {
  it("COPILOT_API_HOME wins, else ~/.local/share/copilot-api", () => {
    assert.equal(dataDir({ COPILOT_API_HOME: "/x/y" }), "/x/y");
    assert.equal(dataDir({}), join(homedir(), ".local", "share", "copilot-api"));
    const p = paths("/d");
    assert.equal(p.githubToken, join("/d", "github_token"));
    assert.equal(p.device, join("/d", "device.json"));
  });
});

describe("writeSecretFile (S3)", { skip: !posix && "POSIX modes only" }, () => {
  it("creates the directory 0700 and the file 0600", async () => {
    const dir = join(root, "fresh", "nested");
    const file = join(dir, "github_token");
    await writeSecretFile(file, "ghu_secret_value");
    assert.equal(await readFile(file, "utf8"), "ghu_secret_value");
    assert.equal(await mode(file), 0o600);
    assert.equal(await mode(dir), 0o700);
  });

  it("tightens a pre-existing 0644 file and leaves an existing (maybe shared) directory's mode alone", async () => {
    const dir = join(root, "existing");
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const file = join(dir, "github_token");
    await writeFile(file, "old", { mode: 0o644 });
    await chmod(file, 0o644);
    assert.equal(await mode(file), 0o644);
    await writeSecretFile(file, "ghu_new_value");
    assert.equal(await readFile(file, "utf8"), "ghu_new_value");
    assert.equal(await mode(file), 0o600);
    assert.equal(await mode(dir), 0o755);
  });

  it("leaves no temporary file behind", async () => {
    const dir = join(root, "tmpcheck");
    await writeSecretFile(join(dir, "a"), "1");
    await writeSecretFile(join(dir, "a"), "2");
    assert.deepEqual(await readdir(dir), ["a"]);
  });
});

describe("readTextFile", () => {
  it("trims (a trailing newline breaks auth), and a missing or blank file is undefined", async () => {
    const file = join(root, "trim.txt");
    await writeFile(file, "  ghu_value\n\n");
    assert.equal(await readTextFile(file), "ghu_value");
    await writeFile(file, "\n");
    assert.equal(await readTextFile(file), undefined);
    assert.equal(await readTextFile(join(root, "missing.txt")), undefined);
  });

  it("other errors are not swallowed", async () => {
    await assert.rejects(readTextFile(root), (e: NodeJS.ErrnoException) => e.code === "EISDIR");
  });
});
