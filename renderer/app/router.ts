import { useEffect, useState } from 'react';

/** Hash routes work from file://, app:// and the server's `/` alike, with no server-side rewrites. */
export type Route = { screen: string; id: string | null };

export const SCREENS = ['queue', 'my-access', 'request-access', 'tasks', 'requests', 'grants', 'revocations', 'reviews', 'policies', 'resources', 'profiles', 'proposals', 'audit', 'rejected', 'settings', 'connectors', 'accounts', 'search', 'evidence', 'standing-access'] as const;
export type Screen = (typeof SCREENS)[number];

export function parseHash(hash: string): Route {
  const [screen = '', id = null] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  return { screen: (SCREENS as readonly string[]).includes(screen) ? screen : 'queue', id: id || null };
}

export function href(screen: Screen, id?: string | null): string {
  return `#/${screen}${id ? `/${encodeURIComponent(id)}` : ''}`;
}

export function navigate(screen: Screen, id?: string | null): void {
  window.location.hash = href(screen, id);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
