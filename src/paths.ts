import { constants } from "node:fs";
import { access, chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
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

/**
 * Writes a secret: file 0600, atomically, and re-applies the mode on an existing file. A directory
 * it creates is 0700; an existing one keeps its mode (COPILOT_API_HOME may name a shared
 * directory), the file inside stays private either way.
 */
export async function writeSecretFile(file: string, content: string): Promise<void> {
  const dir = join(file, "..");
  await mkdir(dir, { recursive: true, mode: 0o700 });
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
      fixedMode = true;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { value: undefined, fixedMode };
    throw error;
  }
  return { value: await readTextFile(file), fixedMode };
}

/**
 * Makes sure the data directory exists (created 0700; an existing one keeps its mode) and that
 * this user may write in it, before anything needs to: a login whose token cannot be stored, or a
 * Docker volume owned by another uid, should be said at once, with the command that fixes it.
 */
export async function ensureDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS") throw error;
    const uid = process.getuid?.();
    const fix =
      code === "EROFS"
        ? "mount it writable"
        : uid === undefined
          ? "give this user write access to it"
          : `run \`sudo chown -R ${uid}:${process.getgid?.() ?? uid} ${dir}\` (for a Docker volume: \`docker run --rm -u 0 -v <volume>:/data --entrypoint chown <image> -R ${uid}:${process.getgid?.() ?? uid} /data\`)`;
    throw new Error(
      `The data directory ${dir} is not writable by this user${uid === undefined ? "" : ` (uid ${uid})`} (${code}): the GitHub login and device ids are kept there. ` +
        `To fix it, ${fix}, or set COPILOT_API_HOME to a directory you own.`,
    );
  }
}
