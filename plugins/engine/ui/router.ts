import { useEffect, useState } from 'preact/hooks';

/**
 * Routing by the URL's path under /ui/ (history API), so a link to any view can be shared; the
 * engine answers every /ui/… path with the page (api/ui-route.ts).
 */
const listeners = new Set<() => void>();

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  for (const l of listeners) l();
}

window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

/** The current path below /ui/ ('' for the overview) and its query. */
export function useRoute(): { path: string; query: URLSearchParams } {
  const read = () => ({
    path: decodeURIComponent(location.pathname.replace(/^\/ui\/?/, '')),
    query: new URLSearchParams(location.search),
  });
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const l = () => setRoute(read());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return route;
}
