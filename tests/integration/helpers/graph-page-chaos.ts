/**
 * Page-level chaos for Graph listings, injected in this test process only, between the Entra
 * connector and the Graph stand-in (as ad-chaos.test.ts does for ldapts): the connector's last
 * middleware (HttpsMessageHandler) is wrapped, so the stand-in and the product code stay as they
 * are. For the GETs whose path matches, each page answer may be
 *
 * - duplicated: the page comes, and its nextLink leads to the same page once more;
 * - reordered: the next page comes in its place, then this one, then the walk goes on;
 * - repeated: the previous page's items come in place of this page's (which that walk never sees).
 *
 * Seeded (mulberry32), so a failure replays.
 *
 *   const chaos = injectGraphPageChaos({ duplicatePage: 0.2, reorder: 0.3, repeatPage: 0.1 }, { path: /\/groups\/[^/]+\/members$/ });
 *   ...; chaos.counts; chaos.restore();
 */
import type { Context } from '@microsoft/microsoft-graph-client';
import { HttpsMessageHandler } from '../../../sync-server/connectors/entra/transport.js';

export type PageChaosRates = { duplicatePage: number; reorder: number; repeatPage: number };
export type PageChaosCounts = { pages: number; duplicated: number; reordered: number; repeated: number };

type Page = { value?: unknown[]; '@odata.nextLink'?: string; [key: string]: unknown };

/** The marker a doctored nextLink carries; stripped before anything reaches the stand-in. */
const MARK = 'chaosPage';
const markOf = (url: string): string | undefined => new RegExp(`[?&]${MARK}=(\\d+)`).exec(url)?.[1];
const unmarked = (url: string): string => url.replace(new RegExp(`[?&]${MARK}=\\d+`), '');
const marked = (url: string, id: number): string => `${url}${url.includes('?') ? '&' : '?'}${MARK}=${id}`;

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function answer(page: Page, like: Response): Response {
  const headers = new Headers(like.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(page), { status: 200, headers });
}

export function injectGraphPageChaos(rates: PageChaosRates, opts: { path: RegExp; seed?: number }): { counts: PageChaosCounts; restore(): void } {
  const original = HttpsMessageHandler.prototype.execute;
  const random = seeded(opts.seed ?? 7);
  const counts: PageChaosCounts = { pages: 0, duplicated: 0, reordered: 0, repeated: 0 };
  /** What a marked nextLink stands for: the real page again, or a page body already decided. */
  const planned = new Map<string, { again: string } | { body: Page; like: Response }>();
  /** The items of the page served last in each walk (its path and query, without the cursor). */
  const lastItems = new Map<string, unknown[]>();
  let next = 0;

  HttpsMessageHandler.prototype.execute = async function (this: HttpsMessageHandler, context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const real = unmarked(url);
    const target = new URL(real);
    if (method !== 'GET' || !opts.path.test(target.pathname)) return await original.call(this, context);
    const fetchPage = async (pageUrl: string): Promise<{ page?: Page; response: Response }> => {
      const sub: Context = { ...context, request: pageUrl };
      await original.call(this, sub);
      const response = sub.response as Response;
      if (response.status !== 200) return { response };
      return { page: (await response.clone().json()) as Page, response };
    };
    const walk = `${target.pathname}?${[...target.searchParams].filter(([k]) => k !== '$skiptoken').map(([k, v]) => `${k}=${v}`).join('&')}`;
    const mark = markOf(url);
    const plan = mark ? planned.get(mark) : undefined;
    if (mark) planned.delete(mark);
    if (plan && 'body' in plan) {
      counts.pages++;
      lastItems.set(walk, plan.body.value ?? []);
      context.response = answer(plan.body, plan.like);
      return;
    }
    const { page, response } = await fetchPage(plan ? plan.again : real);
    context.response = response;
    if (!page) return;
    counts.pages++;
    if (!target.searchParams.has('$skiptoken') && !plan) lastItems.delete(walk);
    const previous = lastItems.get(walk);
    const nextLink = page['@odata.nextLink'];
    const roll = random();
    let served: Page = page;
    if (roll < rates.duplicatePage) {
      counts.duplicated++;
      const id = String(++next);
      planned.set(id, { again: real });
      served = { ...page, '@odata.nextLink': marked(real, Number(id)) };
    } else if (roll < rates.duplicatePage + rates.reorder && nextLink) {
      const after = await fetchPage(nextLink);
      if (after.page) {
        counts.reordered++;
        const id = String(++next);
        // This page comes second, leading on to where the page served in its place led.
        const body: Page = { ...page };
        const rest = after.page['@odata.nextLink'];
        if (rest) body['@odata.nextLink'] = rest;
        else delete body['@odata.nextLink'];
        planned.set(id, { body, like: response });
        served = { ...after.page, '@odata.nextLink': marked(real, Number(id)) };
      }
    } else if (roll < rates.duplicatePage + rates.reorder + rates.repeatPage && previous) {
      counts.repeated++;
      served = { ...page, value: previous };
    }
    lastItems.set(walk, served.value ?? []);
    if (served !== page) context.response = answer(served, response);
  };
  return {
    counts,
    restore() {
      HttpsMessageHandler.prototype.execute = original;
    },
  };
}
