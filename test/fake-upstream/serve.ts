/**
 * The fake GitHub + Copilot as a process of its own, on a fixed loopback port, until SIGTERM: for
 * checks that run copilot-api somewhere a test process can't reach into, such as the Docker smoke
 * test (scripts/docker-smoke.sh), where it shares the container's network namespace.
 * `node dist/test/fake-upstream/serve.js <port>`; prints `fake upstream listening on <url>`.
 */
import { startFakeUpstream } from "./server.js";

const port = Number(process.argv[2] ?? 18080);
// One pending poll at a 1 s interval: a device-flow login against it takes about two seconds.
const fake = await startFakeUpstream({ port, deviceFlow: { interval: 1, pendingPolls: 1 } });
process.stdout.write(`fake upstream listening on ${fake.url}\n`);
const stop = () => void fake.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
