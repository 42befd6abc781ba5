import type { App } from '../../core/index.js';
import { APP_LABELS, BALANCE, SUPPORTED_PORT_LABELS, truthy } from './labels.js';

export interface LabelFinding {
  label: string;
  rule: string;
  message: string;
  severity: 'error' | 'warn';
}

/**
 * Checks of an app's HAPROXY_* labels before anything is deployed: values marathon-lb would choke
 * on (or silently misread) are errors; labels marathon-lb knows but Baton does not apply yet are
 * warnings, never silently ignored.
 */
export function checkLabels(app: App): LabelFinding[] {
  const out: LabelFinding[] = [];
  const labels = app.labels ?? {};
  for (const [key, value] of Object.entries(labels)) {
    if (!key.startsWith('HAPROXY_')) continue;
    const m = /^HAPROXY_(\d+)_(.+)$/.exec(key);
    if (!m) {
      if (!APP_LABELS.has(key))
        out.push({
          label: key,
          rule: 'marathon-lb.label-unsupported',
          severity: 'warn',
          message: `${key} is not applied by Baton's marathon-lb (global templates and unknown labels are ignored)`,
        });
      continue;
    }
    const [, n, name] = m;
    const err = (rule: string, message: string) => out.push({ label: key, rule, message, severity: 'error' });
    if (!SUPPORTED_PORT_LABELS.has(name)) {
      out.push({
        label: key,
        rule: 'marathon-lb.label-unsupported',
        severity: 'warn',
        message: `HAPROXY_{n}_${name} is not applied by Baton's marathon-lb yet; the port is served without it`,
      });
      continue;
    }
    if (name === 'MODE' && !['http', 'tcp'].includes(value.toLowerCase()))
      err('marathon-lb.mode', `must be "http" or "tcp" (got "${value}")`);
    if (name === 'BALANCE' && !BALANCE.has(value.trim().split(/[\s(]/)[0]))
      err('marathon-lb.balance', `"${value}" is not an HAProxy balance algorithm (${[...BALANCE].join(', ')})`);
    if ((name === 'PORT' || name === 'BACKEND_WEIGHT') && !/^-?\d+$/.test(value.trim()))
      err(`marathon-lb.${name === 'PORT' ? 'port' : 'weight'}`, `must be an integer (got "${value}")`);
    if ((name === 'PATH' || (name === 'REDIRECT_TO_HTTPS' && truthy(value))) && !labels[`HAPROXY_${n}_VHOST`])
      err('marathon-lb.needs-vhost', `HAPROXY_${n}_${name} needs HAPROXY_${n}_VHOST`);
  }
  return out;
}
