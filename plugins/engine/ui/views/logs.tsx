import { useEffect, useRef, useState } from 'preact/hooks';
import { taskLog } from '../api.js';
import { Section } from '../components.js';
import { useRoute } from '../router.js';

/** The most a followed log keeps on the page (older text is dropped from the top). */
const MAX_CHARS = 512 * 1024;

/** A task's stdout or stderr: its last 500 lines, or followed as it is written. */
export function LogView(p: { taskId: string }) {
  const { query } = useRoute();
  const container = query.get('container') ?? undefined;
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const ac = new AbortController();
    setText('');
    setError(undefined);
    taskLog(p.taskId, { stream, follow, container, signal: ac.signal }, (chunk) =>
      setText((t) => {
        const next = t + chunk;
        return next.length > MAX_CHARS ? next.slice(next.length - MAX_CHARS) : next;
      }),
    ).catch((err: Error) => {
      if (!ac.signal.aborted) setError(err.message);
    });
    return () => ac.abort();
  }, [p.taskId, stream, follow, container]);

  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [text]);

  return (
    <Section
      title={`Log of ${p.taskId}${container ? ` (${container})` : ''}`}
      actions={
        <span>
          <select value={stream} onChange={(e) => setStream((e.target as HTMLSelectElement).value as 'stdout')}>
            <option value="stdout">stdout</option>
            <option value="stderr">stderr</option>
          </select>{' '}
          <label>
            <input
              type="checkbox"
              checked={follow}
              onChange={(e) => setFollow((e.target as HTMLInputElement).checked)}
            />{' '}
            follow
          </label>
        </span>
      }
    >
      {error && <p class="error">{error}</p>}
      <pre class="log" id="log" ref={pre}>
        {text || (error ? '' : 'No output yet.')}
      </pre>
    </Section>
  );
}
