/**
 * Node module resolution hook: `electron` (from the app or from any package it loads, such as
 * electron-store) resolves to the fake next to this file. Everything else resolves as Node does.
 */
import { URL } from 'node:url';

const fakeUrl = new URL('./fake-electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron' || specifier.startsWith('electron/')) return { url: fakeUrl, shortCircuit: true };
  return nextResolve(specifier, context);
}
