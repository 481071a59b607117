/**
 * Where the Reviews screen is: the app's router gives the screen and one id; the reviews screen
 * reads the rest of the hash itself, so every view has its own address (the back button works).
 *   #/reviews                      the campaign list
 *   #/reviews/inbox[/<campaignId>] the reviewer's inbox (all campaigns, or one)
 *   #/reviews/campaign/<id>        a campaign's progress, per reviewer
 *   #/reviews/evidence/<id>        a campaign's evidence, one page, exported as CSV
 *   #/reviews/new, #/reviews/edit/<id>  the definition form
 */
import { useEffect, useState } from 'react';

export type ReviewRoute =
  | { view: 'list' }
  | { view: 'inbox'; campaignId: string | null }
  | { view: 'campaign'; campaignId: string }
  | { view: 'evidence'; campaignId: string }
  | { view: 'definition'; campaignId: string | null };

export function parseReviewHash(hash: string): ReviewRoute {
  const [, view = '', id = ''] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (view === 'inbox') return { view: 'inbox', campaignId: id || null };
  if (view === 'campaign' && id) return { view: 'campaign', campaignId: id };
  if (view === 'evidence' && id) return { view: 'evidence', campaignId: id };
  if (view === 'new') return { view: 'definition', campaignId: null };
  if (view === 'edit' && id) return { view: 'definition', campaignId: id };
  return { view: 'list' };
}

export function reviewHref(route: ReviewRoute): string {
  const part = (s: string) => `/${encodeURIComponent(s)}`;
  switch (route.view) {
    case 'list':
      return '#/reviews';
    case 'inbox':
      return `#/reviews/inbox${route.campaignId ? part(route.campaignId) : ''}`;
    case 'campaign':
    case 'evidence':
      return `#/reviews/${route.view}${part(route.campaignId)}`;
    case 'definition':
      return route.campaignId ? `#/reviews/edit${part(route.campaignId)}` : '#/reviews/new';
  }
}

export function useReviewRoute(): ReviewRoute {
  const [route, setRoute] = useState(() => parseReviewHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseReviewHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
