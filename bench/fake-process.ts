// The fake GitHub + Copilot upstream in its own process, for `npm run bench`: prints one JSON line
// with its URLs and GitHub token, then serves until its parent disconnects or it is sent SIGTERM.
// Recorded calls are dropped every second so that memory stays flat over tens of thousands of
// requests (the bench never reads them).
import { DEFAULT_GITHUB_TOKEN, startFakeUpstream } from "../test/fake-upstream/server.js";

const fake = await startFakeUpstream({ chunkSplit: false, paceMs: 0 });
const trim = setInterval(() => fake.reset(), 1000);
trim.unref();
process.stdout.write(
  `${JSON.stringify({ url: fake.url, githubUrl: fake.githubUrl, githubApiUrl: fake.githubApiUrl, capiUrl: fake.capiUrl, githubToken: DEFAULT_GITHUB_TOKEN })}\n`,
);

const stop = () => {
  void fake.close().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
// Ends with the bench: its stdin is a pipe from the parent.
process.stdin.on("end", stop);
process.stdin.resume();
