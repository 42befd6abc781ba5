// The engine's task launcher: starts task supervisors on request (over the IPC channel) from this
// small process, because forking copies the forking process's page tables — from an engine that
// holds thousands of tasks a spawn took ~3 ms of its event loop, from here a fraction of that, on
// another core. Supervisors are detached: they do not depend on this process, or on the engine.
// It reaps the supervisors it started while it runs; it exits when the engine goes (its channel closes).
import { spawn } from 'node:child_process';

process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  const answer = (r) => process.send({ id: m.id, ...r });
  try {
    const child = spawn(m.file, m.args, { cwd: m.cwd, env: m.env, detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid) answer({ pid: child.pid });
    else child.once('error', (err) => answer({ error: err.message }));
  } catch (err) {
    answer({ error: err.message });
  }
});
