import { VipProxy } from '../plugins/vip/proxy.js';

/**
 * The VIP proxy in a process of its own, as it runs inside the engine daemon (so the load generator
 * does not share its event loop). argv: <address> <port> <backends JSON>.
 */
const [address, port, backends] = process.argv.slice(2);
const proxy = new VipProxy(address, Number(port));
proxy.setBackends(
  (JSON.parse(backends) as { host: string; port: number }[]).map((b, i) => ({ ...b, active: true, taskId: `b${i}` })),
);
await proxy.listen();
process.stdout.write('ready\n');
process.on('SIGTERM', () => void proxy.close().then(() => process.exit(0)));
