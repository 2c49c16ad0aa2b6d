import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where copilot-api keeps its state. `$COPILOT_API_HOME` wins, as in the original. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.COPILOT_API_HOME || join(homedir(), ".local", "share", "copilot-api");
}

export function paths(dir: string) {
  return {
    dir,
    githubToken: join(dir, "github_token"),
    device: join(dir, "device.json"),
    config: join(dir, "copilot-api.json"),
  };
}

/** Writes a secret: directory 0700, file 0600, atomically, and re-applies the mode on an existing file. */
export async function writeSecretFile(file: string, content: string): Promise<void> {
  const dir = join(file, "..");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700).catch(() => {});
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

export async function readTextFile(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, "utf8")).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Reads a secret file, first tightening it to 0600 (and its directory to 0700) when others can
 * read it: the original copilot-api left its token at this same path with the default mode.
 * Returns whether the mode had to be fixed, so the caller can say so.
 */
export async function readSecretFile(file: string): Promise<{ value: string | undefined; fixedMode: boolean }> {
  let fixedMode = false;
  try {
    const st = await stat(file);
    if (st.mode & 0o077) {
      await chmod(file, 0o600);
      await chmod(join(file, ".."), 0o700).catch(() => {});
      fixedMode = true;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { value: undefined, fixedMode };
    throw error;
  }
  return { value: await readTextFile(file), fixedMode };
}
