/**
 * A person at the stand-in provider, without a browser: follows the authorization URL's redirects
 * with a cookie jar, posts the login form, and stops at the redirect back to the console, whose URL
 * (code, state, iss) it returns. The e2e test does the same in Chromium.
 */
export async function signInAtProvider(authorizationUrl: string, credentials: { username: string; password: string }, redirectPrefix: string): Promise<URL> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = (pair ?? '').indexOf('=');
      if (at > 0) jar.set((pair as string).slice(0, at), (pair as string).slice(at + 1));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = new URL(authorizationUrl);
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(redirectPrefix)) return url;
    const res = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body: body.toString() } : {}) });
    remember(res);
    body = undefined;
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url);
      continue;
    }
    const html = await res.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action) throw new Error(`stand-in provider answered ${res.status}: ${html.slice(0, 300)}`);
    if (/role="alert"/.test(html)) throw new Error('the stand-in provider refused the username or password');
    url = new URL(action.replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c))), url);
    body = new URLSearchParams({ username: credentials.username, password: credentials.password });
  }
  throw new Error('too many redirects at the stand-in provider');
}
