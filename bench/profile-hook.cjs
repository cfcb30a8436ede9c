// Preloaded into the services by bench/profile.mjs (NODE_OPTIONS=--require): in the service named by
// PROFILE_SERVICE, the first SIGUSR2 starts V8's CPU profiler, the second stops it and writes
// <PROFILE_DIR>/<service>.cpuprofile (open it in Chrome DevTools) and <service>.memory.json: the
// process's memory before and after a full garbage collection (what it holds vs what it has not
// collected yet). The profiler samples every 200 µs.
const inspector = require('node:inspector');
const { writeFileSync } = require('node:fs');
const path = require('node:path');

const service = process.env.OTEL_SERVICE_NAME;
if (service && service === process.env.PROFILE_SERVICE) {
  const session = new inspector.Session();
  session.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  const file = (suffix) => path.join(process.env.PROFILE_DIR, `${service}.${suffix}`);
  let profiling = false;
  // Signals are handled one after the other: a stop that arrives while the start is still under way
  // waits for it.
  let queue = Promise.resolve();
  process.on('SIGUSR2', () => {
    queue = queue.then(toggle).catch((error) => console.error(`profile-hook: ${error.message}`));
  });
  async function toggle() {
    if (!profiling) {
      profiling = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
      writeFileSync(file('started'), ''); // bench/profile.mjs waits for it: signals do not queue
      return;
    }
    profiling = false;
    const { profile } = await post('Profiler.stop');
    writeFileSync(file('cpuprofile'), JSON.stringify(profile));
    const beforeGc = process.memoryUsage();
    await post('HeapProfiler.collectGarbage');
    writeFileSync(file('memory.json'), JSON.stringify({ beforeGc, afterGc: process.memoryUsage() }));
  }
}
